//! The entry of the data path: bytes in, answer out. A [`Dispatcher`] reads the payload
//! (caps, UTF-8), has it classified (`cloud-events-core`), selects handlers in the route
//! index (`selection.rs` over `route_index.rs`), runs them (`run.rs`, with `per_record.rs`
//! and injection), checks the text where no decoder read all of it, and answers.

use crate::builtin_metrics::{
    Metrics, cold_start, event_invalid, event_routed, function_name, take_cold_start,
};
use crate::checks::check_dependencies;
use crate::context::Context;
use crate::dependencies::Dependencies;
use crate::error::{DispatchError, ErrorKind, StartupError, for_logs, panicked};
use crate::invocation::{Container, FactoryRegistration, registered_factories};
use crate::registry::{HandlerRegistration, registered};
use crate::route_index::RouteIndex;
use crate::run::Runner;
use crate::selection::{Running, Selection};
use crate::strategy::Options;
use bytes::Bytes;
use cloud_events_core::{Classification, ClassifyError, RawEvent, classify_event};
use futures_util::future::Either;
use serde_json::value::RawValue;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tracing::Instrument;

/// Routes events to the registered handlers.
///
/// Handlers are sorted once, at start-up: highest `rank` first, then the more specific (more
/// conditions), then by path, so that the choice never depends on link order. Each kind has
/// its own index, and within it handlers with an exact `source` are found by that source, so
/// choosing a handler never scans the handlers of other kinds or other sources.
///
/// ```standalone_crate
/// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::S3Event, on_event};
///
/// #[on_event("aws.s3")]
/// fn uploaded(event: S3Event) -> Option<String> {
///     event.records[0].s3.object.key.clone()
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
/// let response = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "demo")).await;
/// assert_eq!(response.unwrap(), "2026/11/invoice-000731.pdf");
/// let error = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(2, "demo")).await.unwrap_err();
/// assert_eq!(error.error_type(), "NoHandler");
/// # }
/// ```
#[derive(Debug)]
pub struct Dispatcher {
    index: RouteIndex,
    container: Arc<Container>,
    options: Options,
    metrics: Option<Metrics>,
    /// Each invocation's log state (keys of JSON lines, held lines, the sampling draw), when
    /// the logs need one.
    logs: Option<Arc<crate::logs::LogConfig>>,
    #[cfg(feature = "opentelemetry")]
    traces: Option<crate::traces::Traces>,
}

impl Dispatcher {
    /// A dispatcher over every handler and factory registered in the binary.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dep, Dependencies, Dispatcher, Kind, Options, RawEvent, on_event};
    ///
    /// struct Greeting(&'static str);
    ///
    /// #[on_event("aws.sns")]
    /// fn notified(_event: RawEvent, greeting: Dep<Greeting>) -> &'static str {
    ///     greeting.0
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut dependencies = Dependencies::new();
    /// dependencies.insert(Greeting("hello"));
    /// let dispatcher = Dispatcher::new(dependencies, Options::default()).unwrap();
    /// let response = dispatcher.dispatch(Kind::Sns.sample(), Context::local(1, "demo")).await;
    /// assert_eq!(response.unwrap(), "hello");
    /// // Start-up checks every `Dep<T>`:
    /// assert!(Dispatcher::new(Dependencies::new(), Options::default()).is_err());
    /// # }
    /// ```
    pub fn new(dependencies: Dependencies, options: Options) -> Result<Self, StartupError> {
        Self::build(registered(), registered_factories(), dependencies, options)
    }

