//! Kinds table, classifier, typed events and the `CloudEvent` type of the cloud-events
//! framework. Synchronous: no runtime, no macros.
//!
//! Applications depend on `cloud-events-lambda`, which re-exports this crate; use this crate
//! directly to classify or decode events outside the framework's runtime.
//!
//! ```
//! use cloud_events_core::{classify, Kind};
//! let event = br#"{"Records":[{"eventSource":"aws:s3","s3":{}}]}"#;
//! assert_eq!(classify(event).unwrap().kind(), Some(Kind::S3));
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

// The crate's map, from the bottom up: `kinds.rs` (the table), `scan.rs` (a byte scanner
// over JSON), `markers.rs` and `probe.rs` (what the classifier reads of an event, and the
// reader), `cloudevent/`, `check.rs` (the JSON checker), `raw.rs` (the undecoded event),
// `batch/` (records of a batch, and splitting them), `classify.rs` (kinds from markers),
// `events/` (the typed events each kind delivers), `adapt.rs` (any event as CloudEvents);
// `condition/` (the `when` language) stands apart.
pub mod condition;
mod delivered;
mod idempotency_key;
pub mod kinds;
mod sample_fields;

#[cfg(feature = "events")]
pub mod adapt;
#[cfg(feature = "events")]
pub mod batch;
#[cfg(feature = "events")]
mod check;
#[cfg(feature = "events")]
mod classify;
#[cfg(feature = "events")]
pub mod cloudevent;
#[cfg(feature = "events")]
mod correlation_id;
#[cfg(feature = "events")]
mod decode;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "events")]
mod markers;
#[cfg(feature = "events")]
mod probe;
#[cfg(feature = "events")]
mod raw;
#[cfg(feature = "events")]
mod scan;
/// Hidden from the docs: what `cloud-events-lambda`'s traces read from an event (each
/// record's upstream trace header, the trigger); applications never call it.
#[cfg(feature = "events")]
#[doc(hidden)]
pub mod trace_context;

pub use delivered::{Delivered, Receives};
pub use idempotency_key::IdempotencyKey;
pub use kinds::{Kind, KindMarker};
pub use sample_fields::{SampleFields, closest_field};

#[cfg(feature = "events")]
pub use check::ClassifyError;
#[cfg(feature = "events")]
pub use classify::{
    Classification, UNCLASSIFIED, classify, classify_event, classify_json, classify_markers, classify_str,
};
#[cfg(feature = "events")]
pub use cloudevent::{CloudEvent, CloudEventError, CloudEventHeader, SpecVersion};
#[cfg(feature = "events")]
pub use correlation_id::read_scalar;
#[cfg(feature = "events")]
pub use events::{AnyEvent, DecodeError, EventOf, RawEvent};
