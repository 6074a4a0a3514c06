"""Extraction quality and speed on real pages: newsdesk's preview against trafilatura alone.

    .venv/bin/python benchmarks/bench_extraction.py
    .venv/bin/python benchmarks/bench_extraction.py --jobs 1 --limit 40 --worst 20

The corpus (`/work/shared/extraction-corpus` by default, or `--corpus`) holds
real web pages as saved, with gold snippets per page in `evaldata.json`: `with`
snippets belong to the main text, `without` snippets are boilerplate.

Every page is served as saved from a local HTTP server on 127.0.0.1 (an
ephemeral port, `Content-Type: text/html` without a charset, so that the
page's `<meta>` decides, as for a server that says nothing) and fetched
through newsdesk's own pipeline, `Fetcher.preview()` with a temporary cache
directory: the limits, the charset handling, the extraction and the
rendering a reader sees. Its `text` (exactly the preview pane's text) is
scored. In the same run, on the same bytes, `trafilatura.extract(data,
url=..., fast=True)` alone is scored, as its plain text.

Scoring, as the corpus README says (trafilatura's own rule): white space is
normalised in the output and in each snippet; a `with` snippet found is a
true positive, one missing a false negative; a `without` snippet found is a
false positive; F1 = 2TP / (2TP + FP + FN) over all pages. A crash or an
empty result counts as all misses.

Prints both scores, the time per page (median and p90, wall clock and CPU
time: on a shared machine the wall clock also counts waiting for a core),
and the pages where newsdesk loses most against trafilatura (and gains
most). Pages are shared among `--jobs` processes (2 by default). The exit
status is 1 when newsdesk's F1 is under `--target` (0.93).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

DEFAULT_CORPUS = Path("/work/shared/extraction-corpus")
TARGET_F1 = 0.93

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# --------------------------------------------------------------------------
# Scoring


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def f1(self) -> float:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def net(self) -> int:
        """What the page adds to the F1 numerator minus what it adds to the
        denominator's misses: the per-page quantity that F1 sums up."""
        return 2 * self.tp - self.fp - self.fn


def score(text: str | None, with_: list[str], without: list[str]) -> tuple[Score, list[str]]:
    """The page's score and the snippets it got wrong (`-` missed, `+` boilerplate kept)."""
    output = normalise(text or "")
    if not output:
        return Score(fn=len(with_)), [f"- {s}" for s in with_]
    wrong: list[str] = []
    result = Score()
    for snippet in with_:
        if normalise(snippet) in output:
            result.tp += 1
        else:
            result.fn += 1
            wrong.append(f"- {snippet}")
    for snippet in without:
        if normalise(snippet) in output:
            result.fp += 1
            wrong.append(f"+ {snippet}")
    return result, wrong


# --------------------------------------------------------------------------
# The local server: every page as saved, and nothing else.


class _PageHandler(BaseHTTPRequestHandler):
    server: _PageServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        name = unquote(self.path.split("?", 1)[0].lstrip("/"))
        path = self.server.pages / name
        if "/" in name or not name or not path.is_file():
            self._reply(404, b"not here")
            return
        self._reply(200, path.read_bytes())

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True
    pages: Path


def start_server(pages: Path) -> tuple[_PageServer, str]:
    server = _PageServer(("127.0.0.1", 0), _PageHandler)
    server.pages = pages
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"


# --------------------------------------------------------------------------
# One worker process: newsdesk's pipeline and trafilatura alone, page by page.


@dataclass(slots=True)
class PageResult:
    file: str
    ours: Score
    theirs: Score
    ours_wrong: list[str]
    theirs_wrong: list[str]
    ours_wall: float
    ours_cpu: float
    theirs_wall: float
    theirs_cpu: float
    error: str = ""
    notes: list[str] = field(default_factory=list)


_state: dict[str, Any] = {}


