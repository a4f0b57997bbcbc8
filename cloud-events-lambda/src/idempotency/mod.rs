//! Exactly-once effects over at-least-once delivery: handlers marked `idempotent` run once
//! per key, and a delivery of a key already handled gets the stored answer.
//!
//! ```standalone_crate
//! use cloud_events_lambda::idempotency::{Idempotency, InMemoryStore};
//! use cloud_events_lambda::events::Json;
//! use cloud_events_lambda::{App, Context, Kind, on_event};
//!
//! #[derive(serde::Deserialize)]
//! struct Order { #[serde(rename = "orderId")] order_id: String }
//!
//! /// Keyed by each message's `messageId` (SQS's own id for a message, kept on redelivery).
//! #[on_event("aws.sqs", idempotent)]
//! async fn capture(order: Json<Order>) -> Result<String, std::io::Error> {
//!     Ok(format!("captured {}", order.order_id))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let store = InMemoryStore::new();
//! let dispatcher = App::new().idempotency(Idempotency::new(store.clone())).dispatcher().unwrap();
//! let first = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(1, "payments")).await.unwrap();
//! let again = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(2, "payments")).await.unwrap();
//! assert_eq!(first, again);
//! assert_eq!(store.records().len(), 2); // one record per message
//! # }
//! ```
//!
//! The protocol and the table are those of Powertools for AWS Lambda (see the guide's
//! [Idempotency](crate::_guide::idempotency)): a conditional put of an `INPROGRESS` record, the handler, then the
//! record `COMPLETED` with the answer, or deleted when the handler failed, panicked or was
//! cancelled at the deadline.

pub(crate) mod batch;
mod cache;
#[cfg(feature = "idempotency-dynamodb")]
mod dynamodb;
mod key;
mod memory;
mod store;

#[cfg(feature = "idempotency-dynamodb")]
#[cfg_attr(docsrs, doc(cfg(feature = "idempotency-dynamodb")))]
pub use dynamodb::DynamoDbStore;
pub use memory::InMemoryStore;
pub use store::{IdempotencyStore, Put, Record, Status, StoreError, StoreFuture};

use crate::error::{DispatchError, ErrorKind};
use cache::LocalCache;
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where idempotent handlers keep their records, given to the app once:
/// `App::new().idempotency(Idempotency::new(store))`. A handler marked `idempotent` with
/// none given stops start-up.
///
/// ```standalone_crate
/// use cloud_events_lambda::idempotency::{Idempotency, IdempotencyStore, InMemoryStore};
/// use cloud_events_lambda::{App, RawEvent, StartupError, on_event};
///
/// #[on_event("aws.events", idempotent)]
/// fn billed(_event: RawEvent) {}
///
/// # fn main() {
/// let error = App::new().dispatcher().unwrap_err();
/// assert!(matches!(error, StartupError::IdempotencyNotConfigured { .. }));
/// assert!(error.to_string().contains("App::new().idempotency("), "{error}");
/// let idempotency = Idempotency::new(InMemoryStore::new()).local_cache(1_000);
/// assert_eq!(idempotency.store().max_record_bytes(), None);
/// assert!(App::new().idempotency(idempotency).dispatcher().is_ok());
/// # }
/// ```
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    cache: Option<LocalCache>,
}

impl Idempotency {
    /// Records kept in `store`.
    pub fn new(store: impl IdempotencyStore) -> Self {
        Idempotency {
            store: Arc::new(store),
            cache: None,
        }
    }

    /// Also keeps up to `capacity` completed records in the process: a duplicate this
    /// process has seen completed is answered without a call to the store. Records still
    /// expire when the table's do.
    pub fn local_cache(mut self, capacity: usize) -> Self {
        self.cache = Some(LocalCache::new(capacity));
        self
    }

    /// The store.
    pub fn store(&self) -> &dyn IdempotencyStore {
        &*self.store
    }
}

impl fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Idempotency")
            .field("local_cache", &self.cache.is_some())
            .finish_non_exhaustive()
    }
}

