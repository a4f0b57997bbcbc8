//! Amazon WorkMail message flow rules that run a Lambda function (`aws_lambda_events` has no
//! type for them), and the disposition a synchronous rule answers with.

use serde::{Deserialize, Serialize};

/// The summary of an email that a WorkMail inbound or outbound rule hands its function.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::WorkMailEvent};
/// let event: WorkMailEvent = RawEvent::new(Kind::WorkMail.sample()).decode_json().unwrap();
/// assert_eq!(event.envelope.recipients[0].address, "orders@example.com");
/// assert_eq!(event.flow_direction, "INBOUND");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkMailEvent {
    /// The summary's format version (`2018-10-10`).
    pub summary_version: String,
    /// The SMTP envelope: who sent it, to whom.
    pub envelope: WorkMailEnvelope,
    /// The `From` header's address.
    #[serde(default)]
    pub sender: Option<WorkMailAddress>,
    /// The `Subject` header.
    #[serde(default)]
    pub subject: Option<String>,
    /// The message's id, to fetch its content with the WorkMail Message Flow API.
    pub message_id: String,
    /// This invocation's id.
    pub invocation_id: String,
    /// `INBOUND` or `OUTBOUND`.
    pub flow_direction: String,
    /// Whether the subject was truncated.
    #[serde(default)]
    pub truncated: bool,
}

/// The SMTP envelope of a WorkMail message.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::{WorkMailAddress, WorkMailEvent}};
/// let event: WorkMailEvent = RawEvent::new(Kind::WorkMail.sample()).decode_json().unwrap();
/// let to: Vec<&WorkMailAddress> = event.envelope.recipients.iter().collect();
/// assert_eq!(to[0].address, "orders@example.com");
/// assert!(event.envelope.mail_from.address.contains('@'));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkMailEnvelope {
    /// `MAIL FROM`.
    pub mail_from: WorkMailAddress,
    /// `RCPT TO`, each.
    pub recipients: Vec<WorkMailAddress>,
}

/// An email address.
///
/// ```
/// use cloud_events_core::events::WorkMailAddress;
/// let address: WorkMailAddress = serde_json::from_str(r#"{"address": "ada@example.com"}"#).unwrap();
/// assert_eq!(address.address, "ada@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkMailAddress {
    /// The address.
    pub address: String,
}

/// What a synchronous WorkMail rule's function answers: an action for all recipients or
/// for some.
///
/// ```
/// use cloud_events_core::events::{WorkMailAction, WorkMailActionType, WorkMailDisposition, WorkMailRecipientsAction};
/// let bounce = WorkMailDisposition {
///     actions: vec![WorkMailRecipientsAction {
///         action: WorkMailAction { ty: WorkMailActionType::Bounce, bounce_message: Some("Not here".into()) },
///         recipients: None,
///         all_recipients: Some(true),
///     }],
/// };
/// assert_eq!(
///     serde_json::to_value(&bounce).unwrap(),
///     serde_json::json!({"actions": [{"action": {"type": "BOUNCE", "parameters": {"bounceMessage": "Not here"}}, "allRecipients": true}]})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkMailDisposition {
    /// The actions, each for all recipients or the ones it lists.
    pub actions: Vec<WorkMailRecipientsAction>,
}

/// One action and whom it applies to.
///
/// ```
/// use cloud_events_core::events::{WorkMailAction, WorkMailActionType, WorkMailRecipientsAction};
/// // Junk for two recipients only.
/// let junk = WorkMailRecipientsAction {
///     action: WorkMailAction { ty: WorkMailActionType::MoveToJunk, bounce_message: None },
///     recipients: Some(vec!["ada@example.com".into(), "grace@example.com".into()]),
///     all_recipients: None,
/// };
/// assert_eq!(serde_json::to_value(&junk).unwrap()["action"]["type"], "MOVE_TO_JUNK");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkMailRecipientsAction {
    /// The action.
    pub action: WorkMailAction,
    /// The recipients it applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Vec<String>>,
    /// It applies to every recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_recipients: Option<bool>,
}

/// A WorkMail action: its type, and a bounce's message (WorkMail's `parameters`).
///
/// ```
/// use cloud_events_core::events::{WorkMailAction, WorkMailActionType};
/// let json = r#"{"type": "BOUNCE", "parameters": {"bounceMessage": "No such team"}}"#;
/// let action: WorkMailAction = serde_json::from_str(json).unwrap();
/// assert_eq!(action.ty, WorkMailActionType::Bounce);
/// assert_eq!(action.bounce_message.as_deref(), Some("No such team"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkMailAction {
    /// What to do.
    pub ty: WorkMailActionType,
    /// `BOUNCE`: the message the sender gets back.
    pub bounce_message: Option<String>,
}

/// What a WorkMail rule can do with a message, as WorkMail names it.
///
/// ```
/// use cloud_events_core::events::WorkMailActionType;
/// assert_eq!(serde_json::to_value(WorkMailActionType::BypassSpamCheck).unwrap(), "BYPASS_SPAM_CHECK");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkMailActionType {
    /// Refuse it, with a message to the sender.
    Bounce,
    /// Drop it silently.
    Drop,
    /// Deliver it as the rules would without this function.
    Default,
    /// Inbound: deliver it without the spam check.
    BypassSpamCheck,
    /// Inbound: deliver it to the junk folder.
    MoveToJunk,
    /// Outbound: send it at once.
    SendNow,
}

#[derive(Serialize, Deserialize)]
struct ActionWire {
    #[serde(rename = "type")]
    ty: WorkMailActionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    parameters: Option<ParametersWire>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParametersWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bounce_message: Option<String>,
}

impl Serialize for WorkMailAction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ActionWire {
            ty: self.ty,
            parameters: self.bounce_message.clone().map(|message| ParametersWire {
                bounce_message: Some(message),
            }),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for WorkMailAction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = ActionWire::deserialize(deserializer)?;
        Ok(WorkMailAction {
            ty: wire.ty,
            bounce_message: wire.parameters.and_then(|p| p.bounce_message),
        })
    }
}
