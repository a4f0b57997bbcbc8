//! What the traces bench (`benches/traces.rs`) and `examples/trace_instructions.rs` both
//! dispatch: an SQS handler per record, an S3 handler, and SQS batches whose records each
//! carry an `AWSTraceHeader`.

use cloud_events_lambda::Context;
use cloud_events_lambda::events::{S3Event, SqsMessage};
use cloud_events_lambda::on_event;

#[on_event("aws.sqs")]
fn queued(message: SqsMessage) -> usize {
    message.body.map_or(0, |body| body.len())
}

#[on_event("aws.s3")]
fn uploaded(event: S3Event) -> usize {
    event.records.len()
}

/// A batch of `count` messages, each with its upstream trace header.
pub fn batch(count: usize) -> String {
    let records: Vec<String> = (0..count)
        .map(|n| {
            format!(
                r#"{{"messageId":"m-{n}","receiptHandle":"AQEB","body":"{{\"orderId\":\"o-{n}\",\"amount\":12}}","attributes":{{"ApproximateReceiveCount":"1","SentTimestamp":"1793613600000","AWSTraceHeader":"Root=1-6a1b2c3d-4e5f60718293a4b5c6d7e8f9;Parent=a1b2c3d4e5f6071{};Sampled=1"}},"messageAttributes":{{}},"md5OfBody":"00000000000000000000000000000000","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:orders","awsRegion":"eu-west-1"}}"#,
                n % 10
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

/// The context of invocation `n`, Lambda's header sampled or not.
pub fn context(n: usize, sampled: bool) -> Context {
    Context {
        xray_trace_id: Some(format!(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={}",
            u8::from(sampled)
        )),
        ..Context::local(n, "bench")
    }
}
