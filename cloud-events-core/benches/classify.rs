//! Classification cost per payload (issue #6, benchmark 1): of unchecked bytes (`classify`,
//! which also checks that all of it is JSON) and from the marker fields alone
//! (`classify_markers`, the Lambda path: a byte scanner that stops at the first decisive
//! marker and checks nothing it skips).
//!
//! `cargo bench -p cloud-events-core --bench classify`

use cloud_events_core::{Kind, classify, classify_markers};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

/// The kinds table's sample event of `key`.
fn fixture(key: &str) -> String {
    Kind::from_key(key)
        .unwrap_or_else(|| panic!("no kind {key}"))
        .sample()
        .to_owned()
}

/// An SQS event of `count` records whose bodies are `body_size` bytes.
pub fn sqs_batch(count: usize, body_size: usize) -> String {
    let body = "x".repeat(body_size);
    let records: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"messageId":"m{i}","receiptHandle":"AQEB{i}","body":"{body}","attributes":{{"ApproximateReceiveCount":"1","SentTimestamp":"1793613600000"}},"messageAttributes":{{}},"md5OfBody":"00000000000000000000000000000000","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:q","awsRegion":"eu-west-1"}}"#
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

fn payloads() -> Vec<(&'static str, String)> {
    let dynamodb = {
        let one = fixture("aws.dynamodb");
        let value: serde_json::Value = serde_json::from_str(&one).unwrap();
        let first = value["Records"][0].clone();
        serde_json::json!({"Records": [first.clone(), first.clone(), first]}).to_string()
    };
    let detail = "d".repeat(2048);
    vec![
        ("s3-put", fixture("aws.s3")),
        ("sqs-10", sqs_batch(10, 64)),
        ("sns", fixture("aws.sns")),
        ("dynamodb-3", dynamodb),
        (
            "eventbridge-scheduled",
            r#"{"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-02T10:00:00Z","region":"eu-west-1","resources":["arn:aws:events:eu-west-1:123456789012:rule/every-minute"],"detail":{}}"#.to_owned(),
        ),
        (
            "eventbridge-custom-2kb",
            format!(r#"{{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.shop","account":"123456789012","time":"2026-11-02T10:00:00Z","region":"eu-west-1","resources":[],"detail":{{"blob":"{detail}"}}}}"#),
        ),
        ("cloudevent", fixture("cloudevents")),
        ("apigateway-v2", fixture("aws.apigateway.v2")),
        ("sqs-1mb", sqs_batch(1000, 1000)),
    ]
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("classify");
    for (name, payload) in payloads() {
        assert!(
            classify(payload.as_bytes()).unwrap().kind().is_some(),
            "{name} classifies"
        );
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_with_input(BenchmarkId::new("checked", name), &payload, |b, payload| {
            b.iter(|| classify(black_box(payload.as_bytes())).unwrap())
        });
        // The Lambda path: the marker fields up to the first decisive one.
        assert_eq!(
            classify_markers(&payload).unwrap(),
            classify(payload.as_bytes()).unwrap()
        );
        group.bench_with_input(BenchmarkId::new("markers", name), &payload, |b, payload| {
            b.iter(|| classify_markers(black_box(payload)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
