//! Failures of an invocation and of start-up, each with a stable `errorType`.

/// What kind of failure an invocation had. [`ErrorKind::error_type`] is the `errorType`
/// Lambda reports; these names are stable.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dependencies, Dispatcher, ErrorKind, Kind, Options, events::S3Event, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(event: S3Event) -> usize { event.records.len() }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let kind = async |json: &str| dispatcher.dispatch(json, Context::local(1, "demo")).await.unwrap_err().kind;
/// assert_eq!(kind("not json").await, ErrorKind::InvalidEvent);
/// assert_eq!(kind(Kind::Sqs.sample()).await, ErrorKind::NoHandler);
/// let wrong = r#"{"Records":[{"eventSource":"aws:s3","s3":{"object":{"size":"big"}}}]}"#;
/// assert_eq!(kind(wrong).await, ErrorKind::EventDecode);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The payload is not UTF-8 JSON, or is an invalid CloudEvent. `errorType`: `InvalidEvent`.
    InvalidEvent,
    /// No handler matched and there is no default handler. `errorType`: `NoHandler`.
    NoHandler,
    /// The event did not decode into the handler's event type. `errorType`: `EventDecodeFailed`.
    EventDecode,
    /// A handler parameter could not be injected. `errorType`: `InjectionFailed`.
    Injection,
    /// The handler returned an error. `errorType`: `HandlerFailed`.
    Handler,
    /// The handler panicked. `errorType`: `HandlerPanicked`.
    Panic,
    /// The handler's value could not be serialized to JSON. `errorType`: `ResponseFailed`.
    Response,
    /// A `#[dependency]` factory failed. `errorType`: `DependencyFailed`.
    DependencyFailed,
    /// Records of a batch failed and the event source cannot be told which (or all failed).
    /// `errorType`: `BatchFailed`.
    BatchFailed,
    /// The handler was still running when the invocation's deadline came near; it was
    /// cancelled so that Lambda gets an answer in time. `errorType`: `DeadlineExceeded`.
    DeadlineExceeded,
    /// Several handlers matched at the top rank under an error-if-ambiguous strategy.
    /// `errorType`: `AmbiguousHandlers`.
    Ambiguous,
    /// The event is beyond one of the app's [`Limits`](crate::Limits) (payload size, records,
    /// nesting depth). `errorType`: `LimitExceeded`.
    LimitExceeded,
    /// An idempotent handler's key is being handled by another invocation now (its record
    /// is in progress). `errorType`: `IdempotencyAlreadyInProgress`.
    IdempotencyInProgress,
    /// An idempotent handler's key was handled before with other values of its validated
    /// fields (`idempotent(validate = "...")`). `errorType`: `IdempotencyValidationFailed`.
    IdempotencyValidation,
    /// An idempotent handler's event or record has no key (its key path is absent or null,
    /// or its kind has no default key). `errorType`: `IdempotencyKeyMissing`.
    IdempotencyKeyMissing,
    /// The idempotency store could not be reached or refused a call: the handler did not
    /// run. `errorType`: `IdempotencyStoreFailed`.
    IdempotencyStore,
}

impl ErrorKind {
    /// The `errorType` reported to Lambda.
    ///
    /// ```
    /// use cloud_events_lambda::ErrorKind;
    /// assert_eq!(ErrorKind::EventDecode.error_type(), "EventDecodeFailed");
    /// assert_eq!(ErrorKind::Ambiguous.error_type(), "AmbiguousHandlers");
    /// ```
    pub const fn error_type(self) -> &'static str {
        match self {
            ErrorKind::InvalidEvent => "InvalidEvent",
            ErrorKind::NoHandler => "NoHandler",
            ErrorKind::EventDecode => "EventDecodeFailed",
            ErrorKind::Injection => "InjectionFailed",
            ErrorKind::Handler => "HandlerFailed",
            ErrorKind::Panic => "HandlerPanicked",
            ErrorKind::Response => "ResponseFailed",
            ErrorKind::DependencyFailed => "DependencyFailed",
            ErrorKind::Ambiguous => "AmbiguousHandlers",
            ErrorKind::BatchFailed => "BatchFailed",
            ErrorKind::DeadlineExceeded => "DeadlineExceeded",
            ErrorKind::LimitExceeded => "LimitExceeded",
            ErrorKind::IdempotencyInProgress => "IdempotencyAlreadyInProgress",
            ErrorKind::IdempotencyValidation => "IdempotencyValidationFailed",
            ErrorKind::IdempotencyKeyMissing => "IdempotencyKeyMissing",
            ErrorKind::IdempotencyStore => "IdempotencyStoreFailed",
        }
    }
}

