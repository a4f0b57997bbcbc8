#!/usr/bin/env python3
"""Events per second of the Python ancestors beside ours, on the same event files.

Run from anywhere (paths below are relative to the project root):

    python3 bench/ancestors.py [--seconds 1] [--skip-rust] [FILES...]

Without FILES the defaults are used: examples/books/events/s3-put.json and the samples
cloud-events-core/samples/aws.{sqs,sns,events}.json and cloudevents.json (missing ones
are skipped with a warning).

The first run creates a virtual environment at bench/.venv and pip-installs the ancestors
into it (cloud-events==0.3.0, event-processor==3.2.1, plus whatever they depend on); the
script then re-runs itself with that environment's interpreter. PyPI must be reachable
for that first run only.

Every cell is "bytes -> handled" for one event, as AWS Lambda's Python runtime delivers
it: the file's bytes are decoded with json.loads and then handed to the library. Each
cell runs for about --seconds (after a short warm-up that also sizes the timing batches)
and reports events per second, timed with time.perf_counter. The columns:

  json.loads (floor)     json.loads(bytes) and nothing else: no Python handler can beat it.
  cloud-events 0.3.0     cloud_events.handler.handler(event, context), the package's Lambda
                         entry point, with WSGI_APPLICATION naming a trivial WSGI app that
                         answers 200 with an empty body. Per event, the package picks the
                         WSGI path from the event (classification), re-serializes the event
                         as the request body and runs the app through werkzeug.
  event-processor 4      EventProcessor.invoke(event) with 4 registered processors, exactly
                         one of whose filters matches the event (see kind_filters).
  event-processor 1,004  the same plus 1,000 processors whose filters match no event.
  ours                   cargo run --release -q -p cloud-events-lambda --example throughput
                         -- --seconds S FILE..., run after the Python cells in the same run;
                         it prints "<file>\\t<events per second>" per file.
  hand-written Rust      the same example with --hand-written: serde_json::from_slice into the
                         kind's typed event and a direct call, no framework (Rust's ceiling).
  ours / fastest ancestor      ours divided by the best of the three ancestor columns.
  ours / event-processor 1,004 ours divided by that column.

A cell reads "error: ..." when the ancestor raised on the event, and "unrouted" when it
accepted the event without recognizing its kind; the notes under the table give, per file,
the route cloud-events chose and the processor event-processor called.
"""

# No `from __future__ import annotations` here: event-processor injects the event into a
# processor only when the parameter's annotation *is* the `Event` class, not a string.

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "bench" / ".venv"
ANCESTORS = {"cloud-events": "0.3.0", "event-processor": "3.2.1"}
DEFAULT_FILES = [
    "examples/books/events/s3-put.json",
    "cloud-events-core/samples/aws.sqs.json",
    "cloud-events-core/samples/aws.sns.json",
    "cloud-events-core/samples/aws.events.json",
    "cloud-events-core/samples/cloudevents.json",
]
RUST_COMMAND = ["cargo", "run", "--release", "-q", "-p", "cloud-events-lambda", "--example", "throughput", "--"]
_REEXEC_MARKER = "CLOUD_EVENTS_ANCESTORS_BENCH_IN_VENV"


def log(message):
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# The virtual environment


def venv_python():
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def running_in_venv():
    return Path(sys.prefix).resolve() == VENV.resolve()


def enter_venv():
    """Create bench/.venv if needed and replace this process with the venv's interpreter."""
    if os.environ.get(_REEXEC_MARKER):
        sys.exit(f"re-executed with {venv_python()} but sys.prefix is {sys.prefix}; remove {VENV} and retry")
    if not venv_python().exists():
        log(f"creating virtual environment {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    env = dict(os.environ, **{_REEXEC_MARKER: "1"})
    python = str(venv_python())
    os.execve(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]], env)


def ensure_ancestors_installed():
    """pip-install the pinned ancestors into the venv unless those versions are there."""
    from importlib import invalidate_caches, metadata

    def installed(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    missing = [f"{name}=={version}" for name, version in ANCESTORS.items() if installed(name) != version]
    if missing:
        log(f"installing {' '.join(missing)} into {VENV}")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q", *missing],
            check=True,
        )
        invalidate_caches()


# --------------------------------------------------------------------------------------
# Timing


