#!/usr/bin/env bash
# Instructions per invocation with and without traces (bench/RESULTS.md section 11): each of
# the nine cases of examples/trace_instructions.rs under callgrind at RUNS=100 and RUNS=200,
# the difference over 100 (start-up cancels). Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p cloud-events-lambda --features opentelemetry --example trace_instructions
bin=${CARGO_TARGET_DIR:-target}/release/examples/trace_instructions
count() {
    MODE=$1 EVENT=$2 RUNS=$3 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
        grep -oP 'Collected : \K[0-9]+'
}
echo "| event | mode | instructions per invocation |"
echo "| --- | --- | ---: |"
for event in s3 sqs_1 sqs_10; do
    for mode in off unsampled sampled; do
        low=$(count "$mode" "$event" 100)
        high=$(count "$mode" "$event" 200)
        echo "| $event | $mode | $(( (high - low) / 100 )) |"
    done
done
