//! Where idempotency records live: the [`IdempotencyStore`] trait, the record it keeps (the
//! schema of Powertools for AWS Lambda), and its errors.

use std::future::Future;
use std::pin::Pin;

/// The future of one store call: what a store of your own returns, boxed.
///
/// ```
/// use cloud_events_lambda::idempotency::{StoreError, StoreFuture};
/// fn unreachable<'a>() -> StoreFuture<'a, ()> {
///     Box::pin(async { Err(StoreError::Unavailable("connection refused".into())) })
/// }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(unreachable().await.unwrap_err().to_string(), "connection refused");
/// # }
/// ```
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where a record stands.
///
/// ```
/// use cloud_events_lambda::idempotency::Status;
/// // As Powertools writes the `status` attribute, and reads it back:
/// assert_eq!(Status::parse(Status::Completed.as_str()), Some(Status::Completed));
/// assert_eq!(Status::parse("EXPIRED"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A handler is running for it (`INPROGRESS`).
    InProgress,
    /// Its handler succeeded; `data` holds the answer (`COMPLETED`).
    Completed,
}

impl Status {
    /// The value of the `status` attribute, as Powertools writes it.
    ///
    /// ```
    /// use cloud_events_lambda::idempotency::Status;
    /// assert_eq!(Status::InProgress.as_str(), "INPROGRESS");
    /// assert_eq!(Status::parse("COMPLETED"), Some(Status::Completed));
    /// assert_eq!(Status::parse("EXPIRED"), None);
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "INPROGRESS",
            Status::Completed => "COMPLETED",
        }
    }

    /// The status named by a `status` attribute.
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "INPROGRESS" => Some(Status::InProgress),
            "COMPLETED" => Some(Status::Completed),
            _ => None,
        }
    }
}

/// One idempotency record, with the attributes of Powertools' schema: one table serves
/// Python, TypeScript, Java, .NET and Rust functions alike.
///
/// ```
/// use cloud_events_lambda::idempotency::{Record, Status};
/// // A handler's answer, kept until `expiration` for duplicates to get.
/// let done = Record {
///     id: "orders.capture#5d41402abc4b2a76b9719d911017c592".into(),
///     status: Status::Completed,
///     expiration: 1_796_400_000,
///     in_progress_expiration: None,
///     data: Some(r#""receipt-77""#.into()),
///     validation: None,
/// };
/// assert!(!done.replaceable(1_796_300_000_000));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// `id`, the partition key: `PREFIX#HASH` (the handler's key prefix, then the MD5 of the
    /// key's JSON).
    pub id: String,
    /// `status`.
    pub status: Status,
    /// `expiration`: when the record stops counting, in seconds since the Unix epoch (the
    /// table's TTL attribute).
    pub expiration: u64,
    /// `in_progress_expiration`: when an `INPROGRESS` record may be taken over (its
    /// invocation's deadline), in milliseconds since the Unix epoch.
    pub in_progress_expiration: Option<u64>,
    /// `data`: the handler's answer as JSON text, on a `COMPLETED` record.
    pub data: Option<String>,
    /// `validation`: the MD5 of the payload fields the handler validates, if it does.
    pub validation: Option<String>,
}

impl Record {
    /// Whether the record stops counting at `now_ms` (milliseconds since the Unix epoch):
    /// past its `expiration`, or `INPROGRESS` past its `in_progress_expiration`. A store
    /// lets a new record replace such a record, and only such a record.
    ///
    /// ```
    /// use cloud_events_lambda::idempotency::{Record, Status};
    /// let running = Record {
    ///     id: "orders.capture#0f".into(),
    ///     status: Status::InProgress,
    ///     expiration: 2_000,
    ///     in_progress_expiration: Some(1_500_000),
    ///     data: None,
    ///     validation: None,
    /// };
    /// assert!(!running.replaceable(1_400_000));
    /// assert!(running.replaceable(1_500_001)); // its invocation's deadline has passed
    /// let done = Record { status: Status::Completed, ..running };
    /// assert!(!done.replaceable(1_500_001));
    /// assert!(done.replaceable(2_001_000)); // expired
    /// ```
    pub fn replaceable(&self, now_ms: u64) -> bool {
        self.expiration < now_ms / 1000
            || (self.status == Status::InProgress
                && self.in_progress_expiration.is_some_and(|until| until < now_ms))
    }
}

