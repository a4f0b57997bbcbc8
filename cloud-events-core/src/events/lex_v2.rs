//! Amazon Lex V2 events (`aws_lambda_events` has types for V1 only).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The input event a Lex V2 bot sends to its code hook.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::LexV2Event};
/// let lex: LexV2Event = RawEvent::new(Kind::LexV2.sample()).decode_json().unwrap();
/// assert_eq!(lex.input_transcript.as_deref(), Some("where is my order ord-5521"));
/// assert_eq!(lex.interpretations[0]["intent"]["name"], "CheckOrderStatus");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LexV2Event {
    /// The message format version (`1.0`).
    #[serde(default)]
    pub message_version: Option<String>,
    /// `DialogCodeHook` or `FulfillmentCodeHook`.
    #[serde(default)]
    pub invocation_source: Option<String>,
    /// `Text`, `Speech` or `DTMF`.
    #[serde(default)]
    pub input_mode: Option<String>,
    /// The session's id.
    #[serde(default)]
    pub session_id: Option<String>,
    /// What the user said or typed.
    #[serde(default)]
    pub input_transcript: Option<String>,
    /// The bot.
    #[serde(default)]
    pub bot: Option<LexV2Bot>,
    /// The intents Lex considered, best first.
    #[serde(default)]
    pub interpretations: Vec<Value>,
    /// The session's state (active intent, slots, attributes).
    pub session_state: Value,
    /// Request attributes.
    #[serde(default)]
    pub request_attributes: Option<Value>,
}

/// The bot of a Lex V2 event.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::LexV2Event};
/// let lex: LexV2Event = RawEvent::new(Kind::LexV2.sample()).decode_json().unwrap();
/// let bot = lex.bot.unwrap();
/// assert_eq!(bot.name.as_deref(), Some("OrderHelper"));
/// assert_eq!(bot.locale_id.as_deref(), Some("en_GB"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LexV2Bot {
    /// The bot's id.
    pub id: String,
    /// The bot's name.
    #[serde(default)]
    pub name: Option<String>,
    /// The alias id.
    #[serde(default)]
    pub alias_id: Option<String>,
    /// The locale, e.g. `en_US`.
    #[serde(default)]
    pub locale_id: Option<String>,
    /// The bot version.
    #[serde(default)]
    pub version: Option<String>,
}
