//! Classifies every kind's sample (and an unclassified event) `RUNS` times: run under
//! `valgrind --tool=callgrind` for an instruction count that, unlike a timing on a shared
//! machine, repeats (issue #25's "no classification slower" is decided with it).
//!
//! `cargo build --release -p cloud-events-core --example classify_instructions`, then
//! `RUNS=1000 valgrind --tool=callgrind target/release/examples/classify_instructions`.

use cloud_events_core::{Kind, classify};
use std::hint::black_box;

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000);
    // `KEYS=a,b`: only those kinds (`none`: only the event of no kind), so that two versions
    // of the table classify the same samples.
    let keys = std::env::var("KEYS").unwrap_or_default();
    let samples: Vec<&str> = Kind::ALL
        .iter()
        .filter(|kind| keys.is_empty() || keys.split(',').any(|key| key == kind.key()))
        .map(|kind| kind.sample())
        .chain([r#"{"orderId":"o-1","amount":12,"customer":{"id":"c-9"}}"#])
        .collect();
    let mut classified = 0;
    for _ in 0..runs {
        for sample in &samples {
            if classify(black_box(sample.as_bytes())).is_ok_and(|c| c.kind().is_some()) {
                classified += 1;
            }
        }
    }
    println!("{classified} classified, {} samples", samples.len());
}
