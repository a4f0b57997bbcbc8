//! The framework's side of the side-by-side benchmark: the hand-written handlers, written with
//! `cloud-events-lambda`. All of them are registered in one binary, which classifies each event
//! and routes it, as an app would; each answers what its hand-written twin answers.

use cloud_events_lambda::events::{EventBridgeEvent, S3Event, SqsMessage};
use cloud_events_lambda::{App, CloudEvent, Context, on_cloudevent, on_event};
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

/// The concurrent scenario (`runner --concurrent`), I/O-bound: waits 20 ms, as a handler
/// waiting on a service does, and answers its request id (so that an answer posted for
/// another invocation is caught).
#[on_cloudevent(source = "/bench", type = "bench.io")]
async fn io_bound(_event: CloudEvent, context: Context) -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    context.request_id
}

/// The concurrent scenario, CPU-bound: about a millisecond of arithmetic.
#[on_cloudevent(source = "/bench", type = "bench.cpu")]
fn cpu_bound(_event: CloudEvent, context: Context) -> String {
    std::hint::black_box(busy(std::hint::black_box(500_000)));
    context.request_id
}

/// `rounds` dependent multiplications: work that neither function can skip or do faster.
fn busy(rounds: u64) -> u64 {
    (0..rounds).fold(0x9e37_79b9_7f4a_7c15, |hash, round| {
        (hash ^ round).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    App::new().run().await
}
