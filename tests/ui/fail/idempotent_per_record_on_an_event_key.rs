// CloudWatch Logs deliveries have one key for the whole delivery; a handler called per log
// event needs a key of its own.
use cloud_events_lambda::events::Json;
use cloud_events_lambda::on_event;

#[derive(serde::Deserialize)]
struct Line {
    level: String,
}

#[on_event("aws.logs", idempotent)]
fn line(_line: Json<Line>) {}

fn main() {}
