use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.sq", rank = 1.5, colour = "red")]
fn handler<T>(_event: RawEvent) {}

fn main() {}
