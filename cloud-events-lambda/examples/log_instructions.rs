//! Dispatches an S3 event `RUNS` times to a handler that logs `LINES` DEBUG lines, with the
//! log writer as `MODE` says: `plain` (no buffering: the lines are below the level and not
//! logged) or `buffered` (held for the invocation, dropped when it succeeds). Run under
//! `valgrind --tool=callgrind` for instruction counts that repeat (bench/RESULTS.md
//! section 12; `bench/log_instructions.sh` runs the four cases).
//!
//! `cargo build --release -p cloud-events-lambda --example log_instructions`, then
//! `MODE=buffered LINES=20 RUNS=200 valgrind --tool=callgrind target/release/examples/log_instructions`.

#[path = "support/logged.rs"]
mod logged;

use cloud_events_lambda::{Context, Kind};
use std::hint::black_box;
use std::sync::atomic::Ordering;
use tracing::Instrument;

fn main() {
    let var = |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let runs: usize = var("RUNS", "100").parse().expect("RUNS is a number");
    let lines: usize = var("LINES", "20").parse().expect("LINES is a number");
    logged::LINES.store(lines, Ordering::Relaxed);
    let (dispatcher, writer) = logged::logged(&var("MODE", "buffered"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    tracing::dispatcher::with_default(&writer, || {
        for n in 0..runs {
            let invocation = dispatcher.dispatch(Kind::S3.sample(), Context::local(n, "bench"));
            let answer = runtime.block_on(invocation.instrument(logged::request_span(n)));
            assert_eq!(black_box(answer).expect("answered"), lines);
        }
    });
}
