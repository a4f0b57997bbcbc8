//! CloudFront Lambda@Edge events (`aws_lambda_events` has no type for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A Lambda@Edge event: one record with the CloudFront request (and, for origin/viewer
/// response triggers, the response).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudFrontEvent {
    /// The records; CloudFront sends exactly one.
    #[serde(rename = "Records")]
    pub records: Vec<CloudFrontRecord>,
}

/// One Lambda@Edge record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudFrontRecord {
    /// The CloudFront part of the record.
    pub cf: CloudFrontRecordBody,
}

/// The `cf` object: the distribution's configuration and the request/response.
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
