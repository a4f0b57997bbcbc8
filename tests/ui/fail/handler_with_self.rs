use cloud_events_lambda::{RawEvent, on_event};

struct Service;

impl Service {
    #[on_event("aws.s3")]
    fn handler(&self, _event: RawEvent) {}
}

fn main() {}
