//! The undecoded event, and the error of decoding it into a typed event.

use serde::de::DeserializeOwned;
use std::sync::Arc;

/// The event's JSON, undecoded. Every kind delivers it; cloning is cheap.
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::S3Event};
/// let event = RawEvent::new(Kind::S3.sample());
/// let copy = event.clone(); // shares the JSON text
/// assert_eq!(copy, event);
/// let s3: S3Event = event.decode_json().unwrap();
/// assert_eq!(s3.records[0].s3.bucket.name.as_deref(), Some("acme-invoices-prod"));
/// ```
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
    ///
    /// ```
    /// use cloud_events_core::{Kind, RawEvent};
    /// let event = RawEvent::new(Kind::Sqs.sample());
    /// assert_eq!(event.record_limit(), usize::MAX);
    /// assert_eq!(event.with_record_limit(1_000).record_limit(), 1_000);
    /// ```
    pub fn record_limit(&self) -> usize {
        self.record_limit
    }

    /// The JSON text.
    ///
    /// ```
    /// use cloud_events_core::{Kind, RawEvent};
    /// let event = RawEvent::new(Kind::Sqs.sample());
    /// assert_eq!(event.json(), Kind::Sqs.sample());
    /// assert!(event.json().contains("orders-queue"));
    /// ```
    pub fn json(&self) -> &str {
        &self.json
    }

    /// Decodes the JSON into `T`, with an error that names `T` and where decoding stopped.
    ///
    /// ```
    /// use cloud_events_core::{Kind, RawEvent, events::SqsEvent};
    /// let sqs: SqsEvent = RawEvent::new(Kind::Sqs.sample()).decode_json().unwrap();
    /// assert_eq!(sqs.records.len(), 2);
    /// let error = RawEvent::new(r#"{"Records":[{"messageId":5}]}"#)
    ///     .decode_json::<SqsEvent>()
    ///     .unwrap_err();
    /// assert!(error.target.ends_with("SqsEvent"));
    /// assert!(error.message.starts_with("at `Records[0].messageId`"), "{error}");
    /// ```
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
///
/// ```
/// use cloud_events_core::{RawEvent, events::SqsEvent};
/// let error = RawEvent::new("[]").decode_json::<SqsEvent>().unwrap_err();
/// assert!(error.target.ends_with("SqsEvent"));
/// assert_eq!(error.limit, None);
/// assert!(error.to_string().starts_with("event does not decode into "));
/// ```
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
    ///
    /// ```
    /// use cloud_events_core::DecodeError;
    /// let error = DecodeError::new::<u32>("not a number");
    /// assert_eq!(error.target, "u32");
    /// assert_eq!(error.to_string(), "event does not decode into u32: not a number");
    /// ```
    pub fn new<T>(message: impl Into<String>) -> Self {
        DecodeError {
            target: std::any::type_name::<T>(),
            message: message.into(),
            limit: None,
        }
    }
}
