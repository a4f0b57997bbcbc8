#!/usr/bin/env python3
"""Cold start (issue #6, benchmark 5): wall time from process start to exit of
`books invoke EVENT`, which starts the process, collects and indexes the handlers, dispatches
the one event and prints the answer. Reports the median and the 90th percentile of many runs
(the machine is noisy), and the same for `/bin/true` as the floor of starting a process here.

    cargo build --release -p books
    python3 bench/cold_start.py [--runs 300]
"""

import argparse
import os
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timings(command, runs):
    out = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
        out.append((time.perf_counter_ns() - start) / 1e6)
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.9)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    books = os.path.join(ROOT, "target", "release", "books")
    event = os.path.join(ROOT, "examples", "books", "events", "s3-put.json")
    print(f"| command | median | p90 | runs |\n| --- | --- | --- | --- |")
    for name, command in [("/bin/true (floor)", ["/bin/true"]), ("books invoke s3-put.json", [books, "invoke", event])]:
        median, p90 = timings(command, args.runs)
        print(f"| {name} | {median:.2f} ms | {p90:.2f} ms | {args.runs} |")


if __name__ == "__main__":
    main()
