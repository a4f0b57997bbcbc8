//! Trace contexts read from text: Lambda's and SQS's X-Ray headers, W3C `traceparent` /
//! `tracestate`; and the current context written as W3C headers.

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::collections::HashMap;

/// The context of an X-Ray header (`Root=1-...;Parent=...;Sampled=1;Lineage=...`), if it
/// names a valid one. Fields other than `Root`, `Parent` and `Sampled` are kept as trace
/// state when they can be; when they cannot (Lambda's `Lineage` holds characters trace state
/// does not take), the context is read without them.
pub(crate) fn xray(header: &str) -> Option<SpanContext> {
    let parsed = opentelemetry_aws::trace::xray_propagator::span_context_from_str(header).or_else(|| {
        let essential: Vec<&str> = header
            .split(';')
            .filter(|part| {
                let key = part.trim().split('=').next().unwrap_or_default();
                matches!(key, "Root" | "Parent" | "Sampled")
            })
            .collect();
        opentelemetry_aws::trace::xray_propagator::span_context_from_str(&essential.join(";"))
    })?;
    parsed.is_valid().then_some(parsed)
}

/// What Lambda's trace header says of an invocation's parent.
pub(crate) enum LambdaParent {
    /// Lambda's segment: the invocation's parent, with Lambda's sampling decision.
    Context(SpanContext),
    /// No parent, but Lambda's decision not to sample: a remote context that carries it
    /// (the header's trace id when it reads; the parent id stands for the segment it does
    /// not name).
    NotSampled(SpanContext),
    /// Neither: the sampler decides.
    Unknown,
}

/// Reads Lambda's trace header (`lambda-runtime-trace-id`).
pub(crate) fn lambda_parent(header: &str) -> LambdaParent {
    if let Some(context) = xray(header) {
        return LambdaParent::Context(context);
    }
    let field = |name: &str| {
        header
            .split(';')
            .find_map(|part| part.trim().strip_prefix(name)?.strip_prefix('='))
    };
    if field("Sampled") != Some("0") {
        return LambdaParent::Unknown;
    }
    let stand_in = SpanId::from(1u64);
    let trace_id = field("Root")
        .and_then(|root| xray(&format!("Root={root};Parent={stand_in};Sampled=0")))
        .map_or(TraceId::from(1u128), |context| context.trace_id());
    LambdaParent::NotSampled(SpanContext::new(
        trace_id,
        stand_in,
        TraceFlags::default(),
        true,
        TraceState::default(),
    ))
}

/// The context of a W3C `traceparent` (and `tracestate`), if valid.
pub(crate) fn w3c(traceparent: &str, tracestate: Option<&str>) -> Option<SpanContext> {
    let mut carrier = HashMap::with_capacity(2);
    carrier.insert("traceparent".to_owned(), traceparent.to_owned());
    if let Some(state) = tracestate {
        carrier.insert("tracestate".to_owned(), state.to_owned());
    }
    let cx = TraceContextPropagator::new().extract(&carrier);
    let context = cx.span().span_context().clone();
    context.is_valid().then_some(context)
}

/// The current span's context as W3C headers: `traceparent`, and `tracestate` when not empty.
/// Nothing outside a span.
pub(crate) fn current_w3c() -> Vec<(&'static str, String)> {
    let cx = opentelemetry::Context::current();
    if !cx.span().span_context().is_valid() {
        return Vec::new();
    }
    let mut carrier: HashMap<String, String> = HashMap::with_capacity(2);
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    let mut headers = Vec::with_capacity(2);
    if let Some(parent) = carrier.remove("traceparent") {
        headers.push(("traceparent", parent));
    }
    if let Some(state) = carrier.remove("tracestate").filter(|state| !state.is_empty()) {
        headers.push(("tracestate", state));
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

    #[test]
    fn lambdas_header_reads_with_its_lineage() {
        let context = xray(&format!("{ROOT};Lineage=1:a87bd80c:0|2:ffe3:1")).unwrap();
        assert_eq!(context.trace_id().to_string(), "5759e988bd862e3fe1be46a994272793");
        assert_eq!(context.span_id().to_string(), "53995c3f42cd8ad8");
        assert!(context.is_sampled());
        assert!(context.is_remote());
    }

    #[test]
    fn a_header_without_a_parent_is_no_context_but_keeps_a_decision_not_to_sample() {
        assert!(xray("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0").is_none());
        assert!(xray("Root=1-5759e988-bd862e3fe1be46a994272793").is_none());
        match lambda_parent("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0") {
            LambdaParent::NotSampled(decision) => {
                assert!(!decision.is_sampled());
                assert!(decision.is_valid());
                assert_eq!(
                    decision.trace_id().to_string(),
                    "5759e988bd862e3fe1be46a994272793"
                );
            }
            _ => panic!("Lambda's decision not to sample is lost"),
        }
        assert!(
            matches!(lambda_parent("Root=garbage;Sampled=0"), LambdaParent::NotSampled(d) if !d.is_sampled())
        );
        assert!(matches!(
            lambda_parent("Root=1-5759e988-bd862e3fe1be46a994272793"),
            LambdaParent::Unknown
        ));
        assert!(matches!(lambda_parent(ROOT), LambdaParent::Context(c) if c.is_sampled()));
        assert!(xray("Root=garbage;Parent=53995c3f42cd8ad8;Sampled=1").is_none());
        assert!(xray("").is_none());
    }

    #[test]
    fn w3c_contexts_read_with_their_state_and_malformed_ones_do_not() {
        let context = w3c(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            Some("vendor=value"),
        )
        .unwrap();
        assert_eq!(context.trace_state().get("vendor"), Some("value"));
        assert!(w3c("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", None).is_none());
        assert!(w3c("00-00000000000000000000000000000000-00f067aa0ba902b7-01", None).is_none());
    }
}
