//! Dispatches one event `RUNS` times, traced as `MODE` says: run under
//! `valgrind --tool=callgrind` for instruction counts per invocation that, unlike timings on a
//! shared machine, repeat (issue #23's goals are decided with them, bench/RESULTS.md
//! section 11).
//!
//! `MODE`: `off` (no traces), `unsampled` (Lambda's header says `Sampled=0`), `sampled` (into
//! the SDK's in-memory exporter, flushed after each answer). `EVENT`: `s3`, `sqs_1`,
//! `sqs_10` (SQS batches whose records each carry an `AWSTraceHeader`).
//!
//! `cargo build --release -p cloud-events-lambda --features opentelemetry --example trace_instructions`,
//! then `MODE=sampled EVENT=sqs_10 RUNS=200 valgrind --tool=callgrind target/release/examples/trace_instructions`.

#[path = "support/traced_batch.rs"]
mod traced_batch;

use cloud_events_lambda::traces::Traces;
use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
use cloud_events_lambda::{Dependencies, Dispatcher, Kind, Options};
use std::hint::black_box;
use traced_batch::{batch, context};

fn main() {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let runs: usize = var("RUNS", "100").parse().expect("RUNS is a number");
    let mode = var("MODE", "off");
    let event = match var("EVENT", "s3").as_str() {
        "s3" => Kind::S3.sample().to_owned(),
        "sqs_1" => batch(1),
        "sqs_10" => batch(10),
        other => panic!("unknown EVENT {other}"),
    };
    let exporter = InMemorySpanExporter::default();
    let traces = Traces::exporter(exporter.clone());
    let mut dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).expect("starts");
    if mode != "off" {
        dispatcher = dispatcher.with_traces(traces.clone());
    }
    let sampled = match mode.as_str() {
        "off" | "sampled" => true,
        "unsampled" => false,
        other => panic!("unknown MODE {other}"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut answered = 0;
    for n in 0..runs {
        let context = context(n, sampled);
        runtime.block_on(async {
            if dispatcher.dispatch(black_box(&event), context).await.is_ok() {
                answered += 1;
            }
            if mode != "off" {
                traces.flush().await;
            }
        });
        exporter.reset();
    }
    println!("{answered} of {runs} answered");
}