/// What [`IdempotencyStore::put_in_progress`] found.
///
/// ```
/// use cloud_events_lambda::idempotency::{IdempotencyStore, InMemoryStore, Put, Record, Status};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryStore::new();
/// let claim = Record { id: "orders.capture#1".into(), status: Status::InProgress, expiration: u64::MAX / 1000,
///     in_progress_expiration: Some(u64::MAX), data: None, validation: None };
/// assert_eq!(store.put_in_progress(&claim, 0).await.unwrap(), Put::Written); // this one runs
/// assert_eq!(store.put_in_progress(&claim, 0).await.unwrap(), Put::Exists(Some(claim))); // a duplicate
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Put {
    /// The record was written: this invocation runs the handler.
    Written,
    /// A record with the same id stands (neither expired nor an in-progress record past its
    /// in-progress expiry): it is returned, or `None` if the store could not return it
    /// with the refusal (the caller then reads it with [`IdempotencyStore::get`]).
    Exists(Option<Record>),
}

/// Why a store call failed: an invocation whose store fails answers
/// `IdempotencyStoreFailed`, and its handler does not run.
///
/// ```
/// use cloud_events_lambda::idempotency::{IdempotencyStore, InMemoryStore, StoreError};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryStore::new();
/// store.set_unavailable(true);
/// assert!(matches!(store.get("orders.capture#1").await, Err(StoreError::Unavailable(_))));
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or refused the call.
    #[error("{0}")]
    Unavailable(String),
    /// The record is larger than the store keeps (DynamoDB: 400 KB an item).
    #[error("{0}")]
    TooLarge(String),
}

/// Keeps idempotency records. [`InMemoryStore`](super::InMemoryStore) serves tests and local
/// runs; `DynamoDbStore` (feature `idempotency-dynamodb`) serves Lambda. Implement it to
/// keep records elsewhere: each method is one round trip to the store, and
/// `put_in_progress` must be atomic.
///
/// ```
/// use cloud_events_lambda::idempotency::{IdempotencyStore, InMemoryStore, Put, Record, Status};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let store = InMemoryStore::new();
/// let record = Record {
///     id: "orders.capture#5d41".into(),
///     status: Status::InProgress,
///     expiration: u64::MAX / 1000,
///     in_progress_expiration: Some(u64::MAX),
///     data: None,
///     validation: None,
/// };
/// assert_eq!(store.put_in_progress(&record, 0).await.unwrap(), Put::Written);
/// let Put::Exists(Some(found)) = store.put_in_progress(&record, 0).await.unwrap() else { panic!() };
/// assert_eq!(found.status, Status::InProgress);
/// // The handler succeeded: the record keeps its answer.
/// let done = Record { status: Status::Completed, data: Some("42".into()), ..record.clone() };
/// store.complete(&done).await.unwrap();
/// assert_eq!(store.get(&record.id).await.unwrap(), Some(done));
/// assert_eq!(store.max_record_bytes(), None); // DynamoDB's is 400 KB
/// // Or it failed: the record goes, and the next delivery runs.
/// store.delete(&record.id).await.unwrap();
/// assert_eq!(store.put_in_progress(&record, 0).await.unwrap(), Put::Written);
/// # }
/// ```
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Writes `record` (status `INPROGRESS`) unless a record with its id exists that is not
    /// [replaceable](Record::replaceable) at `now_ms`; atomically (DynamoDB: a conditional
    /// `PutItem`).
    fn put_in_progress<'a>(&'a self, record: &'a Record, now_ms: u64) -> StoreFuture<'a, Put>;

    /// Reads the record with this id (a consistent read), if any.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<Record>>;

    /// Marks the record `COMPLETED`, with its `data`, `expiration` and `validation`
    /// (DynamoDB: `UpdateItem`).
    fn complete<'a>(&'a self, record: &'a Record) -> StoreFuture<'a, ()>;

    /// Deletes the record, so that the next delivery runs the handler.
    fn delete<'a>(&'a self, id: &'a str) -> StoreFuture<'a, ()>;

    /// The largest record the store keeps, in bytes, if it has a limit. An answer that
    /// would make a record larger is not kept (see the guide's
    /// [Idempotency](crate::_guide::idempotency)).
    fn max_record_bytes(&self) -> Option<usize> {
        None
    }
}
