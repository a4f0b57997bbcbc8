//! Idempotent handlers with the in-memory store: each unit runs once per key, duplicates get
//! the stored answer, failures, panics and the deadline give the record back, refusals get
//! their `errorType` (or fail their record alone), batches claim their records at once.

use cloud_events_lambda::events::{S3EventRecord, SqsMessage};
use cloud_events_lambda::idempotency::{Idempotency, InMemoryStore, Status};
use cloud_events_lambda::{
    CloudEvent, Context, Dependencies, Dispatcher, Kind, Options, RawEvent, StartupError, on_cloudevent,
    on_event,
};
use cloud_events_tests::events::sqs_batch;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How many times each order's effect happened.
static EFFECTS: Mutex<Option<HashMap<String, usize>>> = Mutex::new(None);

fn effect(order: &str) -> usize {
    let mut effects = EFFECTS.lock().unwrap();
    let count = effects
        .get_or_insert_with(HashMap::new)
        .entry(order.to_owned())
        .or_default();
    *count += 1;
    *count
}

fn effects(order: &str) -> usize {
    EFFECTS
        .lock()
        .unwrap()
        .as_ref()
        .and_then(|effects| effects.get(order).copied())
        .unwrap_or_default()
}

/// A body `{"orderId": .., "amount": .., "then": "ok" | "fail" | "panic" | "slow"}`.
#[on_event("aws.sqs", idempotent(validate = "body.amount"))]
async fn capture(message: SqsMessage) -> Result<Value, String> {
    let body: Value =
        serde_json::from_str(message.body.as_deref().unwrap_or("{}")).map_err(|e| e.to_string())?;
    let order = body["orderId"].as_str().unwrap_or("?").to_owned();
    match body["then"].as_str() {
        Some("slow") => tokio::time::sleep(Duration::from_millis(300)).await,
        Some("fail") => return Err(format!("card declined for {order}")),
        Some("panic") => panic!("gateway exploded for {order}"),
        _ => {}
    }
    let nth = effect(&order);
    Ok(json!({ "order": order, "receipt": format!("r-{order}-{nth}"), "amount": body["amount"] }))
}

