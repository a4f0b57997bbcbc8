use cloud_events_lambda::{RawEvent, on_cloudevent};

#[on_cloudevent(rank = 1)]
fn handler(_event: RawEvent) {}

fn main() {}
