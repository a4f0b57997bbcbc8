// A `when` path whose first field the route's events do not have, one slip away from one
// they do.
use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_event;

#[on_event("aws.s3", when = r#"ends_with(Recrods[0].s3.object.key, ".pdf")"#)]
fn pdf(_event: S3Event) {}

fn main() {}
