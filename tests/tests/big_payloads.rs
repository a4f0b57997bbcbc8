//! Big events get the answers and errors small ones get (issue #26): with the `simd` feature,
//! text of 8 KiB or more is decoded by `sonic-rs` where it gives `serde_json`'s answer, so CI
//! runs these with the feature on as well as off. Each case is an event padded past that size
//! (a long string member nothing reads), compared with `serde_json`'s own reading of it or
//! with the same event unpadded.

use cloud_events_lambda::events::{EventBridgeEvent, S3Event, SqsMessage};
use cloud_events_lambda::{Context, Dependencies, DispatchError, Dispatcher, Kind, Options, on_event};
use serde_json::{Value, json};

/// The event's `detail`, as decoded: numbers and strings as the decoder read them.
#[on_event("aws.events")]
fn detail(event: EventBridgeEvent) -> Value {
    event.detail
}

#[on_event("aws.s3")]
fn object_size(event: S3Event) -> Option<i64> {
    event.records[0].s3.object.size
}

/// Fails the record whose body is `"fail"`.
#[on_event("aws.sqs")]
fn message(message: SqsMessage) -> Result<(), String> {
    match message.body.as_deref() {
        Some("fail") => Err("the body says fail".to_owned()),
        _ => Ok(()),
    }
}

/// Longer than the size from which the `simd` feature decodes with `sonic-rs` (8 KiB).
const PADDING: usize = 16 * 1024;

fn padding() -> String {
    "p".repeat(PADDING)
}

fn dispatch(json: &str) -> Result<Value, DispatchError> {
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).expect("the handlers");
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(dispatcher.dispatch(json, Context::local(1, "big-payloads")))
}

/// An EventBridge event whose `detail` is `detail` (JSON text), padded past 8 KiB.
fn eventbridge(detail: &str) -> String {
    eventbridge_padded(&padding(), detail)
}

fn eventbridge_padded(padding: &str, detail: &str) -> String {
    format!(
        r#"{{"version":"0","id":"1","detail-type":"t","source":"s","account":"1","time":"2026-12-03T00:00:00Z","region":"eu-west-1","resources":[],"padding":"{padding}","detail":{detail}}}"#
    )
}

/// What `serde_json` reads `detail` as, written out (the sign of a zero, every digit).
fn read_by_serde_json(detail: &str) -> String {
    serde_json::from_str::<Value>(detail).unwrap().to_string()
}

/// The error's message without serde_json's `at line L column C`, which padding moves.
fn without_position(error: &DispatchError) -> String {
    match error.message.find(" at line ") {
        Some(at) => error.message[..at].to_owned(),
        None => error.message.clone(),
    }
}

#[test]
fn numbers_in_a_big_event_are_read_exactly_as_serde_json_reads_them() {
    let detail = format!(
        "[-0, -0.0, -0e3, 0.1, -0.5, 1e-310, 5e-324, 1.7976931348623157e308, 18446744073709551615, \
         -9223372036854775808, 18446744073709551616, {}, 0.1000000000000000055511151231257827021181583404541015625, \
         123456789.123456789e-5, 7.2057594037927933e16]",
        "9".repeat(64)
    );
    let answer = dispatch(&eventbridge(&detail)).unwrap();
    assert_eq!(answer.to_string(), read_by_serde_json(&detail));
    // A negative zero stays negative (a reader that loses its sign would answer `0.0`).
    assert_eq!(answer[0].to_string(), "-0.0");
}

#[test]
fn strings_in_a_big_event_are_read_exactly_as_serde_json_reads_them() {
    let detail = r#"{"escaped":"\u00e9\/\b\f\n\r\t\"\\","pair":"\ud83d\ude00","text":"héllo 😀"}"#;
    let answer = dispatch(&eventbridge(detail)).unwrap();
    assert_eq!(answer.to_string(), read_by_serde_json(detail));
    // A lone surrogate is refused, as in a small event.
    let lone = r#"{"lone":"\ud800"}"#;
    let big = dispatch(&eventbridge(lone)).unwrap_err();
    let small = dispatch(&eventbridge_padded("", lone)).unwrap_err();
    assert_eq!(big.error_type(), "EventDecodeFailed");
    assert!(big.message.contains("detail.lone"), "{}", big.message);
    assert_eq!(without_position(&big), without_position(&small));
}

#[test]
fn nesting_in_a_big_event_stops_where_serde_json_stops() {
    let nested = |depth: usize| format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    // The event's own object holds `detail`: 126 levels inside it are 127 in all.
    let answer = dispatch(&eventbridge(&nested(126))).unwrap();
    assert_eq!(answer.to_string(), read_by_serde_json(&nested(126)));
    for depth in [127, 150, 200, 254, 300] {
        let error = dispatch(&eventbridge(&nested(depth))).unwrap_err();
        assert_eq!(error.error_type(), "EventDecodeFailed", "{depth}");
        assert!(
            error.message.contains("recursion limit exceeded"),
            "{depth}: {}",
            error.message
        );
    }
}

#[test]
fn a_big_event_that_does_not_fit_its_type_names_the_same_path_as_a_small_one() {
    let mut small: Value = serde_json::from_str(Kind::S3.sample()).unwrap();
    small["Records"][0]["s3"]["object"]["size"] = json!("five");
    let mut big = small.clone();
    big["Records"][0]["padding"] = json!(padding());
    let small = dispatch(&small.to_string()).unwrap_err();
    let big = dispatch(&big.to_string()).unwrap_err();
    assert_eq!(big.error_type(), "EventDecodeFailed");
    assert!(
        big.message.contains("Records[0].s3.object.size"),
        "{}",
        big.message
    );
    assert_eq!(without_position(&big), without_position(&small));
}

#[test]
fn a_big_event_that_is_not_json_is_refused_as_a_small_one_is() {
    let whole = eventbridge(r#"{"a":[1,2,3]}"#);
    for (broken, small) in [
        (whole[..whole.len() - 1].to_owned(), r#"{"a":[1,2,3]"#),
        (format!("{whole} x"), r#"{"a":1} x"#),
        (whole.replace("[1,2,3]", "[1,2,]"), r#"{"a":[1,2,]}"#),
    ] {
        let big = dispatch(&broken).unwrap_err();
        let small = dispatch(small).unwrap_err();
        assert_eq!(big.error_type(), "InvalidEvent", "{}", big.message);
        assert_eq!(big.error_type(), small.error_type());
    }
}

#[test]
fn a_big_batch_fails_only_its_failing_record() {
    let record = |id: &str, body: &str| json!({"messageId": id, "body": body, "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:eu-west-1:1:q"});
    // One record's attributes are not a map of strings: it fails to decode, alone.
    let mut undecodable = record("bad", "ok");
    undecodable["attributes"] = json!(5);
    let event = json!({"Records": [
        record("big", &padding()),
        record("failing", "fail"),
        undecodable,
        record("last", "ok"),
    ]});
    let answer = dispatch(&event.to_string()).unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": "failing"}, {"itemIdentifier": "bad"}]})
    );
    // Every record decodes: none fails.
    let fine = json!({"Records": [record("big", &padding()), record("second", "ok")]});
    assert_eq!(
        dispatch(&fine.to_string()).unwrap(),
        json!({"batchItemFailures": []})
    );
}
