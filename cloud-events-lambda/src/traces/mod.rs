//! OpenTelemetry traces of each invocation, by what its event is (feature `opentelemetry`).
//!
//! One line of `main` traces every handler:
//!
//! ```no_run
//! use cloud_events_lambda::App;
//!
//! #[tokio::main]
//! async fn main() -> std::process::ExitCode {
//!     // OTLP over HTTP/protobuf where `OTEL_EXPORTER_OTLP_ENDPOINT` says; nothing without it.
//!     App::new().traces_from_env().run().await
//! }
//! ```
//!
//! Each invocation makes this tree of spans (the names are the conventions'):
//!
//! ```text
//! orders process                  CONSUMER  parent: Lambda's X-Ray header (Root, Parent, Sampled)
//! │                                         links: every record's upstream context
//! │                                         faas.trigger=pubsub faas.invocation_id faas.coldstart
//! │                                         cloud.resource_id cloud.account.id
//! │                                         messaging.system=aws_sqs messaging.batch.message_count=2
//! └── handler order_placed        INTERNAL  code.function.name, cloud_events.route=aws.sqs
//!     ├── orders process          CONSUMER  messaging.message.id=m-1, link: m-1's AWSTraceHeader
//!     └── orders process          CONSUMER  messaging.message.id=m-2, link: m-2's AWSTraceHeader
//!                                           status Error "payment declined", error.type
//! ```
//!
//! - **Invocation span**: a child of the trace context Lambda hands the runtime
//!   (`Root=...;Parent=...;Sampled=...`, read with the X-Ray propagator), whose sampling
//!   decision holds: an invocation Lambda does not sample records no span. It is a
//!   `CONSUMER` span for messages (the `pubsub` trigger), a `SERVER` one otherwise; named for
//!   the function, or `<source> process` for message batches, as the messaging conventions
//!   name them. A CloudEvent adds the `cloudevents.*` attributes and a link to its
//!   `traceparent`.
//! - **Handler span**: one per handler run, with status Error, `error.type` (our errorType)
//!   and the message when it fails, panics, or is cancelled at the deadline.
//! - **Record spans**: one per record of a batch, under its handler's span, linked to the
//!   record's own upstream context (SQS `AWSTraceHeader`; a W3C `traceparent` in a Kafka
//!   record's headers or an SQS or SNS message's attributes). A malformed header gives no
//!   link, and nothing else.
//! - Code in a handler is inside its span: spans it starts with the OpenTelemetry API
//!   (`opentelemetry::global::tracer(..)`: the app's traces are the global ones, see
//!   [`Traces::set_global`]) are its children, and
//!   [`CloudEventTraceExt::with_trace_context`] stamps an outgoing CloudEvent with it.
//!
//! An invocation's spans are exported after its answer is posted and before the function asks
//! Lambda for the next event (Lambda may freeze the environment from then on), within a
//! bounded time: an exporter that fails or hangs is logged once and never fails an
//! invocation. Concurrent invocations (`AWS_LAMBDA_MAX_CONCURRENCY`) each have their own
//! parent and spans; an invocation's flush also takes the spans concurrent ones have ended,
//! which then leave earlier, never later.

mod export;
mod http_client;
mod links;
#[cfg(feature = "opentelemetry-sigv4")]
mod sigv4;
mod spans;

pub use opentelemetry;
pub use opentelemetry_sdk;

pub(crate) use spans::{InvocationSpan, in_handler_span, in_record_span};

use export::{BoxedExporter, Flush, InvocationBuffer};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanExporter};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The instrumentation scope our spans are recorded under.
const SCOPE: &str = "cloud-events";

/// How long an export may take when `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` and
/// `OTEL_EXPORTER_OTLP_TIMEOUT` do not say: shorter than OpenTelemetry's 10 s, because Lambda
/// bills the time until the function asks for its next event.
///
/// ```
/// use cloud_events_lambda::traces::DEFAULT_EXPORT_TIMEOUT;
/// assert_eq!(DEFAULT_EXPORT_TIMEOUT, std::time::Duration::from_secs(2));
/// ```
pub const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(2);

