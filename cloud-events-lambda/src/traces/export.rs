//! Getting spans out: kept from their end until the invocation's answer is posted, then
//! exported on the runtime's own tasks (not a background thread that Lambda may freeze
//! with spans still in it); the standard OTLP/HTTP exporter, and its resource.

use super::TracesError;
use futures_util::future::BoxFuture;
use opentelemetry::Context;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanExporter, SpanProcessor};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The most spans kept between two flushes: a dispatcher used without the runtime and
/// never flushed does not grow without end (spans past it are dropped).
const MAX_BUFFERED: usize = 64 * 1024;

/// The spans that have ended and wait for the next flush. Shared by concurrent invocations:
/// a flush takes every span that has ended, so one invocation's may leave with another's
/// flush, never later than its own.
#[derive(Debug, Default)]
pub(super) struct InvocationBuffer {
    spans: Mutex<Vec<SpanData>>,
}

impl InvocationBuffer {
    fn take(&self) -> Vec<SpanData> {
        std::mem::take(&mut *self.spans.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The span processor behind [`Traces::exporter`](super::Traces::exporter): keeps each
/// ended span for [`Flush::run`].
#[derive(Debug)]
pub(super) struct BufferProcessor(pub(super) Arc<InvocationBuffer>);

impl SpanProcessor for BufferProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            let mut spans = self.0.spans.lock().unwrap_or_else(|p| p.into_inner());
            if spans.len() < MAX_BUFFERED {
                spans.push(span);
            }
        }
    }

    /// Spans are exported by [`Flush::run`], on the runtime, after each answer.
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// An exporter of any type, its export boxed.
pub(super) struct BoxedExporter(Box<dyn Export>);

trait Export: Send + Sync + std::fmt::Debug {
    fn export(&self, batch: Vec<SpanData>) -> BoxFuture<'_, OTelSdkResult>;
}

impl<E: SpanExporter> Export for E {
    fn export(&self, batch: Vec<SpanData>) -> BoxFuture<'_, OTelSdkResult> {
        Box::pin(SpanExporter::export(self, batch))
    }
}

impl BoxedExporter {
    /// `exporter`, told the resource the spans come from.
    pub(super) fn new<E: SpanExporter + 'static>(mut exporter: E, resource: &Resource) -> Self {
        exporter.set_resource(resource);
        BoxedExporter(Box::new(exporter))
    }
}

impl std::fmt::Debug for BoxedExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How spans leave after an answer.
#[derive(Debug, Clone)]
pub(super) enum Flush {
    /// Ours: the buffered spans, exported on the runtime.
    Buffered {
        buffer: Arc<InvocationBuffer>,
        exporter: Arc<BoxedExporter>,
        /// Kept alive with the tracer.
        #[allow(dead_code)]
        provider: SdkTracerProvider,
    },
    /// The application's provider, flushed as it flushes (its processors may block: on a
    /// blocking thread).
    Provider(SdkTracerProvider),
}

impl Flush {
    /// Exports what waits: whether anything was sent, or why it failed.
    pub(super) async fn run(&self) -> Result<bool, String> {
        match self {
            Flush::Buffered { buffer, exporter, .. } => {
                let spans = buffer.take();
                if spans.is_empty() {
                    return Ok(false);
                }
                exporter
                    .0
                    .export(spans)
                    .await
                    .map(|()| true)
                    .map_err(|e| e.to_string())
            }
            Flush::Provider(provider) => {
                let provider = provider.clone();
                match tokio::task::spawn_blocking(move || provider.force_flush()).await {
                    Ok(flushed) => flushed.map(|()| true).map_err(|e| e.to_string()),
                    Err(panic) => Err(format!("the provider's flush panicked: {panic}")),
                }
            }
        }
    }
}

/// The spans' resource: Lambda's (`cloud.provider`, `cloud.region`, `faas.name`,
/// `faas.version`, `faas.max_memory`...) and the standard variables' (`OTEL_SERVICE_NAME`,
/// `OTEL_RESOURCE_ATTRIBUTES`); the service is the function when neither names it.
pub(super) fn resource() -> Resource {
    let builder =
        Resource::builder().with_detector(Box::new(opentelemetry_aws::detector::LambdaResourceDetector));
    let named = std::env::var_os("OTEL_SERVICE_NAME").is_some()
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES")
            .is_ok_and(|attributes| attributes.contains("service.name="));
    match std::env::var("AWS_LAMBDA_FUNCTION_NAME") {
        Ok(function) if !named => builder.with_service_name(function).build(),
        _ => builder.build(),
    }
}

