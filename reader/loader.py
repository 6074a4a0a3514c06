"""Streaming a store into slim rows, for the app's background load.

The first files are parsed at once in the calling thread so that a first
screen of articles can be drawn while the folder is still being scanned; the
rest is parsed in batches, on every core through a process pool when the
store is large. Events come out as they happen: `Progress` and `Batch`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import forkserver, resource_tracker
from pathlib import Path

from reader.model import Problem, Row
from reader.store import FileEntry, parse_rows, scan

FIRST_BATCH = 200
"""Files parsed in this thread before anything else: the first screen."""
CHUNK = 500
"""Files per task sent to a worker process."""
POOL_THRESHOLD = 1500
"""Stores with fewer files than this are parsed in this thread only."""


@dataclass(slots=True)
class Progress:
    found: int
    """Article files found by the scan so far."""
    parsed: int
    """Files parsed so far (articles and problems)."""
    scanning: bool
    """True while the folder scan is still going on (`found` may grow)."""
    started: float = field(default_factory=time.monotonic)


@dataclass(slots=True)
class Batch:
    rows: list[Row]
    problems: list[Problem]


Event = Progress | Batch


def stream_store(
    root: Path,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    workers: int | None = None,
) -> Iterator[Event]:
    """Yield `Batch`es of parsed rows and `Progress` reports for `root`.

    `root` must be a resolved folder (see `reader.store.check_store`). The
    generator stops early, without error, once `cancelled()` returns True.
    """
    started = time.monotonic()
    scan_problems: list[Problem] = []
    found = 0
    parsed = 0
    pending: list[FileEntry] = []
    futures: set[Future[tuple[list[Row], list[Problem]]]] = set()
    pool: ProcessPoolExecutor | None = None
    first_done = False
    last_progress = 0.0

    def progress(scanning: bool) -> Progress:
        return Progress(found, parsed, scanning, started)

    def drain(block: bool) -> Iterator[Event]:
        nonlocal parsed
        if not futures:
            return
        done, _ = wait(futures, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            futures.discard(future)
            rows, problems = future.result()
            parsed += len(rows) + len(problems)
            yield Batch(rows, problems)

    try:
        for entry in scan(root, scan_problems):
            if cancelled():
                return
            found += 1
            pending.append(entry)
            if not first_done and len(pending) >= FIRST_BATCH:
                first_done = True
                rows, problems = parse_rows(root, pending)
                parsed += len(pending)
                pending = []
                yield Batch(rows, problems)
                yield progress(True)
            elif first_done and len(pending) >= CHUNK and found >= POOL_THRESHOLD:
                if pool is None:
                    pool = _make_pool(workers)
                futures.add(pool.submit(parse_rows, root, pending))
                pending = []
                yield from drain(block=False)
            now = time.monotonic()
            if now - last_progress > 0.1:
                last_progress = now
                yield progress(True)
        if scan_problems:
            yield Batch([], scan_problems)
        yield progress(False)
        # What the scan left over: parsed here for a small store, else in
        # the pool alongside the chunks already sent.
        if pool is not None and pending:
            futures.add(pool.submit(parse_rows, root, pending))
            pending = []
        while futures:
            if cancelled():
                return
            yield from drain(block=True)
            yield progress(False)
        while pending:
            if cancelled():
                return
            chunk, pending = pending[:CHUNK], pending[CHUNK:]
            rows, problems = parse_rows(root, chunk)
            parsed += len(chunk)
            yield Batch(rows, problems)
            yield progress(False)
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _make_pool(workers: int | None) -> ProcessPoolExecutor:
    # A fork server rather than plain fork: the app runs threads (the event
    # loop, workers), and forking a threaded process can copy held locks.
    methods = multiprocessing.get_all_start_methods()
    use_forkserver = "forkserver" in methods
    context = multiprocessing.get_context("forkserver" if use_forkserver else "spawn")
    if use_forkserver:
        context.set_forkserver_preload(["reader.store"])
    # The helper processes inherit standard error. While a Textual app runs,
    # `sys.stderr` is a capture object whose file number is -1, which cannot
    # be passed on: start the helpers against the real stream.
    with _real_stderr():
        resource_tracker.ensure_running()
        if use_forkserver:
            forkserver.ensure_running()
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 2, mp_context=context)


@contextlib.contextmanager
def _real_stderr() -> Iterator[None]:
    current = sys.stderr
    try:
        valid = current is not None and current.fileno() >= 0
    except (OSError, ValueError, AttributeError):
        valid = False
    if valid or sys.__stderr__ is None:
        yield
        return
    sys.stderr = sys.__stderr__
    try:
        yield
    finally:
        sys.stderr = current
