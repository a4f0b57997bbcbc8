//! Per-record handlers with `when` conditions: each record of a batch goes to the first
//! handler whose condition holds for that record; the batch is answered as a whole.

use cloud_events_lambda::events::{EventGridEvent, Json};
use cloud_events_lambda::{Context, Dependencies, DispatchError, Dispatcher, Options, on_event};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Mutex;

static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[derive(Deserialize)]
struct Order {
    id: String,
    amount: i64,
}

#[derive(Deserialize)]
struct Refund {
    id: String,
}

#[on_event("aws.sqs", when = r#"body.kind == "order""#)]
fn order(order: Json<Order>) -> Result<(), String> {
    SEEN.lock().unwrap().push(format!("order {}", order.id));
    if order.amount <= 0 {
        Err(format!("order {}: amount must be positive", order.id))
    } else {
        Ok(())
    }
}

#[on_event("azure.eventgrid", when = r#"eventType == "Microsoft.Storage.BlobCreated""#)]
fn blob_created(event: EventGridEvent) -> String {
    SEEN.lock().unwrap().push(format!("created {}", event.subject));
    event.subject.clone()
}

#[on_event("azure.eventgrid")]
fn other_grid_event(event: EventGridEvent) -> String {
    SEEN.lock().unwrap().push(format!("other {}", event.subject));
    event.subject.clone()
}

#[on_event("aws.sqs", when = r#"body.kind == "refund""#)]
fn refund(refund: Json<Refund>) -> Result<(), String> {
    SEEN.lock().unwrap().push(format!("refund {}", refund.id));
    if refund.id.starts_with("bad") {
        Err("refund refused".to_owned())
    } else {
        Ok(())
    }
}

fn sqs(queue: &str, bodies: &[Value]) -> String {
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| {
            json!({"messageId": format!("m{i}"), "body": body.to_string(), "eventSource": "aws:sqs",
                   "eventSourceARN": format!("arn:aws:sqs:eu-west-1:123456789012:{queue}"), "attributes": {}, "messageAttributes": {}})
        })
        .collect();
    json!({ "Records": records }).to_string()
}

async fn dispatch(event: &str) -> Result<Value, DispatchError> {
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    dispatcher.dispatch(event, Context::local(1, "test")).await
}

fn seen_with(tag: &str) -> Vec<String> {
    SEEN.lock()
        .unwrap()
        .iter()
        .filter(|s| s.contains(tag))
        .cloned()
        .collect()
}

#[tokio::test]
async fn each_record_goes_to_the_handler_whose_condition_holds_for_it() {
    let event = sqs(
        "payments",
        &[
            json!({"kind": "order", "id": "o-std-1", "amount": 5}),
            json!({"kind": "refund", "id": "r-std-1"}),
            json!({"kind": "order", "id": "o-std-2", "amount": -1}),
            json!({"kind": "chargeback", "id": "c-std-1"}),
            json!({"kind": "refund", "id": "bad-std-2"}),
        ],
    );
    let response = dispatch(&event).await.unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}, {"itemIdentifier": "m4"}]})
    );
    // Unordered: each record ran once, in whatever order the handlers' groups ran.
    let mut seen = seen_with("-std-");
    seen.sort();
    assert_eq!(
        seen,
        [
            "order o-std-1",
            "order o-std-2",
            "refund bad-std-2",
            "refund r-std-1"
        ]
    );
}

#[tokio::test]
async fn an_ordered_batch_keeps_record_order_across_handlers_and_stops_at_the_first_failure() {
    let event = sqs(
        "payments.fifo",
        &[
            json!({"kind": "order", "id": "o-fifo-1", "amount": 5}),
            json!({"kind": "refund", "id": "r-fifo-1"}),
            json!({"kind": "refund", "id": "bad-fifo-2"}),
            json!({"kind": "order", "id": "o-fifo-never", "amount": 5}),
        ],
    );
    let response = dispatch(&event).await.unwrap();
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]})
    );
    assert_eq!(
        seen_with("-fifo-"),
        ["order o-fifo-1", "refund r-fifo-1", "refund bad-fifo-2"]
    );
}

#[tokio::test]
async fn a_batch_no_handler_takes_is_not_routed() {
    let event = sqs("payments", &[json!({"kind": "chargeback", "id": "c-none"})]);
    let error = dispatch(&event).await.unwrap_err();
    assert_eq!(error.error_type(), "NoHandler");
}

/// Found while documenting: Event Grid deliveries (a top-level array) were not split for
/// per-record conditions, so a conditional handler never matched.
#[tokio::test]
async fn event_grid_events_are_routed_one_by_one_by_their_conditions() {
    let event = json!([
        {"id": "1", "subject": "/grid/blob-a", "eventType": "Microsoft.Storage.BlobCreated",
         "eventTime": "2026-11-02T10:00:00Z", "data": {}, "dataVersion": "1"},
        {"id": "2", "subject": "/grid/blob-b", "eventType": "Microsoft.Storage.BlobDeleted",
         "eventTime": "2026-11-02T10:00:01Z", "data": {}, "dataVersion": "1"}
    ]);
    dispatch(&event.to_string()).await.unwrap();
    assert_eq!(
        seen_with("/grid/"),
        ["created /grid/blob-a", "other /grid/blob-b"]
    );
}
