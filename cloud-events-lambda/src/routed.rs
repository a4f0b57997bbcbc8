//! The outcomes of a batch's records, kept while they run: what every record handler fills
//! in, and what a batch routed record by record among several handlers shares between them.

use cloud_events_core::batch::{BatchOrder, BatchReport};
use serde_json::Value;

/// The outcome of one record: its handler's value, or why it failed.
pub(crate) type Outcome = Result<Value, String>;

/// The reason given for records of an ordered batch after a failed one.
pub(crate) const NOT_PROCESSED: &str = "not processed: an earlier record of this ordered batch failed";

/// What the answer to a batch needs besides the outcomes.
#[derive(Debug, Clone)]
pub(crate) struct BatchMeta {
    pub(crate) ids: Vec<Option<String>>,
    pub(crate) data: Vec<Option<String>>,
    pub(crate) report: BatchReport,
    pub(crate) order: BatchOrder,
}

/// Records of one batch split among several handlers by their `when` conditions: each
/// handler run fills in the outcomes of the records it was given.
#[derive(Debug, Default)]
pub(crate) struct RoutedRun {
    /// The records of the current run.
    pub(crate) mask: std::sync::Mutex<Vec<bool>>,
    pub(crate) outcomes: std::sync::Mutex<Vec<Option<Outcome>>>,
    pub(crate) meta: std::sync::OnceLock<BatchMeta>,
}
