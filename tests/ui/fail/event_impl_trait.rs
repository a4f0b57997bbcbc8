// The event as `impl Trait`: the framework needs a type to decode the event into.
use cloud_events_lambda::on_event;

#[on_event("aws.sqs")]
fn queued(_event: impl std::fmt::Debug) {}

fn main() {}
