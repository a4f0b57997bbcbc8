//! Runs the real `lambda_runtime` client (inside `lambda-test-app`) against a stand-in for the
//! Lambda Runtime API on 127.0.0.1, and checks what it answers on which endpoint.

use cloud_events_tests::events::{kinesis, s3, sqs_batch};
use cloud_events_tests::stand_in::{Answer, Invocation, Received, Run, serve};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Serves `events` (request id, payload, ms to deadline) to `lambda-test-app` and returns the
/// answers in the order they came, with when each event was handed out.
async fn run_app(events: Vec<(String, Value, u64)>) -> (Vec<Received>, Vec<(String, Instant)>) {
    run_app_with(events, 1).await
}

/// As [`run_app`], with `AWS_LAMBDA_MAX_CONCURRENCY` set to `concurrency`.
async fn run_app_with(
    events: Vec<(String, Value, u64)>,
    concurrency: usize,
) -> (Vec<Received>, Vec<(String, Instant)>) {
    let count = events.len();
    let invocations = events
        .into_iter()
        .map(|(id, event, deadline_in_ms)| Invocation::new(id, &event).deadline_in(deadline_in_ms))
        .collect();
    let outcome = serve(
        invocations,
        Run {
            concurrency,
            ..Run::new(env!("CARGO_BIN_EXE_lambda-test-app"))
        },
    )
    .await;
    assert!(
        outcome.exit.is_none(),
        "the runtime exited instead of serving on: {}",
        outcome.stderr
    );
    assert_eq!(
        outcome.answers.len(),
        count,
        "not every invocation was answered in time"
    );
    (outcome.answers, outcome.handed_out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_failing_panicking_and_unroutable_events_are_each_answered_and_the_runtime_serves_on() {
    let sqs = sqs_batch(&["fail"]);
    let kinesis = kinesis();
    let unroutable = json!({"version": "0", "id": "1", "source": "my.app", "detail-type": "Ping",
        "account": "123456789012", "time": "2026-11-02T09:15:27Z", "region": "eu-west-1",
        "resources": [], "detail": {}});
    // aws_lambda_events asserts on fractional millisecond timestamps while decoding.
    let fractional_firehose = json!({"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s",
        "region": "eu-west-1", "records": [{"recordId": "r1", "approximateArrivalTimestamp": 1793612400000.5_f64, "data": "aGk="}]});
    let invalid_cloudevent = json!({"specversion": "1.0", "source": "/orders", "type": "t"});
    let events = vec![
        s3("first.epub"),
        sqs,
        unroutable,
        kinesis,
        fractional_firehose,
        invalid_cloudevent,
        s3("last.epub"),
    ];
    let numbered = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| (format!("req-{}", i + 1), e, 60_000))
        .collect();
    let (answers, _) = run_app(numbered).await;

    let by_id = |id: &str| answers.iter().find(|r| r.id == id).map(|r| r.answer.clone());
    assert_eq!(answers.len(), 7, "{answers:#?}");
    assert_eq!(
        by_id("req-1"),
        Some(Answer::Response(
            json!({"keys": ["first.epub"], "request_id": "req-1"})
        ))
    );
    assert_eq!(
        by_id("req-7"),
        Some(Answer::Response(
            json!({"keys": ["last.epub"], "request_id": "req-7"})
        ))
    );
    let error = |id: &str| match by_id(id) {
        Some(Answer::Error {
            error_type_header,
            body,
        }) => {
            // lambda_runtime sends its own header value ("unhandled"); the type is in the body.
            assert!(
                error_type_header.is_some(),
                "{id}: the error endpoint gets Lambda-Runtime-Function-Error-Type"
            );
            (
                body["errorType"].as_str().unwrap().to_owned(),
                body["errorMessage"].as_str().unwrap().to_owned(),
            )
        }
        other => panic!("{id}: expected an error answer, got {other:?}"),
    };
    let (kind, message) = error("req-2");
    assert_eq!(kind, "BatchFailed", "the only record failed: {message}");
    assert!(
        message.contains("queue is closed") && message.contains("reject"),
        "{message}"
    );
    let (kind, message) = error("req-3");
    assert_eq!(kind, "NoHandler");
    assert!(
        message.contains("aws.events") && message.contains("my.app"),
        "{message}"
    );
    let (kind, message) = error("req-4");
    assert_eq!(kind, "HandlerPanicked");
    assert!(
        message.contains("kinesis handler exploded") && message.contains("explode"),
        "{message}"
    );
    let (kind, message) = error("req-5");
    assert_eq!(kind, "HandlerPanicked", "{message}");
    assert!(message.contains("firehose"), "{message}");
    let (kind, message) = error("req-6");
    assert_eq!(kind, "InvalidEvent");
    assert_eq!(message, "invalid CloudEvent: missing id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_mixed_invocations_are_each_answered_on_the_right_endpoint() {
    for concurrency in [1, 4] {
        thousand_mixed_invocations(concurrency).await;
    }
}

async fn thousand_mixed_invocations(concurrency: usize) {
    let kinds = ["good", "failing", "panicking", "unroutable", "partial"];
    let events: Vec<(String, Value, u64)> = (0..1000)
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            let event = match kind {
                "good" => s3(&format!("book-{i}.epub")),
                "failing" => sqs_batch(&["fail"]),
                "panicking" => json!({"Records": [{"eventSource": "aws:kinesis", "eventID": "e", "eventName": "aws:kinesis:record",
                    "eventVersion": "1.0", "awsRegion": "eu-west-1", "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
                    "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
                    "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": "1", "data": "aGk=",
                                "approximateArrivalTimestamp": 1793612400.123}}]}),
                "unroutable" => json!({"source": "my.app", "detail-type": "Ping", "detail": {}}),
                _ => sqs_batch(&["ok", "fail", "ok"]),
            };
            (format!("{kind}-{i}"), event, 60_000)
        })
        .collect();
    let (answers, _) = run_app_with(events, concurrency).await;
    assert_eq!(answers.len(), 1000, "every invocation answered once");
    let mut ids: Vec<&str> = answers.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1000, "no invocation answered twice");
    for received in &answers {
        let kind = received.id.split('-').next().unwrap();
        match (kind, &received.answer) {
            ("good", Answer::Response(value)) => assert_eq!(value["request_id"], received.id.as_str()),
            ("partial", Answer::Response(_)) => {
                // The partial batch response, byte for byte.
                assert_eq!(received.raw, r#"{"batchItemFailures":[{"itemIdentifier":"m2"}]}"#);
            }
            ("failing", Answer::Error { body, .. }) => assert_eq!(body["errorType"], "BatchFailed"),
            ("panicking", Answer::Error { body, .. }) => assert_eq!(body["errorType"], "HandlerPanicked"),
            ("unroutable", Answer::Error { body, .. }) => assert_eq!(body["errorType"], "NoHandler"),
            (kind, answer) => panic!("{}: a {kind} event got {answer:?}", received.id),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_overruns_its_deadline_is_cancelled_in_time() {
    let slow = json!({"source": "slow.app", "detail-type": "Sleep", "detail": {}});
    let events = vec![
        ("slow-1".to_owned(), slow, 1_500),
        ("after-1".to_owned(), s3("after.epub"), 60_000),
    ];
    let (answers, handed_out) = run_app(events).await;
    let slow_answer = answers
        .iter()
        .find(|r| r.id == "slow-1")
        .expect("the slow invocation is answered");
    let Answer::Error { body, .. } = &slow_answer.answer else {
        panic!("expected an error, got {:?}", slow_answer.answer);
    };
    assert_eq!(body["errorType"], "DeadlineExceeded");
    assert!(
        body["errorMessage"].as_str().unwrap().contains("`slow`"),
        "{body}"
    );
    let started = handed_out.iter().find(|(id, _)| id == "slow-1").unwrap().1;
    let took = slow_answer.at.duration_since(started);
    assert!(
        took < Duration::from_millis(1_500),
        "answered before the deadline: {took:?}"
    );
    assert!(
        took >= Duration::from_millis(1_000),
        "not before its budget ran out: {took:?}"
    );
    assert!(matches!(
        answers.iter().find(|r| r.id == "after-1").map(|r| &r.answer),
        Some(Answer::Response(_))
    ));
}
