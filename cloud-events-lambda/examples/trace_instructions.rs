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

use cloud_events_lambda::events::{S3Event, SqsMessage};
use cloud_events_lambda::traces::Traces;
use cloud_events_lambda::traces::opentelemetry_sdk::trace::InMemorySpanExporter;
use cloud_events_lambda::{Context, Dependencies, Dispatcher, Kind, Options, on_event};
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
        "off" | "sampled" => 1,
        "unsampled" => 0,
        other => panic!("unknown MODE {other}"),
    };
    let header =
        format!("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled={sampled}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut answered = 0;
    for n in 0..runs {
        let context = Context {
            xray_trace_id: Some(header.clone()),
            ..Context::local(n, "bench")
        };
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
