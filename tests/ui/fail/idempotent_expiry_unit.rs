// `expires_after` takes seconds or a whole number with `s`, `m`, `h` or `d`.
use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::on_event;

#[on_event("aws.sqs", idempotent(expires_after = "1 hour"))]
fn capture(_message: SqsMessage) {}

fn main() {}
