use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.s3", "aws.sqs")]
fn handler(_event: RawEvent) {}

fn main() {}
