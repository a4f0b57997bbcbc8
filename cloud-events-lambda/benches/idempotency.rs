//! The framework's CPU per idempotent record, the network left out (issue #22): a 10-record
//! SQS batch through an idempotent handler against the same batch through the same handler
//! without `idempotent`, with the in-memory store (no latency): first runs (claim, handler,
//! completion), duplicates (a replay), and duplicates answered from the local cache.
//!
//! `cargo bench -p cloud-events-lambda --features idempotency --bench idempotency`

use cloud_events_lambda::events::SqsMessage;
use cloud_events_lambda::idempotency::{Idempotency, InMemoryStore};
use cloud_events_lambda::{Context, Dependencies, Dispatcher, Options, on_event};
use criterion::{Criterion, criterion_group};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

#[on_event("aws.sqs", when = r#"body.kind == "plain""#)]
fn plain(message: SqsMessage) -> usize {
    message.body.map_or(0, |body| body.len())
}

#[on_event("aws.sqs", when = r#"body.kind == "once""#, idempotent)]
fn once(message: SqsMessage) -> usize {
    message.body.map_or(0, |body| body.len())
}

/// A batch of ten messages of `kind`, their ids starting at `first`.
fn batch(kind: &str, first: u64) -> String {
    let records: Vec<String> = (first..first + 10)
        .map(|n| {
            format!(
                r#"{{"messageId":"m-{n}","receiptHandle":"AQEB","body":"{{\"kind\":\"{kind}\",\"orderId\":\"o-{n}\",\"amount\":12}}","attributes":{{"ApproximateReceiveCount":"1","SentTimestamp":"1793613600000"}},"messageAttributes":{{}},"md5OfBody":"00000000000000000000000000000000","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:q","awsRegion":"eu-west-1"}}"#
            )
        })
        .collect();
    format!(r#"{{"Records":[{}]}}"#, records.join(","))
}

fn dispatcher(idempotency: Idempotency) -> Dispatcher {
    let mut dependencies = Dependencies::new();
    dependencies.insert(idempotency);
    Dispatcher::new(dependencies, Options::default()).expect("starts")
}

fn idempotency(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("idempotency/batch_of_10");
    let store = InMemoryStore::new();
    let dispatcher = dispatcher(Idempotency::new(store.clone()));
    let plain_batch = batch("plain", 0);
    group.bench_function("not_idempotent", |b| {
        b.iter(|| runtime.block_on(dispatcher.dispatch(black_box(&plain_batch), Context::local(1, "bench"))))
    });
    // Fresh ids every time: each record is claimed, run and completed.
    let next = AtomicU64::new(1_000_000);
    group.bench_function("first_run", |b| {
        b.iter_batched(
            || batch("once", next.fetch_add(10, Ordering::Relaxed)),
            |event| runtime.block_on(dispatcher.dispatch(&event, Context::local(1, "bench"))),
            criterion::BatchSize::SmallInput,
        )
    });
    let seen = batch("once", 0);
    runtime
        .block_on(dispatcher.dispatch(&seen, Context::local(1, "bench")))
        .unwrap();
    group.bench_function("duplicate", |b| {
        b.iter(|| runtime.block_on(dispatcher.dispatch(black_box(&seen), Context::local(1, "bench"))))
    });
    let cached = dispatcher_with_cache();
    runtime
        .block_on(cached.dispatch(&seen, Context::local(1, "bench")))
        .unwrap();
    group.bench_function("duplicate_local_cache", |b| {
        b.iter(|| runtime.block_on(cached.dispatch(black_box(&seen), Context::local(1, "bench"))))
    });
    group.finish();
}

fn dispatcher_with_cache() -> Dispatcher {
    dispatcher(Idempotency::new(InMemoryStore::new()).local_cache(10_000))
}

criterion_group!(benches, idempotency);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
