//! The application the Runtime API and command-line tests run: one handler that succeeds, one
//! that fails, one that panics, a per-record SQS handler, one that needs a factory that can be
//! made to fail, and no default (so unroutable events are errors). It also
//! links the `linked_handlers` library crate. Handlers count what they start with the `metrics`
//! facade.

use cloud_events_lambda::events::{KinesisEvent, KinesisFirehoseEvent, S3Event, SqsMessage};
use cloud_events_lambda::metrics::counter;
use cloud_events_lambda::{App, Context, Dep, Limits, Metrics, RawEvent, dependency, on_event};
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
    counter!("ObjectsListed").increment(keys.len() as u64);
    Ok(serde_json::json!({ "keys": keys, "request_id": context.request_id }))
}

/// Per record: fails on a body of `fail`, panics on `panic`, takes its time on `slow`.
#[on_event("aws.sqs")]
async fn reject(message: SqsMessage) -> Result<(), String> {
    counter!("MessagesSeen").increment(1);
    match message.body.as_deref() {
        Some("fail") => Err("queue is closed".to_owned()),
        Some("panic") => panic!("record handler exploded"),
        Some("slow") => {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A client made once per process; its factory fails while `TEST_FACTORY_FAILS` names a file
/// that exists (so that a test can make it recover by removing the file).
struct Clock;

#[dependency(scope = "process")]
fn clock() -> Result<Clock, String> {
    match std::env::var_os("TEST_FACTORY_FAILS") {
        Some(path) if std::path::Path::new(&path).exists() => {
            Err("the clock service is unreachable".to_owned())
        }
        _ => Ok(Clock),
    }
}

/// Needs the clock.
#[on_event("aws.sns")]
fn timed(_event: RawEvent, _clock: Dep<Clock>) -> &'static str {
    "timed"
}

/// Never finishes in time.
#[on_event("aws.events", source = "slow.app")]
async fn slow(_event: RawEvent) {
    counter!("SlowStarted").increment(1);
    tokio::time::sleep(std::time::Duration::from_secs(30)).await;
}

/// Always panics.
#[on_event("aws.kinesis")]
fn explode(_event: KinesisEvent) {
    counter!("ExplodeStarted").increment(1);
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
    let records = std::env::var("TEST_RECORD_CONCURRENCY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    // `TEST_MAX_DEPTH`: a nesting cap, for the bad-input tests.
    let limits = Limits {
        max_depth: std::env::var("TEST_MAX_DEPTH").ok().and_then(|n| n.parse().ok()),
        ..Limits::default()
    };
    let mut app = App::new();
    // `TEST_METRICS`: EMF documents with the built-in metrics, in namespace `TEST_METRICS`.
    if let Ok(namespace) = std::env::var("TEST_METRICS") {
        app = app.metrics(Metrics::new(namespace, "test-app").builtin(true));
    }
    app.limits(limits)
        .record_concurrency(records)
        .log_payloads(std::env::var_os("TEST_LOG_PAYLOADS").is_some())
        .run()
        .await
}
