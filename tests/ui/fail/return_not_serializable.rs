use cloud_events_lambda::{RawEvent, on_event};

struct Summary {
    _count: usize,
}

#[on_event("aws.s3")]
fn handler(_event: RawEvent) -> Summary {
    Summary { _count: 1 }
}

fn main() {}