/// The export timeout the standard variables give (milliseconds), or the default.
pub(super) fn timeout_from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Duration, TracesError> {
    for variable in ["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"] {
        if let Some(value) = env(variable) {
            return match value.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Ok(Duration::from_millis(ms)),
                _ => Err(TracesError {
                    variable,
                    why: format!("{value:?} is not a number of milliseconds above 0"),
                }),
            };
        }
    }
    Ok(super::DEFAULT_EXPORT_TIMEOUT)
}

/// The standard exporter: OTLP over HTTP/protobuf to the standard variables' endpoint, on
/// hyper (HTTP/1.1); `https://` with the feature `opentelemetry-https` (rustls, the system's
/// certificates), signed for CloudWatch with `opentelemetry-sigv4`.
pub(super) fn otlp_exporter(
    timeout: Duration,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<opentelemetry_otlp::SpanExporter, TracesError> {
    use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
    for variable in [
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ] {
        if let Some(protocol) = env(variable) {
            if protocol.trim() != "http/protobuf" {
                return Err(TracesError {
                    variable,
                    why: format!(
                        "{protocol:?}: traces are exported as `http/protobuf` only (what the ADOT collector layer and CloudWatch's OTLP endpoint take)"
                    ),
                });
            }
            break;
        }
    }
    let (variable, endpoint) = endpoint(env);
    let https = endpoint.trim_start().to_ascii_lowercase().starts_with("https://");
    if https && !cfg!(feature = "opentelemetry-https") {
        return Err(TracesError {
            variable,
            why: format!(
                "{endpoint:?} is an https:// endpoint: build with the Cargo feature `opentelemetry-https` (TLS), or export to the ADOT collector layer over http://localhost:4318"
            ),
        });
    }
    let client = super::http_client::Http1Client::new(connector(variable)?, timeout);
    // One attempt: Lambda bills the time until the function asks for its next event, and
    // spans of later invocations do not wait for a collector that is down.
    let builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_timeout(timeout)
        .with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled());
    let builder = match cloudwatch_region(env)? {
        #[cfg(feature = "opentelemetry-sigv4")]
        Some(region) => builder.with_http_client(super::sigv4::Signed {
            inner: client,
            region,
        }),
        #[cfg(not(feature = "opentelemetry-sigv4"))]
        Some(_) => unreachable!("refused by cloudwatch_region"),
        None => builder.with_http_client(client),
    };
    builder.build().map_err(|e| TracesError {
        variable,
        why: e.to_string(),
    })
}

/// Where traces go, and the variable that says so: the traces endpoint (used as it is), else
/// the base endpoint.
fn endpoint(env: &dyn Fn(&str) -> Option<String>) -> (&'static str, String) {
    match env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
        Some(endpoint) => ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint),
        None => (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            env("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_default(),
        ),
    }
}

/// Plain TCP: `http://` endpoints (the ADOT collector layer's).
#[cfg(not(feature = "opentelemetry-https"))]
fn connector(_: &'static str) -> Result<hyper_util::client::legacy::connect::HttpConnector, TracesError> {
    Ok(hyper_util::client::legacy::connect::HttpConnector::new())
}

/// TLS with the system's certificates for `https://` endpoints, plain TCP for `http://` ones.
#[cfg(feature = "opentelemetry-https")]
fn connector(
    variable: &'static str,
) -> Result<hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>, TracesError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = match hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(Arc::clone(&provider))
    {
        Ok(builder) => builder,
        // No certificates here: `http://` endpoints still work; `https://` ones fail to
        // connect, and the export failure says so.
        Err(_) => hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| TracesError {
                    variable,
                    why: format!("no TLS configuration: {e}"),
                })?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
        ),
    };
    Ok(builder.https_or_http().enable_http1().build())
}

