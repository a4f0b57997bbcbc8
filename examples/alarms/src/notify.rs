//! Notifiers: one per channel, made by a factory from the channel the handler names.

use cloud_events_lambda::{Dep, DepArgs, dependency};
use serde::Serialize;
use std::sync::Mutex;

/// Where messages go. A real app would hold a Slack webhook client or an SES client here;
/// the example records them, so that a run shows what would have been sent.
#[derive(Debug, Default)]
pub struct Outbox {
    sent: Mutex<Vec<Sent>>,
}

/// One message sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    pub channel: &'static str,
    pub to: &'static str,
    pub text: String,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("message is empty")]
    Empty,
}

/// A channel to send alarms to.
#[derive(Debug)]
pub struct Notifier {
    channel: &'static str,
    to: &'static str,
    outbox: Dep<Outbox>,
}

impl Notifier {
    /// Sends `text` on the channel.
    pub fn send(&self, text: &str) -> Result<Sent, NotifyError> {
        if text.trim().is_empty() {
            return Err(NotifyError::Empty);
        }
        let sent = Sent {
            channel: self.channel,
            to: self.to,
            text: text.to_owned(),
        };
        tracing::info!(channel = self.channel, "notification sent");
        self.outbox
            .sent
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(sent.clone());
        Ok(sent)
    }
}

/// Why no notifier could be made.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    #[error("unknown channel {0:?}: use \"slack\" or \"email\"")]
    Unknown(String),
    #[error("no channel given: write #[dep(\"slack\")] or #[dep(\"email\")] on the parameter")]
    Missing,
}

/// Makes the notifier for the channel given at the handler site, once per process and
/// channel (as an SDK client would be).
#[dependency(scope = "process")]
fn notifier(args: DepArgs, outbox: Dep<Outbox>) -> Result<Notifier, ChannelError> {
    let (channel, to) = match args.get(0) {
        Some("slack") => ("slack", "#on-call"),
        Some("email") => ("email", "ops@example.com"),
        Some(other) => return Err(ChannelError::Unknown(other.to_owned())),
        None => return Err(ChannelError::Missing),
    };
    Ok(Notifier { channel, to, outbox })
}