/// Where an application's traces go: given to [`App::traces`](crate::App::traces) or
/// [`Dispatcher::with_traces`](crate::Dispatcher::with_traces).
///
/// ```standalone_crate
/// use cloud_events_lambda::traces::Traces;
/// use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
/// use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, events::SqsMessage, on_event};
///
/// #[on_event("aws.sqs")]
/// fn queued(_message: SqsMessage) {}
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let exporter = InMemorySpanExporter::default();
/// let traces = Traces::exporter(exporter.clone());
/// let dispatcher = Dispatcher::new(Dependencies::new(), Options::default())
///     .unwrap()
///     .with_traces(traces.clone());
/// let mut context = Context::local(1, "orders");
/// context.xray_trace_id =
///     Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".into());
/// dispatcher.dispatch(Kind::Sqs.sample(), context).await.unwrap();
/// traces.flush().await; // what the runtime does once the answer is posted
/// let spans = exporter.get_finished_spans().unwrap();
/// let names: Vec<&str> = spans.iter().map(|span| span.name.as_ref()).collect();
/// // Two records, their handler, the invocation (in the order they ended).
/// assert_eq!(names, ["orders-queue process", "orders-queue process", "handler queued", "orders-queue process"]);
/// assert_eq!(spans[3].parent_span_id.to_string(), "53995c3f42cd8ad8");
/// # }
/// ```
///
/// Or with the application's own tracer provider, whose tracer handlers may use too:
///
/// ```
/// use cloud_events_lambda::traces::Traces;
/// use cloud_events_lambda::traces::opentelemetry::trace::{Tracer, TracerProvider};
/// use cloud_events_lambda::traces::opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
/// use std::time::Duration;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let exporter = InMemorySpanExporter::default();
/// let provider = SdkTracerProvider::builder().with_simple_exporter(exporter.clone()).build();
/// let traces = Traces::provider(provider).export_timeout(Duration::from_millis(500));
/// traces.set_global(); // `opentelemetry::global::tracer(..)` now records into it
/// traces.tracer().in_span("warm the cache", |_| ());
/// let _same = traces.provider_handle().tracer("my-app");
/// traces.flush().await;
/// assert_eq!(exporter.get_finished_spans().unwrap()[0].name, "warm the cache");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Traces {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    tracer: SdkTracer,
    flush: Flush,
    timeout: Duration,
    /// Whether the last export failed (a failure is logged once, until one succeeds).
    failing: AtomicBool,
}

impl Traces {
    /// The standard tracer: OTLP over HTTP/protobuf, configured by OpenTelemetry's standard
    /// variables only (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME`,
    /// `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`...). `http://` endpoints (the ADOT
    /// collector layer's `localhost:4318`); `https://` ones with the feature
    /// `opentelemetry-https`; CloudWatch's (`https://xray.REGION.amazonaws.com`) with an
    /// `Authorization` header, or signed with the function's role with the feature
    /// `opentelemetry-sigv4`.
    ///
    /// With neither endpoint variable set: `Ok(None)`, so that the app exports nothing and
    /// costs nothing. A set but unusable configuration is an error naming the variable
    /// ([`App::traces_from_env`](crate::App::traces_from_env) fails at start-up with it).
    ///
    /// ```
    /// use cloud_events_lambda::traces::Traces;
    /// assert!(std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_none());
    /// assert!(std::env::var_os("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none());
    /// assert!(Traces::from_env().unwrap().is_none());
    /// ```
    pub fn from_env() -> Result<Option<Traces>, TracesError> {
        let env = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        Self::from_vars(&env)
    }

