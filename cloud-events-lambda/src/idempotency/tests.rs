use super::*;
use serde_json::json;

fn unit(id: &str) -> Unit {
    Unit {
        id: id.to_owned(),
        validation: None,
    }
}

fn clock() -> Clock {
    Clock::new(u64::MAX, Duration::from_secs(3600))
}

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_claim_runs_once_then_its_answer_is_replayed() {
    let store = InMemoryStore::new();
    let idempotency = Idempotency::new(store.clone());
    let a = unit("f.h#a");
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
    // While it runs, a duplicate is refused as in progress.
    let Begin::Refused(error) = idempotency.begin(&a, clock()).await else {
        panic!()
    };
    assert_eq!(error.error_type(), "IdempotencyAlreadyInProgress");
    idempotency
        .complete(&a, &json!({"receipt": "r-1", "amount": 12.5}), HOUR)
        .await;
    let Begin::Replay(answer) = idempotency.begin(&a, clock()).await else {
        panic!()
    };
    assert_eq!(answer, json!({"receipt": "r-1", "amount": 12.5}));
    let record = store.record("f.h#a").unwrap();
    assert_eq!(record.status, Status::Completed);
    assert_eq!(record.data.as_deref(), Some(r#"{"amount":12.5,"receipt":"r-1"}"#));
    // put, put (refused), update, put (refused): one call each.
    assert_eq!(store.requests(), 4);
}

#[tokio::test]
async fn a_released_claim_runs_again() {
    let store = InMemoryStore::new();
    let idempotency = Idempotency::new(store.clone());
    let a = unit("f.h#a");
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
    idempotency.release(&a).await;
    assert!(store.record("f.h#a").is_none());
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
}

#[tokio::test]
async fn an_in_progress_record_past_its_deadline_is_taken_over() {
    let store = InMemoryStore::new();
    let idempotency = Idempotency::new(store.clone());
    let a = unit("f.h#a");
    let now_ms = clock().now_ms;
    let short = Clock {
        in_progress_until_ms: now_ms + 50,
        ..clock()
    };
    assert!(matches!(idempotency.begin(&a, short).await, Begin::Run));
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Refused(_)));
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(
        matches!(idempotency.begin(&a, clock()).await, Begin::Run),
        "taken over"
    );
}

#[tokio::test]
async fn a_completed_record_past_its_expiration_runs_again() {
    let store = InMemoryStore::new();
    let idempotency = Idempotency::new(store.clone());
    let a = unit("f.h#a");
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
    idempotency.complete(&a, &json!(1), Duration::ZERO).await;
    // Expired at this second: counts until the second has passed.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
}

#[tokio::test]
async fn a_duplicate_with_other_validated_fields_is_refused() {
    let idempotency = Idempotency::new(InMemoryStore::new());
    let paid = Unit {
        id: "f.h#a".to_owned(),
        validation: Some(key::hash(&json!(12.5))),
    };
    assert!(matches!(idempotency.begin(&paid, clock()).await, Begin::Run));
    idempotency.complete(&paid, &json!("ok"), HOUR).await;
    assert!(matches!(
        idempotency.begin(&paid, clock()).await,
        Begin::Replay(_)
    ));
    let other = Unit {
        validation: Some(key::hash(&json!(99))),
        ..paid
    };
    let Begin::Refused(error) = idempotency.begin(&other, clock()).await else {
        panic!()
    };
    assert_eq!(error.error_type(), "IdempotencyValidationFailed");
}

#[tokio::test]
async fn an_unreachable_store_refuses_and_never_runs() {
    let store = InMemoryStore::new();
    let idempotency = Idempotency::new(store.clone());
    store.set_unavailable(true);
    let Begin::Refused(error) = idempotency.begin(&unit("f.h#a"), clock()).await else {
        panic!()
    };
    assert_eq!(error.error_type(), "IdempotencyStoreFailed");
    assert!(
        error.message.contains("the handler did not run"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn the_local_cache_answers_without_a_call() {
    let store = InMemoryStore::new();
    let idempotency = Idempotency::new(store.clone()).local_cache(10);
    let a = unit("f.h#a");
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
    idempotency.complete(&a, &json!("ok"), HOUR).await;
    let calls = store.requests();
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Replay(_)));
    assert_eq!(store.requests(), calls, "no call");
}

/// A store that keeps at most 300 bytes a record and does not return the record that stands
/// in the way of a put (as a store without `ReturnValuesOnConditionCheckFailure` would).
struct Small(InMemoryStore);

impl IdempotencyStore for Small {
    fn put_in_progress<'a>(&'a self, record: &'a Record, now_ms: u64) -> StoreFuture<'a, Put> {
        Box::pin(async move {
            match self.0.put_in_progress(record, now_ms).await? {
                Put::Exists(_) => Ok(Put::Exists(None)),
                written => Ok(written),
            }
        })
    }
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Record>> {
        self.0.get(id)
    }
    fn complete<'a>(&'a self, record: &'a Record) -> StoreFuture<'a, ()> {
        self.0.complete(record)
    }
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.0.delete(id)
    }
    fn max_record_bytes(&self) -> Option<usize> {
        Some(300)
    }
}

#[tokio::test]
async fn an_answer_too_large_to_keep_completes_the_record_without_it() {
    let inner = InMemoryStore::new();
    let idempotency = Idempotency::new(Small(inner.clone()));
    let a = unit("f.h#a");
    assert!(matches!(idempotency.begin(&a, clock()).await, Begin::Run));
    idempotency.complete(&a, &json!("x".repeat(400)), HOUR).await;
    let record = inner.record("f.h#a").unwrap();
    assert_eq!((record.status, record.data), (Status::Completed, None));
    // Not run again: answered null (the refused put's record is read with a get).
    let calls = inner.requests();
    let Begin::Replay(answer) = idempotency.begin(&a, clock()).await else {
        panic!()
    };
    assert_eq!(answer, Value::Null);
    assert_eq!(inner.requests(), calls + 2);
}
