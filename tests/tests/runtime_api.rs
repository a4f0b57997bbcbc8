//! Runs the real `lambda_runtime` client (inside `lambda-test-app`) against a stand-in for the
//! Lambda Runtime API on 127.0.0.1, and checks what it answers on which endpoint.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// What the runtime sent back for one invocation.
#[derive(Debug, Clone, PartialEq)]
enum Answer {
    Response(Value),
    Error {
        error_type_header: Option<String>,
        body: Value,
    },
}

/// One invocation to hand out: request id, payload, and milliseconds until its deadline.
struct Pending {
    id: String,
    payload: Vec<u8>,
    deadline_in_ms: u64,
}

/// One answer, with its raw body and when it arrived.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    answer: Answer,
    raw: String,
    at: std::time::Instant,
}

#[derive(Default)]
struct StandIn {
    pending: Mutex<VecDeque<Pending>>,
    handed_out: Mutex<Vec<(String, std::time::Instant)>>,
    answers: Mutex<Vec<Received>>,
    answered: Notify,
}

impl StandIn {
    async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, hyper::Error> {
        let path = request.uri().path().to_owned();
        let error_type = request
            .headers()
            .get("lambda-runtime-function-error-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = request.into_body().collect().await?.to_bytes();
        let ok = |status: StatusCode| {
            Ok(Response::builder()
                .status(status)
                .body(Full::new(Bytes::new()))
                .unwrap())
        };
        if path == "/2018-06-01/runtime/invocation/next" {
            let next = self.pending.lock().unwrap().pop_front();
            let Some(Pending {
                id,
                payload,
                deadline_in_ms,
            }) = next
            else {
                // No more events: hold the long poll, as Lambda does between invocations.
                std::future::pending::<()>().await;
                unreachable!();
            };
            self.handed_out
                .lock()
                .unwrap()
                .push((id.clone(), std::time::Instant::now()));
            let deadline =
                SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_millis(deadline_in_ms);
            return Ok(Response::builder()
                .header("content-type", "application/json")
                .header("lambda-runtime-aws-request-id", &id)
                .header("lambda-runtime-deadline-ms", deadline.as_millis().to_string())
                .header(
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:eu-west-1:123456789012:function:test",
                )
                .header(
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000",
                )
                .body(Full::new(Bytes::from(payload)))
                .unwrap());
        }
        let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") else {
            return ok(StatusCode::NOT_FOUND);
        };
        let (id, endpoint) = rest.split_once('/').unwrap_or((rest, ""));
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let answer = match endpoint {
            "response" => Answer::Response(value),
            "error" => Answer::Error {
                error_type_header: error_type,
                body: value,
            },
            _ => return ok(StatusCode::NOT_FOUND),
        };
        let raw = String::from_utf8_lossy(&body).into_owned();
        let at = std::time::Instant::now();
        self.answers.lock().unwrap().push(Received {
            id: id.to_owned(),
            answer,
            raw,
            at,
        });
        self.answered.notify_one();
        ok(StatusCode::ACCEPTED)
    }
}

/// Serves `events` (request id, payload, ms to deadline) to `lambda-test-app` and returns the
/// answers in the order they came, with when each event was handed out.
async fn run_app(events: Vec<(String, Value, u64)>) -> (Vec<Received>, Vec<(String, std::time::Instant)>) {
    run_app_with(events, 1).await
}

/// As [`run_app`], with `AWS_LAMBDA_MAX_CONCURRENCY` set to `concurrency`.
async fn run_app_with(
    events: Vec<(String, Value, u64)>,
    concurrency: usize,
) -> (Vec<Received>, Vec<(String, std::time::Instant)>) {
    let count = events.len();
    let stand_in = Arc::new(StandIn::default());
    stand_in
        .pending
        .lock()
        .unwrap()
        .extend(events.into_iter().map(|(id, event, deadline_in_ms)| Pending {
            id,
            payload: serde_json::to_vec(&event).unwrap(),
            deadline_in_ms,
        }));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server_state = Arc::clone(&stand_in);
    let server = tokio::spawn(async move {
        // Bounded: at most two connections per invocation (the client may not reuse them).
        for _ in 0..(2 * count + 16) {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let state = Arc::clone(&server_state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| Arc::clone(&state).handle(request));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_lambda-test-app"))
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "test")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0")
        .env("AWS_LAMBDA_MAX_CONCURRENCY", concurrency.to_string())
        // The app's logs would bury the test's output; the answers are what is checked.
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("lambda-test-app starts");
    let all_answered = async {
        loop {
            if stand_in.answers.lock().unwrap().len() >= count {
                return;
            }
            stand_in.answered.notified().await;
        }
    };
    let finished = tokio::time::timeout(Duration::from_secs(120), all_answered).await;
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().await.ok();
    server.abort();
    assert!(finished.is_ok(), "not every invocation was answered within 120 s");
    assert!(still_running, "the runtime exited instead of serving on");
    let answers = stand_in.answers.lock().unwrap().clone();
    let handed_out = stand_in.handed_out.lock().unwrap().clone();
    (answers, handed_out)
}

fn sqs_batch(bodies: &[&str]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"messageId": format!("m{}", i + 1), "body": body, "eventSource": "aws:sqs",
                   "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:q", "awsRegion": "eu-west-1",
                   "attributes": {}, "messageAttributes": {}})
        })
        .collect();
    json!({ "Records": records })
}

fn s3(key: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1",
        "eventTime": "2026-11-02T09:15:27.314Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:X"}, "requestParameters": {"sourceIPAddress": "10.0.0.1"},
        "responseElements": {},
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "b", "arn": "arn:aws:s3:::b"},
               "object": {"key": key, "size": 1}}
    }]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_failing_panicking_and_unroutable_events_are_each_answered_and_the_runtime_serves_on() {
    let sqs = sqs_batch(&["fail"]);
    let kinesis = json!({"Records": [{"eventSource": "aws:kinesis", "eventID": "shardId-000000000000:1",
        "eventName": "aws:kinesis:record", "eventVersion": "1.0", "awsRegion": "eu-west-1",
        "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
        "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": "1",
            "data": "aGk=", "approximateArrivalTimestamp": 1793612400.123}}]});
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
