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

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let scenario = std::env::var("SCENARIO").unwrap_or_default();
    match scenario.as_str() {
        "s3" => lambda_runtime::run(service_fn(s3)).await,
        "eventbridge" => lambda_runtime::run(service_fn(eventbridge)).await,
        "cloudevent" => lambda_runtime::run(service_fn(cloudevent)).await,
        "sqs-one" | "sqs-batch" | "sqs-6mb" => lambda_runtime::run(service_fn(sqs)).await,
        other => Err(format!("unknown SCENARIO {other:?}").into()),
    }
}