def _init_worker(cache_root: str) -> None:
    from reader.web.fetch import Fetcher, Limits

    cache_dir = Path(tempfile.mkdtemp(prefix="worker-", dir=cache_root))
    loop = asyncio.new_event_loop()
    # trust_env=False: no proxy from the environment; only 127.0.0.1 is asked.
    fetcher = Fetcher(cache_dir, limits=Limits(), trust_env=False)
    _state.update(loop=loop, fetcher=fetcher)
    _warm_up()


def _warm_up() -> None:
    """Pay the imports and first-use costs before anything is timed."""
    import trafilatura

    from reader.web.extract import extract

    paragraph = "<p>" + "A sentence of a warm-up article, long enough to be kept. " * 8 + "</p>"
    page = f"<html><head><title>Warm</title></head><body><article>{paragraph * 3}</article>"
    page += "<footer><a href='/x'>About</a></footer></body></html>"
    extract(page.encode(), "http://127.0.0.1/warm", "text/html")
    trafilatura.extract(page.encode(), url="http://127.0.0.1/warm", fast=True)


def _run_page(task: tuple[str, str, list[str], list[str], str]) -> PageResult:
    import trafilatura

    from reader.web.fetch import FetchError

    file, url, with_, without, pages_dir = task
    loop = _state["loop"]
    fetcher = _state["fetcher"]
    error = ""
    notes: list[str] = []

    wall, cpu = time.perf_counter(), time.process_time()
    text: str | None = None
    try:
        page = loop.run_until_complete(fetcher.preview([url], force=True))
        if page.extracted is None:
            error = f"not shown as text: {page.describe_other()}"
        else:
            text = page.extracted.text
            if page.notice:
                notes.append(page.notice)
    except FetchError as exc:
        error = exc.message
    except Exception:
        error = traceback.format_exc(limit=3)
    ours_wall, ours_cpu = time.perf_counter() - wall, time.process_time() - cpu

    data = (Path(pages_dir) / file).read_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        theirs_text = trafilatura.extract(data, url=url, fast=True)
    except Exception:
        theirs_text = None
    theirs_wall, theirs_cpu = time.perf_counter() - wall, time.process_time() - cpu

    ours, ours_wrong = score(text, with_, without)
    theirs, theirs_wrong = score(theirs_text, with_, without)
    return PageResult(
        file,
        ours,
        theirs,
        ours_wrong,
        theirs_wrong,
        ours_wall,
        ours_cpu,
        theirs_wall,
        theirs_cpu,
        error,
        notes,
    )


# --------------------------------------------------------------------------
# Report


def _ms(values: list[float], fraction: float) -> str:
    ordered = sorted(values)
    if not ordered:
        return "-"
    if fraction == 0.5:
        return f"{statistics.median(ordered) * 1000:.0f}"
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return f"{ordered[index] * 1000:.0f}"


