//! [`Metrics`]: the application's metrics as CloudWatch Embedded Metric Format, and the
//! framework's built-in metrics (events by route, handler errors and durations, batch item
//! failures, cold start), recorded where the dispatcher sees them.

use crate::error::StartupError;
use crate::recorder::{count_builtin, describe, observe_builtin};
use metrics::{Key, Label, Unit};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Where the application's metrics go: CloudWatch metrics in namespace `namespace`, each
/// with the dimension `service`, written as Embedded Metric Format (EMF) documents on
/// stdout at the end of every invocation (on the command line: on stderr).
///
/// Handlers record with the [`metrics`] facade (`counter!`, `gauge!`, `histogram!`,
/// re-exported as `cloud_events_lambda::metrics`); a metric's labels become its
/// dimensions. [`Metrics::builtin`] adds the framework's own metrics.
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Context, Kind, Metrics, events::S3Event, metrics::counter, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(event: S3Event) {
///     counter!("BooksUploaded").increment(event.records.len() as u64);
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = App::new().metrics(Metrics::new("Library", "books")).dispatcher().unwrap();
/// let payload = bytes::Bytes::from_static(Kind::S3.sample().as_bytes());
/// let (_, documents) = dispatcher.dispatch_metered(payload, Context::local(1, "demo")).await;
/// let document: serde_json::Value = serde_json::from_str(&documents[0]).unwrap();
/// assert_eq!(document["BooksUploaded"], 1);
/// assert_eq!(document["service"], "books");
/// assert_eq!(document["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Library");
/// // An empty namespace is refused at start-up:
/// assert!(App::new().metrics(Metrics::new("", "books")).dispatcher().is_err());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metrics {
    namespace: String,
    service: String,
    builtin: bool,
}

impl Metrics {
    /// Metrics in CloudWatch namespace `namespace` (1 to 255 characters of `0-9A-Za-z`,
    /// `.`, `-`, `_`, `/`, `#`, `:`, not starting with `:`), each with the dimension
    /// `service` = `service` (1 to 1,024 characters). Both are checked at start-up.
    pub fn new(namespace: impl Into<String>, service: impl Into<String>) -> Self {
        Metrics {
            namespace: namespace.into(),
            service: service.into(),
            builtin: false,
        }
    }

    /// Also records the framework's built-in metrics (off by default: each metric and
    /// dimension value is a CloudWatch custom metric, billed as such):
    ///
    /// | metric | unit | dimensions | when |
    /// | --- | --- | --- | --- |
    /// | `Events` | Count | `route` | each event classified |
    /// | `InvalidEvents` | Count | | each payload refused before routing (not JSON, over a limit) |
    /// | `HandlerErrors` | Count | `route`, `handler` | each handler run that fails or panics |
    /// | `HandlerDuration` | Milliseconds | `route`, `handler` | each handler run |
    /// | `BatchItemFailures` | Count | `route`, `handler` | each record of a batch reported failed |
    /// | `ColdStart` | Count | `function_name` | the first invocation of the process |
    /// | `IdempotentReplays` | Count | `route`, `handler` | each duplicate answered with a stored answer |
    /// | `IdempotencyInProgress` | Count | `route`, `handler` | each duplicate refused while its key is in progress |
    /// | `IdempotencyStoreFailures` | Count | | each failed call to the idempotency store |
    ///
    /// Every metric also has the `service` dimension.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, Metrics, events::S3Event, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: S3Event) {}
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let metrics = Metrics::new("Library", "books").builtin(true);
    /// let dispatcher = App::new().metrics(metrics).dispatcher().unwrap();
    /// let payload = bytes::Bytes::from_static(Kind::S3.sample().as_bytes());
    /// let (_, documents) = dispatcher.dispatch_metered(payload, Context::local(1, "demo")).await;
    /// let document: serde_json::Value = serde_json::from_str(&documents[0]).unwrap();
    /// assert_eq!(document["route"], "aws.s3");
    /// assert_eq!(document["Events"], 1);
    /// assert_eq!(document["ColdStart"], 1);
    /// # }
    /// ```
    pub fn builtin(mut self, on: bool) -> Self {
        self.builtin = on;
        self
    }