def events_per_second(fn, arg, seconds):
    """Call fn(arg) repeatedly for about `seconds`; return calls per second.

    A warm-up doubles the batch size until one batch takes 10 ms, so that the clock is read
    rarely compared with the work; then whole batches run until the time is up.
    """
    perf_counter = time.perf_counter
    batch = 1
    while True:
        started = perf_counter()
        for _ in range(batch):
            fn(arg)
        if perf_counter() - started >= 0.01:
            break
        batch *= 2
    calls = 0
    started = perf_counter()
    deadline = started + seconds
    while True:
        for _ in range(batch):
            fn(arg)
        calls += batch
        now = perf_counter()
        if now >= deadline:
            return calls / (now - started)


class Cell:
    """One table cell: a rate, or the reason there is none, plus a remark shown in the cell."""

    def __init__(self, rate=None, error=None, remark=None):
        self.rate, self.error, self.remark = rate, error, remark

    def text(self):
        if self.error is not None:
            return f"error: {self.error}"
        if self.rate is None:
            return self.remark or "n/a"
        if self.remark:
            return f"{self.remark}: {fmt_rate(self.rate)}"
        return fmt_rate(self.rate)


def describe(exc):
    text = str(exc).replace("\n", " ").replace("|", "\\|")
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def fmt_rate(rate):
    """Events per second to three significant figures, with thousands separators."""
    if rate >= 100:
        digits = len(str(int(rate)))
        return f"{int(round(rate, 3 - digits)):,}"
    return f"{rate:.3g}"


def fmt_ratio(numerator, denominator):
    if numerator is None or denominator is None:
        return "n/a"
    ratio = numerator / denominator
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:.1f}x"


# --------------------------------------------------------------------------------------
# cloud-events 0.3.0
#
# Its Lambda entry point is cloud_events.handler.handler(event, context). On every call it
# reads WSGI_APPLICATION (or ASGI_APPLICATION, which wins) from the environment and imports
# that dotted path, builds a WSGI environ whose PATH_INFO comes from
# cloud_events.adapter.get_path_for_event (e.g. /aws.s3, or the event's `source`) and whose
# body is json.dumps(event), runs the app with werkzeug's Response.from_app and returns
# {"status_code", "body", "headers"}. An event it does not recognize is not an error: it is
# posted to PATH_INFO "/" (shown as "unrouted").


def trivial_wsgi_app(environ, start_response):
    start_response("200 OK", [])
    return []


LAMBDA_CONTEXT = SimpleNamespace(  # stand-in; the WSGI path of the handler never reads it
    function_name="ancestors-bench", aws_request_id="00000000-0000-0000-0000-000000000000"
)


def cloud_events_cell(raw, seconds, notes):
    from cloud_events.adapter import get_path_for_event
    from cloud_events.handler import handler

    os.environ.pop("ASGI_APPLICATION", None)
    os.environ.pop("WSGI_ENVIRON", None)
    os.environ["WSGI_APPLICATION"] = f"{__name__}.{trivial_wsgi_app.__name__}"
    loads = json.loads

    def run(event_bytes):
        return handler(loads(event_bytes), LAMBDA_CONTEXT)

    try:
        answer = run(raw)
        route = get_path_for_event(json.loads(raw))
    except Exception as exc:  # the handler raised on this event: no rate for it
        notes.append(f"cloud-events raised {describe(exc)}")
        return Cell(error=describe(exc))
    if answer.get("status_code") != 200:
        notes.append(f"cloud-events answered {answer!r}")
        return Cell(error=f"status {answer.get('status_code')}")
    notes.append(f"cloud-events route `{route}`")
    return Cell(events_per_second(run, raw, seconds), remark="unrouted (`/`)" if route == "/" else None)


# --------------------------------------------------------------------------------------
# event-processor 3.2.1
#
# EventProcessor().processor(filter, rank=0) registers a processor; invoke(event) tests
# *every* registered filter (it looks for the highest rank among all matches), then calls
# the first match (FIRST_MATCH strategy, BUBBLE error handling) with dependency injection:
# a parameter annotated `Event` receives a copy of the event. No match raises
# InvocationError, which (like all the package's errors) derives from BaseException.
#
# Filters read dotted paths (filters.Eq, filters.Exists) through util.get_value_at_path,
# which indexes each level with the string part, so a list cannot be stepped into:
# "Records.0.eventSource" never matches (list["0"] is a TypeError, treated as absent).
# For the Records-based kinds we therefore use filters.Dyn with a lambda, the way the
# package's own tests reach into lists (Dyn(lambda e: e["messages"][0]...)); the others
# use dotted paths.


