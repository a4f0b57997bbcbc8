// A record type of another route: the error names what this route delivers.
use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::on_event;

#[on_event("aws.sns")]
fn notified(_message: SqsMessage) {}

fn main() {}
