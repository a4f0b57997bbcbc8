//! Per-record handlers: partial batch responses, ordering rules, Firehose transformations,
//! panics and decode failures per record, bounded concurrency.

use cloud_events_lambda::events::{
    DynamoDbEventRecord, KinesisEventRecord, KinesisFirehoseEventRecord, S3EventRecord, SnsRecord, SqsMessage,
};
use cloud_events_lambda::{Context, Dependencies, DispatchError, Dispatcher, Options, Transformed, on_event};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bodies of SQS messages the handler saw, to check what ran.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static MAX_IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Fails on a body that starts with `fail`, panics on `panic`, sleeps a little on `slow`.
#[on_event("aws.sqs")]
async fn sqs_record(message: SqsMessage) -> Result<String, String> {
    let body = message.body.unwrap_or_default();
    SEEN.lock().unwrap().push(body.clone());
    if body.starts_with("slow") {
        let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
        MAX_IN_FLIGHT.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
    if body.starts_with("panic") {
        panic!("record handler exploded");
    }
    if body.starts_with("fail") {
        return Err(format!("rejected {body}"));
    }
    Ok(body)
}

#[on_event("aws.kinesis")]
fn kinesis_record(record: KinesisEventRecord) -> Result<(), String> {
    let data = String::from_utf8_lossy(&record.kinesis.data.0).into_owned();
    if data == "fail" {
        Err("bad data".to_owned())
    } else {
        Ok(())
    }
}

#[on_event("aws.dynamodb")]
fn dynamodb_record(record: DynamoDbEventRecord) -> Result<(), String> {
    if record.event_name == "REMOVE" {
        Err("removals are refused".to_owned())
    } else {
        Ok(())
    }
}

#[on_event("aws.s3")]
fn s3_record(record: S3EventRecord) -> Result<Option<String>, String> {
    let key = record.s3.object.key.clone();
    if key.as_deref() == Some("fail") {
        Err("cannot read".to_owned())
    } else {
        Ok(key)
    }
}

#[on_event("aws.sns")]
fn sns_record(record: SnsRecord) -> usize {
    record.sns.message.len()
}

#[on_event("aws.kinesis.firehose")]
fn firehose_record(record: KinesisFirehoseEventRecord) -> Result<Transformed, String> {
    match String::from_utf8_lossy(&record.data.0).as_ref() {
        "drop" => Ok(Transformed::Dropped),
        "fail" => Err("cannot transform".to_owned()),
        text => Ok(Transformed::Ok(text.to_uppercase().into_bytes())),
    }
}

fn dispatcher(record_concurrency: usize) -> Dispatcher {
    Dispatcher::new(
        Dependencies::new(),
        Options {
            record_concurrency,
            ..Options::default()
        },
    )
    .unwrap()
}

fn run(dispatcher: &Dispatcher, event: &Value) -> Result<Value, DispatchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(dispatcher.dispatch(&event.to_string(), Context::local(1, "test")))
}

fn sqs(queue: &str, bodies: &[&str]) -> Value {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"messageId": format!("m{i}"), "body": body, "eventSource": "aws:sqs",
                   "eventSourceARN": format!("arn:aws:sqs:eu-west-1:123456789012:{queue}"), "attributes": {}, "messageAttributes": {}})
        })
        .collect();
    json!({ "Records": records })
}

fn failures(response: &Value) -> Vec<String> {
    response["batchItemFailures"]
        .as_array()
        .expect("a partial batch response")
        .iter()
        .map(|item| item["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn standard_queue_reports_exactly_the_failed_messages() {
    let d = dispatcher(1);
    let response = run(&d, &sqs("orders", &["a1", "fail-1", "a2", "panic-1", "a3"])).unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]})
    );
    let response = run(&d, &sqs("orders", &["b1", "b2"])).unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));
}

#[test]
fn a_record_that_does_not_decode_is_one_failed_record() {
    let mut event = sqs("orders", &["c1", "c2"]);
    event["Records"][1]["body"] = json!(12345);
    let response = run(&dispatcher(1), &event).unwrap();
    assert_eq!(failures(&response), ["m1"]);
}

