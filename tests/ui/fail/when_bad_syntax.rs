use cloud_events_lambda::{RawEvent, on_event};

#[on_event("aws.events", when = r#"detail.state.value = "ALARM""#)]
fn handler(_event: RawEvent) {}

fn main() {}