/// Why an invocation failed.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dependencies, Dispatcher, ErrorKind, Kind, Options, RawEvent, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(_event: RawEvent) -> Result<(), std::io::Error> {
///     Err(std::io::Error::other("disk full"))
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let error = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await.unwrap_err();
/// assert_eq!(error.kind, ErrorKind::Handler);
/// assert_eq!(error.message, "handler `uploaded` failed: disk full");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DispatchError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What went wrong; names the handler where one was chosen.
    pub message: String,
}

impl DispatchError {
    /// A failure of the given kind.
    ///
    /// ```
    /// use cloud_events_lambda::{DispatchError, ErrorKind};
    /// let error = DispatchError::new(ErrorKind::Injection, "no `x-tenant` attribute on the message");
    /// assert_eq!(error.kind, ErrorKind::Injection);
    /// assert_eq!(error.to_string(), "no `x-tenant` attribute on the message");
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        DispatchError {
            kind,
            message: message.into(),
        }
    }

    /// The `errorType` reported to Lambda.
    ///
    /// ```
    /// use cloud_events_lambda::{DispatchError, ErrorKind};
    /// let error = DispatchError::new(ErrorKind::Injection, "no tenant");
    /// assert_eq!(error.error_type(), "InjectionFailed");
    /// ```
    pub fn error_type(&self) -> &'static str {
        self.kind.error_type()
    }

    /// The error as Lambda's error response body.
    ///
    /// ```
    /// use cloud_events_lambda::{DispatchError, ErrorKind};
    /// let error = DispatchError::new(ErrorKind::NoHandler, "no handler for route `aws.sqs`");
    /// assert_eq!(
    ///     error.to_json(),
    ///     serde_json::json!({"errorType": "NoHandler", "errorMessage": "no handler for route `aws.sqs`"})
    /// );
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "errorType": self.error_type(), "errorMessage": self.message })
    }
}

impl From<DispatchError> for lambda_runtime::Diagnostic {
    fn from(error: DispatchError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.message,
        }
    }
}

