//! The spans of an invocation: the invocation's own, one per handler run, one per record of
//! a batch; their attributes, links and status, by what the event is.
//!
//! What a span below the invocation's needs (the tracer, each record's link) travels in the
//! OpenTelemetry context the invocation's future runs in, so that concurrent invocations
//! never share it.

use super::{Traces, links};
use crate::context::Context as LambdaContext;
use crate::error::ErrorKind;
use crate::error::{DispatchError, for_logs};
use crate::invocation::Invocation;

/// A record's outcome, its failure with its kind.
pub(crate) type RecordOutcome = Result<serde_json::Value, (ErrorKind, String)>;
use cloud_events_core::trace_context::{FaasTrigger, record_traces};
use cloud_events_core::{Classification, Kind, RawEvent};
use opentelemetry::trace::{
    FutureExt as _, Link, SpanBuilder, SpanContext, SpanKind, Status, TraceContextExt, Tracer as _,
};
use opentelemetry::{Context, KeyValue, StringValue};
use opentelemetry_sdk::trace::SdkTracer;
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

/// Whether the next invocation is the process's first (`faas.coldstart`).
static COLD: AtomicBool = AtomicBool::new(true);

/// What the spans below an invocation's need, in its context (only when it is sampled).
#[derive(Debug)]
struct Recording {
    tracer: SdkTracer,
    /// The batch's records, when the event is one: their upstream contexts and sources.
    records: Vec<RecordLink>,
    system: Option<&'static str>,
    /// Whether the invocation's event is a CloudEvent (described on the invocation's span).
    cloudevent: bool,
}

#[derive(Debug)]
struct RecordLink {
    context: Option<SpanContext>,
    /// The queue, stream or topic, shared by the records that name the same one.
    source: Option<Arc<str>>,
}

/// The invocation's span, and the context its handlers run in.
pub(crate) struct InvocationSpan {
    cx: Context,
}

impl InvocationSpan {
    /// Starts the span of an invocation that arrived at `started`, as a child of Lambda's
    /// trace header; `read` is its event and classification, unless the payload could not
    /// be read.
    pub(crate) fn start(
        traces: &Traces,
        started: SystemTime,
        context: &LambdaContext,
        read: Option<(&RawEvent, &Classification)>,
    ) -> InvocationSpan {
        // The process's first invocation is its cold start, sampled or not.
        let cold = COLD.swap(false, Ordering::Relaxed);
        let parent = match context.xray_trace_id.as_deref().map(links::lambda_parent) {
            Some(links::LambdaParent::Context(lambda)) => Context::new().with_remote_span_context(lambda),
            // Lambda decided not to sample, in a header without a parent: the invocation
            // records nothing, and spans a handler makes follow the decision.
            Some(links::LambdaParent::NotSampled(decision)) => {
                return InvocationSpan {
                    cx: Context::new().with_remote_span_context(decision),
                };
            }
            Some(links::LambdaParent::Unknown) | None => Context::new(),
        };
        let kind = read.and_then(|(_, classification)| classification.kind());
        let trigger = read.map_or(FaasTrigger::Other, |(_, classification)| {
            FaasTrigger::of(classification)
        });
        let tracer = traces.tracer();
        // Messages are consumed (`CONSUMER`), everything else is served (`SERVER`).
        let span = tracer
            .span_builder(function_name(&context.invoked_function_arn).to_owned())
            .with_kind(if trigger == FaasTrigger::PubSub {
                SpanKind::Consumer
            } else {
                SpanKind::Server
            })
            .with_start_time(started)
            .start_with_context(tracer, &parent);
        let cx = parent.with_span(span);
        let span = cx.span();
        if !span.is_recording() {
            // Not sampled: the context goes on (spans a handler makes are not sampled
            // either), and nothing more is computed.
            return InvocationSpan { cx };
        }
        let arn = &context.invoked_function_arn;
        let mut attributes = vec![
            KeyValue::new("faas.invocation_id", context.request_id.clone()),
            KeyValue::new("faas.coldstart", cold),
            KeyValue::new("cloud.resource_id", arn.clone()),
            KeyValue::new("aws.lambda.invoked_arn", arn.clone()),
        ];
        if let Some(account) = arn.split(':').nth(4).filter(|account| !account.is_empty()) {
            attributes.push(KeyValue::new("cloud.account.id", account.to_owned()));
        }
        let mut recording = Recording {
            tracer: tracer.clone(),
            records: Vec::new(),
            system: kind.and_then(Kind::messaging_system),
            cloudevent: kind == Some(Kind::CloudEvents),
        };
        match read {
            Some((event, classification)) => {
                attributes.push(KeyValue::new("faas.trigger", trigger.as_str()));
                attributes.push(KeyValue::new("cloud_events.route", classification.route_key()));
                // A batch of messages: a messaging system's event that has records (core's
                // table of batch kinds says which do).
                let records = kind.and_then(|kind| record_links(kind, event.json()));
                let batch = recording.system.is_some() && records.is_some();
                recording.records = records.unwrap_or_default();
                if let Some(system) = recording.system {
                    attributes.push(KeyValue::new("messaging.system", system));
                    attributes.push(KeyValue::new("messaging.operation.type", "process"));
                }
                if batch {
                    attributes.push(KeyValue::new(
                        "messaging.batch.message_count",
                        recording.records.len() as i64,
                    ));
                    let source = common_source(&recording.records);
                    let name = match (&source, recording.system) {
                        (Source::One(source), _) => format!("{source} process"),
                        (Source::Several, _) => "multiple_sources process".to_owned(),
                        (Source::Unknown, Some(system)) => format!("{system} process"),
                        (Source::Unknown, None) => "process".to_owned(),
                    };
                    span.update_name(name);
                    if let Source::One(source) = source {
                        attributes.push(KeyValue::new(
                            "messaging.destination.name",
                            StringValue::from(source),
                        ));
                    }
                }
                for record in &recording.records {
                    if let Some(upstream) = &record.context {
                        span.add_link(upstream.clone(), Vec::new());
                    }
                }
                if kind == Some(Kind::CloudEvents) {
                    let (cloudevent, upstream) = cloudevent_attributes(event, classification);
                    attributes.extend(cloudevent);
                    if let Some(upstream) = upstream {
                        span.add_link(upstream, Vec::new());
                    }
                }
            }
            None => attributes.push(KeyValue::new("faas.trigger", FaasTrigger::Other.as_str())),
        }
        span.set_attributes(attributes);
        let cx = cx.with_value(recording);
        InvocationSpan { cx }
    }

