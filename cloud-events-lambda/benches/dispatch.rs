//! The framework's cost over hand-written code (issue #6, benchmarks 2 and 3): the full path
//! (classify, route, inject, decode, call) against `serde_json::from_slice::<T>` and a direct
//! call on the same bytes; dispatch with 10, 1,000 and 10,000 registered handlers; and the
//! cost of metrics (issue #15): a handler recording ten metrics against one recording none,
//! with their EMF documents made.
//!
//! `cargo bench -p cloud-events-lambda --bench dispatch`
//!
//! Timings on a shared machine swing by tens of percent; the same cases can also be run a
//! fixed number of times, for an instruction count that does not (`bench/overhead.sh` runs
//! them under callgrind): `OVERHEAD_CASE=s3 OVERHEAD_MODE=framework OVERHEAD_RUNS=1000`.

use cloud_events_lambda::__private::{Filter, Pattern};
use cloud_events_lambda::events::{EventBridgeEvent, S3Event, SqsEvent};
use cloud_events_lambda::{
    CloudEvent, Context, Dependencies, Dispatcher, HandlerRegistration, Kind, Options, Route, on_cloudevent,
    on_event,
};
use criterion::{BenchmarkId, Criterion, criterion_group};
use std::hint::black_box;

#[on_event("aws.s3")]
fn s3(event: S3Event) -> usize {
    event.records.len()
}

#[on_event("aws.sqs")]
fn sqs(event: SqsEvent) -> usize {
    event.records.len()
}

#[on_event("aws.events", source = "com.example.shop")]
fn eventbridge(event: EventBridgeEvent) -> usize {
    event.detail.as_object().map_or(0, |d| d.len())
}

#[on_cloudevent(source = "/orders")]
fn cloudevent(event: CloudEvent) -> usize {
    event.id.len()
}

#[on_event("aws.events", source = "bench.metrics.none")]
fn records_no_metric(_event: EventBridgeEvent) -> usize {
    0
}

/// Ten metrics of the three kinds, some with labels (their dimensions).
#[on_event("aws.events", source = "bench.metrics.ten")]
fn records_ten_metrics(event: EventBridgeEvent) -> usize {
    use cloud_events_lambda::metrics::{counter, gauge, histogram};
    let items = event.detail.as_object().map_or(0, |d| d.len());
    counter!("OrdersPlaced").increment(1);
    counter!("OrderItems").increment(items as u64);
    counter!("OrdersByRegion", "region" => "eu-west-1").increment(1);
    counter!("OrdersByChannel", "channel" => "web").increment(1);
    counter!("Retries").increment(0);
    histogram!("OrderAmount").record(12.5);
    histogram!("BasketSize").record(items as f64);
    histogram!("Latency", "step" => "validate").record(0.8);
    gauge!("OpenOrders").set(17.0);
    gauge!("StockLevel", "warehouse" => "dub-1").set(420.0);
    items
}

/// The kinds table's sample event of `key`.
fn fixture(key: &str) -> String {
    Kind::from_key(key)
        .unwrap_or_else(|| panic!("no kind {key}"))
        .sample()
        .to_owned()
}

const SQS_ONE: &str = r#"{"Records":[{"messageId":"m1","receiptHandle":"AQEB","body":"{\"orderId\":\"o-1\",\"amount\":12}","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1793613600000"},"messageAttributes":{},"md5OfBody":"00000000000000000000000000000000","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:q","awsRegion":"eu-west-1"}]}"#;
const EVENTBRIDGE: &str = r#"{"version":"0","id":"1","detail-type":"Order Placed","source":"com.example.shop","account":"123456789012","time":"2026-11-02T10:00:00Z","region":"eu-west-1","resources":[],"detail":{"orderId":"o-1","amount":12}}"#;

/// Hand-written code: decode the bytes into the handler's type and call it.
type Baseline = fn(&[u8]) -> usize;

