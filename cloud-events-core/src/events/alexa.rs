//! Alexa Skills Kit and Smart Home events (`aws_lambda_events` has no type for them).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An Alexa request. Custom skills send `version` + `session` + `context` + `request`; Smart
/// Home skills send a `directive` (v3) or `header` + `payload` (v2). The parts are kept as JSON
/// because their shape depends on the request type.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::AlexaEvent};
/// let alexa: AlexaEvent = RawEvent::new(Kind::Alexa.sample()).decode_json().unwrap();
/// assert_eq!(alexa.request.unwrap()["intent"]["name"], "OrderStatusIntent");
/// assert!(alexa.directive.is_none()); // a custom skill, not Smart Home
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlexaEvent {
    /// Custom skills: the request format version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Custom skills: the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Value>,
    /// Custom skills: the device and system context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    /// Custom skills: the request (`LaunchRequest`, `IntentRequest`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Value>,
    /// Smart Home v3: the directive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directive: Option<Value>,
    /// Smart Home v2: the header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Value>,
    /// Smart Home v2: the payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}
