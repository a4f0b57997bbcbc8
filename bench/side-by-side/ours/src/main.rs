//! The framework's side of the side-by-side benchmark: the hand-written handlers, written with
//! `cloud-events-lambda`. All of them are registered in one binary, which classifies each event
//! and routes it, as an app would; each answers what its hand-written twin answers.

use cloud_events_lambda::events::{EventBridgeEvent, S3Event, SqsMessage};
use cloud_events_lambda::{App, CloudEvent, on_cloudevent, on_event};
use serde_json::Value;
use std::process::ExitCode;

#[on_event("aws.s3")]
fn s3(event: S3Event) -> usize {
    event.records.len()
}

#[on_event("aws.events")]
fn eventbridge(event: EventBridgeEvent<Value>) -> usize {
    event.detail.as_object().map_or(0, |detail| detail.len())
}

#[on_cloudevent(source = "/orders")]
fn cloudevent(event: CloudEvent) -> usize {
    event.id.len()
}

/// Each record of an SQS queue's event (`sqs-one`, `sqs-batch`, `sqs-6mb`): the framework
/// answers `{"batchItemFailures": []}`.
#[on_event("aws.sqs")]
fn sqs_record(message: SqsMessage) {
    std::hint::black_box(message.body.as_deref().map_or(0, str::len));
}

#[tokio::main]
async fn main() -> ExitCode {
    App::new().run().await
}