    /// The CloudWatch namespace.
    ///
    /// ```
    /// use cloud_events_lambda::Metrics;
    /// let metrics = Metrics::new("Library", "books");
    /// assert_eq!((metrics.namespace(), metrics.service()), ("Library", "books"));
    /// assert!(!metrics.builtin_on());
    /// assert!(metrics.builtin(true).builtin_on());
    /// ```
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The value of the `service` dimension.
    ///
    /// ```
    /// assert_eq!(cloud_events_lambda::Metrics::new("Library", "books").service(), "books");
    /// ```
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Whether the built-in metrics are recorded.
    ///
    /// ```
    /// use cloud_events_lambda::Metrics;
    /// assert!(Metrics::new("Library", "books").builtin(true).builtin_on());
    /// ```
    pub fn builtin_on(&self) -> bool {
        self.builtin
    }

    /// Checks the namespace and service name, and readies the recorder: the `metrics`
    /// facade's recorder (unless the application installed its own: then a warning) and the
    /// built-in metrics' units.
    pub(crate) fn start(&self) -> Result<(), StartupError> {
        let namespace_ok = (1..=255).contains(&self.namespace.chars().count())
            && !self.namespace.starts_with(':')
            && self
                .namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_/#:".contains(c));
        if !namespace_ok {
            return Err(StartupError::InvalidMetrics {
                what: "namespace",
                value: self.namespace.clone(),
                expected: "1 to 255 characters of 0-9, A-Z, a-z, `.`, `-`, `_`, `/`, `#` and `:`, not starting with `:`",
            });
        }
        if !(1..=1024).contains(&self.service.chars().count()) {
            return Err(StartupError::InvalidMetrics {
                what: "service name",
                value: self.service.clone(),
                expected: "1 to 1,024 characters (it is the value of every metric's `service` dimension)",
            });
        }
        if !crate::recorder::install() {
            tracing::warn!(
                "another `metrics` recorder was installed first: metrics recorded with `counter!` and the others go to it, not to the EMF documents"
            );
        }
        if self.builtin {
            for &(name, unit) in UNITS {
                describe(metrics::KeyName::from_const_str(name), unit);
            }
        }
        Ok(())
    }
}

const EVENTS: &str = "Events";
const INVALID_EVENTS: &str = "InvalidEvents";
const HANDLER_ERRORS: &str = "HandlerErrors";
const HANDLER_DURATION: &str = "HandlerDuration";
const BATCH_ITEM_FAILURES: &str = "BatchItemFailures";
const COLD_START: &str = "ColdStart";
const IDEMPOTENT_REPLAYS: &str = "IdempotentReplays";
const IDEMPOTENCY_IN_PROGRESS: &str = "IdempotencyInProgress";
const IDEMPOTENCY_STORE_FAILURES: &str = "IdempotencyStoreFailures";

const UNITS: &[(&str, Unit)] = &[
    (EVENTS, Unit::Count),
    (INVALID_EVENTS, Unit::Count),
    (HANDLER_ERRORS, Unit::Count),
    (HANDLER_DURATION, Unit::Milliseconds),
    (BATCH_ITEM_FAILURES, Unit::Count),
    (COLD_START, Unit::Count),
    #[cfg(feature = "idempotency")]
    (IDEMPOTENT_REPLAYS, Unit::Count),
    #[cfg(feature = "idempotency")]
    (IDEMPOTENCY_IN_PROGRESS, Unit::Count),
    #[cfg(feature = "idempotency")]
    (IDEMPOTENCY_STORE_FAILURES, Unit::Count),
];

fn key(name: &'static str, labels: &[(&'static str, &str)]) -> Key {
    let labels: Vec<Label> = labels
        .iter()
        .map(|(key, value)| Label::new(*key, (*value).to_owned()))
        .collect();
    Key::from_parts(name, labels)
}

/// An event was classified with route key `route`.
pub(crate) fn event_routed(route: &str) {
    count_builtin(|| key(EVENTS, &[("route", route)]), 1);
}

