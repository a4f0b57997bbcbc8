use cloud_events_lambda::{RawEvent, on_event};

#[on_event]
fn handler(_event: RawEvent) {}

fn main() {}
