use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.s3")]
fn handler(_event: RawEvent, #[dep("slack")] _channel: String) {}

fn main() {}
