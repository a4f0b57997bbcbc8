// The event as an `Option`: a handler is only called with an event.
use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_event;

#[on_event("aws.s3")]
fn uploaded(_event: Option<S3Event>) {}

fn main() {}
