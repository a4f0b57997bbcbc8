use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_cloudevent;

#[on_cloudevent(type = "com.example.order.created")]
fn handler(_event: S3Event) {}

fn main() {}
