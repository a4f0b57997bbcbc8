//! What tracing costs an invocation (issue #23): the same SQS batches (1 and 10 records,
//! each record with an `AWSTraceHeader`) and an S3 event, dispatched by a dispatcher without
//! traces, with traces for an invocation Lambda does not sample (`Sampled=0`), and with
//! traces sampled into the SDK's in-memory exporter (the flush after the answer included).
//!
//! `cargo bench -p cloud-events-lambda --features opentelemetry --bench traces`

#[path = "../examples/support/traced_batch.rs"]
mod traced_batch;

use cloud_events_lambda::traces::Traces;
use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options};
use criterion::{Criterion, criterion_group};
use std::hint::black_box;
use traced_batch::{batch, context};

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
            b.iter(|| runtime.block_on(plain.dispatch(black_box(&event), context(1, true))))
        });
        group.bench_function("not_sampled", |b| {
            b.iter(|| runtime.block_on(traced.dispatch(black_box(&event), context(1, false))))
        });
        group.bench_function("sampled_in_memory", |b| {
            b.iter(|| {
                let answer = runtime.block_on(async {
                    let answer = traced.dispatch(black_box(&event), context(1, true)).await;
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
