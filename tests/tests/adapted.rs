//! One CloudEvents handler for S3 uploads, whether they arrive as S3 notifications, as
//! EventBridge events or as native CloudEvents (`adapted = true`).

use cloud_events_lambda::{CloudEvent, Context, Dependencies, Dispatcher, Options, on_cloudevent, on_event};
use serde_json::{Value, json};

#[on_cloudevent(
    when = r#"starts_with(type, "com.amazonaws.s3.ObjectCreated:") || (source == "aws.s3" && type == "Object Created") || type == "com.example.upload""#,
    adapted = true
)]
fn upload(event: CloudEvent) -> Value {
    json!({"type": event.ty, "subject": event.subject, "routekey": event.extensions.get("routekey")})
}

/// A handler of the kind itself wins over adapted handlers.
#[on_event("aws.sqs")]
fn queue(_event: cloud_events_lambda::RawEvent) -> &'static str {
    "native sqs handler"
}

async fn dispatch(json: &str) -> Result<Value, cloud_events_lambda::DispatchError> {
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    dispatcher.dispatch(json, Context::local(1, "test")).await
}

#[tokio::test]
async fn s3_notifications_eventbridge_events_and_native_cloudevents_reach_the_same_handler() {
    let s3 = r#"{"Records":[{"eventSource":"aws:s3","awsRegion":"eu-west-1","eventTime":"2026-11-02T10:00:00.000Z","eventName":"ObjectCreated:Put",
        "responseElements":{"x-amz-request-id":"R","x-amz-id-2":"I"},"s3":{"bucket":{"name":"b"},"object":{"key":"book.epub"}}}]}"#;
    assert_eq!(
        dispatch(s3).await.unwrap(),
        json!({"type": "com.amazonaws.s3.ObjectCreated:Put", "subject": "book.epub", "routekey": "aws.s3"})
    );
    let eventbridge = r#"{"version":"0","id":"e1","source":"aws.s3","detail-type":"Object Created","time":"2026-11-02T10:00:00Z",
        "resources":["arn:aws:s3:::b"],"detail":{"object":{"key":"book.epub"}}}"#;
    assert_eq!(
        dispatch(eventbridge).await.unwrap(),
        json!({"type": "Object Created", "subject": "arn:aws:s3:::b", "routekey": "aws.events"})
    );
    let native = r#"{"specversion":"1.0","id":"n1","source":"/uploads","type":"com.example.upload","subject":"book.epub"}"#;
    assert_eq!(
        dispatch(native).await.unwrap(),
        json!({"type": "com.example.upload", "subject": "book.epub", "routekey": null})
    );
}

#[tokio::test]
async fn a_batch_adapts_into_one_call_per_record_and_kind_handlers_come_first() {
    let two = r#"{"Records":[
        {"eventSource":"aws:s3","awsRegion":"r","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a"}}},
        {"eventSource":"aws:s3","awsRegion":"r","eventName":"ObjectCreated:Copy","s3":{"bucket":{"name":"b"},"object":{"key":"c"}}}]}"#;
    let response = dispatch(two).await.unwrap();
    assert_eq!(response.as_array().map(Vec::len), Some(2));
    assert_eq!(response[1]["subject"], "c");
    let sqs =
        r#"{"Records":[{"messageId":"m","eventSource":"aws:sqs","eventSourceARN":"arn:q","body":"x"}]}"#;
    assert_eq!(dispatch(sqs).await.unwrap(), json!("native sqs handler"));
    // Adapted, but no handler takes it: no handler at all.
    let removed = r#"{"Records":[{"eventSource":"aws:s3","awsRegion":"r","eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"b"},"object":{"key":"a"}}}]}"#;
    assert_eq!(dispatch(removed).await.unwrap_err().error_type(), "NoHandler");
}
