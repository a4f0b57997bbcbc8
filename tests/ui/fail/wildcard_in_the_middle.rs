use cloud_events_lambda::{RawEvent, on_cloudevent};

#[on_cloudevent(type = "com.*.created")]
fn handler(_event: RawEvent) {}

fn main() {}
