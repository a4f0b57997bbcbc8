//! [`EventBridgeEvent`]: an EventBridge event whose `detail` a handler decodes into its own
//! type, which needs only `Deserialize`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An EventBridge event (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html>):
/// its envelope, and `detail` decoded as `T` (a JSON value by default).
///
/// The fields of `aws_lambda_events`' `EventBridgeEvent`, whose type requires `T` to be
/// `Serialize` as well: a handler only decodes its event, so here `T` needs only
/// `Deserialize`.
///
/// ```
/// use cloud_events_core::events::EventBridgeEvent;
///
/// #[derive(serde::Deserialize)]
/// struct Order {
///     id: String,
/// }
///
/// let json = r#"{"version":"0","id":"e-1","detail-type":"Order Placed","source":"com.acme.orders",
///     "account":"123456789012","time":"2026-11-02T10:00:00Z","region":"eu-west-1","resources":[],
///     "detail":{"id":"o-1"}}"#;
/// let event: EventBridgeEvent<Order> = serde_json::from_str(json).unwrap();
/// assert_eq!((event.detail_type.as_str(), event.detail.id.as_str()), ("Order Placed", "o-1"));
/// assert_eq!(event.time.unwrap().to_rfc3339(), "2026-11-02T10:00:00+00:00");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EventBridgeEvent<T = Value> {
    /// `0` today.
    #[serde(default)]
    pub version: Option<String>,
    /// The event's id.
    #[serde(default)]
    pub id: Option<String>,
    /// What happened (`detail-type`), e.g. `EC2 Instance State-change Notification`.
    pub detail_type: String,
    /// Who sent it, e.g. `aws.ec2` or your application's name.
    pub source: String,
    /// The account it happened in.
    #[serde(default)]
    pub account: Option<String>,
    /// When it happened.
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
    /// The region it happened in.
    #[serde(default)]
    pub region: Option<String>,
    /// The resources it concerns (ARNs).
    #[serde(default)]
    pub resources: Option<Vec<String>>,
    /// The sender's content.
    pub detail: T,
}