def report(results: list[PageResult], worst: int, elapsed: float, jobs: int) -> Score:
    ours, theirs = Score(), Score()
    for result in results:
        ours.add(result.ours)
        theirs.add(result.theirs)

    print(f"{len(results)} pages, {jobs} process(es), {elapsed:.1f} s in all\n")
    print(f"{'':28}{'F1':>7}{'precision':>11}{'recall':>8}{'TP':>6}{'FP':>5}{'FN':>5}")
    for name, total in (("newsdesk preview (text)", ours), ("trafilatura alone (fast)", theirs)):
        print(
            f"{name:28}{total.f1:7.3f}{total.precision:11.3f}{total.recall:8.3f}"
            f"{total.tp:6d}{total.fp:5d}{total.fn:5d}"
        )

    print("\nTime per page, ms       median    p90    max")
    rows = (
        ("newsdesk, wall clock", [r.ours_wall for r in results]),
        ("newsdesk, CPU", [r.ours_cpu for r in results]),
        ("trafilatura, wall clock", [r.theirs_wall for r in results]),
        ("trafilatura, CPU", [r.theirs_cpu for r in results]),
    )
    for name, values in rows:
        print(f"{name:24}{_ms(values, 0.5):>7}{_ms(values, 0.9):>7}{_ms(values, 1.0):>7}")
    print("(newsdesk: fetch over HTTP, cache write, extraction and rendering;")
    print(" trafilatura: extraction of the bytes from disk)")

    failed = [r for r in results if r.error]
    if failed:
        print(f"\nPages newsdesk could not show ({len(failed)}):")
        for result in failed:
            print(f"  {result.file}: {result.error.strip().splitlines()[-1]}")

    def delta(result: PageResult) -> int:
        return result.ours.net - result.theirs.net

    def show(title: str, chosen: list[PageResult]) -> None:
        if not chosen:
            return
        print(f"\n{title} (TP/FP/FN, newsdesk vs trafilatura):")
        for result in chosen:
            o, t = result.ours, result.theirs
            counts = f"{o.tp}/{o.fp}/{o.fn} vs {t.tp}/{t.fp}/{t.fn}"
            print(f"  {delta(result):+3d}  {result.file}  {counts}")
            ours_wrong, theirs_wrong = set(result.ours_wrong), set(result.theirs_wrong)
            for line in result.ours_wrong:
                if line not in theirs_wrong:
                    print(f"         newsdesk {line[:90]}")
            for line in result.theirs_wrong:
                if line not in ours_wrong:
                    print(f"         trafilatura {line[:90]}")

    ranked = sorted(results, key=lambda r: (delta(r), r.file))
    show("Pages where newsdesk loses most", [r for r in ranked if delta(r) < 0][:worst])
    show("Pages where newsdesk gains most", [r for r in ranked[::-1] if delta(r) > 0][:worst])
    return ours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=12, help="pages listed per ranking")
    parser.add_argument("--target", type=float, default=TARGET_F1, help="F1 to reach")
    parser.add_argument("--json", type=Path, help="write per-page results here")
    options = parser.parse_args(argv)

    corpus: Path = options.corpus
    pages_dir = corpus / "pages"
    gold = json.loads((corpus / "evaldata.json").read_text(encoding="utf-8"))
    entries = sorted(gold.values(), key=lambda entry: entry["file"])
    if options.limit:
        entries = entries[: options.limit]

    server, base = start_server(pages_dir)
    cache_root = tempfile.mkdtemp(prefix="newsdesk-bench-")
    tasks = [
        (
            entry["file"],
            base + quote(entry["file"]),
            list(entry.get("with") or []),
            list(entry.get("without") or []),
            str(pages_dir),
        )
        for entry in entries
    ]
    jobs = max(1, options.jobs)
    started = time.perf_counter()
    try:
        # Big pages first, so that no worker is left with one at the end.
        tasks.sort(key=lambda task: -(pages_dir / task[0]).stat().st_size)
        context = multiprocessing.get_context("spawn")
        with context.Pool(jobs, initializer=_init_worker, initargs=(cache_root,)) as pool:
            results = list(pool.imap_unordered(_run_page, tasks, chunksize=1))
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(cache_root, ignore_errors=True)
    elapsed = time.perf_counter() - started
    results.sort(key=lambda result: result.file)

    ours = report(results, options.worst, elapsed, jobs)
    if options.json:
        rows = [
            {
                "file": r.file,
                "ours": [r.ours.tp, r.ours.fp, r.ours.fn],
                "trafilatura": [r.theirs.tp, r.theirs.fp, r.theirs.fn],
                "ours_wrong": r.ours_wrong,
                "trafilatura_wrong": r.theirs_wrong,
                "ours_ms": round(r.ours_wall * 1000, 1),
                "trafilatura_ms": round(r.theirs_wall * 1000, 1),
                "error": r.error,
            }
            for r in results
        ]
        options.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    if ours.f1 < options.target:
        print(f"\nnewsdesk's F1 {ours.f1:.3f} is under the target {options.target:.2f}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
