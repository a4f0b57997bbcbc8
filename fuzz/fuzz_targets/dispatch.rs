//! Full dispatch, on both paths (unchecked text, and JSON as `lambda_runtime` hands it over),
//! to a set of handlers covering whole events, per-record handlers with conditions,
//! envelopes, CloudEvents, adapted events and a default. Never panics (a panic in a handler
//! or decoder is caught and answered as `HandlerPanicked`), the two paths agree, and every
//! failure has one of the documented `errorType`s.
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

#[on_event(default)]
fn other(event: RawEvent) -> usize {
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
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (dispatcher, runtime) = setup();
    let checked = runtime.block_on(dispatcher.dispatch(text, Context::local(1, "fuzz")));
    if let Err(error) = &checked {
        assert!(ERROR_TYPES.contains(&error.error_type()), "{}", error.error_type());
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Ok(raw) = RawValue::from_string(text.to_owned()) {
        let lambda = runtime.block_on(dispatcher.dispatch_json(raw, Context::local(2, "fuzz")));
        assert_eq!(
            lambda.as_ref().map_err(|e| e.error_type()),
            checked.as_ref().map_err(|e| e.error_type()),
            "the Lambda path and the text path disagree"
        );
    }
});
