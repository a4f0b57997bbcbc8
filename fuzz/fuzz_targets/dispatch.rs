//! Full dispatch of any bytes on the one path every payload takes (`dispatch_bytes`: what the
//! Lambda layer hands over from `lambda_runtime`, and what `APP invoke` reads from a file), to
//! a set of handlers covering whole events, per-record handlers with conditions, envelopes,
//! CloudEvents, adapted events and a default. What must hold:
//! - no panic escapes (a panic in a handler or decoder is answered as `HandlerPanicked`), and
//!   every failure has one of the documented `errorType`s;
//! - bytes that are not UTF-8, or text that is not JSON, are answered `InvalidEvent` with the
//!   checker's own words, wherever the break is (the marker reader stops early and checks
//!   nothing after its decisive marker: the answer must not depend on that);
//! - the `RawEvent` handler is only ever given JSON;
//! - the text path (`dispatch`) and a `RawValue` (`dispatch_json`) give the same answer.
#![no_main]

use cloud_events_lambda::events::{
    DynamoDbEventRecord, EventBridgeEvent, Json, KinesisEventRecord, RawEvent, S3Event, SqsMessage,
};
use cloud_events_lambda::{CloudEvent, Context, Dependencies, Dispatcher, Options, on_cloudevent, on_event};
use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use cloud_events_lambda::{RawEvent as Event, classify};

#[derive(Debug, Deserialize, Serialize)]
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
fn message(message: SqsMessage) -> Result<(), String> {
    match message.body.as_deref() {
        Some("fail") => Err("asked to fail".to_owned()),
        _ => Ok(()),
    }
}

#[on_event("aws.kinesis")]
fn kinesis(record: KinesisEventRecord) -> usize {
    record.kinesis.data.0.len()
}

#[on_event("aws.dynamodb", when = r#"eventName == "INSERT""#)]
fn dynamodb(record: DynamoDbEventRecord) -> String {
    record.event_name
}

#[on_event("aws.events", source = "com.example.shop")]
fn eventbridge(event: EventBridgeEvent<Order>) -> String {
    event.detail.id
}

#[on_cloudevent(source = "/orders", type = "com.example.order.*")]
fn cloudevent(event: CloudEvent<Order>) -> Option<String> {
    event.data.map(|o| o.id)
}

#[on_cloudevent(adapted = true, when = "exists(type)")]
fn adapted(event: CloudEvent<Value>) -> String {
    event.ty
}

/// Set if the default handler is ever given text that is not JSON.
static RAW_NOT_JSON: AtomicBool = AtomicBool::new(false);

#[on_event(default)]
fn other(event: RawEvent) -> usize {
    if serde_json::from_str::<&RawValue>(event.json()).is_err() {
        RAW_NOT_JSON.store(true, Ordering::Relaxed);
    }
    event.json().len()
}

const ERROR_TYPES: [&str; 12] = [
    "InvalidEvent",
    "NoHandler",
    "EventDecodeFailed",
    "InjectionFailed",
    "HandlerFailed",
    "HandlerPanicked",
    "ResponseFailed",
    "DependencyFailed",
    "AmbiguousHandlers",
    "BatchFailed",
    "DeadlineExceeded",
    "LimitExceeded",
];

fn setup() -> &'static (Dispatcher, tokio::runtime::Runtime) {
    static SETUP: OnceLock<(Dispatcher, tokio::runtime::Runtime)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).expect("handlers");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime");
        (dispatcher, runtime)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dispatcher, runtime) = setup();
    let bytes = bytes::Bytes::copy_from_slice(data);
    let answer = runtime.block_on(dispatcher.dispatch_bytes(bytes, Context::local(1, "fuzz")));
    assert!(!RAW_NOT_JSON.load(Ordering::Relaxed), "a RawEvent handler was given text that is not JSON");
    if let Err(error) = &answer {
        assert!(ERROR_TYPES.contains(&error.error_type()), "{}", error.error_type());
    }
    // What reading it all first says: not UTF-8, or not JSON, is InvalidEvent in its words.
    let event = Event::from_bytes(bytes::Bytes::copy_from_slice(data));
    if let Err(why) = event.as_ref().map_err(|e| e.to_string()).and_then(|e| e.check().map_err(|e| e.to_string())) {
        let error = answer.as_ref().expect_err("not JSON, yet answered");
        assert_eq!((error.error_type(), error.message.as_str()), ("InvalidEvent", why.as_str()));
        assert!(classify(data).is_err());
        return;
    }
    let text = std::str::from_utf8(data).expect("checked above");
    let again = runtime.block_on(dispatcher.dispatch(text, Context::local(2, "fuzz")));
    assert_eq!(again, answer, "the text path and the bytes path disagree");
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(raw) = RawValue::from_string(text.trim().to_owned()) {
        let lambda = runtime.block_on(dispatcher.dispatch_json(raw, Context::local(3, "fuzz")));
        assert_eq!(lambda, answer, "a RawValue and its bytes are answered differently");
    }
});
