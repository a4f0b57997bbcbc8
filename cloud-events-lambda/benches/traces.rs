//! What tracing costs an invocation (issue #23): the same SQS batches (1 and 10 records,
//! each record with an `AWSTraceHeader`) and an S3 event, dispatched by a dispatcher without
//! traces, with traces for an invocation Lambda does not sample (`Sampled=0`), and with
//! traces sampled into the SDK's in-memory exporter (the flush after the answer included).
//!
//! `cargo bench -p cloud-events-lambda --features opentelemetry --bench traces`

use cloud_events_lambda::events::{S3Event, SqsMessage};
use cloud_events_lambda::traces::Traces;
use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, on_event};
use criterion::{Criterion, criterion_group};
use std::hint::black_box;

#[on_event("aws.sqs")]
fn queued(message: SqsMessage) -> usize {
    message.body.map_or(0, |body| body.len())
}

#[on_event("aws.s3")]
fn uploaded(event: S3Event) -> usize {
    event.records.len()
}

/// A batch of `count` messages, each with its upstream trace header.
fn batch(count: usize) -> String {
    let records: Vec<String> = (0..count)
        .map(|n| {
            format!(
                r#"{{"messageId":"m-{n}","receiptHandle":"AQEB","body":"{{\"orderId\":\"o-{n}\",\"amount\":12}}","attributes":{{"ApproximateReceiveCount":"1","SentTimestamp":"1793613600000","AWSTraceHeader":"Root=1-6a1b2c3d-4e5f60718293a4b5c6d7e8f9;Parent=a1b2c3d4e5f6071{};Sampled=1"}},"messageAttributes":{{}},"md5OfBody":"00000000000000000000000000000000","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:orders","awsRegion":"eu-west-1"}}"#,
                n % 10
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

fn context(sampled: bool) -> Context {
    Context {
        xray_trace_id: Some(format!(
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={}",
            u8::from(sampled)
        )),
        ..Context::local(1, "bench")
    }
}

fn traces(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let plain = Dispatcher::new(Dependencies::new(), Options::default()).expect("starts");
    let exporter = InMemorySpanExporter::default();
    let traces = Traces::exporter(exporter.clone());
    let traced = Dispatcher::new(Dependencies::new(), Options::default())
        .expect("starts")
        .with_traces(traces.clone());
    for (name, event) in [
        ("s3", Kind::S3.sample().to_owned()),
        ("sqs_1", batch(1)),
        ("sqs_10", batch(10)),
    ] {
        let mut group = c.benchmark_group(format!("traces/{name}"));
        group.bench_function("off", |b| {
            b.iter(|| runtime.block_on(plain.dispatch(black_box(&event), context(true))))
        });
        group.bench_function("not_sampled", |b| {
            b.iter(|| runtime.block_on(traced.dispatch(black_box(&event), context(false))))
        });
        group.bench_function("sampled_in_memory", |b| {
            b.iter(|| {
                let answer = runtime.block_on(async {
                    let answer = traced.dispatch(black_box(&event), context(true)).await;
                    traces.flush().await;
                    answer
                });
                exporter.reset();
                answer
            })
        });
        group.finish();
    }
}

criterion_group!(benches, traces);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
