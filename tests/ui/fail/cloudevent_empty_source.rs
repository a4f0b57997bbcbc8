use cloud_events_lambda::{RawEvent, on_cloudevent};

#[on_cloudevent(source = "")]
fn handler(_event: RawEvent) {}

fn main() {}