    /// [`Traces::from_env`] with `env` for the environment.
    fn from_vars(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Traces>, TracesError> {
        if env("OTEL_SDK_DISABLED").is_some_and(|disabled| disabled.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        match env("OTEL_TRACES_EXPORTER").as_deref().map(str::trim) {
            None | Some("otlp") => {}
            Some("none") => return Ok(None),
            Some(other) => {
                return Err(TracesError {
                    variable: "OTEL_TRACES_EXPORTER",
                    why: format!(
                        "{other:?}: the standard tracer exports `otlp` (or `none`); hand the app your own exporter with `Traces::exporter`"
                    ),
                });
            }
        }
        if env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").is_none() && env("OTEL_EXPORTER_OTLP_ENDPOINT").is_none()
        {
            return Ok(None);
        }
        let timeout = export::timeout_from_env(env)?;
        let exporter = export::otlp_exporter(timeout, env)?;
        Ok(Some(Self::buffered(exporter, timeout)))
    }

    /// Spans exported by `exporter`: each invocation's spans after its answer, within
    /// [`DEFAULT_EXPORT_TIMEOUT`] (see [`Traces::export_timeout`]). The sampler and resource
    /// are the standard ones (`OTEL_TRACES_SAMPLER`, `OTEL_SERVICE_NAME`, Lambda's function
    /// name, region, version and memory).
    pub fn exporter<E: SpanExporter + 'static>(exporter: E) -> Traces {
        Self::buffered(exporter, DEFAULT_EXPORT_TIMEOUT)
    }

    /// Spans recorded by the application's own tracer provider, whatever its processors and
    /// exporters: it is flushed ([`SdkTracerProvider::force_flush`]) after each answer,
    /// within [`DEFAULT_EXPORT_TIMEOUT`]. Lambda's sampling decision holds if its sampler
    /// follows the parent (the SDK's default, `ParentBased(AlwaysOn)`, does).
    pub fn provider(provider: SdkTracerProvider) -> Traces {
        Traces {
            inner: Arc::new(Inner {
                tracer: provider.tracer(SCOPE),
                flush: Flush::Provider(provider),
                timeout: DEFAULT_EXPORT_TIMEOUT,
                failing: AtomicBool::new(false),
            }),
        }
    }

    /// How long exporting an invocation's spans may take before it is given up (logged,
    /// never failing the invocation).
    pub fn export_timeout(self, timeout: Duration) -> Traces {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            tracer: shared.tracer.clone(),
            flush: shared.flush.clone(),
            timeout,
            failing: AtomicBool::new(false),
        });
        Traces {
            inner: Arc::new(Inner { timeout, ..inner }),
        }
    }

    fn buffered<E: SpanExporter + 'static>(exporter: E, timeout: Duration) -> Traces {
        let buffer = Arc::new(InvocationBuffer::default());
        let resource = export::resource();
        let exporter = BoxedExporter::new(exporter, &resource);
        let provider = SdkTracerProvider::builder()
            .with_span_processor(export::BufferProcessor(Arc::clone(&buffer)))
            .with_resource(resource)
            .build();
        Traces {
            inner: Arc::new(Inner {
                tracer: provider.tracer(SCOPE),
                flush: Flush::Buffered {
                    buffer,
                    exporter: Arc::new(exporter),
                    provider,
                },
                timeout,
                failing: AtomicBool::new(false),
            }),
        }
    }

    /// The tracer our spans are made with (handlers may make theirs with it too).
    pub fn tracer(&self) -> &SdkTracer {
        &self.inner.tracer
    }

    /// The provider behind [`Traces::tracer`].
    pub fn provider_handle(&self) -> &SdkTracerProvider {
        match &self.inner.flush {
            Flush::Buffered { provider, .. } | Flush::Provider(provider) => provider,
        }
    }

    /// Makes these traces OpenTelemetry's global ones, as an application's `main` does:
    /// `opentelemetry::global::tracer(..)` in a handler makes spans under the handler's, and
    /// the global propagator writes W3C `traceparent` and X-Ray headers for outgoing calls
    /// (replacing a propagator set before).
    /// [`App::traces`](crate::App::traces) and [`App::traces_from_env`](crate::App::traces_from_env)
    /// call it; a [`Dispatcher`](crate::Dispatcher) built by hand does not.
    pub fn set_global(&self) {
        opentelemetry::global::set_tracer_provider(self.provider_handle().clone());
        // W3C `traceparent` / `tracestate` and X-Ray's `X-Amzn-Trace-Id`, both written on
        // outgoing calls and read on incoming ones.
        let propagators: Vec<Box<dyn opentelemetry::propagation::TextMapPropagator + Send + Sync>> = vec![
            Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
            Box::new(opentelemetry_aws::trace::XrayPropagator::new()),
        ];
        opentelemetry::global::set_text_map_propagator(
            opentelemetry::propagation::TextMapCompositePropagator::new(propagators),
        );
    }

    /// Exports the spans that have ended, within the export timeout: after an answer, all of
    /// its invocation's (and those concurrent invocations have ended so far).
    /// The Lambda runtime calls it after posting each answer; call it after
    /// [`Dispatcher::dispatch`](crate::Dispatcher::dispatch) elsewhere.
    ///
    /// A failure or a timeout is logged (once, until an export succeeds again) and dropped.
    pub async fn flush(&self) {
        let inner = &self.inner;
        let outcome = tokio::time::timeout(inner.timeout, inner.flush.run()).await;
        let failure = match outcome {
            // Nothing to send (an invocation not sampled) says nothing of the exporter.
            Ok(Ok(false)) => return,
            Ok(Ok(true)) => None,
            Ok(Err(error)) => Some(error),
            Err(_) => Some(format!("no answer within {} ms", inner.timeout.as_millis())),
        };
        match failure {
            None => {
                if inner.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("traces are exported again");
                }
            }
            Some(why) => {
                if !inner.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        "traces were not exported and are dropped: {why}; invocations go on (logged once until an export succeeds)"
                    );
                } else {
                    tracing::debug!("traces were not exported: {why}");
                }
            }
        }
    }
}