/// Keyed by the CloudEvent's `source` and `id`; sleeps past the deadline on `slow`.
#[on_cloudevent(type = "com.example.payment.*", idempotent(expires_after = "2s"))]
async fn payment(event: CloudEvent<Value>) -> Result<String, String> {
    let data = event.data.unwrap_or_default();
    if data["slow"] == true {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    if data["fail"] == true {
        return Err("payment refused".to_owned());
    }
    Ok(format!(
        "paid-{}-{}",
        event.id,
        effect(&format!("ce-{}", event.id))
    ))
}

/// An HTTP API has no id that survives a retry: the key is named.
#[on_event("aws.apigateway.v2", idempotent(key = "body.orderId", prefix = "orders-api"))]
fn order_api(_event: RawEvent) -> String {
    "created".to_owned()
}

#[on_event("aws.s3", idempotent)]
fn stored(record: S3EventRecord) -> Option<String> {
    record.s3.object.key
}

fn app(store: &InMemoryStore) -> Dispatcher {
    let mut dependencies = Dependencies::new();
    dependencies.insert(Idempotency::new(store.clone()));
    Dispatcher::new(dependencies, Options::default()).expect("starts")
}

fn order(id: &str, amount: f64, then: &str) -> String {
    json!({"orderId": id, "amount": amount, "then": then}).to_string()
}

fn batch(bodies: &[String], ids: &[&str]) -> String {
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    let mut event = sqs_batch(&bodies);
    for (record, id) in event["Records"].as_array_mut().unwrap().iter_mut().zip(ids) {
        record["messageId"] = json!(id);
    }
    event.to_string()
}

async fn dispatch(dispatcher: &Dispatcher, json: &str) -> Result<Value, cloud_events_lambda::DispatchError> {
    dispatcher.dispatch(json, Context::local(1, "payments")).await
}

/// An SQS batch answer as the failed ids.
fn failed(answer: &Value) -> Vec<String> {
    answer["batchItemFailures"]
        .as_array()
        .unwrap_or_else(|| panic!("a partial batch response: {answer}"))
        .iter()
        .map(|item| item["itemIdentifier"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_redelivered_batch_replays_each_answer_and_the_effect_happens_once() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let event = batch(
        &[order("dup-1", 10.0, "ok"), order("dup-2", 20.0, "ok")],
        &["dup-m1", "dup-m2"],
    );
    let first = dispatch(&dispatcher, &event).await.unwrap();
    let again = dispatch(&dispatcher, &event).await.unwrap();
    assert_eq!(failed(&first), Vec::<String>::new());
    assert_eq!(first.to_string(), again.to_string());
    assert_eq!((effects("dup-1"), effects("dup-2")), (1, 1));
    // Two records, each `COMPLETED` with its handler's answer, bit for bit.
    let records = store.records();
    let completed: Vec<&str> = records
        .values()
        .filter(|r| r.status == Status::Completed)
        .filter_map(|r| r.data.as_deref())
        .collect();
    assert!(
        completed.contains(&r#"{"amount":10.0,"order":"dup-1","receipt":"r-dup-1-1"}"#),
        "{completed:?}"
    );
    // A batch's claims are made at once, its completions in the background: 2 calls a
    // record the first time, 1 on the duplicate.
    drop(records);
    assert_eq!(store.requests(), 2 * 2 + 2);
}

#[tokio::test]
async fn a_whole_events_answer_is_replayed_bit_for_bit() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let event = json!({"specversion": "1.0", "id": "pay-1", "source": "/payments", "type": "com.example.payment.captured", "data": {}}).to_string();
    let first = dispatch(&dispatcher, &event).await.unwrap();
    let again = dispatch(&dispatcher, &event).await.unwrap();
    assert_eq!(first, "paid-pay-1-1");
    assert_eq!(
        serde_json::to_vec(&first).unwrap(),
        serde_json::to_vec(&again).unwrap()
    );
    assert_eq!(effects("ce-pay-1"), 1);
    // The key is the spec's own uniqueness rule: the same id from another source is another event.
    let other = event.replace("/payments", "/refunds");
    assert_eq!(dispatch(&dispatcher, &other).await.unwrap(), "paid-pay-1-2");
}

#[tokio::test]
async fn a_failed_or_panicking_record_is_given_back_and_its_retry_runs() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    for then in ["fail", "panic"] {
        let id = format!("retry-{then}");
        let bad = batch(
            &[order(&id, 5.0, then), order(&format!("{id}-ok"), 5.0, "ok")],
            &[&id, "ok"],
        );
        let answer = dispatch(&dispatcher, &bad).await.unwrap();
        assert_eq!(failed(&answer), [id.clone()]);
        assert_eq!(effects(&id), 0);
        // The retry (now succeeding) runs.
        let good = batch(&[order(&id, 5.0, "ok")], &[&id]);
        assert_eq!(
            failed(&dispatch(&dispatcher, &good).await.unwrap()),
            Vec::<String>::new()
        );
        assert_eq!(effects(&id), 1, "{then}");
    }
    let event = json!({"specversion": "1.0", "id": "pay-fail", "source": "/payments", "type": "com.example.payment.captured", "data": {"fail": true}});
    let error = dispatch(&dispatcher, &event.to_string()).await.unwrap_err();
    assert_eq!(error.error_type(), "HandlerFailed");
    let mut fixed = event.clone();
    fixed["data"] = json!({});
    assert_eq!(
        dispatch(&dispatcher, &fixed.to_string()).await.unwrap(),
        "paid-pay-fail-1"
    );
}

#[tokio::test]
async fn a_handler_cancelled_at_the_deadline_gives_its_record_back() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let event = json!({"specversion": "1.0", "id": "pay-slow", "source": "/payments", "type": "com.example.payment.captured", "data": {"slow": true}});
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let context = Context {
        deadline_ms: now + 600,
        ..Context::local(1, "payments")
    };
    let error = dispatcher
        .dispatch(&event.to_string(), context)
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "DeadlineExceeded");
    assert!(
        store.records().is_empty(),
        "the record was deleted: {:?}",
        store.records()
    );
    let mut quick = event.clone();
    quick["data"] = json!({});
    assert_eq!(
        dispatch(&dispatcher, &quick.to_string()).await.unwrap(),
        "paid-pay-slow-1"
    );
}

#[tokio::test]
async fn a_duplicate_with_another_amount_is_refused() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let first = batch(
        &[order("val-1", 10.0, "ok"), order("val-x", 1.0, "ok")],
        &["val-m1", "val-mx"],
    );
    dispatch(&dispatcher, &first).await.unwrap();
    let tampered = batch(
        &[order("val-1", 99.0, "ok"), order("val-x", 1.0, "ok")],
        &["val-m1", "val-mx"],
    );
    let answer = dispatch(&dispatcher, &tampered).await.unwrap();
    assert_eq!(failed(&answer), ["val-m1"]);
    assert_eq!(effects("val-1"), 1);
}