/// A payload was refused before it could be routed.
pub(crate) fn event_invalid() {
    count_builtin(|| key(INVALID_EVENTS, &[]), 1);
}

/// Handler `handler` of route `route` ran for `took`, and failed or not.
pub(crate) fn handler_ran(route: &str, handler: &str, took: Duration, failed: bool) {
    let labels = [("route", route), ("handler", handler)];
    // Microseconds as milliseconds: no binary noise in the document (1.357, not 1.35700000001).
    observe_builtin(
        || key(HANDLER_DURATION, &labels),
        took.as_micros() as f64 / 1000.0,
    );
    if failed {
        count_builtin(|| key(HANDLER_ERRORS, &labels), 1);
    }
}

/// `failed` records of a batch on route `route` failed in handler `handler`.
pub(crate) fn records_failed(route: &str, handler: &str, failed: usize) {
    if failed > 0 {
        let labels = [("route", route), ("handler", handler)];
        count_builtin(|| key(BATCH_ITEM_FAILURES, &labels), failed as u64);
    }
}

/// An idempotent handler's unit was answered with the answer stored by its first run.
#[cfg_attr(not(feature = "idempotency"), allow(dead_code))]
pub(crate) fn idempotent_replayed(route: &str, handler: &str) {
    count_builtin(
        || key(IDEMPOTENT_REPLAYS, &[("route", route), ("handler", handler)]),
        1,
    );
}

/// An idempotent handler's unit was refused: another invocation has it in progress.
#[cfg_attr(not(feature = "idempotency"), allow(dead_code))]
pub(crate) fn idempotency_in_progress(route: &str, handler: &str) {
    count_builtin(
        || key(IDEMPOTENCY_IN_PROGRESS, &[("route", route), ("handler", handler)]),
        1,
    );
}

/// A call to the idempotency store failed.
#[cfg_attr(not(feature = "idempotency"), allow(dead_code))]
pub(crate) fn idempotency_store_failed() {
    count_builtin(|| key(IDEMPOTENCY_STORE_FAILURES, &[]), 1);
}

/// Whether this is the process's first invocation with built-in metrics (true once).
pub(crate) fn take_cold_start() -> bool {
    static WARM: AtomicBool = AtomicBool::new(false);
    !WARM.swap(true, Ordering::AcqRel)
}

/// Counts the cold start of function `function_name`.
pub(crate) fn cold_start(function_name: &str) {
    count_builtin(|| key(COLD_START, &[("function_name", function_name)]), 1);
}

/// The function's name: `AWS_LAMBDA_FUNCTION_NAME` as Lambda sets it, else the name in its
/// ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS]`).
pub(crate) fn function_name(arn: &str) -> String {
    match std::env::var("AWS_LAMBDA_FUNCTION_NAME") {
        Ok(name) if !name.is_empty() => name,
        _ => arn.split(':').nth(6).unwrap_or(arn).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_namespaces_and_service_names_are_start_up_errors_naming_the_value() {
        let long = "n".repeat(256);
        let cases = [
            ("", "s", "metrics namespace is ``"),
            ("has space", "s", "metrics namespace is `has space`"),
            (":x", "s", "metrics namespace is `:x`"),
            (&long, "s", "metrics namespace is `nnn"),
            ("N", "", "metrics service name is ``"),
        ];
        for (namespace, service, message) in cases {
            let error = Metrics::new(namespace, service).start().unwrap_err().to_string();
            assert!(error.starts_with(message), "{error}");
        }
        assert!(Metrics::new("Acme/Orders-1.0_#:x", "s").start().is_ok());
    }

    #[test]
    fn the_function_name_is_read_from_the_arn() {
        assert_eq!(
            function_name("arn:aws:lambda:eu-west-1:123456789012:function:books"),
            "books"
        );
        assert_eq!(
            function_name("arn:aws:lambda:eu-west-1:123456789012:function:books:live"),
            "books"
        );
        assert_eq!(function_name("books"), "books");
        // (The tests run without `AWS_LAMBDA_FUNCTION_NAME`, which wins on Lambda.)
    }
}