/// The four small payloads, each with its hand-written baseline.
fn cases() -> [(&'static str, String, Baseline); 4] {
    [
        (
            "s3",
            fixture("aws.s3"),
            |b| s3(serde_json::from_slice(b).unwrap()),
        ),
        ("sqs-one-record", SQS_ONE.to_owned(), |b| {
            sqs(serde_json::from_slice(b).unwrap())
        }),
        ("eventbridge", EVENTBRIDGE.to_owned(), |b| {
            eventbridge(serde_json::from_slice(b).unwrap())
        }),
        ("cloudevent", fixture("cloudevents"), |b| {
            cloudevent(CloudEvent::from_json(b).unwrap())
        }),
    ]
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn overhead(c: &mut Criterion) {
    let runtime = current_thread();
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    let mut group = c.benchmark_group("overhead");
    // Made once: per invocation the Lambda layer clones `lambda_runtime`'s context as this does.
    let context = Context::local(1, "bench");
    for (name, json, baseline) in cases() {
        let json = json.as_str();
        let expected = baseline(json.as_bytes());
        let got = runtime
            .block_on(dispatcher.dispatch(json, Context::local(1, "bench")))
            .unwrap();
        assert_eq!(
            got,
            serde_json::json!(expected),
            "{name}: the framework answers what the handler returns"
        );
        group.bench_with_input(BenchmarkId::new("hand-written", name), json, |b, json| {
            b.iter(|| runtime.block_on(async { baseline(black_box(json.as_bytes())) }))
        });
        // What runs in Lambda: the body bytes as `lambda_runtime` read them (a reference to
        // its buffer: reading them is `lambda_runtime`'s cost, paid by hand-written code too).
        let payload = bytes::Bytes::copy_from_slice(json.as_bytes());
        group.bench_with_input(BenchmarkId::new("framework", name), &payload, |b, payload| {
            b.iter(|| {
                runtime
                    .block_on(dispatcher.dispatch_bytes(black_box(payload.clone()), context.clone()))
                    .unwrap()
            })
        });
        // From a `&str` (copied into bytes first).
        group.bench_with_input(BenchmarkId::new("framework-text", name), json, |b, json| {
            b.iter(|| {
                runtime
                    .block_on(dispatcher.dispatch(black_box(json), context.clone()))
                    .unwrap()
            })
        });
    }
    group.finish();
}

/// `count` handlers on other routes and other EventBridge sources, plus the one that matches.
fn registrations(count: usize) -> Vec<&'static HandlerRegistration> {
    fn call(
        _: &cloud_events_lambda::__private::Invocation,
    ) -> cloud_events_lambda::__private::HandlerFuture<'_> {
        Box::pin(async { Ok(serde_json::Value::Null) })
    }
    let kinds = [
        Kind::S3,
        Kind::Sqs,
        Kind::Sns,
        Kind::DynamoDb,
        Kind::EventBridge,
        Kind::CloudEvents,
    ];
    let mut out: Vec<&'static HandlerRegistration> = (0..count.saturating_sub(1))
        .map(|i| {
            let kind = kinds[i % kinds.len()];
            let source: &'static str = Box::leak(format!("com.example.source{i}").into_boxed_str());
            let filter = match kind {
                Kind::EventBridge | Kind::CloudEvents => Filter {
                    source: Some(Pattern::Exact(source)),
                    ty: None,
                    subject: None,
                },
                _ => Filter::default(),
            };
            let name: &'static str = Box::leak(format!("handler{i}").into_boxed_str());
            &*Box::leak(Box::new(HandlerRegistration {
                route: Route::Kind(kind),
                filter,
                when: None,
                per_record: false,
                adapted: false,
                rank: 0,
                idempotent: None,
                name,
                module_path: "bench",
                file: "bench",
                line: 0,
                params: &[],
                call,
            }))
        })
        .collect();
    out.push(Box::leak(Box::new(HandlerRegistration {
        route: Route::Kind(Kind::EventBridge),
        filter: Filter {
            source: Some(Pattern::Exact("com.example.shop")),
            ty: None,
            subject: None,
        },
        when: None,
        per_record: false,
        adapted: false,
        rank: 0,
        idempotent: None,
        name: "target",
        module_path: "bench",
        file: "bench",
        line: 0,
        params: &[],
        call,
    })));
    out
}

fn scale(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("handlers");
    for count in [10, 1_000, 10_000] {
        let dispatcher =
            Dispatcher::build(registrations(count), [], Dependencies::new(), Options::default()).unwrap();
        group.bench_with_input(
            BenchmarkId::from_parameter(count),
            &dispatcher,
            |b, dispatcher| {
                b.iter(|| {
                    runtime
                        .block_on(dispatcher.dispatch(black_box(EVENTBRIDGE), Context::local(1, "bench")))
                        .unwrap()
                })
            },
        );
    }
    group.finish();
}

/// Start-up: sorting, checking and indexing 1,000 handlers (issue #6, benchmark 5).
fn index(c: &mut Criterion) {
    let handlers = registrations(1_000);
    c.bench_function("index/1000", |b| {
        b.iter(|| {
            Dispatcher::build(
                black_box(handlers.clone()),
                [],
                Dependencies::new(),
                Options::default(),
            )
            .unwrap()
        })
    });
}

