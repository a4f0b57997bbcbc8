use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_event;

#[on_event("aws.s3")]
fn needs_a_number(_event: S3Event, _count: u32) {}

fn main() {}
