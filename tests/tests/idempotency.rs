//! Idempotent handlers, each scenario run three times: with the in-memory store, and with the
//! DynamoDB store against dynalite and against moto's server (two implementations of
//! DynamoDB's API by others, started by the test on 127.0.0.1). Each unit runs once per key, duplicates get the stored answer,
//! failures, panics and the deadline give the record back, refusals get their `errorType`
//! (or fail their record alone), batches claim their records at once.

use cloud_events_lambda::events::{S3EventRecord, SqsMessage};
use cloud_events_lambda::idempotency::{
    DynamoDbStore, Idempotency, IdempotencyStore, InMemoryStore, Record, Status,
};
use cloud_events_lambda::{
    CloudEvent, Context, Dependencies, Dispatcher, Kind, Options, RawEvent, StartupError, on_cloudevent,
    on_event,
};
use cloud_events_tests::dynamodb_server::{DynamoDbServer, Implementation, Proxy};
use cloud_events_tests::events::sqs_batch;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
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
        Some("slow") => tokio::time::sleep(Duration::from_millis(1_000)).await,
        Some("fail") => return Err(format!("card declined for {order}")),
        Some("panic") => panic!("gateway exploded for {order}"),
        Some("big") => {
            effect(&order);
            return Ok(json!({ "order": order, "padding": "x".repeat(500 * 1024) }));
        }
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

/// Where a scenario keeps its records, and how it looks at them.
enum Backend {
    Memory(InMemoryStore),
    Dynamo {
        server: DynamoDbServer,
        proxy: Proxy,
        client: aws_sdk_dynamodb::Client,
        table: String,
    },
}

/// A dispatcher over this file's handlers with one store, and a view of that store.
struct Harness {
    dispatcher: Dispatcher,
    backend: Backend,
    /// Tells the scenario's orders apart from the other backend's.
    tag: &'static str,
    /// The in-memory store's calls already counted.
    counted: std::sync::atomic::AtomicUsize,
}

impl Harness {
    fn memory() -> Harness {
        let store = InMemoryStore::new();
        Harness {
            dispatcher: dispatcher(Idempotency::new(store.clone())),
            backend: Backend::Memory(store),
            tag: "mem",
            counted: Default::default(),
        }
    }

    /// A server of its own (with its table), behind a counting proxy; `None` (the test then
    /// says it skipped) if the server cannot be had on this machine.
    async fn server(implementation: Implementation, name: &str) -> Option<Harness> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let server = DynamoDbServer::start_for_test_of(implementation, dir, name)?;
        let proxy = Proxy::start(server.port(), Duration::ZERO).await;
        let client = cloud_events_tests::dynamodb_server::client(&proxy.endpoint());
        let table = format!("idempotency-{name}");
        cloud_events_tests::dynamodb_server::create_table(&client, &table)
            .await
            .expect("the table is created");
        proxy.take();
        Some(Harness {
            dispatcher: dispatcher(Idempotency::new(DynamoDbStore::new(client.clone(), &table))),
            counted: Default::default(),
            backend: Backend::Dynamo {
                server,
                proxy,
                client,
                table,
            },
            tag: match implementation {
                Implementation::Dynalite => "ddb",
                Implementation::Moto => "moto",
            },
        })
    }

    fn order(&self, name: &str) -> String {
        format!("{}-{name}", self.tag)
    }

    async fn dispatch(&self, json: &str) -> Result<Value, cloud_events_lambda::DispatchError> {
        self.dispatcher
            .dispatch(json, Context::local(1, "payments"))
            .await
    }

    /// The requests the store got since the last call, by operation.
    fn requests(&self) -> Vec<String> {
        match &self.backend {
            Backend::Memory(store) => {
                let now = store.requests();
                let before = self.counted.swap(now, std::sync::atomic::Ordering::SeqCst);
                vec!["call".to_owned(); now - before]
            }
            Backend::Dynamo { proxy, .. } => proxy.take(),
        }
    }

    /// Every record in the store.
    async fn records(&self) -> Vec<Record> {
        match &self.backend {
            Backend::Memory(store) => store.records().values().cloned().collect(),
            Backend::Dynamo { client, table, .. } => {
                let scan = client.scan().table_name(table).send().await.expect("a scan");
                let store = DynamoDbStore::new(client.clone(), table);
                let mut records = Vec::new();
                for item in scan.items() {
                    let id = item["id"].as_s().expect("an id");
                    records.push(store.get(id).await.expect("a get").expect("the record"));
                }
                records
            }
        }
    }

    /// Makes the store unreachable (`false`) or reachable again; says whether the records
    /// kept before are still there (a server started again without its data has its table
    /// made anew).
    async fn set_reachable(&mut self, reachable: bool) -> bool {
        match &mut self.backend {
            Backend::Memory(store) => store.set_unavailable(!reachable),
            Backend::Dynamo {
                server,
                client,
                table,
                ..
            } if reachable => {
                server.start_again().expect("dynalite starts again");
                let tables = client.list_tables().send().await.expect("the server answers");
                if !tables.table_names().contains(table) {
                    cloud_events_tests::dynamodb_server::create_table(client, table)
                        .await
                        .expect("the table is made anew");
                    return false;
                }
            }
            Backend::Dynamo { server, .. } => server.stop(),
        }
        true
    }
}

