use cloud_events_lambda::{DepArgs, RawEvent, on_event};

#[on_event("aws.s3")]
fn handler(_event: RawEvent, _args: DepArgs) {}

fn main() {}