    /// A dispatcher over the given handlers and factories.
    ///
    /// Hidden from the docs: factories are the macros' registrations, and the benches build
    /// handlers by hand with it. Applications use [`Dispatcher::new`] or [`App::dispatcher`](crate::App::dispatcher).
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, Route, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: RawEvent) {}
    ///
    /// #[on_event("aws.sqs")]
    /// fn queued(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let all = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// // A dispatcher over the S3 handlers only:
    /// let s3 = all.handlers().iter().copied().filter(|h| h.route == Route::Kind(Kind::S3));
    /// let dispatcher = Dispatcher::build(s3, [], Dependencies::new(), Options::default()).unwrap();
    /// assert_eq!(dispatcher.handlers().len(), 1);
    /// assert_eq!(dispatcher.handlers()[0].name, "uploaded");
    /// # }
    /// ```
    #[doc(hidden)]
    pub fn build(
        handlers: impl IntoIterator<Item = &'static HandlerRegistration>,
        factories: impl IntoIterator<Item = &'static FactoryRegistration>,
        dependencies: Dependencies,
        options: Options,
    ) -> Result<Self, StartupError> {
        let index = RouteIndex::build(handlers)?;
        let container = Container::new(dependencies, factories)?;
        check_dependencies(&container, &index.handlers)?;
        #[cfg(feature = "idempotency")]
        crate::checks::check_idempotency(&container, &index.handlers)?;
        Ok(Dispatcher {
            index,
            container: Arc::new(container),
            options,
            metrics: None,
            logs: None,
            #[cfg(feature = "opentelemetry")]
            traces: None,
        })
    }

    /// Writes the metrics of each invocation as Embedded Metric Format documents (see
    /// [`Metrics`]); fails if the namespace or service name is not one CloudWatch takes.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Metrics, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// fn queued(_event: RawEvent) {
    ///     cloud_events_lambda::metrics::histogram!("QueueLag", "queue" => "orders").record(1.5);
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default())
    ///     .unwrap()
    ///     .with_metrics(Metrics::new("Shop", "orders"))
    ///     .unwrap();
    /// let bytes = bytes::Bytes::from_static(Kind::Sqs.sample().as_bytes());
    /// let (answer, documents) = dispatcher.dispatch_metered(bytes, Context::local(1, "demo")).await;
    /// assert!(answer.is_ok());
    /// let document: serde_json::Value = serde_json::from_str(&documents[0]).unwrap();
    /// assert_eq!(document["QueueLag"], 1.5);
    /// assert_eq!(document["queue"], "orders");
    /// assert_eq!(document["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0], serde_json::json!(["service", "queue"]));
    /// # }
    /// ```
    pub fn with_metrics(mut self, metrics: Metrics) -> Result<Self, StartupError> {
        metrics.start()?;
        self.metrics = Some(metrics);
        Ok(self)
    }

    /// Where the metrics go, if anywhere.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Metrics, RawEvent, on_event};
    ///
    /// #[on_event(default)]
    /// fn any(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// assert!(App::new().dispatcher().unwrap().metrics().is_none());
    /// let metered = App::new().metrics(Metrics::new("Shop", "orders")).dispatcher().unwrap();
    /// assert_eq!(metered.metrics().unwrap().namespace(), "Shop");
    /// # }
    /// ```
    pub fn metrics(&self) -> Option<&Metrics> {
        self.metrics.as_ref()
    }

    /// Gives each invocation its own log state, as `config` asks.
    pub(crate) fn with_logs(mut self, config: Arc<crate::logs::LogConfig>) -> Self {
        self.logs = Some(config);
        self
    }

    /// Traces each invocation (see the [`traces`](crate::traces) module): its span, one per
    /// handler run and one per batch record.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::traces::Traces;
    /// use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: RawEvent) {}
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let exporter = InMemorySpanExporter::default();
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default())
    ///     .unwrap()
    ///     .with_traces(Traces::exporter(exporter.clone()));
    /// dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "books")).await.unwrap();
    /// dispatcher.traces().unwrap().flush().await;
    /// let names: Vec<String> = exporter.get_finished_spans().unwrap().into_iter().map(|s| s.name.into()).collect();
    /// assert_eq!(names.len(), 2, "{names:?}"); // the handler's span, then the invocation's
    /// # }
    /// ```
    #[cfg(feature = "opentelemetry")]
    #[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
    pub fn with_traces(mut self, traces: crate::traces::Traces) -> Self {
        self.traces = Some(traces);
        self
    }

    /// Where the traces go, if anywhere.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::traces::Traces;
    /// use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event(default)]
    /// fn any(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let plain = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// assert!(plain.traces().is_none());
    /// let traced = plain.with_traces(Traces::exporter(InMemorySpanExporter::default()));
    /// assert!(traced.traces().is_some());
    /// # }
    /// ```
    #[cfg(feature = "opentelemetry")]
    #[cfg_attr(docsrs, doc(cfg(feature = "opentelemetry")))]
    pub fn traces(&self) -> Option<&crate::traces::Traces> {
        self.traces.as_ref()
    }

    /// Every handler, in priority order.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.events")]
    /// fn any_event(_event: RawEvent) {}
    ///
    /// #[on_event("aws.events", source = "aws.ec2")]
    /// fn ec2(_event: RawEvent) {}
    ///
    /// #[on_event("aws.events", rank = 10)]
    /// fn first(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let names: Vec<&str> = dispatcher.handlers().iter().map(|h| h.name).collect();
    /// // Highest rank first, then the more specific.
    /// assert_eq!(names, ["first", "ec2", "any_event"]);
    /// # }
    /// ```
    pub fn handlers(&self) -> &[&'static HandlerRegistration] {
        &self.index.handlers
    }

    /// How the dispatcher runs handlers.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, Strategy, on_event};
    ///
    /// #[on_event(default)]
    /// fn anything(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let options = Options { strategy: Strategy::AllMatches, ..Options::default() };
    /// let dispatcher = Dispatcher::new(Dependencies::new(), options).unwrap();
    /// assert_eq!(dispatcher.options().strategy, Strategy::AllMatches);
    /// assert_eq!(dispatcher.options().record_concurrency, 1);
    /// # }
    /// ```
    pub fn options(&self) -> Options {
        self.options
    }

    /// Which handlers an event goes to under the dispatcher's strategy.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, classify, on_event};
    ///
    /// #[on_event("aws.s3", when = r#"ends_with(Records[0].s3.object.key, ".pdf")"#)]
    /// fn pdf(_event: RawEvent) {}
    ///
    /// #[on_event("aws.s3")]
    /// fn other_file(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let json = Kind::S3.sample(); // uploads `2026/11/invoice-000731.pdf`
    /// let selection = dispatcher.select(&classify(json.as_bytes()).unwrap(), json);
    /// assert_eq!(selection.handler_names(), ["pdf"]);
    /// # }
    /// ```
    pub fn select(&self, classification: &Classification, event: &str) -> Selection {
        self.index.select(&self.options, classification, event)
    }

    /// Problems `routes` warns about: handlers that can never run under first-match (an
    /// earlier handler of the same route matches every event they match), and kinds that fail
    /// with `NoHandler` because no handler and no default takes them.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn every_upload(_event: RawEvent) {}
    ///
    /// #[on_event("aws.s3")]
    /// fn never_runs(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let warnings = dispatcher.warnings();
    /// assert!(warnings[0].contains("`rust_out::never_runs`") && warnings[0].contains("can never run"), "{warnings:?}");
    /// assert!(warnings[1].starts_with("no #[on_event(default)] handler"));
    /// # }
    /// ```
    pub fn warnings(&self) -> Vec<String> {
        crate::diagnostics::warnings(&self.index, &self.options)
    }

    /// How an event would be routed, in lines of text: its classification, every handler of
    /// its route (and the defaults) with why it matches or not, and what the strategy runs.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options, RawEvent, on_event};
    ///
    /// #[on_event("aws.events", source = "aws.ec2")]
    /// fn ec2(_event: RawEvent) {}
    ///
    /// #[on_event(default)]
    /// fn other(_event: RawEvent) {}
    ///
    /// # fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let lines = dispatcher.explain(Kind::EventBridge.sample()); // from `com.acme.orders`
    /// assert_eq!(lines[0], "route key: aws.events");
    /// assert!(lines.iter().any(|line| line.contains(r#"no: source == "aws.ec2" does not hold"#)), "{lines:#?}");
    /// assert_eq!(lines.last().unwrap(), "outcome: runs rust_out::other");
    /// # }
    /// ```
    pub fn explain(&self, json: &str) -> Vec<String> {
        crate::diagnostics::explain(&self.index, &self.options, json)
    }

    /// Classifies one event, runs the handlers it goes to and returns the response.
    ///
    /// Never panics: a panic while classifying, decoding or in a handler is a
    /// [`ErrorKind::Panic`] error.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, ErrorKind, Kind, Options, events::SqsMessage, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// fn message(message: SqsMessage) -> Result<(), String> {
    ///     match message.body.as_deref() {
    ///         Some(body) if body.contains("ord-5522") => Err("out of stock".into()),
    ///         _ => Ok(()),
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let response = dispatcher.dispatch(Kind::Sqs.sample(), Context::local(1, "demo")).await.unwrap();
    /// // The partial batch response: only the failed message is retried.
    /// assert_eq!(
    ///     response,
    ///     serde_json::json!({"batchItemFailures": [{"itemIdentifier": "0b7e6d5c-4f3a-4e21-8d9c-7b6a5f4e3d2c"}]})
    /// );
    /// let error = dispatcher.dispatch("{not json", Context::local(2, "demo")).await.unwrap_err();
    /// assert_eq!(error.kind, ErrorKind::InvalidEvent);
    /// # }
    /// ```
    pub async fn dispatch(&self, json: &str, context: Context) -> Result<serde_json::Value, DispatchError> {
        self.dispatch_bytes(Bytes::copy_from_slice(json.as_bytes()), context)
            .await
    }

    /// [`Dispatcher::dispatch`] for a payload already read as a `RawValue`: handed over
    /// without a copy, and answered exactly as its text would be.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::S3Event, on_event};
    /// use serde_json::value::RawValue;
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(event: S3Event) -> Option<i64> {
    ///     event.records[0].s3.object.size
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let json = RawValue::from_string(Kind::S3.sample().to_owned()).unwrap();
    /// let response = dispatcher.dispatch_json(json, Context::local(1, "demo")).await;
    /// assert_eq!(response.unwrap(), 48213);
    /// # }
    /// ```
    pub async fn dispatch_json(
        &self,
        json: Box<RawValue>,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let text = String::from(Box::<str>::from(json));
        self.dispatch_bytes(Bytes::from(text), context).await
    }

    /// [`Dispatcher::dispatch`] for the payload's bytes as the Lambda Runtime API delivered
    /// them (what `lambda_runtime` reads, and the command line reads from a file). This is
    /// the one path every payload takes, read once:
    ///
    /// - the size cap first, before anything reads it; then UTF-8 (a byte order mark and
    ///   surrounding whitespace dropped), and the depth cap if one is set;
    /// - the kind from its marker fields alone ([`cloud_events_core::classify_event`]):
    ///   reading stops at the first decisive marker (a CloudEvent's attributes are read and
    ///   checked there once, and its decoder then decodes only `data`);
    /// - the handler's typed decoder reads the whole event, once, from the same bytes (no
    ///   copy is made of them);
    /// - where no decoder read it whole (a failure, a `RawEvent` handler, no handler), the
    ///   text is checked, so that a payload that is not JSON is always answered
    ///   `InvalidEvent`, whatever handler it would have gone to.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::SqsEvent, on_event};
    ///
    /// #[on_event("aws.sqs")]
    /// fn queued(event: SqsEvent) -> usize {
    ///     event.records.len()
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    /// let bytes = bytes::Bytes::from_static(Kind::Sqs.sample().as_bytes());
    /// assert_eq!(dispatcher.dispatch_bytes(bytes, Context::local(1, "demo")).await.unwrap(), 2);
    /// // Broken after its decisive marker: the decoder finds it, and the answer says so.
    /// let broken = bytes::Bytes::from_static(br#"{"Records":[{"eventSource":"aws:sqs"},"#);
    /// let error = dispatcher.dispatch_bytes(broken, Context::local(2, "demo")).await.unwrap_err();
    /// assert_eq!(error.error_type(), "InvalidEvent");
    /// # }
    /// ```
    pub async fn dispatch_bytes(
        &self,
        payload: Bytes,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let (answer, documents) = self.dispatch_metered(payload, context).await;
        if !documents.is_empty() {
            write_documents(&mut std::io::stdout().lock(), &documents);
        }
        answer
    }

    /// [`Dispatcher::dispatch_bytes`], with the invocation's metric documents (one JSON
    /// object each, in CloudWatch's Embedded Metric Format) handed back instead of written
    /// to stdout. There are none unless [`Dispatcher::with_metrics`] set where they go.
    ///
    /// Everything the invocation recorded is in them, also when a handler failed, panicked
    /// or ran past the deadline, and nothing is carried into the next invocation.
    ///
    /// ```standalone_crate
    /// use cloud_events_lambda::{App, Context, Kind, Metrics, RawEvent, metrics::counter, on_event};
    ///
    /// #[on_event("aws.s3")]
    /// fn uploaded(_event: RawEvent) -> Result<(), String> {
    ///     counter!("Uploads").increment(1);
    ///     Err("the archive is full".into())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = App::new().metrics(Metrics::new("Library", "books")).dispatcher().unwrap();
    /// let payload = bytes::Bytes::from_static(Kind::S3.sample().as_bytes());
    /// let (answer, documents) = dispatcher.dispatch_metered(payload, Context::local(1, "books")).await;
    /// assert_eq!(answer.unwrap_err().error_type(), "HandlerFailed");
    /// let document: serde_json::Value = serde_json::from_str(&documents[0]).unwrap();
    /// assert_eq!(document["Uploads"], 1); // recorded before the handler failed
    /// # }
    /// ```
    pub fn dispatch_metered(
        &self,
        payload: Bytes,
        context: Context,
    ) -> impl Future<Output = (Result<serde_json::Value, DispatchError>, Vec<String>)> + Send + '_ {
        // Not an `async fn`: without per-invocation logs, the future is the metered one
        // itself, not a larger one around it that each invocation would copy.
        match &self.logs {
            None => Either::Left(self.metered(payload, context)),
            Some(logs) => Either::Right(Box::pin(self.logged(logs, payload, context))),
        }
    }

    /// [`Dispatcher::dispatch_metered`] in the invocation's log state: its own, or the one
    /// the runtime opened around it (where the posting of the answer logs too).
    async fn logged(
        &self,
        logs: &Arc<crate::logs::LogConfig>,
        payload: Bytes,
        context: Context,
    ) -> (Result<serde_json::Value, DispatchError>, Vec<String>) {
        if crate::logs::in_invocation() {
            let metered = self.metered(payload, context).await;
            if metered.0.is_err() {
                crate::logs::failed();
            }
            return metered;
        }
        let state = crate::logs::InvocationLog::begin(logs, &context);
        crate::logs::scoped(state, self.metered(payload, context), |(answer, _)| {
            answer.is_err()
        })
        .await
    }

    /// The log state of the invocation `context` describes, for the Lambda runtime to run
    /// the whole invocation in (dispatch and posting); `None` if the logs need none.
    pub(crate) fn invocation_logs(&self, context: &Context) -> Option<crate::logs::InvocationLog> {
        self.logs
            .as_ref()
            .map(|config| crate::logs::InvocationLog::begin(config, context))
    }

    /// [`Dispatcher::dispatch_metered`] in the invocation's log state, if any.
    async fn metered(
        &self,
        payload: Bytes,
        context: Context,
    ) -> (Result<serde_json::Value, DispatchError>, Vec<String>) {
        let Some(metrics) = &self.metrics else {
            if !crate::recorder::installed() {
                return (self.answer(payload, context).await, Vec::new());
            }
            // Another dispatcher of the process records: this one's values go nowhere.
            let (answer, _) = crate::recorder::measured(self.answer(payload, context), false).await;
            return (answer, Vec::new());
        };
        let cold =
            (metrics.builtin_on() && take_cold_start()).then(|| function_name(&context.invoked_function_arn));
        let request_id = context.request_id.clone();
        let work = async {
            if let Some(function) = &cold {
                cold_start(function);
            }
            self.answer(payload, context).await
        };
        let (answer, series) = crate::recorder::measured(work, metrics.builtin_on()).await;
        if series.is_empty() {
            return (answer, Vec::new());
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let stamp = crate::emf::Stamp {
            namespace: metrics.namespace(),
            service: metrics.service(),
            timestamp_ms: now.as_millis() as u64,
            request_id: &request_id,
        };
        let documents = crate::emf::documents(&series, &stamp);
        for problem in &documents.problems {
            tracing::warn!(
                metric = problem.metric,
                "metric not written as recorded: {}",
                problem.why
            );
        }
        (answer, documents.lines)
    }

    /// Reads, routes and answers one payload.
    async fn answer(&self, payload: Bytes, context: Context) -> Result<serde_json::Value, DispatchError> {
        #[cfg(feature = "opentelemetry")]
        if let Some(traces) = &self.traces {
            return self.traced(traces, payload, context).await;
        }
        match self.read(payload) {
            Ok((event, classification)) => self.route(&event, classification, context).await,
            Err(error) => {
                event_invalid();
                log_unrouted(&error);
                Err(error)
            }
        }
    }

    /// [`Dispatcher::answer`] inside the invocation's span.
    #[cfg(feature = "opentelemetry")]
    async fn traced(
        &self,
        traces: &crate::traces::Traces,
        payload: Bytes,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let started = std::time::SystemTime::now();
        let read = self.read(payload);
        let ok = read
            .as_ref()
            .ok()
            .map(|(event, classification)| (event, classification));
        let span = crate::traces::InvocationSpan::start(traces, started, &context, ok);
        let outcome = match read {
            Ok((event, classification)) => span.run(self.route(&event, classification, context)).await,
            Err(error) => {
                event_invalid();
                log_unrouted(&error);
                Err(error)
            }
        };
        span.end(&outcome);
        outcome
    }

    /// The payload as an event, and its classification: the caps, UTF-8 and the marker
    /// fields, before anything decodes it.
    fn read(&self, payload: Bytes) -> Result<(RawEvent, Classification), DispatchError> {
        let limits = &self.options.limits;
        if let Some(why) = limits.check_size(payload.len()) {
            return Err(DispatchError::new(ErrorKind::LimitExceeded, why));
        }
        let event = RawEvent::from_bytes(payload).map_err(invalid_event)?;
        if crate::error::log_payloads() {
            tracing::debug!(payload = event.json(), "event received");
        }
        if let Some(why) = limits.check_depth(event.json()) {
            return Err(DispatchError::new(ErrorKind::LimitExceeded, why));
        }
        let classified = std::panic::catch_unwind(AssertUnwindSafe(|| classify_event(&event)))
            .map_err(|panic| panicked("the classifier", &*panic))?;
        let classification = classified.map_err(invalid_event)?;
        if self.logs.is_some() {
            crate::logs::classified(classification.kind(), &event);
        }
        Ok((event, classification))
    }

    /// Selects the handlers of a classified event, runs them, and answers.
    ///
    /// The lines the framework logs name the route and the handlers that run. They run in a
    /// span that carries both (`lambda_runtime`'s own span carries the request id) at DEBUG
    /// level: at INFO it would cost about 7,000 instructions an invocation (measured in
    /// `bench/side-by-side`), as much as decoding a small event.
    async fn route(
        &self,
        event: &RawEvent,
        classification: Classification,
        context: Context,
    ) -> Result<serde_json::Value, DispatchError> {
        let selection = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.index.select(&self.options, &classification, event.json())
        }))
        .map_err(|panic| panicked("handler selection", &*panic));
        let selection = match selection {
            Ok(selection) => selection,
            Err(error) => {
                log_unrouted(&error);
                return Err(error);
            }
        };
        let route = classification.route_key();
        event_routed(route);
        let span = tracing::debug_span!("invocation", route, handler = %Running(&selection));
        let runner = Runner {
            options: &self.options,
            container: &self.container,
        };
        let outcome = runner
            .run_selection(&selection, event, classification, context)
            .instrument(span)
            .await;
        // Only JSON is answered as JSON: where no decoder read all of it, it is checked now.
        let outcome = if outcome.is_ok() && event.is_checked() {
            outcome
        } else {
            event.check().map_err(invalid_event).and(outcome)
        };
        if let Err(error) = &outcome {
            tracing::error!(
                route,
                handler = %Running(&selection),
                errorType = error.error_type(),
                "{}",
                for_logs(&error.message)
            );
        }
        outcome
    }
}