fn dispatcher(idempotency: Idempotency) -> Dispatcher {
    let mut dependencies = Dependencies::new();
    dependencies.insert(idempotency);
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

fn payment_event(id: &str, data: Value) -> String {
    json!({"specversion": "1.0", "id": id, "source": "/payments", "type": "com.example.payment.captured", "data": data}).to_string()
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

/// Each scenario as three tests: `memory::NAME`, `dynalite::NAME` and `moto::NAME`.
macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(super::Harness::memory()).await;
                }
            )*
        }
        scenarios!(@on dynalite, Dynalite, $($name),*);
        scenarios!(@on moto, Moto, $($name),*);
    };
    (@on $module:ident, $implementation:ident, $($name:ident),*) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $name() {
                    let server = super::Implementation::$implementation;
                    if let Some(harness) = super::Harness::server(server, stringify!($name)).await {
                        super::$name(harness).await;
                    }
                }
            )*
        }
    };
}

scenarios!(
    a_redelivered_batch_replays_each_answer_and_the_effect_happens_once,
    a_whole_events_answer_is_replayed_bit_for_bit,
    a_failed_or_panicking_record_is_given_back_and_its_retry_runs,
    a_handler_cancelled_at_the_deadline_gives_its_record_back,
    a_duplicate_with_another_amount_is_refused,
    a_key_missing_at_run_time_is_an_error_and_the_handler_does_not_run,
    s3_records_are_keyed_by_bucket_key_and_sequencer_as_powertools_keys_them,
    a_duplicate_within_one_batch_runs_once_and_neither_record_is_lost,
    two_concurrent_invocations_of_one_key_run_it_once,
    a_store_down_fails_the_records_without_running_them_then_recovers,
    a_record_past_its_expiry_runs_again,
    an_answer_larger_than_the_store_keeps_is_answered_then_replayed_as_null,
    a_record_that_does_not_decode_is_given_back,
);

