//! [`InMemoryStore`]: idempotency records in the process, for tests and local runs.

use super::store::{IdempotencyStore, Put, Record, Status, StoreError, StoreFuture};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Idempotency records in a map of the process: for `TestApp` tests, `APP invoke` and
/// benchmarks. Records do not outlive the process, and processes do not share them; on
/// Lambda use a store that does (`DynamoDbStore`).
///
/// It counts the calls made to it, can answer after a delay (a stand-in for a store's
/// round trip) and can be made unavailable, to test what a handler does then.
///
/// ```standalone_crate
/// use cloud_events_lambda::idempotency::{Idempotency, InMemoryStore};
/// use cloud_events_lambda::{App, Context, Kind, events::SqsMessage, on_event};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static CAPTURED: AtomicUsize = AtomicUsize::new(0);
///
/// #[on_event("aws.sqs", idempotent)]
/// fn capture(_message: SqsMessage) {
///     CAPTURED.fetch_add(1, Ordering::SeqCst);
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryStore::new();
/// let dispatcher = App::new().idempotency(Idempotency::new(store.clone())).dispatcher().unwrap();
/// dispatcher.dispatch(Kind::Sqs.sample(), Context::local(1, "payments")).await.unwrap();
/// dispatcher.dispatch(Kind::Sqs.sample(), Context::local(2, "payments")).await.unwrap(); // again
/// assert_eq!(CAPTURED.load(Ordering::SeqCst), 2); // two messages, each once
/// assert_eq!(store.requests(), 2 * 2 + 2); // a put and an update each, then a put each
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemoryStore {
    shared: std::sync::Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    records: Mutex<HashMap<String, Record>>,
    requests: AtomicUsize,
    unavailable: AtomicBool,
    latency: Mutex<Duration>,
}

impl InMemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Answers every call after `latency` (a stand-in for a round trip to a remote store).
    ///
    /// ```
    /// use cloud_events_lambda::idempotency::{IdempotencyStore, InMemoryStore};
    /// use std::time::{Duration, Instant};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemoryStore::new().with_latency(Duration::from_millis(20));
    /// let started = Instant::now();
    /// assert_eq!(store.get("orders.capture#1").await.unwrap(), None);
    /// assert!(started.elapsed() >= Duration::from_millis(20));
    /// # }
    /// ```
    pub fn with_latency(self, latency: Duration) -> Self {
        *self.shared.latency.lock().unwrap_or_else(|p| p.into_inner()) = latency;
        self
    }

    /// How many calls were made to it.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// Makes every call fail (`true`) as an unreachable store would, or work again.
    ///
    /// ```
    /// use cloud_events_lambda::idempotency::{IdempotencyStore, InMemoryStore};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemoryStore::new();
    /// store.set_unavailable(true);
    /// assert!(store.get("orders.capture#1").await.is_err());
    /// store.set_unavailable(false);
    /// assert!(store.get("orders.capture#1").await.is_ok());
    /// # }
    /// ```
    pub fn set_unavailable(&self, unavailable: bool) {
        self.shared.unavailable.store(unavailable, Ordering::SeqCst);
    }

    /// The record with this id, if any (without counting a call).
    ///
    /// ```
    /// use cloud_events_lambda::idempotency::{IdempotencyStore, InMemoryStore, Record, Status};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemoryStore::new();
    /// let claim = Record { id: "orders.capture#1".into(), status: Status::InProgress, expiration: u64::MAX / 1000,
    ///     in_progress_expiration: Some(u64::MAX), data: None, validation: None };
    /// store.put_in_progress(&claim, 0).await.unwrap();
    /// assert_eq!(store.record("orders.capture#1"), Some(claim));
    /// assert_eq!(store.records().len(), 1);
    /// assert_eq!(store.requests(), 1); // reading them is not a call
    /// # }
    /// ```
    pub fn record(&self, id: &str) -> Option<Record> {
        self.records().get(id).cloned()
    }

    /// Every record, by id.
    ///
    /// ```
    /// use cloud_events_lambda::idempotency::InMemoryStore;
    /// assert!(InMemoryStore::new().records().is_empty());
    /// ```
    pub fn records(&self) -> std::sync::MutexGuard<'_, HashMap<String, Record>> {
        self.shared.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One call: counted, delayed, refused when unavailable, then `work` on the records.
    fn call<'a, T: Send + 'a>(
        &'a self,
        work: impl FnOnce(&mut HashMap<String, Record>) -> Result<T, StoreError> + Send + 'a,
    ) -> StoreFuture<'a, T> {
        Box::pin(async move {
            self.shared.requests.fetch_add(1, Ordering::SeqCst);
            let latency = *self.shared.latency.lock().unwrap_or_else(|p| p.into_inner());
            if !latency.is_zero() {
                tokio::time::sleep(latency).await;
            }
            if self.shared.unavailable.load(Ordering::SeqCst) {
                return Err(StoreError::Unavailable(
                    "the in-memory store is set unavailable".to_owned(),
                ));
            }
            work(&mut self.records())
        })
    }
}

impl IdempotencyStore for InMemoryStore {
    fn put_in_progress<'a>(&'a self, record: &'a Record, now_ms: u64) -> StoreFuture<'a, Put> {
        self.call(move |records| match records.get(&record.id) {
            Some(existing) if !existing.replaceable(now_ms) => Ok(Put::Exists(Some(existing.clone()))),
            _ => {
                records.insert(record.id.clone(), record.clone());
                Ok(Put::Written)
            }
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Record>> {
        self.call(move |records| Ok(records.get(id).cloned()))
    }

    fn complete<'a>(&'a self, record: &'a Record) -> StoreFuture<'a, ()> {
        self.call(move |records| {
            let stored = records.entry(record.id.clone()).or_insert_with(|| record.clone());
            stored.status = Status::Completed;
            stored.data = record.data.clone();
            stored.expiration = record.expiration;
            stored.validation = record.validation.clone();
            Ok(())
        })
    }

    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()> {
        self.call(move |records| {
            records.remove(id);
            Ok(())
        })
    }
}
