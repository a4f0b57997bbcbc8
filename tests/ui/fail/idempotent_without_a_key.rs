// An HTTP API retried by its client is a new request with a new request id: nothing in the
// event identifies the work unless the handler names it.
use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.apigateway.v2", idempotent)]
fn create_order(_event: RawEvent) {}

fn main() {}
