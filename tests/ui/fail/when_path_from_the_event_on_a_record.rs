// A handler called per record has its `when` checked against each record: a path from the
// whole event can never hold.
use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::on_event;

#[on_event("aws.sqs", when = r#"Records[0].body == "ping""#)]
fn ping(_message: SqsMessage) {}

fn main() {}
