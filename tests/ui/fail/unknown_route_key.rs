use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.s4")]
fn typo(_event: RawEvent) {}

fn main() {}