/// One unit of work an idempotent handler takes (the event, or one record): its record's id
/// and the hash of its validated fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    pub(crate) id: String,
    pub(crate) validation: Option<String>,
}

/// What the store says of a unit before its handler runs.
#[derive(Debug, Clone)]
pub(crate) enum Begin {
    /// This invocation claimed it: run the handler.
    Run,
    /// An earlier run completed it: its answer.
    Replay(Value),
    /// It may not run now (in progress elsewhere, a payload that does not match, the store
    /// cannot be reached).
    Refused(DispatchError),
}

/// The times a claim is made with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    pub(crate) now_ms: u64,
    /// `in_progress_expiration`: the invocation's deadline.
    pub(crate) in_progress_until_ms: u64,
    /// `expiration`, in seconds.
    pub(crate) expires_at: u64,
}

/// How long an in-progress record holds when the invocation's deadline is not known (past
/// on arrival, as emulators send it): Lambda's longest timeout.
const UNKNOWN_DEADLINE: Duration = Duration::from_secs(15 * 60);

impl Clock {
    pub(crate) fn new(deadline_ms: u64, expires_after: Duration) -> Clock {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let now_ms = now.as_millis() as u64;
        let in_progress_until_ms = if deadline_ms > now_ms {
            deadline_ms
        } else {
            (now + UNKNOWN_DEADLINE).as_millis() as u64
        };
        Clock {
            now_ms,
            in_progress_until_ms,
            expires_at: (now + expires_after).as_secs(),
        }
    }
}

/// `expiration` for a record completed now: `expires_after` from now, in seconds.
fn expires_at(expires_after: Duration) -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    (now + expires_after).as_secs()
}

/// How many times a claim is tried when the record it met was replaced meanwhile.
const CLAIM_ATTEMPTS: usize = 3;

impl Idempotency {
    /// Claims `unit`, or finds why it must not run.
    pub(crate) async fn begin(&self, unit: &Unit, clock: Clock) -> Begin {
        if let Some(cache) = &self.cache
            && let Some(record) = cache.get(&unit.id, clock.now_ms)
            && let Some(settled) = settle(unit, &record, clock.now_ms)
        {
            return settled;
        }
        let record = Record {
            id: unit.id.clone(),
            status: Status::InProgress,
            expiration: clock.expires_at,
            in_progress_expiration: Some(clock.in_progress_until_ms),
            data: None,
            validation: unit.validation.clone(),
        };
        for _ in 0..CLAIM_ATTEMPTS {
            let existing = match self.store.put_in_progress(&record, clock.now_ms).await {
                Ok(Put::Written) => return Begin::Run,
                Ok(Put::Exists(Some(existing))) => existing,
                Ok(Put::Exists(None)) => match self.store.get(&unit.id).await {
                    Ok(Some(existing)) => existing,
                    Ok(None) => continue, // deleted meanwhile: claim again
                    Err(error) => return Begin::Refused(store_failed(&unit.id, "read", &error)),
                },
                Err(error) => return Begin::Refused(store_failed(&unit.id, "claim", &error)),
            };
            match settle(unit, &existing, clock.now_ms) {
                Some(Begin::Replay(value)) => {
                    if let Some(cache) = &self.cache {
                        cache.insert(existing);
                    }
                    return Begin::Replay(value);
                }
                Some(settled) => return settled,
                None => continue, // expired by our clock, not by the store's: claim again
            }
        }
        Begin::Refused(DispatchError::new(
            ErrorKind::IdempotencyStore,
            format!(
                "idempotency record `{}` was replaced {CLAIM_ATTEMPTS} times while it was claimed",
                unit.id
            ),
        ))
    }