async fn a_redelivered_batch_replays_each_answer_and_the_effect_happens_once(h: Harness) {
    let (one, two) = (h.order("dup-1"), h.order("dup-2"));
    let event = batch(
        &[order(&one, 10.0, "ok"), order(&two, 20.0, "ok")],
        &["dup-m1", "dup-m2"],
    );
    let first = h.dispatch(&event).await.unwrap();
    let first_requests = h.requests();
    let again = h.dispatch(&event).await.unwrap();
    let again_requests = h.requests();
    assert_eq!(failed(&first), Vec::<String>::new());
    assert_eq!(first.to_string(), again.to_string());
    assert_eq!((effects(&one), effects(&two)), (1, 1));
    let completed: Vec<String> = h
        .records()
        .await
        .into_iter()
        .filter(|r| r.status == Status::Completed)
        .filter_map(|r| r.data)
        .collect();
    let expected = format!(r#"{{"amount":10.0,"order":"{one}","receipt":"r-{one}-1"}}"#);
    assert!(completed.contains(&expected), "{completed:?}");
    // Counted at the store: a put then an update a record the first time; on the
    // duplicate, a put a record (and, where the server does not return the item that
    // refused the put, as dynalite does not, a consistent get).
    match &h.backend {
        Backend::Memory(_) => assert_eq!((first_requests.len(), again_requests.len()), (4, 2)),
        Backend::Dynamo { .. } => {
            let mut sorted = first_requests.clone();
            sorted.sort();
            assert_eq!(sorted, ["PutItem", "PutItem", "UpdateItem", "UpdateItem"]);
            // One refused `PutItem` a record; a server that does not return the refusing
            // item (dynalite) costs a consistent `GetItem` each too, one that does (DynamoDB,
            // moto) none.
            let mut sorted = again_requests.clone();
            sorted.sort();
            let returned = ["PutItem", "PutItem"];
            let read_after = ["GetItem", "GetItem", "PutItem", "PutItem"];
            assert!(sorted == returned || sorted == read_after, "{sorted:?}");
        }
    }
}

async fn a_whole_events_answer_is_replayed_bit_for_bit(h: Harness) {
    let id = h.order("pay-1");
    let event = payment_event(&id, json!({}));
    let first = h.dispatch(&event).await.unwrap();
    let again = h.dispatch(&event).await.unwrap();
    assert_eq!(first, format!("paid-{id}-1"));
    assert_eq!(
        serde_json::to_vec(&first).unwrap(),
        serde_json::to_vec(&again).unwrap()
    );
    assert_eq!(effects(&format!("ce-{id}")), 1);
    // The key is the spec's own uniqueness rule: the same id from another source is another event.
    let other = event.replace("/payments", "/refunds");
    assert_eq!(h.dispatch(&other).await.unwrap(), format!("paid-{id}-2"));
}

async fn a_failed_or_panicking_record_is_given_back_and_its_retry_runs(h: Harness) {
    for then in ["fail", "panic"] {
        let id = h.order(&format!("retry-{then}"));
        let ok = format!("{id}-ok");
        let bad = batch(&[order(&id, 5.0, then), order(&ok, 5.0, "ok")], &[&id, &ok]);
        let answer = h.dispatch(&bad).await.unwrap();
        assert_eq!(failed(&answer), std::slice::from_ref(&id));
        assert_eq!(effects(&id), 0);
        // The retry (now succeeding) runs.
        let good = batch(&[order(&id, 5.0, "ok")], &[&id]);
        assert_eq!(failed(&h.dispatch(&good).await.unwrap()), Vec::<String>::new());
        assert_eq!(effects(&id), 1, "{then}");
    }
    let id = h.order("pay-fail");
    let error = h
        .dispatch(&payment_event(&id, json!({"fail": true})))
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "HandlerFailed");
    assert_eq!(
        h.dispatch(&payment_event(&id, json!({}))).await.unwrap(),
        format!("paid-{id}-1")
    );
}

async fn a_handler_cancelled_at_the_deadline_gives_its_record_back(h: Harness) {
    let id = h.order("pay-slow");
    // A first invocation opens the client's connection, so that the claim below is made
    // well before the deadline even on a loaded machine.
    h.dispatch(&payment_event(&h.order("pay-warm"), json!({})))
        .await
        .unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
    let context = Context {
        deadline_ms: now + 1_500,
        ..Context::local(1, "payments")
    };
    let slow = payment_event(&id, json!({"slow": true}));
    let error = h.dispatcher.dispatch(&slow, context).await.unwrap_err();
    assert_eq!(error.error_type(), "DeadlineExceeded");
    let records = h.records().await;
    assert!(
        records.iter().all(|record| record.status == Status::Completed),
        "the cancelled one's record was deleted: {records:?}"
    );
    assert_eq!(
        records.len(),
        1,
        "only the first invocation's record: {records:?}"
    );
    assert_eq!(
        h.dispatch(&payment_event(&id, json!({}))).await.unwrap(),
        format!("paid-{id}-1")
    );
}

