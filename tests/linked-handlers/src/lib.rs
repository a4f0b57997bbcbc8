//! Handlers that live in a library crate: the binary must link this crate for them to be
//! registered (`cloud_events_lambda::link!(linked_handlers)`).

use cloud_events_lambda::events::SnsEvent;
use cloud_events_lambda::on_event;

/// Counts the SNS records.
#[on_event("aws.sns")]
pub fn sns_from_a_library(event: SnsEvent) -> usize {
    event.records.len()
}