def first_record(event):
    records = event.get("Records") if isinstance(event, dict) else None
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return records[0]
    return {}


def kind_filters(event):
    """One filter per event kind, at the level our router works at.

    The five kinds of the default files always; for another Records-based event (DynamoDB,
    Kinesis, ...) one more kind is made from its first record's eventSource.
    """
    from event_processor.filters import Dyn, Exists

    def record_source_is(key, value):
        return Dyn(lambda e: first_record(e).get(key) == value)

    kinds = {
        "aws.s3": record_source_is("eventSource", "aws:s3"),
        "aws.sqs": record_source_is("eventSource", "aws:sqs"),
        "aws.sns": record_source_is("EventSource", "aws:sns"),
        "aws.events": Exists("detail-type"),
        "cloudevents": Exists("specversion"),
    }
    for key in ("eventSource", "EventSource"):
        value = first_record(event).get(key)
        if isinstance(value, str) and not any(f.matches(event) for f in kinds.values()):
            kinds[value.replace(":", ".")] = record_source_is(key, value)
    return kinds


def unmatched_filters(count):
    """`count` filters that match none of the events: other sources, types and services."""
    from event_processor.filters import Dyn, Eq

    filters = []
    for i in range(count):
        shape = i % 3
        if shape == 0:  # an EventBridge rule on another source
            filters.append(Eq("source", f"com.example.unmatched.{i}"))
        elif shape == 1:  # a CloudEvent of another type
            filters.append(Eq("type", f"com.example.unmatched.{i}"))
        else:  # records from another service
            filters.append(Dyn(lambda e, source=f"aws:unmatched{i}": first_record(e).get("eventSource") == source))
    return filters


def build_event_processor(event, extra):
    """An EventProcessor with 4 + `extra` processors of which exactly one matches `event`.

    The 4 are the processor for the event's kind and three for other kinds (the first
    three others of kind_filters(), in order), so the count stays 4 whatever the kind.
    """
    from event_processor import Event, EventProcessor

    kinds = kind_filters(event)
    matching = [kind for kind, filter_ in kinds.items() if filter_.matches(event)]
    if len(matching) != 1:
        found = f"it matches {', '.join(matching)}" if matching else "none matches"
        raise LookupError(f"no single kind filter for this event ({found})")
    others = [kind for kind in kinds if kind != matching[0]][:3]

    processor = EventProcessor()

    def register(filter_, name):
        def handle(event: Event):
            return None

        handle.__name__ = name
        processor.processor(filter_)(handle)

    for kind in [matching[0], *others]:
        register(kinds[kind], f"on_{kind.replace('.', '_')}")
    for i, filter_ in enumerate(unmatched_filters(extra)):
        register(filter_, f"unmatched_{i}")
    assert len(processor.processors) == 4 + extra, "two filters compared equal and were merged"
    return processor


def event_processor_cell(raw, extra, seconds, notes):
    from event_processor import EventProcessorError

    try:
        processor = build_event_processor(json.loads(raw), extra)
    except LookupError as exc:  # no processor of ours could be made to match this kind
        if extra == 0:
            notes.append(f"event-processor: {exc}")
        return Cell(error=str(exc))
    loads = json.loads

    def run(event_bytes):
        return processor.invoke(loads(event_bytes))

    try:
        result = run(raw)
    except (Exception, EventProcessorError) as exc:  # EventProcessorError is a BaseException
        if extra == 0:
            notes.append(f"event-processor raised {describe(exc)}")
        return Cell(error=describe(exc))
    if extra == 0:
        notes.append(f"event-processor called `{result.processor_name}`")
    return Cell(events_per_second(run, raw, seconds))


# --------------------------------------------------------------------------------------
# Ours


