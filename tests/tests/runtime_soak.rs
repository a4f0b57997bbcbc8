//! Soak (issue #7): 100,000 mixed invocations through the stand-in for the Lambda Runtime API,
//! every one answered once, with the app's resident memory read after the first 1,000 and at
//! the end. Slow in a debug build: run it in release,
//!
//! `cargo test --release -p cloud-events-tests --test runtime_soak -- --ignored --nocapture`

use cloud_events_tests::events::{s3, sqs_batch};
use cloud_events_tests::stand_in::{Answer, Invocation, Run, serve};
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "100,000 invocations: run in release with --ignored"]
async fn a_hundred_thousand_invocations_in_bounded_memory() {
    const COUNT: usize = 100_000;
    let kinds = ["good", "partial", "failing", "panicking", "unroutable"];
    let panicking = json!({"Records": [{"eventSource": "aws:kinesis", "eventID": "e", "eventName": "aws:kinesis:record",
        "eventVersion": "1.0", "awsRegion": "eu-west-1", "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
        "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": "1", "data": "aGk=",
                    "approximateArrivalTimestamp": 1793612400.123}}]});
    let invocations: Vec<Invocation> = (0..COUNT)
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            let event = match kind {
                "good" => s3(&format!("book-{i}.epub")),
                "partial" => sqs_batch(&["ok", "fail", "panic", "ok"]),
                "failing" => sqs_batch(&["fail"]),
                "panicking" => panicking.clone(),
                _ => json!({"source": "my.app", "detail-type": "Ping", "detail": {"n": i}}),
            };
            Invocation::new(format!("{kind}-{i}"), &event)
        })
        .collect();
    let run = Run {
        concurrency: 4,
        env: vec![("TEST_RECORD_CONCURRENCY".into(), "2".into())],
        timeout: Duration::from_secs(600),
        rss_after: Some(1_000),
        ..Run::new(env!("CARGO_BIN_EXE_lambda-test-app"))
    };
    let start = Instant::now();
    let outcome = serve(invocations, run).await;
    let elapsed = start.elapsed();
    assert_eq!(outcome.exit, None, "{}", outcome.stderr);
    assert_eq!(outcome.answers.len(), COUNT, "every invocation answered");
    let mut ids: Vec<&str> = outcome.answers.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), COUNT, "none answered twice");
    let mut records_reported = 0;
    for received in &outcome.answers {
        let kind = received.id.split('-').next().unwrap();
        match (kind, &received.answer) {
            ("good", Answer::Response(_)) => {}
            ("partial", Answer::Response(_)) => {
                assert_eq!(
                    received.raw,
                    r#"{"batchItemFailures":[{"itemIdentifier":"m2"},{"itemIdentifier":"m3"}]}"#
                );
                records_reported += 2;
            }
            ("failing", Answer::Error { body, .. }) => assert_eq!(body["errorType"], "BatchFailed"),
            ("panicking", Answer::Error { body, .. }) => assert_eq!(body["errorType"], "HandlerPanicked"),
            ("unroutable", Answer::Error { body, .. }) => assert_eq!(body["errorType"], "NoHandler"),
            (kind, answer) => panic!("{}: a {kind} event got {answer:?}", received.id),
        }
    }
    let (start_kib, end_kib) = outcome.rss_kib.expect("resident memory was read");
    println!(
        "{COUNT} invocations in {elapsed:?} ({:.0}/s); {records_reported} failed records reported; RSS {start_kib} KiB after 1,000, {end_kib} KiB at the end",
        COUNT as f64 / elapsed.as_secs_f64()
    );
    assert!(
        end_kib < start_kib + 16 * 1024,
        "memory grew from {start_kib} KiB to {end_kib} KiB"
    );
}
