//! The cost of a DEBUG line held for its invocation and dropped when it succeeds (issue #24:
//! at most 1 µs), against the same line below the level without buffering: a handler logging
//! 0 and 20 lines an invocation, each mode; the line's cost is the difference over 20.
//!
//! `cargo bench -p cloud-events-lambda --bench logs` (instruction counts of the same cases:
//! `bench/log_instructions.sh`).

#[path = "../examples/support/logged.rs"]
mod logged;

use cloud_events_lambda::{Context, Kind};
use criterion::{BenchmarkId, Criterion, criterion_group};
use std::hint::black_box;
use std::sync::atomic::Ordering;
use tracing::Instrument;

fn held_lines(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("logs");
    for mode in ["plain", "buffered"] {
        let (dispatcher, writer) = logged::logged(mode);
        for lines in [0, 20] {
            group.bench_function(BenchmarkId::new(mode, lines), |b| {
                logged::LINES.store(lines, Ordering::Relaxed);
                tracing::dispatcher::with_default(&writer, || {
                    b.iter(|| {
                        let invocation = dispatcher.dispatch(Kind::S3.sample(), Context::local(1, "bench"));
                        let answer = runtime.block_on(invocation.instrument(logged::request_span(1)));
                        black_box(answer).expect("answered")
                    });
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, held_lines);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
