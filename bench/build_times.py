#!/usr/bin/env python3
"""Build time and binary size of a one-handler app against the same app written by hand
(issue #17), side by side in one run.

Two throwaway crates are written to a scratch folder, each with its own target folder and
this workspace's Cargo.lock (the same dependency versions):

- ours: `#[on_event("aws.s3")]` on a function taking `S3Event`, and `cloud_events_lambda::run()`;
- hand-written: `lambda_runtime::run(service_fn(...))` on `LambdaEvent<S3Event>`, with
  `aws_lambda_events` and only its `s3` feature, as the issue's figures were taken.

For each: a clean release build (with `--timings`, whose slowest units are listed), a release
rebuild after editing the handler, a debug build, a debug rebuild after editing the handler,
and the stripped release binary's size. Builds run one at a time (hand-written first, then
ours, then again in the other order with `--rounds 2`).

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


def write_apps(scratch):
    lambda_path = os.path.join(ROOT, "cloud-events-lambda")
    apps = {
        "ours": (
            cargo_toml(
                "ours",
                f'cloud-events-lambda = {{ path = "{lambda_path}" }}\n'
                'tokio = { version = "1", features = ["macros", "rt-multi-thread"] }',
            ),
            OURS_MAIN,
        ),
        "hand-written": (
            cargo_toml(
                "hand-written",
                'lambda_runtime = "1.5"\n'
                'aws_lambda_events = { version = "1.2.1", default-features = false, features = ["s3"] }\n'
                'tokio = { version = "1", features = ["macros", "rt-multi-thread"] }',
            ),
            HAND_MAIN,
        ),
    }
    for name, (manifest, main) in apps.items():
        folder = os.path.join(scratch, name)
        os.makedirs(os.path.join(folder, "src"), exist_ok=True)
        with open(os.path.join(folder, "Cargo.toml"), "w") as f:
            f.write(manifest)
        shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(folder, "Cargo.lock"))
        edit(folder, main, 0)
    return list(apps)


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
    mains = {"ours": OURS_MAIN, "hand-written": HAND_MAIN}
    results = {name: [] for name in names}
    for round_ in range(args.rounds):
        order = ["hand-written", "ours"] if round_ % 2 == 0 else ["ours", "hand-written"]
        for name in order:
            print(f"round {round_ + 1}: {name}...", file=sys.stderr)
            results[name].append(measure(os.path.join(scratch, name), mains[name]))

    rows = [
        "clean release build",
        "release rebuild after editing the handler",
        "debug rebuild after editing the handler",
        "release binary, stripped (MB)",
    ]
    print("| figure | ours | hand-written | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for row in rows:
        ours = [r[row] for r in results["ours"]]
        hand = [r[row] for r in results["hand-written"]]
        unit = "" if "MB" in row else " s"
        span = lambda xs: f"{min(xs):.2f}{unit}" if len(xs) == 1 else f"{min(xs):.2f} to {max(xs):.2f}{unit}"
        ratios = [o / h for o, h in zip(ours, hand)]
        print(f"| {row} | {span(ours)} | {span(hand)} | {min(ratios):.2f}x{'' if len(ratios) == 1 else f' to {max(ratios):.2f}x'} |")
    for name in names:
        print(f"\nSlowest units of {name}'s clean release build (last round, cargo --timings):\n")
        for unit, seconds in results[name][-1]["units"]:
            print(f"- {unit}: {seconds:.1f} s")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
