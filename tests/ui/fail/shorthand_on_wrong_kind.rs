use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.s3", source = "my-bucket")]
fn handler(_event: RawEvent) {}

fn main() {}