/// Writes metric documents, one per line, in one write; a failure to write is logged.
pub(crate) fn write_documents(out: &mut impl std::io::Write, documents: &[String]) {
    let mut text = String::with_capacity(documents.iter().map(|d| d.len() + 1).sum());
    for document in documents {
        text.push_str(document);
        text.push('\n');
    }
    if let Err(error) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!("{} metric documents not written: {error}", documents.len());
    }
}

/// Logs a failure that happened before any handler was chosen (once, with its `errorType`;
/// quoted values elided).
fn log_unrouted(error: &DispatchError) {
    tracing::error!(errorType = error.error_type(), "{}", for_logs(&error.message));
}

fn invalid_event(error: ClassifyError) -> DispatchError {
    DispatchError::new(ErrorKind::InvalidEvent, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invocation::Invocation;
    use crate::registry::{Filter, HandlerFuture, Pattern, Route};
    use crate::strategy::{ErrorPolicy, Strategy};
    use cloud_events_core::Kind;
    use serde_json::json;
    use std::time::Duration;

    const NO_FILTER: Filter = Filter {
        source: None,
        ty: None,
        subject: None,
    };

    /// A registration whose handler answers with its own name.
    macro_rules! handler {
        ($name:ident, $route:expr, $rank:expr) => {
            handler!($name, $route, $rank, NO_FILTER, None);
        };
        ($name:ident, $route:expr, $rank:expr, $filter:expr, $when:expr) => {
            static $name: HandlerRegistration = {
                fn call(_: &Invocation) -> HandlerFuture<'_> {
                    Box::pin(async { Ok(json!(stringify!($name))) })
                }
                HandlerRegistration {
                    route: $route,
                    filter: $filter,
                    when: $when,
                    per_record: false,
                    adapted: false,
                    rank: $rank,
                    idempotent: None,
                    name: stringify!($name),
                    module_path: "tests",
                    file: file!(),
                    line: line!(),
                    params: &[],
                    call,
                }
            };
        };
    }

    const fn ce(source: Option<&'static str>, ty: Option<&'static str>) -> Filter {
        Filter {
            source: match source {
                Some(s) => Some(Pattern::Exact(s)),
                None => None,
            },
            ty: match ty {
                Some(t) => Some(Pattern::Exact(t)),
                None => None,
            },
            subject: None,
        }
    }

    const CLOUDEVENTS: Route = Route::Kind(Kind::CloudEvents);

    handler!(S3_LOW, Route::Kind(Kind::S3), 0);
    handler!(S3_HIGH, Route::Kind(Kind::S3), 5);
    handler!(S3_TOO, Route::Kind(Kind::S3), 5);
    handler!(ANY_CLOUDEVENT, CLOUDEVENTS, 0);
    handler!(
        ORDERS_CREATED,
        CLOUDEVENTS,
        0,
        ce(Some("/orders"), Some("created")),
        None
    );
    handler!(ORDERS_ANY, CLOUDEVENTS, 0, ce(Some("/orders"), None), None);
    handler!(CREATED_ANYWHERE, CLOUDEVENTS, 0, ce(None, Some("created")), None);
    handler!(RANKED_CLOUDEVENT, CLOUDEVENTS, 1);
    handler!(
        ORDER_PREFIX,
        CLOUDEVENTS,
        0,
        Filter {
            source: None,
            ty: Some(Pattern::Prefix("com.example.order.")),
            subject: None
        },
        None
    );
    handler!(
        BIG_OBJECTS,
        Route::Kind(Kind::S3),
        0,
        NO_FILTER,
        Some("Records[0].s3.object.size > 100")
    );
    handler!(FALLBACK, Route::Default, 0);

    static PANICS: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async { panic!("boom") })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::Sqs),
            filter: NO_FILTER,
            when: None,
            per_record: false,
            adapted: false,
            rank: 0,
            idempotent: None,
            name: "panics",
            module_path: "tests",
            file: file!(),
            line: line!(),
            params: &[],
            call,
        }
    };

    static FAILS: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async { Err(DispatchError::new(ErrorKind::Handler, "nope")) })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::S3),
            filter: NO_FILTER,
            when: None,
            per_record: false,
            adapted: false,
            rank: 3,
            idempotent: None,
            name: "fails",
            module_path: "tests",
            file: file!(),
            line: line!(),
            params: &[],
            call,
        }
    };

    fn dispatcher_with(
        handlers: &[&'static HandlerRegistration],
        strategy: Strategy,
        policy: ErrorPolicy,
    ) -> Dispatcher {
        let options = Options {
            strategy,
            error_policy: policy,
            ..Options::default()
        };
        Dispatcher::build(handlers.iter().copied(), [], Dependencies::new(), options).unwrap()
    }

    fn dispatcher(handlers: &[&'static HandlerRegistration]) -> Dispatcher {
        dispatcher_with(handlers, Strategy::FirstMatch, ErrorPolicy::StopAtFirstError)
    }

    fn chosen(dispatcher: &Dispatcher, json: &str) -> Vec<&'static str> {
        let classification = cloud_events_core::classify_str(json).unwrap();
        match dispatcher.select(&classification, json) {
            Selection::Ambiguous(_) => vec!["<ambiguous>"],
            selection => selection.handler_names(),
        }
    }

    const S3: &str = r#"{"Records":[{"eventSource":"aws:s3","s3":{"object":{"size":500}}}]}"#;
    const S3_SMALL: &str = r#"{"Records":[{"eventSource":"aws:s3","s3":{"object":{"size":5}}}]}"#;

    fn cloudevent(source: &str, ty: &str) -> String {
        format!(r#"{{"specversion":"1.0","id":"1","source":"{source}","type":"{ty}"}}"#)
    }

    #[test]
    fn the_highest_rank_wins_whatever_the_registration_order() {
        assert_eq!(chosen(&dispatcher(&[&S3_LOW, &S3_HIGH]), S3), ["S3_HIGH"]);
        assert_eq!(chosen(&dispatcher(&[&S3_HIGH, &S3_LOW]), S3), ["S3_HIGH"]);
    }

    #[test]
    fn at_equal_rank_the_more_specific_handler_wins() {
        let all = dispatcher(&[&ANY_CLOUDEVENT, &ORDERS_ANY, &CREATED_ANYWHERE, &ORDERS_CREATED]);
        assert_eq!(
            chosen(&all, &cloudevent("/orders", "created")),
            ["ORDERS_CREATED"]
        );
        assert_eq!(chosen(&all, &cloudevent("/orders", "shipped")), ["ORDERS_ANY"]);
        assert_eq!(
            chosen(&all, &cloudevent("/billing", "created")),
            ["CREATED_ANYWHERE"]
        );
        assert_eq!(chosen(&all, &cloudevent("/billing", "paid")), ["ANY_CLOUDEVENT"]);
        // Equal rank and specificity: the path decides, so the order is stable.
        let reversed = dispatcher(&[&ORDERS_CREATED, &CREATED_ANYWHERE, &ORDERS_ANY, &ANY_CLOUDEVENT]);
        assert_eq!(
            all.handlers().iter().map(|h| h.name).collect::<Vec<_>>(),
            reversed.handlers().iter().map(|h| h.name).collect::<Vec<_>>()
        );
        // A `when` condition counts as specific as a filter.
        let d = dispatcher(&[&S3_LOW, &BIG_OBJECTS]);
        assert_eq!(chosen(&d, S3), ["BIG_OBJECTS"]);
        assert_eq!(chosen(&d, S3_SMALL), ["S3_LOW"]);
    }

    #[test]
    fn routes_warn_about_shadowed_handlers_and_a_missing_default() {
        let d = dispatcher(&[&S3_HIGH, &S3_LOW, &ORDERS_ANY, &ORDERS_CREATED, &FALLBACK]);
        let warnings = d.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with("handler `tests::S3_LOW`")
                && warnings[0].contains("`tests::S3_HIGH` (rank 5)"),
            "{warnings:?}"
        );
        let without_default = dispatcher(&[&S3_LOW]);
        assert!(without_default.warnings()[0].starts_with("no #[on_event(default)] handler"));
    }

    #[test]
    fn prefix_patterns_match_by_prefix() {
        let d = dispatcher(&[&ORDER_PREFIX, &FALLBACK]);
        assert_eq!(
            chosen(&d, &cloudevent("/x", "com.example.order.created")),
            ["ORDER_PREFIX"]
        );
        assert_eq!(chosen(&d, &cloudevent("/x", "com.example.orders")), ["FALLBACK"]);
    }

    #[test]
    fn rank_beats_specificity() {
        let d = dispatcher(&[&ORDERS_CREATED, &RANKED_CLOUDEVENT]);
        assert_eq!(
            chosen(&d, &cloudevent("/orders", "created")),
            ["RANKED_CLOUDEVENT"]
        );
    }

    #[test]
    fn unmatched_and_unclassified_events_go_to_the_default() {
        let d = dispatcher(&[&ORDERS_CREATED, &S3_LOW, &FALLBACK]);
        assert_eq!(chosen(&d, &cloudevent("/billing", "paid")), ["FALLBACK"]);
        assert_eq!(chosen(&d, r#"{"hello":"world"}"#), ["FALLBACK"]);
        assert_eq!(chosen(&d, S3), ["S3_LOW"]);
        assert!(chosen(&dispatcher(&[&S3_LOW]), r#"{"hello":"world"}"#).is_empty());
    }

    #[test]
    fn strategies_pick_one_all_or_refuse_ties() {
        let handlers: &[&'static HandlerRegistration] = &[&S3_LOW, &S3_HIGH, &S3_TOO, &FALLBACK];
        let first = dispatcher_with(handlers, Strategy::FirstMatch, ErrorPolicy::StopAtFirstError);
        assert_eq!(chosen(&first, S3), ["S3_HIGH"]);
        let all = dispatcher_with(handlers, Strategy::AllMatches, ErrorPolicy::StopAtFirstError);
        assert_eq!(chosen(&all, S3), ["S3_HIGH", "S3_TOO", "S3_LOW"]);
        let none = dispatcher_with(handlers, Strategy::NoneIfAmbiguous, ErrorPolicy::StopAtFirstError);
        assert_eq!(chosen(&none, S3), ["<ambiguous>"]);
        let error = dispatcher_with(
            handlers,
            Strategy::ErrorIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(chosen(&error, S3), ["<ambiguous>"]);
        // No tie at the top: both ambiguity strategies run the one handler.
        let untied = dispatcher_with(
            &[&S3_LOW, &S3_HIGH],
            Strategy::ErrorIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(chosen(&untied, S3), ["S3_HIGH"]);
    }

    #[tokio::test]
    async fn ambiguity_strategies_answer_null_or_fail() {
        let local = || Context::local(1, "test");
        let none = dispatcher_with(
            &[&S3_HIGH, &S3_TOO],
            Strategy::NoneIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(none.dispatch(S3, local()).await, Ok(serde_json::Value::Null));
        let error = dispatcher_with(
            &[&S3_HIGH, &S3_TOO],
            Strategy::ErrorIfAmbiguous,
            ErrorPolicy::StopAtFirstError,
        );
        let failure = error.dispatch(S3, local()).await.unwrap_err();
        assert_eq!(failure.error_type(), "AmbiguousHandlers");
        assert_eq!(
            failure.message,
            "2 handlers match at rank 5: `tests::S3_HIGH`, `tests::S3_TOO`"
        );
    }

    #[tokio::test]
    async fn all_matches_reports_each_outcome_or_stops_at_the_first_error() {
        let local = || Context::local(1, "test");
        let report = dispatcher_with(
            &[&S3_LOW, &FAILS, &S3_HIGH],
            Strategy::AllMatches,
            ErrorPolicy::RunAllAndReport,
        );
        assert_eq!(
            report.dispatch(S3, local()).await,
            Ok(json!([
                {"handler": "tests::S3_HIGH", "response": "S3_HIGH"},
                {"handler": "tests::fails", "errorType": "HandlerFailed", "errorMessage": "nope"},
                {"handler": "tests::S3_LOW", "response": "S3_LOW"},
            ]))
        );
        let stop = dispatcher_with(
            &[&S3_LOW, &FAILS, &S3_HIGH],
            Strategy::AllMatches,
            ErrorPolicy::StopAtFirstError,
        );
        assert_eq!(stop.dispatch(S3, local()).await.unwrap_err().message, "nope");
    }

    #[tokio::test]
    async fn dispatch_answers_with_the_handler_value_or_a_typed_error() {
        let d = dispatcher(&[&S3_LOW, &PANICS]);
        let local = || Context::local(1, "test");
        assert_eq!(d.dispatch(S3, local()).await, Ok(json!("S3_LOW")));
        let error = d.dispatch(r#"{"hello":"world"}"#, local()).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::NoHandler);
        assert_eq!(
            error.message,
            "no handler for route `unclassified` and no #[on_event(default)] handler"
        );
        let error = d.dispatch("{nope", local()).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidEvent);
        let error = d
            .dispatch(r#"{"Records":[{"eventSource":"aws:sqs"}]}"#, local())
            .await
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Panic);
        assert_eq!(error.message, "handler `tests::panics` panicked: boom");
        assert_eq!(
            error.to_json(),
            json!({"errorType": "HandlerPanicked", "errorMessage": error.message})
        );
    }

    static SLOW: HandlerRegistration = {
        fn call(_: &Invocation) -> HandlerFuture<'_> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok(json!("slow"))
            })
        }
        HandlerRegistration {
            route: Route::Kind(Kind::Sns),
            filter: NO_FILTER,
            when: None,
            per_record: false,
            adapted: false,
            rank: 0,
            idempotent: None,
            name: "slow",
            module_path: "tests",
            file: file!(),
            line: line!(),
            params: &[],
            call,
        }
    };

    /// `cargo lambda watch` sends `lambda-runtime-deadline-ms: 600000` (1970): such a deadline
    /// is not enforced, or every handler that awaits would be cancelled at once.
    #[tokio::test]
    async fn a_deadline_already_past_on_arrival_is_not_enforced() {
        let d = dispatcher(&[&SLOW]);
        let context = Context {
            deadline_ms: 600_000,
            ..Context::local(1, "test")
        };
        assert_eq!(d.dispatch(Kind::Sns.sample(), context).await, Ok(json!("slow")));
        // A deadline in the future is: 100 ms, minus the 200 ms margin, leaves no time.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let close = Context {
            deadline_ms: (now + Duration::from_millis(100)).as_millis() as u64,
            ..Context::local(2, "test")
        };
        let error = d.dispatch(Kind::Sns.sample(), close).await.unwrap_err();
        assert_eq!(error.kind, ErrorKind::DeadlineExceeded);
    }

    /// The marker reader stops at the decisive marker; text that is not JSON after it is still
    /// answered `InvalidEvent`, whether a handler read it, ignored it, or none was found.
    #[tokio::test]
    async fn text_that_is_not_json_after_the_decisive_marker_is_an_invalid_event() {
        let d = dispatcher(&[&S3_LOW]);
        let local = || Context::local(1, "test");
        for broken in [
            // Goes to S3_LOW, which answers without reading the event.
            r#"{"Records":[{"eventSource":"aws:s3"}],"x":"#,
            r#"{"Records":[{"eventSource":"aws:s3"},{"s3":{]}"#,
            r#"{"Records":[{"eventSource":"aws:s3"}]} trailing"#,
            // No handler for SQS.
            r#"{"Records":[{"eventSource":"aws:sqs"}],"#,
        ] {
            let error = d.dispatch(broken, local()).await.unwrap_err();
            assert_eq!(error.kind, ErrorKind::InvalidEvent, "{broken}: {error:?}");
            let checked = cloud_events_core::classify_str(broken).unwrap_err();
            assert_eq!(
                error.message,
                checked.to_string(),
                "the checker's words: {broken}"
            );
        }
        // Found by the `dispatch` fuzz target: a byte order mark after whitespace is text
        // that is not JSON, answered in the checker's words.
        let error = d
            .dispatch_bytes(Bytes::from_static(b"\n\xef\xbb\xbf\n\n"), local())
            .await
            .unwrap_err();
        let checked = RawEvent::from_bytes(Bytes::from_static(b"\n\xef\xbb\xbf\n\n")).unwrap();
        assert_eq!(error.message, checked.check().unwrap_err().to_string());
        // The same events whole are answered.
        assert_eq!(
            d.dispatch(r#"{"Records":[{"eventSource":"aws:s3"}],"x":1}"#, local())
                .await,
            Ok(json!("S3_LOW"))
        );
    }

    #[test]
    fn start_up_fails_without_handlers() {
        assert_eq!(
            Dispatcher::build([], [], Dependencies::new(), Options::default()).unwrap_err(),
            StartupError::NoHandlers
        );
    }
}