#[tokio::test]
async fn a_key_missing_at_run_time_is_an_error_and_the_handler_does_not_run() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let mut event: Value = serde_json::from_str(Kind::ApiGatewayV2.sample()).unwrap();
    event["body"] = json!("{\"note\": \"no order id\"}");
    let error = dispatch(&dispatcher, &event.to_string()).await.unwrap_err();
    assert_eq!(error.error_type(), "IdempotencyKeyMissing");
    assert!(error.message.contains("`body.orderId`"), "{}", error.message);
    assert_eq!(store.requests(), 0);
    // With the key: runs, under the prefix it names.
    event["body"] = json!("{\"orderId\": \"o-1\"}");
    assert_eq!(
        dispatch(&dispatcher, &event.to_string()).await.unwrap(),
        "created"
    );
    assert!(store.records().keys().all(|id| id.starts_with("orders-api#")));
}

#[tokio::test]
async fn s3_records_are_keyed_by_bucket_key_and_sequencer_as_powertools_keys_them() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    dispatch(&dispatcher, Kind::S3.sample()).await.unwrap();
    // hashlib.md5(json.dumps([bucket, key, sequencer], sort_keys=True).encode()) in CPython.
    let ids: Vec<String> = store.records().keys().cloned().collect();
    assert_eq!(ids, ["payments.stored#a330b82559ec64854c20e4ccc97c9adb"]);
}

#[tokio::test]
async fn a_duplicate_within_one_batch_runs_once_and_neither_record_is_lost() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let twice = order("in-batch", 7.0, "ok");
    let event = batch(
        &[twice.clone(), order("in-batch-2", 1.0, "ok"), twice],
        &["same", "other", "same"],
    );
    let answer = dispatch(&dispatcher, &event).await.unwrap();
    assert_eq!(failed(&answer), Vec::<String>::new());
    assert_eq!(effects("in-batch"), 1);
    // Across batches too.
    let next = batch(&[order("in-batch", 7.0, "ok")], &["same"]);
    assert_eq!(
        failed(&dispatch(&dispatcher, &next).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(effects("in-batch"), 1);
}

#[tokio::test]
async fn two_concurrent_invocations_of_one_key_run_it_once() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let event = batch(&[order("race-1", 3.0, "slow")], &["race-m1"]);
    let (a, b) = tokio::join!(dispatch(&dispatcher, &event), dispatch(&dispatcher, &event));
    assert_eq!(effects("race-1"), 1);
    // One ran; the other's record is reported failed (SQS redelivers it later) and the
    // whole batch, being that one record, fails with it.
    let outcomes = [a, b];
    let errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().err())
        .map(|e| e.message.clone())
        .collect();
    assert_eq!(errors.len(), 1, "{outcomes:?}");
    assert!(errors[0].contains("IdempotencyAlreadyInProgress"), "{errors:?}");
}

#[tokio::test]
async fn a_store_down_fails_the_records_without_running_them_then_recovers() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    store.set_unavailable(true);
    let event = batch(
        &[order("down-1", 1.0, "ok"), order("down-2", 1.0, "ok")],
        &["down-m1", "down-m2"],
    );
    let error = dispatch(&dispatcher, &event).await.unwrap_err();
    assert_eq!(error.error_type(), "BatchFailed");
    assert!(
        error.message.contains("IdempotencyStoreFailed"),
        "{}",
        error.message
    );
    assert_eq!((effects("down-1"), effects("down-2")), (0, 0));
    let whole = json!({"specversion": "1.0", "id": "pay-down", "source": "/payments", "type": "com.example.payment.captured", "data": {}});
    let error = dispatch(&dispatcher, &whole.to_string()).await.unwrap_err();
    assert_eq!(error.error_type(), "IdempotencyStoreFailed");
    store.set_unavailable(false);
    assert_eq!(
        failed(&dispatch(&dispatcher, &event).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!((effects("down-1"), effects("down-2")), (1, 1));
}

#[tokio::test]
async fn a_record_past_its_expiry_runs_again() {
    let store = InMemoryStore::new();
    let dispatcher = app(&store);
    let event = json!({"specversion": "1.0", "id": "pay-ttl", "source": "/payments", "type": "com.example.payment.captured", "data": {}});
    assert_eq!(
        dispatch(&dispatcher, &event.to_string()).await.unwrap(),
        "paid-pay-ttl-1"
    );
    assert_eq!(
        dispatch(&dispatcher, &event.to_string()).await.unwrap(),
        "paid-pay-ttl-1"
    );
    // `expires_after = "2s"`: counted in whole seconds, so past it within three.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        dispatch(&dispatcher, &event.to_string()).await.unwrap(),
        "paid-pay-ttl-2"
    );
}

#[test]
fn idempotent_handlers_need_a_store_at_start_up() {
    let error = Dispatcher::new(Dependencies::new(), Options::default()).unwrap_err();
    let StartupError::IdempotencyNotConfigured { handler, .. } = &error else {
        panic!("{error}");
    };
    assert!(handler.starts_with("idempotency::"), "{handler}");
    assert!(error.to_string().contains("InMemoryStore::new()"), "{error}");
}
