#!/usr/bin/env bash
# Instructions per call, counted by callgrind (deterministic, unlike timings on a shared
# machine): the four small payloads of the dispatch bench, from bytes to answer, on the
# framework's Lambda path (`Dispatcher::dispatch_bytes`) against hand-written code
# (`serde_json::from_slice::<T>` and the call). Each count is (Ir(2N) - Ir(N)) / N, which
# cancels start-up.
#
# Then the same for the metrics cases.
#
#   bench/overhead.sh [N]      (default N = 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2000}
cargo bench -p cloud-events-lambda --bench dispatch --no-run >/dev/null 2>&1
bench=$(cargo bench -p cloud-events-lambda --bench dispatch --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))/\1/p')
out=$(mktemp -d)
count() { # case mode runs -> total instructions
    OVERHEAD_CASE=$1 OVERHEAD_MODE=$2 OVERHEAD_RUNS=$3 \
        valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bench" >/dev/null 2>&1
    sed -n 's/^totals: \([0-9]*\).*/\1/p' "$out/cg"
}
echo "| payload | hand-written | framework | framework / hand-written |"
echo "| --- | ---: | ---: | ---: |"
for case in s3 sqs-one-record eventbridge cloudevent; do
    per_call=()
    for mode in hand-written framework; do
        one=$(count "$case" "$mode" "$runs")
        two=$(count "$case" "$mode" $((2 * runs)))
        per_call+=($(((two - one) / runs)))
    done
    ratio=$(python3 -c "print(f'{${per_call[1]} / ${per_call[0]}:.2f}x')")
    echo "| $case | ${per_call[0]} | ${per_call[1]} | $ratio |"
done
echo
echo "Metrics (issue #15): a handler recording ten metrics against one recording none, with"
echo "metrics on (EMF documents made, not written), without and with the built-in metrics."
echo
echo "| built-in metrics | none recorded | ten recorded | ten - none |"
echo "| --- | ---: | ---: | ---: |"
for builtin in "" "+builtin"; do
    per_call=()
    for mode in "none$builtin" "ten$builtin"; do
        one=$(count metrics "$mode" "$runs")
        two=$(count metrics "$mode" $((2 * runs)))
        per_call+=($(((two - one) / runs)))
    done
    label=off; [ -n "$builtin" ] && label=on
    echo "| $label | ${per_call[0]} | ${per_call[1]} | $((per_call[1] - per_call[0])) |"
done
rm -rf "$out"