async fn a_duplicate_with_another_amount_is_refused(h: Harness) {
    let (one, other) = (h.order("val-1"), h.order("val-x"));
    let first = batch(
        &[order(&one, 10.0, "ok"), order(&other, 1.0, "ok")],
        &["val-m1", "val-mx"],
    );
    h.dispatch(&first).await.unwrap();
    let tampered = batch(
        &[order(&one, 99.0, "ok"), order(&other, 1.0, "ok")],
        &["val-m1", "val-mx"],
    );
    let answer = h.dispatch(&tampered).await.unwrap();
    assert_eq!(failed(&answer), ["val-m1"]);
    assert_eq!(effects(&one), 1);
}

async fn a_key_missing_at_run_time_is_an_error_and_the_handler_does_not_run(h: Harness) {
    let mut event: Value = serde_json::from_str(Kind::ApiGatewayV2.sample()).unwrap();
    event["body"] = json!("{\"note\": \"no order id\"}");
    let error = h.dispatch(&event.to_string()).await.unwrap_err();
    assert_eq!(error.error_type(), "IdempotencyKeyMissing");
    assert!(error.message.contains("`body.orderId`"), "{}", error.message);
    assert!(h.requests().is_empty());
    // With the key: runs, under the prefix it names.
    event["body"] = json!("{\"orderId\": \"o-1\"}");
    assert_eq!(h.dispatch(&event.to_string()).await.unwrap(), "created");
    let records = h.records().await;
    assert!(
        !records.is_empty() && records.iter().all(|r| r.id.starts_with("orders-api#")),
        "{records:?}"
    );
}

async fn s3_records_are_keyed_by_bucket_key_and_sequencer_as_powertools_keys_them(h: Harness) {
    h.dispatch(Kind::S3.sample()).await.unwrap();
    // hashlib.md5(json.dumps([bucket, key, sequencer], sort_keys=True).encode()) in CPython.
    let ids: Vec<String> = h.records().await.into_iter().map(|r| r.id).collect();
    assert_eq!(ids, ["payments.stored#a330b82559ec64854c20e4ccc97c9adb"]);
}

async fn a_duplicate_within_one_batch_runs_once_and_neither_record_is_lost(h: Harness) {
    let (twice, other) = (h.order("in-batch"), h.order("in-batch-2"));
    let event = batch(
        &[
            order(&twice, 7.0, "ok"),
            order(&other, 1.0, "ok"),
            order(&twice, 7.0, "ok"),
        ],
        &["same", "other", "same"],
    );
    let answer = h.dispatch(&event).await.unwrap();
    assert_eq!(failed(&answer), Vec::<String>::new());
    assert_eq!(effects(&twice), 1);
    // Across batches too.
    let next = batch(&[order(&twice, 7.0, "ok")], &["same"]);
    assert_eq!(failed(&h.dispatch(&next).await.unwrap()), Vec::<String>::new());
    assert_eq!(effects(&twice), 1);
}