/// A tracing configuration that cannot be used, with the variable that says so.
///
/// ```
/// use cloud_events_lambda::traces::TracesError;
/// let error = TracesError { variable: "OTEL_TRACES_EXPORTER", why: "\"zipkin\": ...".into() };
/// assert_eq!(error.to_string(), r#"OTEL_TRACES_EXPORTER: "zipkin": ..."#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {why}")]
pub struct TracesError {
    /// The environment variable (or setting) at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub why: String,
}

/// Stamps an outgoing CloudEvent with the current trace context: the distributed-tracing
/// extension's `traceparent` (and `tracestate`), so that its consumers link to the span that
/// sent it.
///
/// ```
/// use cloud_events_lambda::CloudEvent;
/// use cloud_events_lambda::traces::CloudEventTraceExt;
/// use cloud_events_lambda::traces::opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
///
/// let sending = SpanContext::new(
///     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
///     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
///     TraceFlags::SAMPLED,
///     false,
///     TraceState::default(),
/// );
/// let cx = opentelemetry::Context::new().with_remote_span_context(sending);
/// let _attached = cx.attach();
/// let event = CloudEvent::new("/orders", "com.example.order.shipped", 7).unwrap().with_trace_context();
/// assert_eq!(event.extensions["traceparent"], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
/// ```
pub trait CloudEventTraceExt: Sized {
    /// The event with `traceparent` / `tracestate` of the current span; unchanged outside
    /// a span.
    fn with_trace_context(self) -> Self;
}

impl<T> CloudEventTraceExt for cloud_events_core::CloudEvent<T> {
    fn with_trace_context(mut self) -> Self {
        for (name, value) in links::current_w3c() {
            self.extensions.insert(name.to_owned(), value.into());
        }
        self
    }
}

/// An environment of these variables only, for tests.
#[cfg(test)]
fn test_env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_env as env;

    #[test]
    fn the_standard_variables_can_turn_traces_off() {
        let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318");
        assert!(Traces::from_vars(&env(&[endpoint])).unwrap().is_some());
        assert!(Traces::from_vars(&env(&[])).unwrap().is_none());
        assert!(
            Traces::from_vars(&env(&[endpoint, ("OTEL_SDK_DISABLED", "TRUE")]))
                .unwrap()
                .is_none()
        );
        assert!(
            Traces::from_vars(&env(&[endpoint, ("OTEL_SDK_DISABLED", "false")]))
                .unwrap()
                .is_some()
        );
        assert!(
            Traces::from_vars(&env(&[endpoint, ("OTEL_TRACES_EXPORTER", "none")]))
                .unwrap()
                .is_none()
        );
        assert!(
            Traces::from_vars(&env(&[endpoint, ("OTEL_TRACES_EXPORTER", "otlp")]))
                .unwrap()
                .is_some()
        );
        let zipkin = Traces::from_vars(&env(&[endpoint, ("OTEL_TRACES_EXPORTER", "zipkin")])).unwrap_err();
        assert_eq!(zipkin.variable, "OTEL_TRACES_EXPORTER");
    }
}
