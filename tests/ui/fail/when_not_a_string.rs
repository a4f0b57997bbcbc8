use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.events", when = true)]
fn handler(_event: RawEvent) {}

fn main() {}
