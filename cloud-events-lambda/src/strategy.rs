//! What the dispatcher does when several handlers match, and with their errors.

/// Which of the matching handlers run (as event-processor's invocation strategies). Chosen at
/// start-up with [`App::strategy`](crate::App::strategy).
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Context, Kind, RawEvent, Strategy, on_event};
///
/// #[on_event("aws.s3")]
/// fn index(_event: RawEvent) {}
///
/// #[on_event("aws.s3")]
/// fn audit(_event: RawEvent) {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = App::new().strategy(Strategy::ErrorIfAmbiguous).dispatcher().unwrap();
/// let error = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await.unwrap_err();
/// assert_eq!(error.error_type(), "AmbiguousHandlers");
/// assert_eq!(Strategy::default(), Strategy::FirstMatch);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// The first handler in priority order (highest rank, then most specific). The default.
    #[default]
    FirstMatch,
    /// Every matching handler, in priority order; the response is a JSON array with one
    /// outcome per handler: `{"handler": path, "response": value}` or
    /// `{"handler": path, "errorType": .., "errorMessage": ..}`.
    AllMatches,
    /// The first handler, unless two or more match at the top rank: then none runs, a warning
    /// is logged and the response is `null`.
    NoneIfAmbiguous,
    /// The first handler, unless two or more match at the top rank: then the invocation fails
    /// with `AmbiguousHandlers`.
    ErrorIfAmbiguous,
}

impl Strategy {
    /// The strategy's name in logs and `explain`.
    ///
    /// ```
    /// use cloud_events_lambda::Strategy;
    /// assert_eq!(Strategy::FirstMatch.name(), "first-match");
    /// assert_eq!(Strategy::NoneIfAmbiguous.name(), "none-if-ambiguous");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Strategy::FirstMatch => "first-match",
            Strategy::AllMatches => "all-matches",
            Strategy::NoneIfAmbiguous => "none-if-ambiguous",
            Strategy::ErrorIfAmbiguous => "error-if-ambiguous",
        }
    }
}

/// What [`Strategy::AllMatches`] does when a handler fails (as event-processor's error
/// strategies). Chosen with [`App::error_policy`](crate::App::error_policy).
///
/// ```standalone_crate
/// use cloud_events_lambda::{App, Context, ErrorPolicy, Kind, RawEvent, Strategy, on_event};
///
/// #[on_event("aws.s3", rank = 1)]
/// fn index(_event: RawEvent) -> Result<(), String> { Err("index unavailable".into()) }
///
/// #[on_event("aws.s3")]
/// fn audit(_event: RawEvent) {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(ErrorPolicy::default(), ErrorPolicy::StopAtFirstError);
/// let dispatcher = App::new().strategy(Strategy::AllMatches).dispatcher().unwrap();
/// let error = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await.unwrap_err();
/// assert_eq!(error.message, "handler `index` failed: index unavailable");
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorPolicy {
    /// Stop at the first error: the invocation fails with it. The default.
    #[default]
    StopAtFirstError,
    /// Run every matching handler and report each outcome in the response; the invocation
    /// succeeds (failed handlers are logged).
    RunAllAndReport,
}

/// How the dispatcher runs handlers.
///
/// ```
/// use cloud_events_lambda::{ErrorPolicy, Options, Strategy};
/// use std::time::Duration;
/// let defaults = Options::default();
/// assert_eq!(defaults.strategy, Strategy::FirstMatch);
/// assert_eq!(defaults.error_policy, ErrorPolicy::StopAtFirstError);
/// assert_eq!(defaults.deadline_margin, Duration::from_millis(200));
/// let options = Options { record_concurrency: 8, ..Options::default() }; // for `Dispatcher::new`
/// assert_eq!(options.limits, defaults.limits);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Which matching handlers run.
    pub strategy: Strategy,
    /// What happens to their errors under [`Strategy::AllMatches`].
    pub error_policy: ErrorPolicy,
    /// How many records of an unordered batch (standard SQS queue, S3, SNS, Firehose) a
    /// per-record handler works on at once. Ordered batches (FIFO, streams, Kafka, MQ) always
    /// run one record at a time. Default 1.
    pub record_concurrency: usize,
    /// How long before the invocation's deadline a handler still running is cancelled, so
    /// that the runtime has time to answer Lambda with `DeadlineExceeded`. Default 200 ms.
    pub deadline_margin: std::time::Duration,
    /// Caps on each event: payload size, records, nesting depth.
    pub limits: crate::Limits,
    /// Whether logs may carry payloads (see [`App::log_payloads`](crate::App::log_payloads)).
    pub log_payloads: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            strategy: Strategy::default(),
            error_policy: ErrorPolicy::default(),
            record_concurrency: 1,
            deadline_margin: std::time::Duration::from_millis(200),
            limits: crate::Limits::default(),
            log_payloads: false,
        }
    }
}
