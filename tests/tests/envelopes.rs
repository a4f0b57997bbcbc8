//! Events inside events, asked for by type: one fixture per envelope.

use cloud_events_lambda::events::{
    CloudWatchAlarmPayload, DynamoDbChange, EventBridgeEvent, Json, S3Event, SnsNotification,
};
use cloud_events_lambda::{CloudEvent, Context, Dependencies, Dispatcher, Options, on_event};
use cloud_events_tests::fixture;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// What the SQS handlers saw (SQS responses carry only the failures).
static SEEN: std::sync::Mutex<Vec<Value>> = std::sync::Mutex::new(Vec::new());

fn seen(value: Value) -> Value {
    SEEN.lock().unwrap().push(value.clone());
    value
}

#[derive(Debug, Deserialize, Serialize)]
struct Order {
    id: String,
    amount: i64,
}

// `when` on a per-record handler is about one record: paths start at the SQS message.
#[on_event("aws.sqs", when = r#"body.Type == "Notification""#)]
fn sns_in_sqs(notification: Json<SnsNotification<Order>>) -> Value {
    seen(json!(["sns", notification.topic_arn, notification.message.id]))
}

#[on_event("aws.sqs", when = "exists(body.Records[0].s3)")]
fn s3_in_sqs(event: Json<S3Event>) -> Value {
    seen(json!(["s3", event.records[0].s3.object.key]))
}

#[on_event("aws.sqs", when = "exists(body.detail-type)")]
fn eventbridge_in_sqs(event: Json<EventBridgeEvent<Order>>) -> Value {
    seen(json!(["eventbridge", event.source, event.detail.id]))
}

#[on_event("aws.sqs", when = "exists(body.specversion)")]
fn cloudevent_in_sqs(event: Json<CloudEvent<Order>>) -> Value {
    seen(json!([
        "cloudevent",
        event.ty,
        event.data.as_ref().map(|o| o.amount)
    ]))
}

#[on_event("aws.sns")]
fn alarm_in_sns(alarm: Json<CloudWatchAlarmPayload>) -> Value {
    json!([alarm.alarm_name, alarm.new_state_value, alarm.trigger.threshold])
}

#[on_event("aws.kinesis")]
fn cloudevent_in_kinesis(event: Json<CloudEvent<Order>>) -> Value {
    seen(json!([event.source, event.data.as_ref().map(|o| o.id.clone())]))
}

#[on_event("aws.kafka")]
fn order_in_kafka(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.events")]
fn eventbridge_detail(order: Json<Order>) -> String {
    order.0.id
}

#[on_event("aws.apigateway.v2")]
fn http_body(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.kinesis.firehose")]
fn order_in_firehose(order: Json<Order>) -> String {
    format!("{}:{}", order.id, order.amount)
}

#[on_event("aws.mq")]
fn order_in_activemq(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.rmq")]
fn order_in_rabbitmq(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.logs")]
fn order_in_logs(order: Json<Order>) -> String {
    order.0.id
}

#[on_event("aws.dynamodb")]
fn order_changed(change: DynamoDbChange<Order>) -> Value {
    seen(json!([
        change.event_name,
        change.old_image.map(|o| o.amount),
        change.new_image.map(|o| o.amount)
    ]))
}

#[on_event("aws.alb")]
fn alb_body(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.lambda.url")]
fn url_body(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.vpclattice")]
fn lattice_body(order: Json<Order>) -> i64 {
    order.amount
}

#[on_event("aws.apigateway")]
fn rest_body(order: Json<Order>) -> i64 {
    order.amount
}

async fn invoke(file: &str) -> Result<Value, cloud_events_lambda::DispatchError> {
    let json = std::fs::read_to_string(fixture(&format!("envelopes/{file}"))).unwrap();
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    dispatcher.dispatch(&json, Context::local(1, "test")).await
}

#[tokio::test]
async fn sqs_carries_sns_s3_eventbridge_and_cloudevents() {
    // Per-record payloads of a source without a per-record value in the response: SQS answers
    // with the failures only.
    assert_eq!(
        invoke("sqs-sns.json").await.unwrap(),
        json!({"batchItemFailures": []})
    );
    assert_eq!(
        invoke("sqs-s3.json").await.unwrap(),
        json!({"batchItemFailures": []})
    );
    assert_eq!(
        invoke("sqs-eventbridge.json").await.unwrap(),
        json!({"batchItemFailures": []})
    );
    // The second CloudEvent has an empty id: that record alone fails.
    assert_eq!(
        invoke("sqs-cloudevent.json").await.unwrap(),
        json!({"batchItemFailures": [{"itemIdentifier": "env-5"}]})
    );
    let seen = SEEN.lock().unwrap().clone();
    for expected in [
        json!(["sns", "arn:aws:sns:eu-west-1:123456789012:orders", "ord-77"]),
        json!(["s3", "2026/11/inv-77.pdf"]),
        json!(["eventbridge", "com.example.shop", "ord-77"]),
        json!(["cloudevent", "com.example.order.placed", 1250]),
    ] {
        assert!(seen.contains(&expected), "{expected} not in {seen:?}");
    }
}

#[tokio::test]
async fn sources_without_partial_responses_answer_each_payload_handler_value() {
    assert_eq!(
        invoke("sns-cloudwatch-alarm.json").await.unwrap(),
        json!([["queue-depth", "ALARM", 100.0]])
    );
    assert_eq!(invoke("kafka-json.json").await.unwrap(), json!([1250]));
    assert_eq!(
        invoke("kinesis-cloudevent.json").await.unwrap(),
        json!({"batchItemFailures": []})
    );
    assert!(SEEN.lock().unwrap().contains(&json!(["/shop/orders", "ord-77"])));
}

#[tokio::test]
async fn whole_event_payloads_are_decoded_once() {
    assert_eq!(invoke("eventbridge-detail.json").await.unwrap(), json!("ord-77"));
    assert_eq!(invoke("http-api-body.json").await.unwrap(), json!(1250));
}

#[tokio::test]
async fn every_other_envelope_fixture() {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode("ord-77:1250");
    assert_eq!(
        invoke("firehose-json.json").await.unwrap(),
        json!({"records": [{"recordId": "rec-77", "result": "Ok", "data": encoded}]})
    );
    assert_eq!(invoke("activemq-json.json").await.unwrap(), json!([1250]));
    assert_eq!(invoke("rabbitmq-json.json").await.unwrap(), json!([1250]));
    assert_eq!(
        invoke("cloudwatch-logs-json.json").await.unwrap(),
        json!(["ord-77"])
    );
    assert_eq!(
        invoke("dynamodb-change.json").await.unwrap(),
        json!({"batchItemFailures": []})
    );
    assert!(SEEN.lock().unwrap().contains(&json!(["MODIFY", 1000, 1250])));
    for http in [
        "alb-body.json",
        "lambda-url-body.json",
        "vpclattice-body.json",
        "rest-api-body.json",
    ] {
        assert_eq!(invoke(http).await.unwrap(), json!(1250), "{http}");
    }
}
