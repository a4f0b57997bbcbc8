//! The payloads served to both functions, and the answer each must get. The small ones are
//! fixtures (`events/`, from cloud-events-core's samples); the large ones are generated here,
//! deterministically, in the key order AWS sends.

use bytes::Bytes;
use serde_json::{Value, json};
use std::path::Path;

/// One scenario.
pub struct Payload {
    /// `SCENARIO` of the hand-written function.
    pub scenario: &'static str,
    /// For the tables.
    pub label: &'static str,
    pub bytes: Bytes,
    /// What both functions answer.
    pub expected: Value,
    /// Invocations per run by default (a run takes about a second or two here).
    pub invocations: usize,
    /// The two runs counted under callgrind (`--instructions`): invocations in the short one
    /// and in the long one; their difference is what is divided by.
    pub callgrind: (usize, usize),
}

/// Every scenario, in the order of the tables.
pub fn all(events: &Path) -> std::io::Result<Vec<Payload>> {
    let fixture = |name: &str| std::fs::read(events.join(name)).map(Bytes::from);
    let batch =
        sqs_event((0..1_000).map(|i| sqs_record(i, &format!(r#"{{"orderId":"ord-{i:06}","total":129.5}}"#))));
    // Lambda's synchronous payload limit is 6 MiB (6,291,456 bytes): 6,000,000 leaves room for
    // the envelope.
    let body: String = ('a'..='z').cycle().take(6_000_000).collect();
    let big = sqs_event(std::iter::once(sqs_record(0, &body)));
    let payloads = [
        ("s3", "S3 put", fixture("s3-put.json")?, 10_000, (20, 220)),
        (
            "sqs-one",
            "SQS, one record",
            fixture("sqs-one.json")?,
            10_000,
            (20, 220),
        ),
        (
            "eventbridge",
            "EventBridge",
            fixture("eventbridge.json")?,
            10_000,
            (20, 220),
        ),
        (
            "cloudevent",
            "CloudEvent (structured)",
            fixture("cloudevent.json")?,
            10_000,
            (20, 220),
        ),
        ("sqs-batch", "SQS, 1,000 records", batch, 200, (3, 13)),
        ("sqs-6mb", "SQS, one 6 MB record", big, 100, (2, 6)),
    ];
    payloads
        .into_iter()
        .map(|(scenario, label, bytes, invocations, callgrind)| {
            let expected = expected(scenario, &serde_json::from_slice(&bytes)?);
            Ok(Payload {
                scenario,
                label,
                bytes,
                expected,
                invocations,
                callgrind,
            })
        })
        .collect()
}

/// The answer to a scenario's payload, worked out here independently of both functions.
fn expected(scenario: &str, event: &Value) -> Value {
    match scenario {
        "s3" => json!(event["Records"].as_array().map_or(0, Vec::len)),
        "eventbridge" => json!(event["detail"].as_object().map_or(0, |detail| detail.len())),
        "cloudevent" => json!(event["id"].as_str().map_or(0, str::len)),
        // An SQS consumer with partial batch responses: no record failed.
        "sqs-one" | "sqs-batch" | "sqs-6mb" => json!({ "batchItemFailures": [] }),
        other => unreachable!("no scenario {other}"),
    }
}

/// The concurrent scenario's event (`runner --concurrent`): a structured CloudEvent of type
/// `bench.io` or `bench.cpu`, which both functions answer with the invocation's request id.
pub fn concurrent_event(kind: &str) -> Bytes {
    Bytes::from(format!(
        r#"{{"specversion":"1.0","id":"c-1","source":"/bench","type":"bench.{kind}","time":"2026-12-03T00:00:00Z","datacontenttype":"application/json","data":{{"orderId":"ord-000001","total":129.5}}}}"#
    ))
}

/// An SQS record as Lambda delivers it (compact JSON, AWS's key order).
fn sqs_record(i: usize, body: &str) -> String {
    let body = serde_json::to_string(body).expect("a string serializes");
    format!(
        concat!(
            r#"{{"messageId":"5f1c3d0e-8a9b-4c2d-9e7f-{i:012}","#,
            r#""receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a+Orders+Example+ReceiptHandle+{i:06}==","#,
            r#""body":{body},"#,
            r#""attributes":{{"ApproximateReceiveCount":"1","SentTimestamp":"1793697341906","#,
            r#""SenderId":"AROAQEXAMPLEORDERSVC:order-service","ApproximateFirstReceiveTimestamp":"1793697341920"}},"#,
            r#""messageAttributes":{{}},"md5OfBody":"a6199b2e8c95569aed76baf656ed151a","#,
            r#""eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:orders-queue","#,
            r#""awsRegion":"eu-west-1"}}"#
        ),
        i = i,
        body = body
    )
}

fn sqs_event(records: impl Iterator<Item = String>) -> Bytes {
    let records: Vec<String> = records.collect();
    Bytes::from(format!(r#"{{"Records":[{}]}}"#, records.join(",")))
}
