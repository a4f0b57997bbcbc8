//! AWS IoT Events Lambda action payloads (`aws_lambda_events` has no type for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The payload an IoT Events detector's Lambda action sends (default payload).
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::IotEventsEvent};
/// let iot: IotEventsEvent = RawEvent::new(Kind::IotEvents.sample()).decode_json().unwrap();
/// assert_eq!(iot.event.event_name, "myChargedEvent");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IotEventsEvent {
    /// The event that fired the action.
    pub event: IotEventsEventBody,
}

/// The `event` object.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::IotEventsEvent};
/// let iot: IotEventsEvent = RawEvent::new(Kind::IotEvents.sample()).decode_json().unwrap();
/// let payload = iot.event.payload.unwrap();
/// assert_eq!(payload["detector"]["keyValue"], "pack-0042");
/// assert_eq!(iot.event.event_time, Some(serde_json::json!(1793697342318_u64)));
/// ```
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