/// The region of CloudWatch's OTLP traces endpoint when the exports go there and are to be
/// signed (no `Authorization` header is configured); an error when they cannot be.
fn cloudwatch_region(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<String>, TracesError> {
    let (variable, endpoint) = endpoint(env);
    let host = endpoint
        .split_once("://")
        .map_or(endpoint.as_str(), |(_, rest)| rest)
        .split(['/', ':', '?'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let Some(region) = cloudwatch_endpoint_region(&host) else {
        return Ok(None);
    };
    let authorized = ["OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"]
        .iter()
        .filter_map(|name| env(name))
        .any(|headers| {
            headers
                .split(',')
                .any(|pair| pair.trim().to_ascii_lowercase().starts_with("authorization="))
        });
    if authorized {
        return Ok(None);
    }
    if cfg!(feature = "opentelemetry-sigv4") {
        Ok(Some(region.to_owned()))
    } else {
        Err(TracesError {
            variable,
            why: format!(
                "CloudWatch's OTLP endpoint ({host}) authenticates every export: build with the Cargo feature `opentelemetry-sigv4` to sign them with the function's role, or give an API key as `OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20KEY`, or export to the ADOT collector layer (http://localhost:4318)"
            ),
        })
    }
}

/// The region of `host` if it is CloudWatch's OTLP traces endpoint, `xray.REGION.amazonaws.com`.
fn cloudwatch_endpoint_region(host: &str) -> Option<&str> {
    host.strip_prefix("xray.")?
        .strip_suffix(".amazonaws.com")
        .filter(|region| !region.is_empty() && !region.contains('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traces::test_env as env;

    #[test]
    fn only_http_protobuf_is_spoken() {
        let grpc = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ]);
        let error = otlp_exporter(Duration::from_secs(1), &grpc).unwrap_err();
        assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_PROTOCOL");
        assert!(error.why.contains("http/protobuf"), "{}", error.why);
        // The traces' own variable wins over the general one.
        let traces = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318"),
            ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ]);
        assert!(otlp_exporter(Duration::from_secs(1), &traces).is_ok());
    }

    #[test]
    fn an_https_endpoint_needs_the_https_feature() {
        let remote = env(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "https://collector.example/v1/traces",
        )]);
        let built = otlp_exporter(Duration::from_secs(1), &remote);
        let tls = cfg!(feature = "opentelemetry-https");
        match built {
            Ok(_) => assert!(tls, "built without TLS"),
            Err(error) => {
                assert!(!tls, "refused with TLS: {error}");
                assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
                assert!(error.why.contains("`opentelemetry-https`"), "{}", error.why);
            }
        }
        let collector = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")]);
        assert!(otlp_exporter(Duration::from_secs(1), &collector).is_ok());
    }

    #[test]
    fn only_cloudwatchs_traces_endpoint_names_a_region() {
        assert_eq!(
            cloudwatch_endpoint_region("xray.eu-west-1.amazonaws.com"),
            Some("eu-west-1")
        );
        assert_eq!(cloudwatch_endpoint_region("xray.amazonaws.com"), None);
        assert_eq!(cloudwatch_endpoint_region("logs.eu-west-1.amazonaws.com"), None);
        assert_eq!(
            cloudwatch_endpoint_region("xray.eu-west-1.amazonaws.com.evil.example"),
            None
        );
        assert_eq!(cloudwatch_endpoint_region("localhost"), None);
    }

    #[test]
    fn exports_to_cloudwatch_are_signed_unless_a_key_is_given() {
        let collector = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4318")]);
        assert_eq!(cloudwatch_region(&collector), Ok(None));
        let keyed = env(&[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://xray.eu-west-1.amazonaws.com/v1/traces",
            ),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "x-team=shop, Authorization=Bearer%20key",
            ),
        ]);
        assert_eq!(cloudwatch_region(&keyed), Ok(None));
        let direct = env(&[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "https://XRAY.eu-west-1.amazonaws.com",
        )]);
        let signs = cfg!(feature = "opentelemetry-sigv4");
        match cloudwatch_region(&direct) {
            Ok(region) => {
                assert!(signs, "no error without the feature");
                assert_eq!(region.as_deref(), Some("eu-west-1"));
            }
            Err(error) => {
                assert!(!signs, "an error with the feature: {error}");
                assert_eq!(error.variable, "OTEL_EXPORTER_OTLP_ENDPOINT");
                assert!(error.why.contains("`opentelemetry-sigv4`"), "{}", error.why);
            }
        }
    }
}
