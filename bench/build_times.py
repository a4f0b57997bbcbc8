#!/usr/bin/env python3
"""Build time and binary size of a one-handler app against the same app written by hand
(issue #17), side by side in one run.

Two throwaway crates are written to a scratch folder, each with its own target folder and
this workspace's Cargo.lock (the same dependency versions):

- ours: `#[on_event("aws.s3")]` on a function taking `S3Event`, and `cloud_events_lambda::run()`;
- ours-trimmed: the same app with only the `s3` kind family
  (`default-features = false, features = ["s3"]`);
- hand-written: `lambda_runtime::run(service_fn(...))` on `LambdaEvent<S3Event>`, with
  `aws_lambda_events` and only its `s3` feature, as the issue's figures were taken;
- hand-written-logs: the same, starting with `lambda_runtime::tracing::init_default_subscriber()`
  as AWS's examples do: logs as Lambda expects them (`AWS_LAMBDA_LOG_FORMAT`/`_LEVEL`), which
  ours does too. Ratios are against hand-written; this one is for comparison.

For each: a clean release build (with `--timings`, whose slowest units are listed), a release
rebuild after editing the handler, a debug build, a debug rebuild after editing the handler,
and the stripped release binary's size. Builds run one at a time, in an order that alternates
from round to round.

    python3 bench/build_times.py [--rounds N] [--keep DIR]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

OURS_MAIN = """use cloud_events_lambda::events::S3Event;
use cloud_events_lambda::on_event;

#[on_event("aws.s3")]
fn uploaded(event: S3Event) -> usize {
    event.records.len() + EDIT
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cloud_events_lambda::run().await
}
"""

HAND_MAIN = """use aws_lambda_events::event::s3::S3Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};

async fn uploaded(event: LambdaEvent<S3Event>) -> Result<usize, Error> {
    Ok(event.payload.records.len() + EDIT)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(uploaded)).await
}
"""


# The same, logging as Lambda expects (AWS's examples start this way).
HAND_LOGS_MAIN = HAND_MAIN.replace(
    "async fn main() -> Result<(), Error> {\n",
    "async fn main() -> Result<(), Error> {\n    lambda_runtime::tracing::init_default_subscriber();\n",
)
assert HAND_LOGS_MAIN != HAND_MAIN


def cargo_toml(name, deps):
    return f"""[package]
name = "{name}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
{deps}

[workspace]
"""


TOKIO = 'tokio = { version = "1", features = ["macros", "rt-multi-thread"] }'
HAND_DEPS = (
    'lambda_runtime = "1.5"\n'
    'aws_lambda_events = { version = "1.2.1", default-features = false, features = ["s3"] }\n' + TOKIO
)


def apps():
    """Each app's name, dependencies and main.rs."""
    lambda_path = os.path.join(ROOT, "cloud-events-lambda")
    return {
        "ours": (f'cloud-events-lambda = {{ path = "{lambda_path}" }}\n' + TOKIO, OURS_MAIN),
        "ours-trimmed": (
            f'cloud-events-lambda = {{ path = "{lambda_path}", default-features = false, features = ["s3"] }}\n'
            + TOKIO,
            OURS_MAIN,
        ),
        "hand-written": (HAND_DEPS, HAND_MAIN),
        "hand-written-logs": (HAND_DEPS, HAND_LOGS_MAIN),
    }


def write_apps(scratch):
    for name, (deps, main) in apps().items():
        folder = os.path.join(scratch, name)
        os.makedirs(os.path.join(folder, "src"), exist_ok=True)
        with open(os.path.join(folder, "Cargo.toml"), "w") as f:
            f.write(cargo_toml(name, deps))
        shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(folder, "Cargo.lock"))
        edit(folder, main, 0)
    return list(apps())


def edit(folder, main, n):
    with open(os.path.join(folder, "src", "main.rs"), "w") as f:
        f.write(main.replace("EDIT", str(n)))


def timed(args, cwd):
    start = time.monotonic()
    result = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{result.stderr[-3000:]}")
    return time.monotonic() - start


def slowest_units(folder, count=8):
    """The slowest units of the last `--timings` build, from cargo's report."""
    report = os.path.join(folder, "target", "cargo-timings", "cargo-timing.html")
    text = open(report).read()
    match = re.search(r"const UNIT_DATA = (\[.*?\]);", text, re.S)
    if not match:
        return []
    units = json.loads(match.group(1))
    units.sort(key=lambda u: -u["duration"])
    return [(f"{u['name']}{' (build script)' if 'build' in u.get('target', '') else ''}", u["duration"]) for u in units[:count]]


def measure(folder, main):
    shutil.rmtree(os.path.join(folder, "target"), ignore_errors=True)
    figures = {}
    figures["clean release build"] = timed(["cargo", "build", "--release", "--timings"], folder)
    figures["units"] = slowest_units(folder)
    edit(folder, main, 1)
    figures["release rebuild after editing the handler"] = timed(["cargo", "build", "--release"], folder)
    binary = os.path.join(folder, "target", "release", os.path.basename(folder))
    stripped = os.path.join(folder, "target", "stripped")
    shutil.copy(binary, stripped)
    subprocess.run(["strip", stripped], check=True)
    figures["release binary, stripped (MB)"] = os.path.getsize(stripped) / 1e6
    timed(["cargo", "build"], folder)
    edit(folder, main, 2)
    figures["debug rebuild after editing the handler"] = timed(["cargo", "build"], folder)
    edit(folder, main, 0)
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", help="scratch folder to use and keep")
    args = parser.parse_args()
    scratch = args.keep or tempfile.mkdtemp(prefix="build-times-")
    names = write_apps(scratch)
    mains = {name: main for name, (_, main) in apps().items()}
    results = {name: [] for name in names}
    for round_ in range(args.rounds):
        order = names if round_ % 2 == 0 else names[::-1]
        for name in order:
            print(f"round {round_ + 1}: {name}...", file=sys.stderr)
            results[name].append(measure(os.path.join(scratch, name), mains[name]))

    rows = [
        "clean release build",
        "release rebuild after editing the handler",
        "debug rebuild after editing the handler",
        "release binary, stripped (MB)",
    ]
    base = "hand-written"
    others = [name for name in names if name != base]
    print("| figure | " + " | ".join(names) + " | " + " | ".join(f"{name} / {base}" for name in others) + " |")
    print("| --- |" + " ---: |" * (len(names) + len(others)))
    for row in rows:
        unit = "" if "MB" in row else " s"

        def span(xs):
            return f"{min(xs):.2f}{unit}" if len(xs) == 1 else f"{min(xs):.2f} to {max(xs):.2f}{unit}"

        cells = [span([r[row] for r in results[name]]) for name in names]
        for name in others:
            # Per round: each app against the hand-written one built in the same round.
            ratios = [o[row] / h[row] for o, h in zip(results[name], results[base])]
            cells.append(f"{min(ratios):.2f}x" + ("" if len(ratios) == 1 else f" to {max(ratios):.2f}x"))
        print(f"| {row} | " + " | ".join(cells) + " |")
    for name in names:
        print(f"\nSlowest units of {name}'s clean release build (last round, cargo --timings):\n")
        for unit, seconds in results[name][-1]["units"]:
            print(f"- {unit}: {seconds:.1f} s")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
