//! The framework's side of the side-by-side benchmark: the hand-written handlers, written with
//! `cloud-events-lambda`. All of them are registered in one binary, which classifies each event
//! and routes it, as an app would; each answers what its hand-written twin answers.

use cloud_events_lambda::events::{EventBridgeEvent, S3Event, SqsEvent, SqsMessage};
use cloud_events_lambda::{App, CloudEvent, on_cloudevent, on_event};
use serde_json::Value;
use std::process::ExitCode;

#[on_event("aws.s3")]
fn s3(event: S3Event) -> usize {
    event.records.len()
}

/// One message (`sqs-one`, `sqs-6mb`): its body's length. The condition keeps batches for the
/// per-record handler below; being the more specific, it is tried first.
#[on_event("aws.sqs", when = "!exists(Records[1])")]
fn sqs_one(event: SqsEvent) -> Result<usize, &'static str> {
    let record = event.records.first().ok_or("no record")?;
    Ok(record.body.as_deref().map_or(0, str::len))
}

#[on_event("aws.events")]
fn eventbridge(event: EventBridgeEvent<Value>) -> usize {
    event.detail.as_object().map_or(0, |detail| detail.len())
}

#[on_cloudevent(source = "/orders")]
fn cloudevent(event: CloudEvent) -> usize {
    event.id.len()
}

/// Each record of a batch (`sqs-batch`): the framework answers `{"batchItemFailures": []}`.
#[on_event("aws.sqs")]
fn sqs_record(message: SqsMessage) {
    std::hint::black_box(message.body.as_deref().map_or(0, str::len));
}

#[tokio::main]
async fn main() -> ExitCode {
    App::new().run().await
}
