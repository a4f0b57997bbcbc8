//! The bad-input table (issue #7): each hostile or broken payload gets a typed error (or a
//! documented acceptance) without a panic, in bounded time; the figures are printed with
//! `--nocapture`.

use cloud_events_lambda::events::{EventBridgeEvent, Json, KinesisEvent, RawEvent, S3Event, SqsMessage};
use cloud_events_lambda::{
    CloudEvent, Context, Dependencies, DispatchError, Dispatcher, Kind, Limits, Options, classify,
    on_cloudevent, on_event,
};
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::time::{Duration, Instant};

#[derive(Debug, Deserialize)]
struct Order {
    id: String,
}

#[on_event("aws.s3")]
fn s3(event: S3Event) -> usize {
    event.records.len()
}

#[on_event("aws.sqs", when = r#"starts_with(body, "{")"#)]
fn order(order: Json<Order>) -> String {
    order.id.clone()
}

#[on_event("aws.sqs")]
fn message(message: SqsMessage) -> usize {
    message.body.map_or(0, |b| b.len())
}

#[on_event("aws.kinesis")]
fn kinesis(event: KinesisEvent) -> usize {
    event.records.len()
}

#[on_event("aws.events")]
fn eventbridge(event: EventBridgeEvent) -> bool {
    event.detail.is_object()
}

#[on_event(default)]
fn other(event: RawEvent) -> usize {
    event.json().len()
}

#[on_cloudevent(source = "/orders")]
fn cloudevent(event: CloudEvent<Order>) -> String {
    event.data.map(|o| o.id).unwrap_or_default()
}

fn dispatcher(limits: Limits) -> Dispatcher {
    Dispatcher::new(
        Dependencies::new(),
        Options {
            limits,
            ..Options::default()
        },
    )
    .expect("the test's handlers")
}

/// Dispatches `json` as the command line does (unchecked text) and, where it is JSON, as
/// Lambda does (a `RawValue`); both must agree. Prints the time taken.
fn run(name: &str, dispatcher: &Dispatcher, json: &str) -> Result<Value, DispatchError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let start = Instant::now();
    let text = runtime.block_on(dispatcher.dispatch(json, Context::local(1, "bad-input")));
    let elapsed = start.elapsed();
    if let Ok(raw) = RawValue::from_string(json.to_owned()) {
        let lambda = runtime.block_on(dispatcher.dispatch_json(raw, Context::local(2, "bad-input")));
        assert_eq!(
            lambda.as_ref().map_err(DispatchError::error_type),
            text.as_ref().map_err(DispatchError::error_type),
            "{name}: the Lambda path and the text path disagree"
        );
    }
    println!(
        "{name}: {} bytes in {elapsed:?} -> {}",
        json.len(),
        match &text {
            Ok(value) => format!("ok {}", abbreviate(&value.to_string())),
            Err(error) => format!("{}: {}", error.error_type(), abbreviate(&error.message)),
        }
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "{name}: took {elapsed:?}, not bounded"
    );
    text
}

fn abbreviate(text: &str) -> String {
    match text.char_indices().nth(160) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_owned(),
    }
}

fn error_type(result: &Result<Value, DispatchError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(error) => error.error_type(),
    }
}