    /// Runs the invocation's work inside its span.
    pub(crate) async fn run<T>(&self, work: impl Future<Output = T>) -> T {
        work.with_context(self.cx.clone()).await
    }

    /// Ends the span with the invocation's outcome.
    pub(crate) fn end(self, outcome: &Result<serde_json::Value, DispatchError>) {
        let span = self.cx.span();
        if let Err(error) = outcome {
            fail(&span, error.error_type(), &error.message);
        }
        span.end();
    }
}

/// Runs a handler's call inside its span (when the invocation is sampled): status Error
/// with its errorType when it fails or panics, or when it is cancelled at the deadline.
pub(crate) async fn in_handler_span<F>(
    name: &'static str,
    path: &str,
    invocation: &Invocation,
    call: F,
) -> Result<serde_json::Value, DispatchError>
where
    F: Future<Output = Result<serde_json::Value, DispatchError>>,
{
    let parent = Context::current();
    let Some(recording) = parent.get::<Recording>() else {
        return call.await;
    };
    let classification = invocation.classification();
    let mut attributes = vec![
        KeyValue::new("code.function.name", path.to_owned()),
        KeyValue::new("cloud_events.route", classification.route_key()),
    ];
    let mut links = Vec::new();
    // An adapted CloudEvent (one of a batch's records, say) is described on its handler's
    // span; a CloudEvent invoked directly, on the invocation's.
    if classification.kind() == Some(Kind::CloudEvents) && !recording.cloudevent {
        let (cloudevent, upstream) = cloudevent_attributes(invocation.event(), classification);
        attributes.extend(cloudevent);
        links.extend(upstream.map(Link::with_context));
    }
    let span = recording
        .tracer
        .span_builder(format!("handler {name}"))
        .with_kind(SpanKind::Internal)
        .with_attributes(attributes)
        .with_links(links);
    run_in(span, recording, &parent, call, |outcome| {
        outcome
            .as_ref()
            .err()
            .map(|e| (e.error_type(), e.message.as_str()))
    })
    .await
}

/// Runs one record's call inside its span (when the invocation is sampled and its event is
/// a batch), linked to the record's upstream context.
pub(crate) async fn in_record_span<F>(index: usize, count: usize, id: Option<&str>, call: F) -> RecordOutcome
where
    F: Future<Output = RecordOutcome>,
{
    let parent = Context::current();
    let Some(recording) = parent.get::<Recording>() else {
        return call.await;
    };
    let record = recording.records.get(index);
    let source = record.and_then(|record| record.source.as_ref());
    let mut attributes = vec![
        KeyValue::new("messaging.operation.type", "process"),
        KeyValue::new("messaging.batch.message_count", count as i64),
    ];
    if let Some(system) = recording.system {
        attributes.push(KeyValue::new("messaging.system", system));
    }
    if let Some(id) = id {
        attributes.push(KeyValue::new("messaging.message.id", id.to_owned()));
    }
    if let Some(source) = source {
        attributes.push(KeyValue::new(
            "messaging.destination.name",
            StringValue::from(Arc::clone(source)),
        ));
    }
    let name = match (source, recording.system) {
        (Some(source), _) => format!("{source} process"),
        (None, Some(system)) => format!("{system} process"),
        (None, None) => "record process".to_owned(),
    };
    let links = record
        .and_then(|record| record.context.clone())
        .map(Link::with_context)
        .into_iter()
        .collect();
    let span = recording
        .tracer
        .span_builder(name)
        .with_kind(SpanKind::Consumer)
        .with_attributes(attributes)
        .with_links(links);
    run_in(span, recording, &parent, call, |outcome| {
        outcome
            .as_ref()
            .err()
            .map(|(kind, why)| (kind.error_type(), why.as_str()))
    })
    .await
}

