#!/usr/bin/env python3
"""The documentation as docs.rs renders it, read in a real browser.

Renders `cloud-events-lambda`'s docs as docs.rs does (every feature, `--cfg docsrs`, which
labels feature-gated items), opens the crate page and guide chapters in headless Chromium
(Debian's `chromium`), and checks what a reader meets there:

- every link of the crate page and of each chapter to another page of the docs resolves;
- the guide's chapters are linked from the crate page, and each shows its examples;
- the modules of optional features carry their `doc(cfg)` badge.

Run from the workspace root (CI's `.ci/run` does): `python3 tests/docs_in_browser.py`.
Screenshots of the crate page and of the batches chapter are left in `target/tmp/docs-in-browser`.
"""

import html.parser
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Shared with tests/tests/public_api.rs, which checks the dependencies with the same features.
TARGET = ROOT / "target" / "tmp" / "public-api"
DOC = TARGET / "doc" / "cloud_events_lambda"
SHOTS = ROOT / "target" / "tmp" / "docs-in-browser"
CHAPTERS = [
    "handlers", "conditions", "dependencies", "batches", "envelopes", "cloudevents", "on_lambda",
    "logs", "metrics", "idempotency", "traces", "testing", "deployment", "performance", "kinds",
    "troubleshooting",
]
# Module of the crate root -> the feature its badge names.
BADGES = {"idempotency": "idempotency", "traces": "opentelemetry", "testing": "testing"}


def render():
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET), RUSTC_BOOTSTRAP="1",
               RUSTDOCFLAGS="--cfg docsrs -D warnings")
    env.pop("RUSTFLAGS", None)
    subprocess.run(["cargo", "doc", "--quiet", "--no-deps", "--all-features", "-p", "cloud-events-lambda"],
                   cwd=ROOT, env=env, check=True)


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("headless Chromium is needed: `apt-get install chromium` (CI's .ci/run installs it)")


def browse(page, screenshot=None):
    """The DOM of `page` once Chromium has loaded it and run its scripts."""
    with tempfile.TemporaryDirectory() as profile:
        args = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=2000"]
        if screenshot:
            subprocess.run(args + [f"--screenshot={screenshot}", "--window-size=1280,2000", page.as_uri()],
                           check=True, capture_output=True, timeout=120)
        done = subprocess.run(args + ["--dump-dom", page.as_uri()], check=True, capture_output=True,
                              timeout=120, text=True)
    return done.stdout


class Page(html.parser.HTMLParser):
    """Links, example blocks and portability badges of a rendered page."""

    def __init__(self):
        super().__init__()
        self.links = []
        self.examples = []
        self.badges = []  # [text, title, the link just before it]
        self._last_link = ""
        self.title = ""
        self._in = []  # open tags we collect text of: ("example", i) / ("badge", i) / ("title",)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            self._last_link = attrs["href"]
        if tag == "pre" and "rust" in classes:
            self.examples.append("")
            self._in.append(("example", len(self.examples) - 1, tag))
        elif tag == "span" and "stab" in classes and "portability" in classes:
            self.badges.append(["", attrs.get("title") or "", self._last_link])
            self._in.append(("badge", len(self.badges) - 1, tag))
        elif tag == "h1":
            self._in.append(("title", 0, tag))
        elif self._in:
            self._in.append((None, 0, tag))

    def handle_endtag(self, tag):
        while self._in:
            kind, _, opened = self._in.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        for kind, at, _ in self._in:
            if kind == "example":
                self.examples[at] += data
            elif kind == "badge":
                self.badges[at][0] += data
            elif kind == "title":
                self.title += data


def parse(dom):
    page = Page()
    page.feed(dom)
    return page


def unresolved(page_path, links):
    """The links of the page that point into the docs at a file that is not there."""
    missing = []
    for href in links:
        parsed = urllib.parse.urlparse(href)
        if parsed.scheme in ("http", "https", "mailto", "javascript") or not parsed.path:
            continue
        target = (page_path.parent / urllib.parse.unquote(parsed.path)).resolve()
        if parsed.scheme == "file":
            target = pathlib.Path(urllib.parse.unquote(parsed.path))
        if not target.exists():
            missing.append(href)
    return missing


def main():
    render()
    SHOTS.mkdir(parents=True, exist_ok=True)
    failures = []

    crate_page = DOC / "index.html"
    crate = parse(browse(crate_page, SHOTS / "crate.png"))
    if "cloud_events_lambda" not in crate.title:
        failures.append(f"the crate page's title is {crate.title!r}")
    failures += [f"crate page: link {href} does not resolve" for href in unresolved(crate_page, crate.links)]
    for chapter in CHAPTERS:
        if not any(href.rstrip("/").endswith(f"_guide/{chapter}/index.html") for href in crate.links):
            failures.append(f"the crate page does not link to the chapter {chapter}")
    if not crate.examples:
        failures.append("the crate page shows no example")
    for module, feature in BADGES.items():
        # In the crate page's list of modules, the badge follows the module's link.
        if not any(link == f"{module}/index.html" and f"crate feature `{feature}`" in title
                   for _, title, link in crate.badges):
            failures.append(f"module {module}: no `{feature}` badge on the crate page ({crate.badges})")

    for chapter in CHAPTERS:
        path = DOC / "_guide" / chapter / "index.html"
        shot = SHOTS / "batches.png" if chapter == "batches" else None
        page = parse(browse(path, shot))
        if chapter not in page.title:
            failures.append(f"chapter {chapter}: title {page.title!r}")
        if not page.examples:
            failures.append(f"chapter {chapter}: no example shown")
        failures += [f"chapter {chapter}: link {href} does not resolve" for href in unresolved(path, page.links)]
        if chapter == "batches" and not any("idempotent" in example and "traces_from_env" in example
                                            for example in page.examples):
            failures.append("chapter batches: the idempotent, traced batch handler is not shown")

    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)
    print(f"docs in the browser: the crate page and {len(CHAPTERS)} chapters, links, examples and "
          f"badges checked ({len(crate.badges)} badges on the crate page)")


if __name__ == "__main__":
    main()