async fn two_concurrent_invocations_of_one_key_run_it_once(h: Harness) {
    let id = h.order("race-1");
    let event = batch(&[order(&id, 3.0, "slow")], &["race-m1"]);
    let (a, b) = tokio::join!(h.dispatch(&event), h.dispatch(&event));
    assert_eq!(effects(&id), 1);
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

async fn a_store_down_fails_the_records_without_running_them_then_recovers(mut h: Harness) {
    let (one, two) = (h.order("down-1"), h.order("down-2"));
    let event = batch(
        &[order(&one, 1.0, "ok"), order(&two, 1.0, "ok")],
        &["down-m1", "down-m2"],
    );
    let warm = payment_event(&h.order("pay-up"), json!({}));
    h.dispatch(&warm).await.unwrap();
    h.set_reachable(false).await;
    let error = h.dispatch(&event).await.unwrap_err();
    assert_eq!(error.error_type(), "BatchFailed");
    assert!(
        error.message.contains("IdempotencyStoreFailed"),
        "{}",
        error.message
    );
    assert_eq!((effects(&one), effects(&two)), (0, 0));
    let whole = payment_event(&h.order("pay-down"), json!({}));
    let error = h.dispatch(&whole).await.unwrap_err();
    assert_eq!(error.error_type(), "IdempotencyStoreFailed");
    assert!(
        error.message.contains("the handler did not run"),
        "{}",
        error.message
    );
    let kept = h.set_reachable(true).await;
    assert_eq!(failed(&h.dispatch(&event).await.unwrap()), Vec::<String>::new());
    assert_eq!((effects(&one), effects(&two)), (1, 1));
    // What was kept before the outage still counts (where the server kept its tables).
    h.dispatch(&warm).await.unwrap();
    let expected = if kept { 1 } else { 2 };
    assert_eq!(effects(&format!("ce-{}", h.order("pay-up"))), expected);
}

async fn a_record_past_its_expiry_runs_again(h: Harness) {
    let id = h.order("pay-ttl");
    let event = payment_event(&id, json!({}));
    assert_eq!(h.dispatch(&event).await.unwrap(), format!("paid-{id}-1"));
    assert_eq!(h.dispatch(&event).await.unwrap(), format!("paid-{id}-1"));
    // `expires_after = "2s"`: counted in whole seconds, so past it within three.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(h.dispatch(&event).await.unwrap(), format!("paid-{id}-2"));
}

async fn an_answer_larger_than_the_store_keeps_is_answered_then_replayed_as_null(h: Harness) {
    let id = h.order("big-1");
    let event = batch(
        &[order(&id, 1.0, "big"), order(&h.order("big-ok"), 1.0, "ok")],
        &["big-m1", "big-m2"],
    );
    // A batch answers with failures only; the record is completed either way.
    assert_eq!(failed(&h.dispatch(&event).await.unwrap()), Vec::<String>::new());
    let records = h.records().await;
    let big = records
        .iter()
        .find(|r| r.data.as_deref().is_none_or(|d| d.contains("padding")) && r.status == Status::Completed);
    match &h.backend {
        // No limit: kept whole.
        Backend::Memory(_) => {
            assert!(big.is_some_and(|r| r.data.as_ref().is_some_and(|d| d.len() > 500 * 1024)))
        }
        // Over DynamoDB's 400 KB: completed without its answer, so a duplicate does not run.
        Backend::Dynamo { .. } => assert!(big.is_some_and(|r| r.data.is_none()), "{records:?}"),
    }
    // Delivered again: not run again.
    assert_eq!(failed(&h.dispatch(&event).await.unwrap()), Vec::<String>::new());
    assert_eq!(effects(&id), 1);
}

async fn a_record_that_does_not_decode_is_given_back(h: Harness) {
    let id = h.order("undecodable");
    let mut event: Value = serde_json::from_str(&batch(
        &[order(&id, 1.0, "ok"), order(&h.order("fine"), 1.0, "ok")],
        &["bad-m1", "fine-m2"],
    ))
    .unwrap();
    event["Records"][0]["attributes"] = json!("not an object");
    let answer = h.dispatch(&event.to_string()).await.unwrap();
    assert_eq!(failed(&answer), ["bad-m1"]);
    // Only the good record's record is kept: the other was claimed, then given back.
    let records = h.records().await;
    assert_eq!(records.len(), 1, "{records:?}");
    event["Records"][0]["attributes"] = json!({});
    assert_eq!(
        failed(&h.dispatch(&event.to_string()).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(effects(&id), 1);
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
