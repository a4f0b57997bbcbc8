//! The baseline of the side-by-side benchmark: what a user writes without the framework. One
//! typed handler per scenario, chosen at start-up by `SCENARIO`, so that an invocation does only
//! that handler's work (no classification, no routing).

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::s3::S3Event;
use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde::Deserialize;
use serde_json::Value;

/// A structured CloudEvent: the attributes CloudEvents 1.0 requires, and its data.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read by serde; the handler only needs `id`
struct CloudEvent {
    id: String,
    source: String,
    specversion: String,
    #[serde(rename = "type")]
    ty: String,
    data: Option<Value>,
}

async fn s3(event: LambdaEvent<S3Event>) -> Result<usize, Error> {
    Ok(event.payload.records.len())
}

async fn eventbridge(event: LambdaEvent<EventBridgeEvent<Value>>) -> Result<usize, Error> {
    Ok(event.payload.detail.as_object().map_or(0, |detail| detail.len()))
}

async fn cloudevent(event: LambdaEvent<CloudEvent>) -> Result<usize, Error> {
    Ok(event.payload.id.len())
}

/// An SQS queue's event (`sqs-one`, `sqs-batch`, `sqs-6mb`), as an SQS consumer with partial
/// batch responses is written: every record is processed (its body's length, kept from being
/// optimised away, as the framework's per-record handler does), none fails.
async fn sqs(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    for record in &event.payload.records {
        std::hint::black_box(record.body.as_deref().map_or(0, str::len));
    }
    Ok(SqsBatchResponse::default())
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// The concurrent scenario (`runner --concurrent`), I/O-bound: waits 20 ms and answers its
/// request id.
async fn io_bound(event: LambdaEvent<CloudEvent>) -> Result<String, Error> {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    Ok(event.context.request_id)
}

/// The concurrent scenario, CPU-bound: about a millisecond of arithmetic.
async fn cpu_bound(event: LambdaEvent<CloudEvent>) -> Result<String, Error> {
    std::hint::black_box(busy(std::hint::black_box(500_000)));
    Ok(event.context.request_id)
}

/// `rounds` dependent multiplications: work that neither function can skip or do faster.
fn busy(rounds: u64) -> u64 {
    (0..rounds).fold(0x9e37_79b9_7f4a_7c15, |hash, round| {
        (hash ^ round).wrapping_mul(0x0100_0000_01b3)
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let scenario = std::env::var("SCENARIO").unwrap_or_default();
    match scenario.as_str() {
        "s3" => lambda_runtime::run(service_fn(s3)).await,
        "eventbridge" => lambda_runtime::run(service_fn(eventbridge)).await,
        "cloudevent" => lambda_runtime::run(service_fn(cloudevent)).await,
        "sqs-one" | "sqs-batch" | "sqs-6mb" => lambda_runtime::run(service_fn(sqs)).await,
        // Lambda Managed Instances: AWS_LAMBDA_MAX_CONCURRENCY pollers, as the runtime's
        // docs say for them.
        "io" => lambda_runtime::run_concurrent(service_fn(io_bound)).await,
        "cpu" => lambda_runtime::run_concurrent(service_fn(cpu_bound)).await,
        other => Err(format!("unknown SCENARIO {other:?}").into()),
    }
}
