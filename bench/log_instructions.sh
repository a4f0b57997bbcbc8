#!/usr/bin/env bash
# Instructions per invocation of a handler logging 0 or 20 DEBUG lines, with and without log
# buffering (bench/RESULTS.md section 12): each case of examples/log_instructions.rs under
# callgrind at RUNS=100 and RUNS=200, the difference over 100 (start-up cancels). Needs
# valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p cloud-events-lambda --example log_instructions
bin=${CARGO_TARGET_DIR:-target}/release/examples/log_instructions
count() {
    MODE=$1 LINES=$2 RUNS=$3 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 |
        grep -oP 'Collected : \K[0-9]+'
}
echo "| mode | lines | instructions per invocation |"
echo "| --- | ---: | ---: |"
for mode in plain buffered; do
    for lines in 0 20; do
        low=$(count "$mode" "$lines" 100)
        high=$(count "$mode" "$lines" 200)
        echo "| $mode | $lines | $(( (high - low) / 100 )) |"
    done
done
