use cloud_events_lambda::{RawEvent, on_event};

#[derive(Debug)]
struct Oops;

#[on_event("aws.s3")]
fn handler(_event: RawEvent) -> Result<(), Oops> {
    Err(Oops)
}

fn main() {}
