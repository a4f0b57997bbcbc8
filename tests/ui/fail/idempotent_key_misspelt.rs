// An idempotency key path whose first field the route's records do not have, one slip away
// from one they do.
use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::on_event;

#[on_event("aws.sqs", idempotent(key = "bdoy.orderId"))]
fn capture(_message: SqsMessage) {}

fn main() {}
