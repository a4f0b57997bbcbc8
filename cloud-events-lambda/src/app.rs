//! The entry point: serve Lambda when running on Lambda, else run the command line.

use crate::Limits;
use crate::dependencies::Dependencies;
use crate::dispatch::Dispatcher;
use crate::strategy::{ErrorPolicy, Options, Strategy};
use std::process::ExitCode;

/// An application: its shared values, then [`App::run`].
///
/// ```no_run
/// # async fn demo() -> std::process::ExitCode {
/// struct Books;
/// cloud_events_lambda::App::new().dep(Books).run().await
/// # }
/// ```
#[derive(Debug, Default)]
pub struct App {
    dependencies: Dependencies,
    options: Options,
}

impl App {
    /// An application with no shared values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a shared value, injected into handlers as `Dep<T>`.
    pub fn dep<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.dependencies.insert(value);
        self
    }

    /// Which of the matching handlers run (default: [`Strategy::FirstMatch`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.options.strategy = strategy;
        self
    }

    /// What [`Strategy::AllMatches`] does with handler errors (default: stop at the first).
    pub fn error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.options.error_policy = policy;
        self
    }

    /// How many records of an unordered batch a per-record handler works on at once
    /// (default 1; ordered batches always run one at a time).
    pub fn record_concurrency(mut self, records: usize) -> Self {
        self.options.record_concurrency = records.max(1);
        self
    }

    /// How long before the invocation deadline a running handler is cancelled (default
    /// 200 ms), leaving the runtime time to report `DeadlineExceeded`.
    pub fn deadline_margin(mut self, margin: std::time::Duration) -> Self {
        self.options.deadline_margin = margin;
        self
    }

    /// Lets the logs carry payloads (default off: payloads carry personal data). When on,
    /// each event is logged at `debug` level, error messages keep the values they quote, and
    /// `lambda_runtime`'s trace of raw payloads is let through.
    pub fn log_payloads(mut self, on: bool) -> Self {
        self.options.log_payloads = on;
        self
    }

    /// Caps on each event (payload size, records, nesting depth); see [`Limits`] for the
    /// defaults. An event beyond one fails with `LimitExceeded` before it is decoded.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// The dispatcher over every registered handler and factory, with the start-up checks
    /// (no handler, a `Dep<T>` with no value nor factory, a factory cycle).
    pub fn dispatcher(self) -> Result<Dispatcher, crate::error::StartupError> {
        Dispatcher::new(self.dependencies, self.options)
    }

    /// Builds the dispatcher (failing loudly when a start-up check fails), then serves Lambda
    /// if `AWS_LAMBDA_RUNTIME_API` is set, else runs the command line on the process arguments.
    pub async fn run(self) -> ExitCode {
        crate::runtime::init_tracing(self.options.log_payloads);
        let dispatcher = match self.dispatcher() {
            Ok(dispatcher) => dispatcher,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
            crate::runtime::serve(dispatcher).await
        } else {
            crate::cli::main(dispatcher, std::env::args_os()).await
        }
    }
}

#[cfg(feature = "testing")]
impl App {
    /// The application as a [`TestApp`](crate::testing::TestApp), for unit tests.
    pub fn test(self) -> Result<crate::testing::TestApp, crate::error::StartupError> {
        self.dispatcher().map(crate::testing::TestApp::new)
    }
}

/// Runs an application with no shared values: `App::new().run()`.
pub async fn run() -> ExitCode {
    App::new().run().await
}
