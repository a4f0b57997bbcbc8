//! Testing helpers for application authors (feature `testing`): dispatch an event to the
//! application's own handlers in a unit test, without Lambda, and assert on which handlers ran
//! and what they answered.
//!
//! ```standalone_crate
//! use cloud_events_lambda::{App, Kind, on_event};
//!
//! #[on_event("aws.s3")]
//! fn count(event: cloud_events_lambda::events::S3Event) -> usize {
//!     event.records.len()
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let app = App::new().test().unwrap();
//! let outcome = app.invoke_sample(Kind::S3).await;
//! assert_eq!(outcome.handlers, ["count"]);
//! assert_eq!(outcome.response.unwrap(), 1);
//! # });
//! ```

use crate::context::Context;
use crate::dispatch::Dispatcher;
use crate::error::DispatchError;
use cloud_events_core::{Kind, classify_str};
use std::sync::atomic::{AtomicUsize, Ordering};

/// An application under test: built with `App::test()`, so with the same shared values,
/// options and start-up checks as `App::run()`.
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, events::SqsMessage, on_event};
///
/// #[on_event("aws.sqs")]
/// fn message(message: SqsMessage) -> Result<(), String> {
///     match message.body {
///         Some(body) if body.contains("PLACED") => Ok(()),
///         _ => Err("not an order".into()),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = App::new().test().unwrap();
/// let bad = r#"{"Records":[{"messageId":"m-1","eventSource":"aws:sqs","body":"hello"}]}"#;
/// let outcome = app.invoke(bad).await;
/// assert_eq!(outcome.handlers, ["message"]);
/// // Every record failed: the batch fails so that it is retried.
/// assert_eq!(outcome.response.unwrap_err().error_type(), "BatchFailed");
/// # }
/// ```
#[derive(Debug)]
pub struct TestApp {
    dispatcher: Dispatcher,
    sequence: AtomicUsize,
}

/// What one invocation did.
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Kind, RawEvent, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(_event: RawEvent) -> &'static str { "stored" }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let app = App::new().test().unwrap();
/// let outcome = app.invoke_sample(Kind::S3).await;
/// assert_eq!(outcome.handlers, ["uploaded"]);
/// assert_eq!(outcome.response.unwrap(), "stored");
/// let unmatched = app.invoke_sample(Kind::Sqs).await;
/// assert!(unmatched.handlers.is_empty());
/// assert_eq!(unmatched.response.unwrap_err().error_type(), "NoHandler");
/// # }
/// ```
#[derive(Debug)]
pub struct Outcome {
    /// The names of the handlers the event went to, in order (empty when none).
    pub handlers: Vec<&'static str>,
    /// The response Lambda would get, or the error.
    pub response: Result<serde_json::Value, DispatchError>,
    /// The metric documents the invocation wrote (Embedded Metric Format, parsed), when
    /// [`App::metrics`](crate::App::metrics) is set.
    pub metrics: Vec<serde_json::Value>,
}

impl TestApp {
    pub(crate) fn new(dispatcher: Dispatcher) -> Self {
        TestApp {
            dispatcher,
            sequence: AtomicUsize::new(0),
        }
    }

    /// Dispatches `json` as Lambda would.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, CloudEvent, on_cloudevent};
    ///
    /// #[on_cloudevent(source = "/orders")]
    /// fn order(event: CloudEvent) -> String { event.ty }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = App::new().test().unwrap();
    /// let json = r#"{"specversion":"1.0","id":"1","source":"/orders","type":"com.example.order.paid"}"#;
    /// let outcome = app.invoke(json).await;
    /// assert_eq!(outcome.handlers, ["order"]);
    /// assert_eq!(outcome.response.unwrap(), "com.example.order.paid");
    /// let invalid = app.invoke(r#"{"specversion":"1.0","source":"/orders","type":"t"}"#).await;
    /// assert_eq!(invalid.response.unwrap_err().error_type(), "InvalidEvent");
    /// # }
    /// ```
    pub async fn invoke(&self, json: &str) -> Outcome {
        let handlers = match classify_str(json) {
            Ok(classification) => self.dispatcher.select(&classification, json).handler_names(),
            Err(_) => Vec::new(),
        };
        let sequence = self.sequence.fetch_add(1, Ordering::Relaxed) + 1;
        let payload = bytes::Bytes::copy_from_slice(json.as_bytes());
        let (response, documents) = self
            .dispatcher
            .dispatch_metered(payload, Context::local(sequence, "test"))
            .await;
        let metrics = documents
            .iter()
            .map(|document| serde_json::from_str(document).expect("metric documents are JSON"))
            .collect();
        Outcome {
            handlers,
            response,
            metrics,
        }
    }

    /// Dispatches the sample event of `kind` (`Kind::sample`).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Kind, events::DynamoDbEventRecord, on_event};
    ///
    /// #[on_event("aws.dynamodb")]
    /// fn change(record: DynamoDbEventRecord) -> String { record.event_name }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = App::new().test().unwrap();
    /// let outcome = app.invoke_sample(Kind::DynamoDb).await;
    /// assert_eq!(outcome.handlers, ["change"]);
    /// assert_eq!(outcome.response.unwrap(), serde_json::json!({"batchItemFailures": []}));
    /// # }
    /// ```
    pub async fn invoke_sample(&self, kind: Kind) -> Outcome {
        self.invoke(kind.sample()).await
    }

    /// Dispatches the event in a file.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Kind, events::SnsEvent, on_event};
    ///
    /// #[on_event("aws.sns")]
    /// fn notified(event: SnsEvent) -> Option<String> { event.records[0].sns.subject.clone() }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let path = std::env::temp_dir().join("cloud-events-doc-sns.json");
    /// std::fs::write(&path, Kind::Sns.sample()).unwrap();
    /// let app = App::new().test().unwrap();
    /// let outcome = app.invoke_file(&path).await.unwrap();
    /// assert_eq!(outcome.response.unwrap(), "Order shipped");
    /// assert!(app.invoke_file("no/such/event.json").await.is_err());
    /// # std::fs::remove_file(path).ok();
    /// # }
    /// ```
    pub async fn invoke_file(&self, path: impl AsRef<std::path::Path>) -> std::io::Result<Outcome> {
        let json = std::fs::read_to_string(path)?;
        Ok(self.invoke(&json).await)
    }

    /// The dispatcher itself (for `explain`, `handlers`, `warnings`).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, RawEvent, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let app = App::new().test().unwrap();
    /// // No default handler: other kinds would fail with `NoHandler`.
    /// assert!(app.dispatcher().warnings()[0].starts_with("no #[on_event(default)] handler"));
    /// # }
    /// ```
    pub fn dispatcher(&self) -> &Dispatcher {
        &self.dispatcher
    }
}