    /// Marks `unit` completed with `answer`. The effect has happened: a failure here is
    /// logged, not returned (failing the invocation would have the work done again).
    pub(crate) async fn complete(&self, unit: &Unit, answer: &Value, expires_after: Duration) {
        let data = answer.to_string();
        let mut record = Record {
            id: unit.id.clone(),
            status: Status::Completed,
            expiration: expires_at(expires_after),
            in_progress_expiration: None,
            data: Some(data),
            validation: unit.validation.clone(),
        };
        if let Some(max) = self.store.max_record_bytes()
            && record_bytes(&record) > max
        {
            answer_not_kept(&record, max);
            record.data = None;
        }
        let mut stored = self.store.complete(&record).await;
        if let Err(StoreError::TooLarge(why)) = &stored
            && record.data.is_some()
        {
            tracing::warn!(idempotencyKey = %unit.id, "the store refused the answer ({why}): kept without it");
            record.data = None;
            stored = self.store.complete(&record).await;
        }
        match stored {
            Ok(()) => {
                if let Some(cache) = &self.cache {
                    cache.insert(record);
                }
            }
            Err(error) => {
                crate::builtin_metrics::idempotency_store_failed();
                tracing::error!(
                    idempotencyKey = %unit.id,
                    errorType = ErrorKind::IdempotencyStore.error_type(),
                    "the handler succeeded but its idempotency record could not be completed ({error}): a delivery after its in-progress expiry will run it again"
                );
            }
        }
    }

    /// Deletes `unit`'s record, so that the retry runs.
    pub(crate) async fn release(&self, unit: &Unit) {
        if let Some(cache) = &self.cache {
            cache.remove(&unit.id);
        }
        if let Err(error) = self.store.delete(&unit.id).await {
            crate::builtin_metrics::idempotency_store_failed();
            tracing::error!(
                idempotencyKey = %unit.id,
                errorType = ErrorKind::IdempotencyStore.error_type(),
                "the idempotency record of a failed run could not be deleted ({error}): a retry is refused as in progress until the invocation's deadline"
            );
        }
    }
}

/// What an existing record means for `unit`; `None` when it no longer counts by our clock.
fn settle(unit: &Unit, existing: &Record, now_ms: u64) -> Option<Begin> {
    if existing.replaceable(now_ms) {
        return None;
    }
    if unit.validation.is_some() && existing.validation != unit.validation {
        return Some(Begin::Refused(DispatchError::new(
            ErrorKind::IdempotencyValidation,
            format!(
                "a payload with idempotency key `{}` was handled before with different validated fields: this one is refused",
                unit.id
            ),
        )));
    }
    Some(match existing.status {
        Status::InProgress => Begin::Refused(DispatchError::new(
            ErrorKind::IdempotencyInProgress,
            format!(
                "idempotency key `{}` is being handled by another invocation (in progress until {} ms since the epoch)",
                unit.id,
                existing.in_progress_expiration.unwrap_or_default()
            ),
        )),
        Status::Completed => match &existing.data {
            None => {
                tracing::warn!(
                    idempotencyKey = %unit.id,
                    "replayed as null: the first run's answer was too large to keep"
                );
                Begin::Replay(Value::Null)
            }
            Some(data) => match serde_json::from_str(data) {
                Ok(value) => Begin::Replay(value),
                Err(error) => Begin::Refused(DispatchError::new(
                    ErrorKind::IdempotencyStore,
                    format!(
                        "idempotency record `{}` holds an answer that is not JSON: {error}",
                        unit.id
                    ),
                )),
            },
        },
    })
}

fn store_failed(id: &str, what: &str, error: &StoreError) -> DispatchError {
    crate::builtin_metrics::idempotency_store_failed();
    DispatchError::new(
        ErrorKind::IdempotencyStore,
        format!("could not {what} idempotency record `{id}`, so the handler did not run: {error}"),
    )
}

/// A record's size as DynamoDB counts it (attribute names and values), rounded up.
fn record_bytes(record: &Record) -> usize {
    const NAMES_AND_NUMBERS: usize = 100;
    record.id.len()
        + record.data.as_ref().map_or(0, String::len)
        + record.validation.as_ref().map_or(0, String::len)
        + NAMES_AND_NUMBERS
}

fn answer_not_kept(record: &Record, max: usize) {
    tracing::warn!(
        idempotencyKey = %record.id,
        "the answer ({} bytes) would make the idempotency record larger than the store keeps ({max} bytes): it is completed without it, and a duplicate is answered null",
        record.data.as_ref().map_or(0, String::len)
    );
}

#[cfg(test)]
mod tests;
