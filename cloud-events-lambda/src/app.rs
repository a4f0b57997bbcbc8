//! The entry point: serve Lambda when running on Lambda, else run the command line.

use crate::Limits;
use crate::builtin_metrics::Metrics;
use crate::dependencies::Dependencies;
use crate::dispatch::Dispatcher;
use crate::strategy::{ErrorPolicy, Options, Strategy};
use std::future::Future;
use std::pin::Pin;
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
    metrics: Option<Metrics>,
    logs: crate::Logs,
    /// Set once [`App::run`] installed its log writer: the log settings each invocation's
    /// state needs, if the writer needs one (JSON keys, held or sampled lines).
    installed_logs: Option<Option<std::sync::Arc<crate::logs::LogConfig>>>,
    #[cfg(feature = "opentelemetry")]
    traces: Option<Result<crate::traces::Traces, crate::traces::TracesError>>,
}

impl App {
    /// An application with no shared values.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, RawEvent, on_event};
    ///
    /// #[on_event(default)]
    /// fn anything(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = App::new().dispatcher().unwrap();
    /// assert_eq!(dispatcher.handlers()[0].name, "anything");
    /// # }
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a shared value, injected into handlers as `Dep<T>`.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Dep, Kind, RawEvent, on_event};
    ///
    /// struct Table(&'static str);
    ///
    /// #[on_event("aws.s3")]
    /// fn stored(_event: RawEvent, table: Dep<Table>) -> &'static str {
    ///     table.0
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = App::new().dep(Table("books")).dispatcher().unwrap();
    /// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await;
    /// assert_eq!(response.unwrap(), "books");
    /// // Without the value, start-up fails, naming the handler and the parameter.
    /// assert!(App::new().dispatcher().unwrap_err().to_string().contains("parameter `table`"));
    /// # }
    /// ```
    pub fn dep<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.dependencies.insert(value);
        self
    }

    /// Which of the matching handlers run (default: [`Strategy::FirstMatch`]).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, RawEvent, Strategy, on_event};
    ///
    /// #[on_event("aws.s3", rank = 1)]
    /// fn index(_event: RawEvent) -> &'static str { "indexed" }
    ///
    /// #[on_event("aws.s3")]
    /// fn audit(_event: RawEvent) -> &'static str { "audited" }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = App::new().strategy(Strategy::AllMatches).dispatcher().unwrap();
    /// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await.unwrap();
    /// assert_eq!(response[0]["response"], "indexed");
    /// assert_eq!(response[1]["response"], "audited");
    /// # }
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.options.strategy = strategy;
        self
    }

    /// What [`Strategy::AllMatches`] does with handler errors (default: stop at the first).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, ErrorPolicy, Kind, RawEvent, Strategy, on_event};
    ///
    /// #[on_event("aws.s3", rank = 1)]
    /// fn index(_event: RawEvent) -> Result<(), String> { Err("index unavailable".into()) }
    ///
    /// #[on_event("aws.s3")]
    /// fn audit(_event: RawEvent) -> &'static str { "audited" }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = App::new().strategy(Strategy::AllMatches).error_policy(ErrorPolicy::RunAllAndReport);
    /// let dispatcher = app.dispatcher().unwrap();
    /// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await.unwrap();
    /// assert_eq!(response[0]["errorType"], "HandlerFailed");
    /// assert_eq!(response[1]["response"], "audited"); // ran despite the error
    /// # }
    /// ```
    pub fn error_policy(mut self, policy: ErrorPolicy) -> Self {
        self.options.error_policy = policy;
        self
    }

    /// How many records of an unordered batch a per-record handler works on at once
    /// (default 1; ordered batches always run one at a time).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, events::SqsMessage, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// async fn message(_message: SqsMessage) {}
    ///
    /// # fn main() {
    /// let dispatcher = App::new().record_concurrency(8).dispatcher().unwrap();
    /// assert_eq!(dispatcher.options().record_concurrency, 8);
    /// // At least one record at a time:
    /// assert_eq!(App::new().record_concurrency(0).dispatcher().unwrap().options().record_concurrency, 1);
    /// # }
    /// ```
    pub fn record_concurrency(mut self, records: usize) -> Self {
        self.options.record_concurrency = records.max(1);
        self
    }

    /// How long before the invocation deadline a running handler is cancelled (default
    /// 200 ms), leaving the runtime time to report `DeadlineExceeded`.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, RawEvent, on_event};
    /// use std::time::{Duration, SystemTime, UNIX_EPOCH};
    ///
    /// #[on_event("aws.s3")]
    /// async fn slow(_event: RawEvent) {
    ///     tokio::time::sleep(Duration::from_secs(60)).await;
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = App::new().deadline_margin(Duration::from_millis(500)).dispatcher().unwrap();
    /// // An invocation with one second left: `slow` is cancelled half a second in.
    /// let in_a_second = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + Duration::from_secs(1);
    /// let context = Context { deadline_ms: in_a_second.as_millis() as u64, ..Context::local(1, "demo") };
    /// let error = dispatcher.dispatch(Kind::S3.sample(), context).await.unwrap_err();
    /// assert_eq!(error.error_type(), "DeadlineExceeded");
    /// # }
    /// ```
    pub fn deadline_margin(mut self, margin: std::time::Duration) -> Self {
        self.options.deadline_margin = margin;
        self
    }

    /// Lets the logs carry payloads (default off: payloads carry personal data). When on,
    /// each event is logged at `debug` level, error messages keep the values they quote, and
    /// `lambda_runtime`'s trace of raw payloads is let through.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, RawEvent, on_event};
    ///
    /// #[on_event(default)]
    /// fn anything(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = App::new().log_payloads(true).dispatcher().unwrap();
    /// assert!(dispatcher.options().log_payloads);
    /// assert!(!App::new().dispatcher().unwrap().options().log_payloads);
    /// # }
    /// ```
    pub fn log_payloads(mut self, on: bool) -> Self {
        self.options.log_payloads = on;
        self
    }

    /// Caps on each event (payload size, records, nesting depth); see [`Limits`] for the
    /// defaults. An event beyond one fails with `LimitExceeded` before it is decoded.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, Limits, events::S3Event, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(event: S3Event) -> usize { event.records.len() }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let limits = Limits { max_payload_bytes: 512, ..Limits::default() };
    /// let dispatcher = App::new().limits(limits).dispatcher().unwrap();
    /// let error = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await.unwrap_err();
    /// assert_eq!(error.error_type(), "LimitExceeded");
    /// assert!(error.message.contains("limit of 512"), "{error}");
    /// # }
    /// ```
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// Writes the metrics handlers record (with the [`metrics`](crate::metrics) facade) at
    /// the end of each invocation, as CloudWatch Embedded Metric Format documents on stdout,
    /// in `metrics`' namespace with its service as a dimension; [`Metrics::builtin`] adds the
    /// framework's own. See [`Metrics`].
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, Metrics, RawEvent, metrics::gauge, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// fn queued(_event: RawEvent) {
    ///     gauge!("QueueDepth", "queue" => "orders").set(42.0);
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = App::new().metrics(Metrics::new("Shop", "orders")).dispatcher().unwrap();
    /// let payload = bytes::Bytes::from_static(Kind::Sqs.sample().as_bytes());
    /// let (_, documents) = dispatcher.dispatch_metered(payload, Context::local(1, "demo")).await;
    /// assert_eq!(documents.len(), 1);
    /// let document: serde_json::Value = serde_json::from_str(&documents[0]).unwrap();
    /// assert_eq!(document["QueueDepth"], 42.0);
    /// assert_eq!(document["queue"], "orders");
    /// # }
    /// ```
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Holds each invocation's DEBUG lines until they matter, samples invocations at DEBUG,
    /// and sets the keys of JSON lines (see [`Logs`](crate::Logs)). Applies to the logs
    /// [`App::run`] installs, on Lambda and on the command line alike.
    ///
    /// ```no_run
    /// use cloud_events_lambda::{App, LogBuffer, Logs};
    /// use tracing::Level;
    ///
    /// # async fn demo() -> std::process::ExitCode {
    /// App::new()
    ///     .logs(Logs::new().buffer(LogBuffer::new(Level::DEBUG)).service("orders"))
    ///     .run()
    ///     .await
    /// # }
    /// ```
    pub fn logs(mut self, logs: crate::Logs) -> Self {
        self.logs = logs;
        self
    }

    /// Where handlers marked `idempotent` keep their records (see the
    /// [`idempotency`](crate::idempotency) module): the same as registering it with
    /// [`App::dep`]; a `#[dependency(scope = "process")]` factory returning an
    /// [`Idempotency`](crate::idempotency::Idempotency) serves as well, for a store built
    /// asynchronously.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::idempotency::{Idempotency, InMemoryStore};
    /// use cloud_events_lambda::{App, Context, Kind, RawEvent, on_event};
    ///
    /// #[on_event("aws.events", idempotent)]
    /// fn billed(_event: RawEvent) -> u64 { 42 }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let store = InMemoryStore::new();
    /// let dispatcher = App::new().idempotency(Idempotency::new(store.clone())).dispatcher().unwrap();
    /// dispatcher.dispatch(Kind::EventBridge.sample(), Context::local(1, "billing")).await.unwrap();
    /// assert_eq!(store.records().len(), 1); // keyed by the event's `id`
    /// # }
    /// ```
    #[cfg(feature = "idempotency")]
    #[cfg_attr(docsrs, doc(cfg(feature = "idempotency")))]
    pub fn idempotency(self, idempotency: crate::idempotency::Idempotency) -> Self {
        self.dep(idempotency)
    }

    /// Traces each invocation with `traces` (see the [`traces`](crate::traces) module): the
    /// application's own tracer provider ([`Traces::provider`](crate::traces::Traces::provider))
    /// or exporter ([`Traces::exporter`](crate::traces::Traces::exporter)).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::traces::Traces;
    /// use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
    /// use cloud_events_lambda::{App, Context, Kind, RawEvent, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: RawEvent) {}
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let exporter = InMemorySpanExporter::default();
    /// let dispatcher = App::new().traces(Traces::exporter(exporter.clone())).dispatcher().unwrap();
    /// dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "books")).await.unwrap();
    /// dispatcher.traces().unwrap().flush().await;
    /// let spans = exporter.get_finished_spans().unwrap();
    /// assert_eq!(spans.len(), 2); // the invocation's, its handler's
    /// # }
    /// ```
    #[cfg(feature = "opentelemetry")]
    #[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
    pub fn traces(mut self, traces: crate::traces::Traces) -> Self {
        self.traces = Some(Ok(traces));
        self
    }

    /// Traces each invocation with the standard tracer when the environment asks for one
    /// ([`Traces::from_env`](crate::traces::Traces::from_env): OTLP over HTTP/protobuf where
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` says); without it, nothing is traced and nothing is
    /// spent. A configuration that cannot be used fails start-up, naming the variable.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, RawEvent, on_event};
    ///
    /// #[on_event(default)]
    /// fn any(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// assert!(std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_none());
    /// // No endpoint: nothing is traced.
    /// assert!(App::new().traces_from_env().dispatcher().unwrap().traces().is_none());
    /// # }
    /// ```
    #[cfg(feature = "opentelemetry")]
    #[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
    pub fn traces_from_env(mut self) -> Self {
        self.traces = crate::traces::Traces::from_env().transpose();
        self
    }

    /// The dispatcher over every registered handler and factory, with the start-up checks
    /// (no handler, a `Dep<T>` with no value nor factory, a factory cycle).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, events::S3Event, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(event: S3Event) -> usize { event.records.len() }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = App::new().dispatcher().unwrap();
    /// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await;
    /// assert_eq!(response.unwrap(), 1);
    /// # }
    /// ```
    pub fn dispatcher(self) -> Result<Dispatcher, crate::error::StartupError> {
        // Logging is process-wide: so is whether it may carry payloads.
        crate::error::set_log_payloads(self.options.log_payloads);
        let logs = match self.installed_logs {
            Some(logs) => logs,
            None => {
                // No log writer of ours: nothing would read an invocation's log state. The
                // settings are checked all the same.
                let env = |name: &str| std::env::var(name).ok();
                self.logs
                    .check(env, self.metrics.as_ref().map(Metrics::service))?;
                None
            }
        };
        let dispatcher = Dispatcher::new(self.dependencies, self.options)?;
        let dispatcher = match logs {
            Some(config) => dispatcher.with_logs(config),
            None => dispatcher,
        };
        let dispatcher = match self.metrics {
            Some(metrics) => dispatcher.with_metrics(metrics)?,
            None => dispatcher,
        };
        #[cfg(feature = "opentelemetry")]
        let dispatcher = match self.traces {
            Some(Ok(traces)) => {
                traces.set_global();
                dispatcher.with_traces(traces)
            }
            Some(Err(error)) => return Err(crate::error::StartupError::Traces(error)),
            None => dispatcher,
        };
        Ok(dispatcher)
    }

    /// Builds the dispatcher (failing loudly when a start-up check fails), then serves Lambda
    /// if `AWS_LAMBDA_RUNTIME_API` is set, else runs the command line on the process arguments.
    ///
    /// ```no_run
    /// use cloud_events_lambda::{App, events::S3Event, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(event: S3Event) -> usize { event.records.len() }
    ///
    /// #[tokio::main]
    /// async fn main() -> std::process::ExitCode {
    ///     // On Lambda: serves invocations until the process is stopped.
    ///     App::new().record_concurrency(4).run().await
    /// }
    /// ```
    pub fn run(self) -> impl Future<Output = ExitCode> {
        // Boxed as a trait object here, so that the whole serving path (the runtime client,
        // the dispatcher, every async step below them) is compiled once, in this crate. Left
        // as an `async fn`, its state machines would be compiled in each application crate
        // that awaits it, and again at every edit of a handler.
        let serving: Pin<Box<dyn Future<Output = ExitCode>>> = Box::pin(self.serve());
        serving
    }

    /// The log writer over `writer` and the dispatcher, with the log settings of the
    /// environment `var` reads, as [`App::run`] makes them (without installing the writer).
    pub(crate) fn logged<W>(
        mut self,
        var: impl Fn(&str) -> Option<String> + Copy,
        writer: W,
    ) -> Result<(tracing::Dispatch, Dispatcher), crate::error::StartupError>
    where
        W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Clone + Send + Sync + 'static,
    {
        let settings = crate::logs::LogSettings::from_env(var, true, self.options.log_payloads)?;
        let config = std::sync::Arc::new(
            self.logs
                .check(var, self.metrics.as_ref().map(Metrics::service))?,
        );
        let dispatch = settings.dispatch(&config, writer);
        let json = settings.format == crate::logs::LogFormat::Json;
        self.installed_logs = Some(config.per_invocation(json).then_some(config));
        Ok((dispatch, self.dispatcher()?))
    }

    async fn serve(mut self) -> ExitCode {
        let on_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
        let env = |name: &str| std::env::var(name).ok();
        let settings = crate::logs::LogSettings::from_env(env, on_lambda, self.options.log_payloads)
            .and_then(|settings| {
                let config = self
                    .logs
                    .check(env, self.metrics.as_ref().map(Metrics::service))?;
                Ok((settings, std::sync::Arc::new(config)))
            });
        let json = match settings {
            Ok((settings, config)) => {
                let json = settings.format == crate::logs::LogFormat::Json;
                // An application's own subscriber reads no invocation's log state.
                let installed = settings.install(&config);
                self.installed_logs = Some((installed && config.per_invocation(json)).then_some(config));
                json
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let dispatcher = match self.dispatcher() {
            Ok(dispatcher) => dispatcher,
            Err(error) if json => {
                tracing::error!(errorType = "StartupError", "{error}");
                return ExitCode::FAILURE;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        if on_lambda {
            crate::runtime::serve(dispatcher).await
        } else {
            crate::cli::main(dispatcher, std::env::args_os()).await
        }
    }
}

#[cfg(feature = "testing")]
impl App {
    /// The application as a [`TestApp`](crate::testing::TestApp), for unit tests.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Dep, Kind, events::S3Event, on_event};
    ///
    /// struct Bucket(&'static str);
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(event: S3Event, bucket: Dep<Bucket>) -> bool {
    ///     event.records[0].s3.bucket.name.as_deref() == Some(bucket.0)
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let app = App::new().dep(Bucket("acme-invoices-prod")).test().unwrap();
    /// let outcome = app.invoke_sample(Kind::S3).await;
    /// assert_eq!(outcome.handlers, ["uploaded"]);
    /// assert_eq!(outcome.response.unwrap(), true);
    /// # }
    /// ```
    pub fn test(self) -> Result<crate::testing::TestApp, crate::error::StartupError> {
        self.dispatcher().map(crate::testing::TestApp::new)
    }
}

/// Runs an application with no shared values: `App::new().run()`.
///
/// ```no_run
/// use cloud_events_lambda::{events::SqsEvent, on_event};
///
/// #[on_event("aws.sqs")]
/// fn queued(event: SqsEvent) -> usize { event.records.len() }
///
/// #[tokio::main]
/// async fn main() -> std::process::ExitCode {
///     // On Lambda: serves invocations; elsewhere: `APP invoke|classify|routes|explain|sample`.
///     cloud_events_lambda::run().await
/// }
/// ```
pub fn run() -> impl Future<Output = ExitCode> {
    App::new().run()
}