/// The S3 sample, compact, with the object's size set to 5 (`"size":5` appears once).
fn s3_event() -> String {
    let mut event: Value = serde_json::from_str(Kind::S3.sample()).unwrap();
    event["Records"][0]["s3"]["object"]["size"] = 5.into();
    let text = event.to_string();
    assert_eq!(text.matches(r#""size":5"#).count(), 1);
    text
}

fn sqs(bodies: &[&str]) -> String {
    let records: Vec<String> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            format!(
                r#"{{"messageId":"m{i}","body":{},"eventSource":"aws:sqs"}}"#,
                serde_json::to_string(body).unwrap()
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

#[test]
fn not_json_and_truncated_json_are_invalid_events_with_a_position() {
    let d = dispatcher(Limits::default());
    let not_json = run("not JSON", &d, "hello").unwrap_err();
    assert_eq!(not_json.error_type(), "InvalidEvent");
    assert!(
        not_json.message.contains("line 1, column 1"),
        "{}",
        not_json.message
    );
    let truncated = run("truncated", &d, &s3_event()[..s3_event().len() / 2]).unwrap_err();
    assert_eq!(truncated.error_type(), "InvalidEvent");
    assert!(truncated.message.contains("EOF"), "{}", truncated.message);
}

#[test]
fn nesting_100000_deep_is_refused_without_overflowing_the_stack() {
    let d = dispatcher(Limits::default());
    for (name, json) in [
        (
            "arrays 100,000 deep",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        (
            "objects 100,000 deep",
            format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000)),
        ),
        (
            "100,000 deep inside an S3 event",
            s3_event().replacen(
                r#""size":5"#,
                &format!(r#""size":5,"x":{}{}"#, "[".repeat(100_000), "]".repeat(100_000)),
                1,
            ),
        ),
    ] {
        let result = run(name, &d, &json);
        // Skipping what nothing asked for does not recurse, so deep nesting there costs only
        // time linear in its size: unclassified JSON goes to the default handler undecoded,
        // and an S3 event with a deep unknown member decodes (the member is ignored).
        assert_eq!(error_type(&result), "ok", "{name}: {result:?}");
    }
    // Where a handler decodes the deep part, serde_json stops at 128 levels.
    let deep_detail = format!(
        r#"{{"source":"s","detail-type":"t","detail":{}1{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    let error = run("100,000 deep EventBridge detail", &d, &deep_detail).unwrap_err();
    assert_eq!(error.error_type(), "EventDecodeFailed");
    assert!(
        error.message.contains("recursion limit exceeded"),
        "{}",
        error.message
    );
    // With a depth limit, refused before anything is classified, naming where.
    let strict = dispatcher(Limits {
        max_depth: Some(32),
        ..Limits::default()
    });
    let deep = s3_event().replacen(
        r#""size":5"#,
        &format!(r#""size":5,"x":{}{}"#, "[".repeat(40), "]".repeat(40)),
        1,
    );
    let error = run("40 deep, limit 32", &strict, &deep).unwrap_err();
    assert_eq!(error.error_type(), "LimitExceeded");
    assert!(error.message.contains("more than 32 deep"), "{}", error.message);
}

#[test]
fn a_6_mb_string_field_is_delivered_and_a_larger_payload_is_refused() {
    let d = dispatcher(Limits::default());
    let body = "x".repeat(6_000_000);
    let six = sqs(&[&body]);
    // The per-record handler gets the body whole (SQS answers with no failures).
    let answer = run("6 MB body", &d, &six).unwrap();
    assert_eq!(answer["batchItemFailures"], serde_json::json!([]));
    let seven = sqs(&[&"x".repeat(7_000_000)]);
    let error = run("7 MB body", &d, &seven).unwrap_err();
    assert_eq!(error.error_type(), "LimitExceeded");
    assert!(error.message.contains("max_payload_bytes"), "{}", error.message);
}

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    let mut bytes = s3_event().into_bytes();
    bytes[40] = 0xff;
    let error = classify(&bytes).unwrap_err();
    assert_eq!(error.to_string(), "invalid UTF-8 at byte 40");
}

#[test]
fn a_byte_order_mark_is_accepted_and_skipped() {
    let d = dispatcher(Limits::default());
    let answer = run("BOM", &d, &format!("\u{feff}{}", s3_event())).unwrap();
    assert_eq!(answer, 1);
}

#[test]
fn duplicate_keys_fail_the_typed_decoding_with_the_field_named() {
    let d = dispatcher(Limits::default());
    let duplicated = s3_event().replacen(
        r#""awsRegion":"eu-west-1","#,
        r#""awsRegion":"eu-west-1","awsRegion":"x","#,
        1,
    );
    let error = run("duplicate key", &d, &duplicated).unwrap_err();
    assert_eq!(error.error_type(), "EventDecodeFailed");
    assert!(
        error.message.contains("duplicate field `awsRegion`"),
        "{}",
        error.message
    );
}

#[test]
fn numbers_beyond_i64_and_f64_fail_the_typed_decoding_with_the_path() {
    let d = dispatcher(Limits::default());
    for (name, number) in [("beyond i64", "99999999999999999999999"), ("beyond f64", "1e400")] {
        let json = s3_event().replacen(r#""size":5"#, &format!(r#""size":{number}"#), 1);
        let error = run(name, &d, &json).unwrap_err();
        assert_eq!(error.error_type(), "EventDecodeFailed", "{name}");
        assert!(error.message.contains("size"), "{name}: {}", error.message);
    }
}

#[test]
fn base64_that_is_not_base64_fails_the_typed_decoding() {
    let d = dispatcher(Limits::default());
    let json = r#"{"Records":[{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"p","sequenceNumber":"1","data":"!!! not base64 !!!","approximateArrivalTimestamp":1793613600.0},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"shardId-000:1","eventName":"aws:kinesis:record","awsRegion":"eu-west-1","eventSourceARN":"arn:aws:kinesis:eu-west-1:1:stream/s"}]}"#;
    let error = run("not base64", &d, json).unwrap_err();
    assert_eq!(error.error_type(), "EventDecodeFailed");
    assert!(error.message.contains("data"), "{}", error.message);
}

#[test]
fn a_batch_of_100000_records_is_refused_before_any_record_is_decoded() {
    let d = dispatcher(Limits::default());
    let bodies = vec!["x"; 100_000];
    let json = sqs(&bodies);
    assert!(json.len() < Limits::default().max_payload_bytes);
    let error = run("100,000 records", &d, &json).unwrap_err();
    assert_eq!(error.error_type(), "LimitExceeded");
    assert!(error.message.contains("100000 records"), "{}", error.message);
    // Under a raised limit the batch is processed: every record answered.
    let raised = dispatcher(Limits {
        max_records: 100_000,
        ..Limits::default()
    });
    let answer = run("100,000 records, limit raised", &raised, &json).unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        serde_json::json!([]),
        "every record processed"
    );
}

#[test]
fn an_sqs_body_that_is_not_the_expected_json_fails_that_record_only() {
    let d = dispatcher(Limits::default());
    let json = sqs(&[r#"{"id":"o-1"}"#, r#"{"id":5}"#, r#"{"id":"o-3"}"#, "{not json"]);
    let answer = run("bad bodies", &d, &json).unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        serde_json::json!([{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}])
    );
}

#[test]
fn each_cloudevent_rule_broken_is_an_invalid_event_naming_the_attribute() {
    let d = dispatcher(Limits::default());
    let valid = serde_json::json!({
        "specversion": "1.0", "id": "1", "source": "/orders", "type": "com.example.order",
        "time": "2026-11-02T10:00:00Z", "datacontenttype": "application/json",
        "dataschema": "https://example.com/order.json", "subject": "o-1", "data": {"id": "o-1"}
    });
    assert_eq!(run("valid CloudEvent", &d, &valid.to_string()).unwrap(), "o-1");
    let cases: [(&str, &str, Value, &str); 13] = [
        ("no id", "id", Value::Null, "id"),
        ("empty id", "id", "".into(), "id"),
        ("id not a string", "id", 5.into(), "id"),
        ("no source", "source", Value::Null, "source"),
        ("source not a URI-reference", "source", "/a b".into(), "source"),
        ("no type", "type", Value::Null, "type"),
        ("empty type", "type", "".into(), "type"),
        ("unknown specversion", "specversion", "2.0".into(), "2.0"),
        ("time not RFC 3339", "time", "yesterday".into(), "time"),
        (
            "datacontenttype not a media type",
            "datacontenttype",
            "json".into(),
            "datacontenttype",
        ),
        (
            "dataschema not a URI",
            "dataschema",
            "not a uri".into(),
            "dataschema",
        ),
        ("extension name with capitals", "Tenant", "acme".into(), "Tenant"),
        (
            "extension name too long",
            "abcdefghijklmnopqrstu",
            "x".into(),
            "abcdefghijklmnopqrstu",
        ),
    ];
    for (name, attribute, value, named) in cases {
        let mut event = valid.clone();
        if value.is_null() {
            event.as_object_mut().unwrap().remove(attribute);
        } else {
            event[attribute] = value;
        }
        let error = run(name, &d, &event.to_string()).unwrap_err();
        assert_eq!(error.error_type(), "InvalidEvent", "{name}");
        assert!(error.message.contains(named), "{name}: {}", error.message);
    }
    let mut both = valid.clone();
    both["data_base64"] = "aGk=".into();
    let error = run("data and data_base64", &d, &both.to_string()).unwrap_err();
    assert_eq!(error.error_type(), "InvalidEvent");
}

#[test]
fn a_binary_message_with_10000_headers_is_read_in_linear_time() {
    use cloud_events_lambda::cloudevent::{Binding, Message};
    let mut headers: Vec<(String, String)> = vec![
        ("ce-specversion".into(), "1.0".into()),
        ("ce-id".into(), "1".into()),
        ("ce-source".into(), "/orders".into()),
        ("ce-type".into(), "com.example.order".into()),
        ("content-type".into(), "application/json".into()),
    ];
    headers.extend((0..10_000).map(|i| (format!("x-other-{i}"), "v".to_owned())));
    let start = Instant::now();
    let event =
        CloudEvent::<Value>::from_message(Binding::Http, &Message::new(headers.clone(), "{}")).unwrap();
    let elapsed = start.elapsed();
    println!("10,000 other headers: read in {elapsed:?}");
    assert_eq!(event.id, "1");
    // 10,000 `ce-` extension headers: each name is checked (at most 20 characters).
    headers.extend((0..10_000).map(|i| (format!("ce-ext{i}"), "v".to_owned())));
    let start = Instant::now();
    let event = CloudEvent::<Value>::from_message(Binding::Http, &Message::new(headers, "{}")).unwrap();
    let elapsed = start.elapsed();
    println!("10,000 extension headers: read in {elapsed:?}");
    assert_eq!(event.extensions.len(), 10_000);
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

/// Found by the `dispatch` fuzz target: the text path handed `{}\n` to a `RawEvent` handler
/// with its newline, the Lambda path without.
#[test]
fn whitespace_around_the_event_is_dropped_on_both_paths() {
    let d = dispatcher(Limits::default());
    let answer = run("whitespace", &d, " \r\n\t{\"a\":1}\n").unwrap();
    assert_eq!(answer, r#"{"a":1}"#.len());
}
