// The event taken by reference: the handler owns its event.
use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_event;

#[on_event("aws.s3")]
fn uploaded(_event: &S3Event) {}

fn main() {}
