//! The application the Runtime API and command-line tests run: one handler that succeeds, one
//! that fails, one that panics, and no default (so unroutable events are errors). It also
//! links the `linked_handlers` library crate.

use cloud_events_lambda::events::{KinesisEvent, KinesisFirehoseEvent, S3Event, SqsMessage};
use cloud_events_lambda::{Context, RawEvent, on_event};
use std::process::ExitCode;

cloud_events_lambda::link!(linked_handlers);

/// Succeeds with the object keys and the request id.
#[on_event("aws.s3")]
async fn keys(event: S3Event, context: Context) -> Result<serde_json::Value, std::io::Error> {
    let keys: Vec<_> = event
        .records
        .iter()
        .filter_map(|r| r.s3.object.key.clone())
        .collect();
    Ok(serde_json::json!({ "keys": keys, "request_id": context.request_id }))
}

/// Per record: fails on a body of `fail`.
#[on_event("aws.sqs")]
fn reject(message: SqsMessage) -> Result<(), String> {
    match message.body.as_deref() {
        Some("fail") => Err("queue is closed".to_owned()),
        _ => Ok(()),
    }
}

/// Never finishes in time.
#[on_event("aws.events", source = "slow.app")]
async fn slow(_event: RawEvent) {
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
}

/// Always panics.
#[on_event("aws.kinesis")]
fn explode(_event: KinesisEvent) {
    panic!("kinesis handler exploded");
}

/// Decodes Firehose records: `aws_lambda_events` panics on a fractional millisecond timestamp,
/// which must fail this invocation only.
#[on_event("aws.kinesis.firehose")]
fn firehose(event: KinesisFirehoseEvent) -> usize {
    event.records.len()
}

#[tokio::main]
async fn main() -> ExitCode {
    cloud_events_lambda::run().await
}
