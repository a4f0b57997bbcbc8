//! The undecoded event, and the error of decoding it into a typed event.

use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The event's JSON, undecoded. Every kind delivers it; cloning is cheap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    // `Arc<String>`, not `Arc<str>`: wrapping a `String` keeps its buffer (a 6 MB payload is
    // not copied).
    json: Arc<String>,
    record_limit: usize,
}

impl RawEvent {
    /// Wraps JSON text (not checked here: the classifier has read it already). A `String` is
    /// kept as it is, without a copy.
    ///
    /// ```
    /// use cloud_events_core::RawEvent;
    /// let event = RawEvent::new(r#"{"hello":"world"}"#);
    /// assert_eq!(event.json(), r#"{"hello":"world"}"#);
    /// ```
    pub fn new(json: impl Into<String>) -> Self {
        RawEvent {
            json: Arc::new(json.into()),
            record_limit: usize::MAX,
        }
    }

    /// Splitting this event into records fails, before any record is decoded, when it has
    /// more than `limit` records (the error's [`DecodeError::limit`] says so).
    ///
    /// ```
    /// use cloud_events_core::RawEvent;
    /// use cloud_events_core::batch::Delivery;
    /// use cloud_events_core::events::{EventOf, SqsMessage};
    /// use cloud_events_core::kinds::marker::Sqs;
    /// let event = RawEvent::new(r#"{"Records":[{"body":"a"},{"body":"b"}]}"#).with_record_limit(1);
    /// let error = <SqsMessage as EventOf<Sqs>>::deliver(&event).err().unwrap();
    /// assert_eq!(error.limit, Some("records"));
    /// ```
    pub fn with_record_limit(mut self, limit: usize) -> Self {
        self.record_limit = limit;
        self
    }

    /// The most records a batch split of this event may have (`usize::MAX` unless set).
    pub fn record_limit(&self) -> usize {
        self.record_limit
    }

    /// The JSON text.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Decodes the JSON into `T`, with an error that names `T` and where decoding stopped.
    pub fn decode_json<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        // The fast path; only a failure pays for a second pass that tracks where it failed.
        if let Ok(value) = serde_json::from_str(&self.json) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_str(&self.json);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            DecodeError::new::<T>(if path == "." {
                inner.to_string()
            } else {
                format!("at `{path}`: {inner}")
            })
        })
    }
}

/// The event's JSON does not fit the type a handler asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event does not decode into {target}: {message}")]
pub struct DecodeError {
    /// The Rust type the event was decoded into.
    pub target: &'static str,
    /// What went wrong, and where.
    pub message: String,
    /// The limit the event is beyond (`"records"`), if that is why it was refused.
    pub limit: Option<&'static str>,
}

impl DecodeError {
    /// An error decoding into `T`.
    pub fn new<T>(message: impl Into<String>) -> Self {
        DecodeError {
            target: std::any::type_name::<T>(),
            message: message.into(),
            limit: None,
        }
    }
}