def run_ours(files, seconds, *flags):
    """{absolute path: events per second} from the Rust example, or (None, error text)."""
    command = [*RUST_COMMAND, *flags, "--seconds", format(seconds, "g"), *[str(f) for f in files]]
    log(f"running (in {ROOT}): {' '.join(command)}")
    try:
        completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    except OSError as exc:
        return None, f"could not start cargo: {exc}"
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        last = completed.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        return None, f"cargo exited with status {completed.returncode}: {last[0]}"
    rates = {}
    for line in completed.stdout.splitlines():
        path, sep, value = line.rpartition("\t")
        if not sep:
            continue
        try:
            rates[path] = float(value)
        except ValueError:
            continue
    return rates, None


# --------------------------------------------------------------------------------------
# Main


def pick_files(given):
    """[(name shown in the table, absolute path)]."""
    if given:
        picked = [(name, Path(name).resolve()) for name in given]
        for name, path in picked:
            if not path.is_file():
                sys.exit(f"no such file: {name}")
        return picked
    picked = []
    for name in DEFAULT_FILES:
        path = ROOT / name
        if path.is_file():
            picked.append((name, path))
        else:
            log(f"skipping missing default file {name}")
    if not picked:
        sys.exit("none of the default event files exists; give FILES")
    return picked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", metavar="FILES", help="event files (JSON)")
    parser.add_argument("--seconds", type=float, default=1.0, help="time per cell (default 1)")
    parser.add_argument("--skip-rust", action="store_true", help="do not run cargo; ours reads 'skipped'")
    args = parser.parse_args()
    if args.seconds <= 0:
        parser.error("--seconds must be positive")

    if not running_in_venv():
        enter_venv()  # does not return
    ensure_ancestors_installed()

    files = pick_files(args.files)
    rows = []
    for name, path in files:
        raw = path.read_bytes()
        notes = []
        log(f"{name}: json.loads")
        floor = Cell(events_per_second(json.loads, raw, args.seconds))
        log(f"{name}: cloud-events")
        cloud_events = cloud_events_cell(raw, args.seconds, notes)
        log(f"{name}: event-processor, 4 processors")
        ep4 = event_processor_cell(raw, 0, args.seconds, notes)
        log(f"{name}: event-processor, 1,004 processors")
        ep1004 = event_processor_cell(raw, 1000, args.seconds, notes)
        rows.append((name, path, floor, cloud_events, ep4, ep1004, notes))

    ours_note = None
    hand = {}
    if args.skip_rust:
        ours = {}
        ours_missing = "skipped"
    else:
        ours, ours_note = run_ours([path for _, path, *_ in rows], args.seconds)
        ours_missing = "error: see notes" if ours is None else "error: no line for this file"
        ours = ours or {}
        # The ceiling for Rust: serde_json straight into the typed event, no framework.
        hand, hand_note = run_ours([path for _, path, *_ in rows], args.seconds, "--hand-written")
        hand = hand or {}
        ours_note = ours_note or hand_note

    headers = [
        "event", "json.loads (floor)", "cloud-events 0.3.0", "event-processor 4", "event-processor 1,004",
        "ours", "hand-written Rust (serde_json only)", "ours / fastest ancestor", "ours / event-processor 1,004",
    ]
    print("| " + " | ".join(headers) + " |")
    print("|" + " --- |" + " ---: |" * (len(headers) - 1))
    for name, path, floor, cloud_events, ep4, ep1004, _ in rows:
        rate = ours.get(str(path))
        ancestors = [c.rate for c in (cloud_events, ep4, ep1004) if c.error is None and c.rate is not None]
        fastest = max(ancestors) if ancestors else None
        cells = [
            f"`{name}`", floor.text(), cloud_events.text(), ep4.text(), ep1004.text(),
            fmt_rate(rate) if rate is not None else ours_missing,
            fmt_rate(hand[str(path)]) if str(path) in hand else ours_missing,
            fmt_ratio(rate, fastest), fmt_ratio(rate, ep1004.rate if ep1004.error is None else None),
        ]
        print("| " + " | ".join(cells) + " |")

    from importlib import metadata

    versions = ", ".join(
        f"{name} {metadata.version(name)}" for name in ["cloud-events", "event-processor", "werkzeug", "mangum"]
    )
    print()
    print(f"Events per second, about {args.seconds:g} s per cell; Python {platform.python_version()} ({versions}).")
    for name, *_, notes in rows:
        print(f"- `{name}`: " + "; ".join(notes))
    if ours_note:
        print(f"- ours: {ours_note}")


if __name__ == "__main__":
    main()
