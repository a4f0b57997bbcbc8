use cloud_events_lambda::{CloudEvent, on_cloudevent};

#[on_cloudevent(type = "com.example.upload", adapted = "yes")]
fn handler(_event: CloudEvent) {}

fn main() {}
