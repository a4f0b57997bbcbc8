//! What a user writes to trace an SQS consumer without the framework: `lambda_runtime`'s
//! `OpenTelemetryLayer` (one invocation span, flushed after each invocation), `tracing` spans
//! bridged to OpenTelemetry, and the OTLP/HTTP exporter the framework's standard tracer uses.
//! Built for its binary size (bench/RESULTS.md section 11).

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::layers::{OpenTelemetryFaasTrigger, OpenTelemetryLayer};
use lambda_runtime::{Error, LambdaEvent, Runtime, service_fn};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;

async fn sqs(event: LambdaEvent<SqsEvent>) -> Result<SqsBatchResponse, Error> {
    for record in &event.payload.records {
        let _span = tracing::info_span!("record", id = record.message_id.as_deref()).entered();
        std::hint::black_box(record.body.as_deref().map_or(0, str::len));
    }
    Ok(SqsBatchResponse::default())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    #[cfg(feature = "https")]
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()?
        .https_or_http()
        .enable_http1()
        .build();
    #[cfg(not(feature = "https"))]
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = opentelemetry_http::hyper::HyperClient::new(connector, Duration::from_secs(2), None);
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_http_client(client)
        .build()?;
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter)
        .build();
    let tracer = provider.tracer("hand-written");
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .with(tracing_subscriber::fmt::layer());
    tracing::subscriber::set_global_default(subscriber)?;
    let flushing = provider.clone();
    let runtime = Runtime::new(service_fn(sqs)).layer(
        OpenTelemetryLayer::new(move || {
            let _ = flushing.force_flush();
        })
        .with_trigger(OpenTelemetryFaasTrigger::PubSub),
    );
    runtime.run().await
}