#[test]
fn when_every_record_fails_the_invocation_fails() {
    let error = run(&dispatcher(1), &sqs("orders", &["fail-a", "fail-b"])).unwrap_err();
    assert_eq!(error.error_type(), "BatchFailed");
    assert!(
        error
            .message
            .starts_with("all 2 records failed; record 0 (m0): handler `sqs_record` failed: rejected fail-a"),
        "{}",
        error.message
    );
}

#[test]
fn fifo_stops_at_the_first_failure_and_reports_the_rest() {
    let response = run(
        &dispatcher(4),
        &sqs("orders.fifo", &["f1", "fail-f", "never-1", "never-2"]),
    )
    .unwrap();
    assert_eq!(failures(&response), ["m1", "m2", "m3"]);
    let seen = SEEN.lock().unwrap().clone();
    assert!(
        seen.contains(&"f1".to_owned()) && !seen.iter().any(|b| b.starts_with("never")),
        "{seen:?}"
    );
}

#[test]
fn unordered_records_run_concurrently_within_the_bound() {
    let bodies: Vec<String> = (0..12).map(|i| format!("slow-{i}")).collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let response = run(&dispatcher(4), &sqs("orders", &bodies)).unwrap();
    assert_eq!(failures(&response), Vec::<String>::new());
    let max = MAX_IN_FLIGHT.load(Ordering::SeqCst);
    assert!(
        (2..=4).contains(&max),
        "at most 4 at once, and more than one: {max}"
    );
}

#[test]
fn streams_never_checkpoint_past_a_failed_record() {
    let record = |seq: &str, data: &str| {
        json!({"eventSource": "aws:kinesis", "eventID": format!("shardId-000000000000:{seq}"), "eventName": "aws:kinesis:record",
               "eventVersion": "1.0", "awsRegion": "eu-west-1", "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
               "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
               "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": seq,
                           "data": base64(data), "approximateArrivalTimestamp": 1793612400.5}})
    };
    let event = json!({"Records": [record("101", "ok"), record("102", "fail"), record("103", "ok")]});
    assert_eq!(failures(&run(&dispatcher(4), &event).unwrap()), ["102", "103"]);

    let change = |seq: &str, name: &str| {
        json!({"eventID": seq, "eventName": name, "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1",
               "dynamodb": {"ApproximateCreationDateTime": 1793612400, "Keys": {"pk": {"S": "k"}}, "SequenceNumber": seq,
                            "SizeBytes": 10, "StreamViewType": "KEYS_ONLY"},
               "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x"})
    };
    let event =
        json!({"Records": [change("201", "INSERT"), change("202", "REMOVE"), change("203", "MODIFY")]});
    assert_eq!(failures(&run(&dispatcher(1), &event).unwrap()), ["202", "203"]);
}

