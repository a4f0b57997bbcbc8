//! The undecoded event, and the error of decoding it into a typed event.

use crate::check::{ClassifyError, check_json};
use crate::cloudevent::ReadCloudEvent;
use bytes::Bytes;
use bytestring::ByteString;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex, OnceLock};

/// The event's JSON, undecoded. Every kind delivers it; cloning is cheap.
///
/// It keeps the payload as it was read (a `String`, or the `Bytes` that `lambda_runtime` read
/// from the Runtime API) without a copy, and remembers whether all of it has been found to be
/// JSON: the classifier reads only up to its decisive marker, so the text is checked by the
/// first full read of it (a typed decode) or, where nothing reads it whole, by
/// [`RawEvent::check`].
///
/// ```
/// use cloud_events_core::{Kind, RawEvent, events::S3Event};
/// let event = RawEvent::new(Kind::S3.sample());
/// let copy = event.clone(); // shares the JSON text
/// assert_eq!(copy, event);
/// let s3: S3Event = event.decode_json().unwrap();
/// assert_eq!(s3.records[0].s3.bucket.name.as_deref(), Some("acme-invoices-prod"));
/// ```
#[derive(Debug, Clone)]
pub struct RawEvent {
    payload: Arc<Payload>,
    record_limit: usize,
}

#[derive(Debug)]
struct Payload {
    json: ByteString,
    /// Whether all of `json` is JSON, once something has found out.
    checked: OnceLock<Result<(), ClassifyError>>,
    /// A CloudEvent's attributes as the classifier read and checked them (and where its
    /// `data` is), for its decoder to take rather than read again.
    cloudevent: Mutex<Option<ReadCloudEvent>>,
}

impl PartialEq for RawEvent {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json() && self.record_limit == other.record_limit
    }
}

impl Eq for RawEvent {}

impl RawEvent {
    /// Wraps JSON text (not checked here: see [`RawEvent::check`]). A `String` is kept as it
    /// is, without a copy.
    ///
    /// ```
    /// use cloud_events_core::RawEvent;
    /// let event = RawEvent::new(r#"{"hello":"world"}"#);
    /// assert_eq!(event.json(), r#"{"hello":"world"}"#);
    /// ```
    pub fn new(json: impl Into<String>) -> Self {
        Self::with_text(ByteString::from(json.into()))
    }

    /// The event in a payload as the Lambda Runtime API delivers it: a UTF-8 byte order mark
    /// and the whitespace around the JSON value are dropped (the event is the value), and the
    /// rest must be UTF-8. The bytes are kept without a copy; nothing else is checked here.
    ///
    /// ```
    /// use cloud_events_core::{ClassifyError, RawEvent};
    /// let event = RawEvent::from_bytes(b"\xef\xbb\xbf {\"a\":1}\n".to_vec().into()).unwrap();
    /// assert_eq!(event.json(), r#"{"a":1}"#);
    /// let error = RawEvent::from_bytes(b"{\"a\":\"\xff\"}".to_vec().into()).unwrap_err();
    /// assert_eq!(error, ClassifyError::InvalidUtf8 { offset: 6 });
    /// ```
    pub fn from_bytes(bytes: Bytes) -> Result<Self, ClassifyError> {
        let skip = if bytes.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
        let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let start = skip + bytes[skip..].iter().take_while(|b| is_space(b)).count();
        let end = bytes.len() - bytes[start..].iter().rev().take_while(|b| is_space(b)).count();
        let json = ByteString::try_from(bytes.slice(start..end)).map_err(|e| ClassifyError::InvalidUtf8 {
            offset: start + e.valid_up_to(),
        })?;
        Ok(Self::with_text(json))
    }

    fn with_text(json: ByteString) -> Self {
        RawEvent {
            payload: Arc::new(Payload {
                json,
                checked: OnceLock::new(),
                cloudevent: Mutex::new(None),
            }),
            record_limit: usize::MAX,
        }
    }

    /// Splitting this event into records fails when it has more than `limit` records (the
    /// error's [`DecodeError::limit`] says so), with at most `limit` records decoded first.
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
        &self.payload.json
    }

    /// Checks, once for the event and all its clones, that all of the text is one JSON value
    /// (the grammar, as `lambda_runtime` checks a payload); free when a decoder has already
    /// read it whole.
    ///
    /// ```
    /// use cloud_events_core::{ClassifyError, RawEvent};
    /// assert_eq!(RawEvent::new(r#"{"Records":[]}"#).check(), Ok(()));
    /// let truncated = RawEvent::new(r#"{"Records":["#);
    /// assert!(matches!(truncated.check(), Err(ClassifyError::InvalidJson { line: 1, column: 12, .. })));
    /// ```
    pub fn check(&self) -> Result<(), ClassifyError> {
        self.payload
            .checked
            .get_or_init(|| check_json(self.json()))
            .clone()
    }

    /// Whether all of the text is already known to be JSON (a decoder read it whole, or
    /// [`RawEvent::check`] said so), so that checking it costs nothing.
    ///
    /// ```
    /// use cloud_events_core::{Kind, RawEvent, events::SqsEvent};
    /// let event = RawEvent::new(Kind::Sqs.sample());
    /// assert!(!event.is_checked());
    /// let _: SqsEvent = event.decode_json().unwrap();
    /// assert!(event.is_checked());
    /// ```
    pub fn is_checked(&self) -> bool {
        matches!(self.payload.checked.get(), Some(Ok(())))
    }

    /// The event for a handler that takes it undecoded: only ever JSON.
    pub(crate) fn checked_clone(&self) -> Result<Self, DecodeError> {
        self.check()
            .map(|()| self.clone())
            .map_err(|e| DecodeError::new::<Self>(e.to_string()))
    }

    /// Keeps a CloudEvent's attributes as the classifier read them, for its decoder.
    pub(crate) fn keep_cloudevent(&self, read: ReadCloudEvent) {
        *self.payload.cloudevent.lock().unwrap_or_else(|p| p.into_inner()) = Some(read);
    }

    /// What [`RawEvent::keep_cloudevent`] kept, once (a second decoder reads it again).
    pub(crate) fn take_cloudevent(&self) -> Option<ReadCloudEvent> {
        self.payload
            .cloudevent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Records that a decoder has read all of the text as JSON.
    pub(crate) fn read_whole(&self) {
        let _ = self.payload.checked.set(Ok(()));
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
        if let Some(value) = crate::decode::fast(self.json()) {
            // serde_json read every byte of it, by JSON's grammar.
            self.read_whole();
            return Ok(value);
        }
        crate::decode::with_path(self.json()).map_err(|e| {
            DecodeError::new::<T>(if e.path == "." {
                e.error.to_string()
            } else {
                format!("at `{}`: {}", e.path, e.error)
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