/// One case, `runs` times, on one path (`OVERHEAD_MODE`: `hand-written` or `framework`),
/// for an instruction count: the difference between two run counts is the cost of one call.
fn fixed_runs(case: &str, mode: &str, runs: usize) {
    if case == "metrics" {
        return fixed_metric_runs(mode, runs);
    }
    let (_, json, baseline) = cases()
        .into_iter()
        .find(|(name, ..)| *name == case)
        .unwrap_or_else(|| panic!("no case {case}"));
    let runtime = current_thread();
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default()).unwrap();
    let context = Context::local(1, "bench");
    let payload = bytes::Bytes::from(json.clone());
    for _ in 0..runs {
        match mode {
            "hand-written" => {
                black_box(runtime.block_on(async { baseline(black_box(json.as_bytes())) }));
            }
            "framework" => {
                black_box(
                    runtime
                        .block_on(dispatcher.dispatch_bytes(black_box(payload.clone()), context.clone()))
                        .unwrap(),
                );
            }
            other => panic!("OVERHEAD_MODE {other:?}: hand-written or framework"),
        }
    }
}

/// An EventBridge event from `source`.
fn from_source(source: &str) -> bytes::Bytes {
    bytes::Bytes::from(EVENTBRIDGE.replace("com.example.shop", source))
}

/// A handler recording ten metrics against one recording none, both with metrics on (EMF
/// documents made, not written); and the same with the built-in metrics.
fn metrics(c: &mut Criterion) {
    use cloud_events_lambda::Metrics;
    let runtime = current_thread();
    let mut group = c.benchmark_group("metrics");
    let context = Context::local(1, "bench");
    for builtin in [false, true] {
        let dispatcher = Dispatcher::new(Dependencies::new(), Options::default())
            .unwrap()
            .with_metrics(Metrics::new("Bench", "bench").builtin(builtin))
            .unwrap();
        for (name, source, documents) in [
            ("none", "bench.metrics.none", builtin),
            ("ten", "bench.metrics.ten", true),
        ] {
            let payload = from_source(source);
            let (answer, made) =
                runtime.block_on(dispatcher.dispatch_metered(payload.clone(), context.clone()));
            assert!(answer.is_ok());
            assert_eq!(!made.is_empty(), documents, "{name}: {made:?}");
            if name == "ten" {
                let text = made.join("\n");
                for metric in [
                    "OrdersPlaced",
                    "OrderAmount",
                    "StockLevel",
                    "Latency",
                    "OrdersByChannel",
                ] {
                    assert!(text.contains(metric), "{metric} missing: {text}");
                }
            }
            let id = format!("{name}{}", if builtin { "+builtin" } else { "" });
            group.bench_with_input(BenchmarkId::new("recorded", id), &payload, |b, payload| {
                b.iter(|| {
                    runtime.block_on(dispatcher.dispatch_metered(black_box(payload.clone()), context.clone()))
                })
            });
        }
    }
    group.finish();
}

/// The metrics cases `runs` times (`OVERHEAD_MODE`: `none`, `ten`, `none+builtin`,
/// `ten+builtin`).
fn fixed_metric_runs(mode: &str, runs: usize) {
    let (handler, builtin) = match mode {
        "none" => ("bench.metrics.none", false),
        "ten" => ("bench.metrics.ten", false),
        "none+builtin" => ("bench.metrics.none", true),
        "ten+builtin" => ("bench.metrics.ten", true),
        other => panic!("OVERHEAD_MODE {other:?}: none, ten, none+builtin or ten+builtin"),
    };
    let runtime = current_thread();
    let dispatcher = Dispatcher::new(Dependencies::new(), Options::default())
        .unwrap()
        .with_metrics(cloud_events_lambda::Metrics::new("Bench", "bench").builtin(builtin))
        .unwrap();
    let context = Context::local(1, "bench");
    let payload = from_source(handler);
    for _ in 0..runs {
        let (answer, documents) =
            runtime.block_on(dispatcher.dispatch_metered(black_box(payload.clone()), context.clone()));
        black_box((answer.unwrap(), documents));
    }
}

criterion_group!(benches, overhead, scale, index, metrics);

fn main() {
    match (std::env::var("OVERHEAD_CASE"), std::env::var("OVERHEAD_RUNS")) {
        (Ok(case), Ok(runs)) => {
            let mode = std::env::var("OVERHEAD_MODE").unwrap_or_else(|_| "framework".to_owned());
            fixed_runs(&case, &mode, runs.parse().expect("OVERHEAD_RUNS is a number"));
        }
        _ => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
