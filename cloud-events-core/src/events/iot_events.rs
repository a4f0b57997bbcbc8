//! AWS IoT Events Lambda action payloads (`aws_lambda_events` has no type for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The payload an IoT Events detector's Lambda action sends (default payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IotEventsEvent {
    /// The event that fired the action.
    pub event: IotEventsEventBody,
}

/// The `event` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IotEventsEventBody {
    /// The detector model's event name (the route's dynamic part).
    pub event_name: String,
    /// When it fired.
    #[serde(default)]
    pub event_time: Option<Value>,
    /// Detector, state and input details.
    #[serde(default)]
    pub payload: Option<Value>,
}
