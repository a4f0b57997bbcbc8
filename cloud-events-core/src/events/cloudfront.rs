//! CloudFront Lambda@Edge events (`aws_lambda_events` has no type for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Lambda@Edge event: one record with the CloudFront request (and, for origin/viewer
/// response triggers, the response).
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::CloudFrontEvent};
/// let event: CloudFrontEvent = RawEvent::new(Kind::CloudFront.sample()).decode_json().unwrap();
/// assert_eq!(event.records.len(), 1);
/// assert_eq!(event.records[0].cf.config.event_type, "viewer-request");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudFrontEvent {
    /// The records; CloudFront sends exactly one.
    #[serde(rename = "Records")]
    pub records: Vec<CloudFrontRecord>,
}

/// One Lambda@Edge record.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::CloudFrontEvent};
/// let event: CloudFrontEvent = RawEvent::new(Kind::CloudFront.sample()).decode_json().unwrap();
/// let record = &event.records[0];
/// assert_eq!(record.cf.request.as_ref().unwrap()["uri"], "/products/bk-1042");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudFrontRecord {
    /// The CloudFront part of the record.
    pub cf: CloudFrontRecordBody,
}

/// The `cf` object: the distribution's configuration and the request/response.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::CloudFrontEvent};
/// let event: CloudFrontEvent = RawEvent::new(Kind::CloudFront.sample()).decode_json().unwrap();
/// let cf = &event.records[0].cf;
/// assert_eq!(cf.request.as_ref().unwrap()["method"], "GET");
/// assert!(cf.response.is_none()); // a viewer-request trigger
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudFrontRecordBody {
    /// Which distribution and trigger produced the event.
    pub config: CloudFrontConfig,
    /// The HTTP request (URI, method, headers as CloudFront writes them).
    #[serde(default)]
    pub request: Option<Value>,
    /// The HTTP response, for response triggers.
    #[serde(default)]
    pub response: Option<Value>,
}

/// The `cf.config` object.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::CloudFrontEvent};
/// let event: CloudFrontEvent = RawEvent::new(Kind::CloudFront.sample()).decode_json().unwrap();
/// let config = &event.records[0].cf.config;
/// assert_eq!(config.distribution_id, "E2QWRUHEXAMPLE");
/// assert_eq!(config.distribution_domain_name.as_deref(), Some("d3k9x2example.cloudfront.net"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudFrontConfig {
    /// The distribution's domain name.
    #[serde(default)]
    pub distribution_domain_name: Option<String>,
    /// The distribution's id.
    pub distribution_id: String,
    /// `viewer-request`, `origin-request`, `origin-response` or `viewer-response`.
    pub event_type: String,
    /// The request's id.
    #[serde(default)]
    pub request_id: Option<String>,
}
