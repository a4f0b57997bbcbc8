//! The JSON checker, and the error of an event that is not one: below the classifier, the
//! raw event and the batch splitter, which all answer a text that is not JSON in its words.

use crate::cloudevent::CloudEventError;
use serde_json::value::RawValue;

/// Why an event could not be classified at all.
///
/// ```
/// use cloud_events_core::{ClassifyError, classify};
/// assert_eq!(classify(b"\xff"), Err(ClassifyError::InvalidUtf8 { offset: 0 }));
/// assert!(matches!(classify(b"{\"a\":"), Err(ClassifyError::InvalidJson { line: 1, .. })));
/// let error = classify(br#"{"specversion":"1.0","source":"/s","type":"t"}"#).unwrap_err();
/// assert!(matches!(error, ClassifyError::InvalidCloudEvent(_)));
/// assert_eq!(error.to_string(), "invalid CloudEvent: missing id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The bytes are not JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json found.
        message: String,
    },
    /// The object has `specversion` but breaks the CloudEvents spec.
    #[error(transparent)]
    InvalidCloudEvent(#[from] CloudEventError),
}

impl ClassifyError {
    pub(crate) fn json(error: &serde_json::Error) -> Self {
        let message = error.to_string();
        // serde_json appends " at line L column C"; keep the message without it.
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        };
        ClassifyError::InvalidJson {
            line: error.line(),
            column: error.column(),
            message,
        }
    }
}

/// Checks that `json` is one JSON value, as `lambda_runtime` checks a payload (a `RawValue`,
/// borrowed: no copy): the grammar, not the range of numbers or the pairing of surrogates.
pub(crate) fn check_json(json: &str) -> Result<(), ClassifyError> {
    serde_json::from_str::<&RawValue>(json)
        .map(|_| ())
        .map_err(|e| ClassifyError::json(&e))
}