#[test]
fn sources_without_partial_responses_fail_as_a_whole() {
    let record = |key: &str| {
        json!({"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "eu-west-1", "eventTime": "2026-11-02T09:15:27.314Z",
               "eventName": "ObjectCreated:Put", "userIdentity": {"principalId": "p"}, "requestParameters": {"sourceIPAddress": "10.0.0.1"},
               "responseElements": {}, "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "b"}, "object": {"key": key}}})
    };
    let ok = run(&dispatcher(1), &json!({"Records": [record("a"), record("b")]})).unwrap();
    assert_eq!(ok, json!(["a", "b"]));
    let error = run(&dispatcher(1), &json!({"Records": [record("a"), record("fail")]})).unwrap_err();
    assert_eq!(error.error_type(), "BatchFailed");
    assert_eq!(
        error.message,
        "1 of 2 records failed; record 1: handler `s3_record` failed: cannot read"
    );
}

#[test]
fn firehose_answers_one_result_per_record() {
    let record = |id: &str, data: &str| json!({"recordId": id, "approximateArrivalTimestamp": 1793612400000_u64, "data": base64(data)});
    let event = json!({"invocationId": "i", "deliveryStreamArn": "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s",
                       "region": "eu-west-1", "records": [record("r1", "hello"), record("r2", "drop"), record("r3", "fail")]});
    let mut broken = record("r4", "x");
    broken["approximateArrivalTimestamp"] = json!(1793612400000.5_f64);
    let mut event_with_broken = event.clone();
    event_with_broken["records"].as_array_mut().unwrap().push(broken);
    let response = run(&dispatcher(1), &event_with_broken).unwrap();
    assert_eq!(
        response,
        json!({"records": [
            {"recordId": "r1", "result": "Ok", "data": base64("HELLO")},
            {"recordId": "r2", "result": "Dropped", "data": base64("drop")},
            {"recordId": "r3", "result": "ProcessingFailed", "data": base64("fail")},
            {"recordId": "r4", "result": "ProcessingFailed", "data": base64("x")},
        ]})
    );
}

#[test]
fn sns_records_are_delivered_one_by_one() {
    let record = |message: &str| {
        json!({"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": "arn:aws:sns:eu-west-1:123456789012:t:s",
               "Sns": {"Type": "Notification", "MessageId": "id", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:t",
                       "Message": message, "Timestamp": "2026-11-02T09:15:27.314Z", "SignatureVersion": "1", "Signature": "s",
                       "SigningCertUrl": "u", "UnsubscribeUrl": "u", "MessageAttributes": {}}})
    };
    let response = run(&dispatcher(1), &json!({"Records": [record("abc"), record("de")]})).unwrap();
    assert_eq!(response, json!([3, 2]));
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Standard queues report exactly the failed records; FIFO queues report the first failure
    /// and everything after it. Batches of 1 to 10,000 records.
    #[test]
    fn reported_failures_follow_the_queue_rules(
        fails in prop::collection::vec(prop::bool::weighted(0.2), 1..10_000),
        fifo in any::<bool>(),
    ) {
        let bodies: Vec<&str> = fails.iter().map(|f| if *f { "fail" } else { "ok" }).collect();
        let queue = if fifo { "q.fifo" } else { "q" };
        let result = run(&dispatcher(8), &sqs(queue, &bodies));
        let first_failure = fails.iter().position(|f| *f);
        let expected: Vec<String> = match (fifo, first_failure) {
            (_, None) => vec![],
            (true, Some(first)) => (first..fails.len()).map(|i| format!("m{i}")).collect(),
            (false, Some(_)) => fails.iter().enumerate().filter(|(_, f)| **f).map(|(i, _)| format!("m{i}")).collect(),
        };
        if expected.len() == fails.len() {
            prop_assert_eq!(result.unwrap_err().error_type(), "BatchFailed");
        } else {
            prop_assert_eq!(failures(&result.unwrap()), expected);
        }
    }

    /// Streams report the first failed sequence number and every later one.
    #[test]
    fn stream_failures_form_the_suffix_from_the_first_failure(
        fails in prop::collection::vec(prop::bool::weighted(0.1), 1..2_000),
    ) {
        let records: Vec<Value> = fails
            .iter()
            .enumerate()
            .map(|(i, fail)| json!({"eventSource": "aws:kinesis", "eventID": format!("shardId-0:{i}"), "eventName": "aws:kinesis:record",
                "eventVersion": "1.0", "awsRegion": "eu-west-1", "eventSourceARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/s",
                "invokeIdentityArn": "arn:aws:iam::123456789012:role/r",
                "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": format!("{}", 1000 + i),
                            "data": if *fail { base64("fail") } else { base64("ok") }, "approximateArrivalTimestamp": 1793612400.5}}))
            .collect();
        let result = run(&dispatcher(8), &json!({ "Records": records }));
        match fails.iter().position(|f| *f) {
            None => prop_assert_eq!(failures(&result.unwrap()), Vec::<String>::new()),
            Some(0) => prop_assert_eq!(result.unwrap_err().error_type(), "BatchFailed"),
            Some(first) => {
                let expected: Vec<String> = (first..fails.len()).map(|i| format!("{}", 1000 + i)).collect();
                prop_assert_eq!(failures(&result.unwrap()), expected);
            }
        }
    }
}
