use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_event;

#[on_event(default)]
fn fallback(_event: S3Event) {}

fn main() {}