/// Why the application cannot start serving.
///
/// ```
/// use cloud_events_lambda::{Dependencies, Dispatcher, Options, StartupError};
/// let error = Dispatcher::build([], [], Dependencies::new(), Options::default()).unwrap_err();
/// assert_eq!(error, StartupError::NoHandlers);
/// assert!(error.to_string().contains("cloud_events_lambda::link!"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// No handler is registered: none was written, or the crate that holds them is not linked
    /// into the binary (see [`link!`](crate::link)).
    #[error(
        "no event handler is registered: annotate a function with #[on_event(...)] or #[on_cloudevent(...)]; if the handlers live in a library crate, link it from the binary with `cloud_events_lambda::link!(that_crate);`"
    )]
    NoHandlers,
    /// A handler parameter needs a type that has neither a value nor a factory.
    #[error(
        "handler `{handler}` ({location}), parameter `{parameter}`: no value or #[dependency] factory for `{type_name}`{}: register one with `App::dep(value)` or write a #[dependency] fn returning it",
        if through.is_empty() { String::new() } else { format!(" (needed through {through})") }
    )]
    MissingDependency {
        /// The handler's path.
        handler: String,
        /// Its source location.
        location: String,
        /// The parameter.
        parameter: &'static str,
        /// The missing type.
        type_name: &'static str,
        /// The factories' types the need goes through, outermost first.
        through: String,
    },
    /// Factories need each other in a circle.
    #[error("handler `{handler}`, parameter `{parameter}`: dependency cycle {cycle}")]
    DependencyCycle {
        /// The handler's path.
        handler: String,
        /// The parameter.
        parameter: &'static str,
        /// The types of the cycle, `A -> B -> A`.
        cycle: String,
    },
    /// Two factories make the same type.
    #[error("two #[dependency] factories make `{type_name}`: `{first}` and `{second}`; keep one")]
    DuplicateFactory {
        /// The type.
        type_name: &'static str,
        /// One factory.
        first: String,
        /// The other.
        second: String,
    },
    /// A registered `when` condition does not parse (the macro checks it, so only a
    /// hand-written registration can get here).
    #[error("handler `{handler}`: invalid when condition: {error}")]
    InvalidCondition {
        /// The handler's path.
        handler: String,
        /// What is wrong.
        error: String,
    },
    /// A logging variable (`AWS_LAMBDA_LOG_FORMAT`, `AWS_LAMBDA_LOG_LEVEL`, `RUST_LOG`) has a
    /// value it does not take.
    #[error("{variable} is `{value}`: it takes {expected}")]
    InvalidLogSetting {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What it takes.
        expected: String,
    },
    /// [`Logs`](crate::Logs) was given a setting it does not take.
    #[error("logs {what} is `{value}`: it takes {expected}")]
    InvalidLogs {
        /// The setting.
        what: &'static str,
        /// The value given.
        value: String,
        /// What it takes.
        expected: String,
    },
    /// [`Metrics`](crate::Metrics) was given a namespace or service name CloudWatch does not
    /// take.
    #[error("metrics {what} is `{value}`: it takes {expected}")]
    InvalidMetrics {
        /// `namespace` or `service name`.
        what: &'static str,
        /// The value given.
        value: String,
        /// What it takes.
        expected: &'static str,
    },
    /// A handler is marked `idempotent` and the app has no idempotency store.
    #[error(
        "handler `{handler}` ({location}) is idempotent but no idempotency store is configured: give the app one, `App::new().idempotency(Idempotency::new(DynamoDbStore::from_env(table).await))` on Lambda (feature `idempotency-dynamodb`) or `Idempotency::new(InMemoryStore::new())` in tests and local runs, or write a #[dependency(scope = \"process\")] fn returning an `Idempotency`"
    )]
    IdempotencyNotConfigured {
        /// The handler's path.
        handler: String,
        /// Its source location.
        location: String,
    },
    /// An idempotent handler's key cannot be taken from its events: its kind has no default
    /// key and it names none, or two idempotent handlers would share records.
    #[error("handler `{handler}` ({location}): {problem}")]
    IdempotencyKey {
        /// The handler's path.
        handler: String,
        /// Its source location.
        location: String,
        /// What is wrong, and how to fix it.
        problem: String,
    },
    /// The environment asks for traces ([`App::traces_from_env`](crate::App::traces_from_env))
    /// in a way that cannot be used.
    #[cfg(feature = "opentelemetry")]
    #[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
    #[error("traces cannot be exported as configured: {0}")]
    Traces(crate::traces::TracesError),
}

/// Whether logs may carry payload values ([`App::log_payloads`](crate::App::log_payloads)).
static LOG_PAYLOADS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub(crate) fn set_log_payloads(on: bool) {
    LOG_PAYLOADS.store(on, std::sync::atomic::Ordering::Relaxed);
}

pub(crate) fn log_payloads() -> bool {
    LOG_PAYLOADS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A message as the logs show it: every double-quoted string (where decoders and routing
/// messages quote values from the payload) becomes `"…"`, unless payload logging is on.
/// Names the framework quotes (handlers, types, paths, attributes) are in backticks and stay.
pub(crate) fn for_logs(message: &str) -> std::borrow::Cow<'_, str> {
    if log_payloads() || !message.contains('"') {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        // Skip to the closing quote (a backslash escapes the next character).
        let mut closed = false;
        while let Some(inner) = chars.next() {
            match inner {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    closed = true;
                    break;
                }
                _ => {}
            }
        }
        out.push('…');
        if closed {
            out.push('"');
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The error of a panic in `what` (the classifier, selection, a handler).
pub(crate) fn panicked(what: &str, panic: &(dyn std::any::Any + Send)) -> DispatchError {
    DispatchError::new(
        ErrorKind::Panic,
        format!("{what} panicked: {}", panic_text(panic)),
    )
}

/// The message of a panic payload (`panic!` with a literal or a formatted string).
pub(crate) fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned())
}

#[cfg(test)]
mod log_tests {
    use super::for_logs;

    #[test]
    fn quoted_values_are_elided_and_names_in_backticks_kept() {
        assert_eq!(
            for_logs(r#"at `Records[0].size`: invalid type: string "jane@example.com", expected i64"#),
            r#"at `Records[0].size`: invalid type: string "…", expected i64"#
        );
        assert_eq!(for_logs(r#"a "b \" c" d "unclosed"#), r#"a "…" d "…"#);
        assert_eq!(for_logs("no quotes"), "no quotes");
    }
}
