use cloud_events_lambda::{RawEvent, on_cloudevent};

#[on_cloudevent("cloudevents")]
fn handler(_event: RawEvent) {}

fn main() {}