/// Runs `call` inside the span `builder` starts under `parent`, and ends the span with the
/// failure (errorType, message) `failure` finds in the outcome, if any.
async fn run_in<T>(
    builder: SpanBuilder,
    recording: &Recording,
    parent: &Context,
    call: impl Future<Output = T>,
    failure: fn(&T) -> Option<(&str, &str)>,
) -> T {
    let span = builder.start_with_context(&recording.tracer, parent);
    let open = Open::new(parent.with_span(span));
    let outcome = call.with_context(open.cx.clone()).await;
    open.end(failure(&outcome));
    outcome
}

/// A span of a call still running: dropped before [`Open::end`] (the call was cancelled at
/// the invocation's deadline), it ends as failed.
struct Open {
    cx: Context,
    ended: bool,
}

impl Open {
    fn new(cx: Context) -> Open {
        Open { cx, ended: false }
    }

    fn end(mut self, failure: Option<(&str, &str)>) {
        let span = self.cx.span();
        if let Some((error_type, message)) = failure {
            fail(&span, error_type, message);
        }
        span.end();
        self.ended = true;
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if !self.ended {
            let span = self.cx.span();
            fail(
                &span,
                "DeadlineExceeded",
                "cancelled at the invocation's deadline before it ended",
            );
            span.end();
        }
    }
}

/// Marks a span failed: status Error with the message (as the logs show it), and
/// `error.type` with the errorType.
fn fail(span: &opentelemetry::trace::SpanRef<'_>, error_type: &str, message: &str) {
    span.set_attribute(KeyValue::new("error.type", error_type.to_owned()));
    span.set_status(Status::Error {
        description: Cow::Owned(for_logs(message).into_owned()),
    });
}

/// Each record's upstream context and source, for a kind whose events are batches of
/// records; `None` for other kinds.
fn record_links(kind: Kind, json: &str) -> Option<Vec<RecordLink>> {
    let traces = record_traces(kind, json)?;
    let mut last: Option<Arc<str>> = None;
    let links = traces
        .into_iter()
        .map(|trace| {
            // One allocation for the records of one source (a batch usually has one).
            let source = trace.source.map(|source| match &last {
                Some(shared) if **shared == *source => Arc::clone(shared),
                _ => {
                    let shared: Arc<str> = source.into();
                    last = Some(Arc::clone(&shared));
                    shared
                }
            });
            let context = match (&trace.xray, &trace.traceparent) {
                (Some(xray), _) => links::xray(xray),
                (None, Some(parent)) => links::w3c(parent, trace.tracestate.as_deref()),
                (None, None) => None,
            };
            RecordLink { context, source }
        })
        .collect();
    Some(links)
}

/// What the records say of where they come from.
enum Source {
    /// All from this one.
    One(Arc<str>),
    /// From two or more.
    Several,
    /// Nothing (MQ, Firehose, records that do not say).
    Unknown,
}

/// The source the records share, if they name one.
fn common_source(records: &[RecordLink]) -> Source {
    let mut named = records.iter().filter_map(|record| record.source.as_ref());
    let Some(first) = named.next() else {
        return Source::Unknown;
    };
    if named.all(|source| source == first) {
        Source::One(Arc::clone(first))
    } else {
        Source::Several
    }
}

/// A CloudEvent's `cloudevents.*` attributes, and the context of its `traceparent`.
fn cloudevent_attributes(
    event: &RawEvent,
    classification: &Classification,
) -> (Vec<KeyValue>, Option<SpanContext>) {
    #[derive(serde::Deserialize)]
    struct Header<'a> {
        #[serde(borrow, default)]
        id: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        specversion: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        traceparent: Option<Cow<'a, str>>,
        #[serde(borrow, default)]
        tracestate: Option<Cow<'a, str>>,
    }
    let mut attributes = Vec::with_capacity(5);
    let header = serde_json::from_str::<Header<'_>>(event.json()).ok();
    let header = header.as_ref();
    let mut add = |name: &'static str, value: Option<&str>| {
        if let Some(value) = value {
            attributes.push(KeyValue::new(name, value.to_owned()));
        }
    };
    add("cloudevents.event_id", header.and_then(|h| h.id.as_deref()));
    add("cloudevents.event_source", classification.source());
    add("cloudevents.event_type", classification.event_type());
    add("cloudevents.event_subject", classification.subject());
    add(
        "cloudevents.event_spec_version",
        header.and_then(|h| h.specversion.as_deref()),
    );
    let upstream = header
        .and_then(|h| {
            h.traceparent
                .as_deref()
                .map(|parent| (parent, h.tracestate.as_deref()))
        })
        .and_then(|(parent, state)| links::w3c(parent, state));
    (attributes, upstream)
}

/// The function's name in its ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`).
fn function_name(arn: &str) -> &str {
    arn.split(':')
        .nth(6)
        .filter(|name| !name.is_empty())
        .unwrap_or(arn)
}
