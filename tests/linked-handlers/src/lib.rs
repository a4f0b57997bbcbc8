//! Handlers that live in a library crate: the binary must link this crate for them to be
//! registered (`cloud_events_lambda::link!(linked_handlers)`).

use cloud_events_lambda::events::SnsEvent;
use cloud_events_lambda::on_event;

/// Counts the SNS records.
///
/// ```
/// let event = serde_json::from_str(r#"{"Records": []}"#).unwrap();
/// assert_eq!(linked_handlers::sns_from_a_library(event), 0);
/// ```
#[on_event("aws.sns")]
pub fn sns_from_a_library(event: SnsEvent) -> usize {
    event.records.len()
}
