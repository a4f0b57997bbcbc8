use cloud_events_lambda::on_event;

#[on_event("aws.s3")]
fn handler<T>(_event: T) {}

fn main() {}
