// `idempotent` takes `key`, `validate`, `expires_after` and `prefix`.
use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::on_event;

#[on_event("aws.sqs", idempotent(ttl = 60))]
fn capture(_message: SqsMessage) {}

fn main() {}
