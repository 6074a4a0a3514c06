"""Streaming a store into slim rows, for the app's background load.

Without an index (`stream_store(root)`), the first files are parsed at once
in the calling thread so that a first screen of articles can be drawn while
the folder is still being scanned; the rest is parsed in batches, on every
core through a process pool when the store is large.

With an index (`stream_store(root, index=StoreIndex(root))`):

- **warm start**: the rows the index holds come first (the newest
  `FIRST_BATCH` in a few milliseconds, then the rest), then the folder is
  walked and compared with the index by modification time and size; only
  new and changed files are parsed, and files that vanished are reported
  (from `HELPER_THRESHOLD` indexed files on, the walk runs in a helper
  process while the index is read, off this interpreter's lock);
- **cold start** (an empty index, or one made with `rebuild=True`): as
  without an index.

Either way every parsed batch is written to the index (one transaction per
batch) before it is yielded, so a load that is interrupted keeps what it
parsed, and the next start parses only the rest.

Events, in the order a consumer must apply them:

- `Notice(message)`: something the user should be told once (the index was
  damaged and rebuilt, or cannot be written). Nothing to apply.
- `Batch(rows, problems)`: rows and problems to add. A path may already be
  held, from an earlier event of the same stream: then the new row or
  problem **replaces** whatever is held for that path, row or problem (a
  file that changed, or that became readable or unreadable). Within one
  batch a path appears once.
- `Removed(paths)`: files that are gone; drop the row or problem held for
  each path (a path not held is ignored).
- `Progress(...)`: counters for the status line; see its fields.

On a cold start no path repeats and `Removed` never comes; on a warm start
the replaced and removed paths are those that changed on disk since the
index was written. `reader.store.watch.StoreWatcher` yields the same events while
the app runs. `Changes` folds the events of a hand-over interval into one
path -> row / problem / None (removed) mapping for the UI to apply.
"""

from __future__ import annotations

import gc
import marshal
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reader import gc_pause
from reader.model import Problem, Row
from reader.store.files import FileEntry, parse_rows, scan
from reader.store.index import FileProblem, StoreIndex
from reader.store.processes import mp_context, run_below_the_app

if TYPE_CHECKING:
    # The process pool is for cold loads only: its modules load when needed.
    from concurrent.futures import Future, ProcessPoolExecutor

FIRST_BATCH = 80
"""Files parsed in this thread before anything else (or rows read first from
the index): the first screen."""
CHUNK = 500
"""Files per task sent to a worker process."""
POOL_THRESHOLD = 1500
"""Fewer files to parse than this are parsed in this thread only."""
INDEX_CHUNK = 5_000
"""Rows per batch read from the index after the first."""
PROGRESS_INTERVAL = 0.1
"""Seconds between `Progress` events while the folder is walked."""


class _Stat(Protocol):
    """The stat the index holds for a file: an indexed `Row`, a
    `FileProblem`, or `_STALE` for one that is parsed again whatever it is."""

    @property
    def mtime_ns(self) -> int: ...

    @property
    def size(self) -> int: ...


@dataclass(slots=True)
class Progress:
    found: int
    """Files found so far that must be parsed: every article file on a cold
    start, only new and changed ones on a warm start."""
    parsed: int
    """Of those, files parsed so far (articles and problems)."""
    scanning: bool
    """True while the folder walk is still going on (`found` may grow)."""
    started: float = field(default_factory=time.monotonic)
    indexed: int = 0
    """Rows and problems delivered from the index (0 on a cold start)."""
    checked: int = 0
    """Files the walk has seen so far, unchanged ones included."""


@dataclass(slots=True)
class Batch:
    rows: list[Row]
    problems: list[Problem]
    indexed: bool = False
    """Every row and problem of it is in the index as it is (a row's
    excerpt can be read there: `StoreIndex.excerpts`)."""


@dataclass(slots=True)
class Removed:
    """Files that vanished from the store: forget their rows and problems."""

    paths: list[str]


@dataclass(slots=True)
class Notice:
    """A message for the user about the index (shown once, e.g. a toast)."""

    message: str


Event = Progress | Batch | Removed | Notice
ParseResult = tuple[list[Row], list[Problem]]


@dataclass(slots=True)
class Changes:
    """Events folded together between two hand-overs to the UI.

    The latest event about a path wins, so applying `items` in any order
    has the same effect as applying the events one by one, in order.
    """

    items: dict[str, Row | Problem | None] = field(default_factory=dict)
    """Path -> its row, its problem, or None when the file is gone."""
    progress: Progress | None = None
    """The latest progress report."""
    notices: list[str] = field(default_factory=list)

    def add(self, event: Event) -> None:
        items = self.items
        if isinstance(event, Batch):
            for row in event.rows:
                items[row.path] = row
            for problem in event.problems:
                items[problem.path] = problem
        elif isinstance(event, Removed):
            for path in event.paths:
                items[path] = None
        elif isinstance(event, Progress):
            self.progress = event
        else:
            self.notices.append(event.message)

    def __bool__(self) -> bool:
        return bool(self.items or self.notices)


def stream_store(
    root: Path,
    *,
    cancelled: Callable[[], bool] = lambda: False,
    workers: int | None = None,
    index: StoreIndex | None = None,
    shown: Sequence[Row] = (),
) -> Generator[Event, None, None]:
    """Yield the events of loading `root` (see the module's docstring).

    `root` must be a resolved folder (see `reader.store.files.check_store`). With
    `index`, rows come from it first and parsed files go into it; `shown`
    are the index's newest rows, already read by the caller with
    `StoreIndex.newest` (for a first screen that does not wait for this
    generator's thread): they count as delivered. The generator stops
    early, without error, once `cancelled()` returns True; what was parsed
    until then is in the index.
    """
    yield from _Load(
        root, cancelled, workers, index, shown=list(shown) if index is not None else []
    ).run()


@dataclass(slots=True)
class _Load:
    root: Path
    cancelled: Callable[[], bool]
    workers: int | None
    index: StoreIndex | None
    started: float = field(default_factory=time.monotonic)
    found: int = 0
    parsed: int = 0
    indexed: int = 0
    checked: int = 0
    delivered: bool = False
    """Whether any rows reached the consumer yet (else the next files found
    are parsed here at once, for the first screen)."""
    known: dict[str, _Stat] = field(default_factory=dict)
    """What the index held and has not been seen on disk yet."""
    paused: gc_pause.Hold = field(default_factory=lambda: gc_pause.Hold(False))
    damaged: bool = False
    """The index failed while it was read: every file is parsed again."""
    topic_tuples: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    shown: list[Row] = field(default_factory=list)
    """The index's newest rows, which the consumer read for itself."""

    def progress(self, scanning: bool) -> Progress:
        return Progress(self.found, self.parsed, scanning, self.started, self.indexed, self.checked)

    def run(self) -> Iterator[Event]:
        # A warm start makes 100,000 rows in a second and no reference
        # cycles; each collection meanwhile would traverse all the rows made
        # so far. The collector is paused until the walk is over, and what
        # the walk made is settled then (see `reader.gc_pause`). A cold
        # start keeps it paused until every file is parsed: the rows that
        # come back from the helpers piled up between the index's batches,
        # and the first young collection after each batch walked them all
        # (10-12 ms, and a full one 38 ms, each holding up a key).
        self.paused = gc_pause.Hold(self.index is not None)
        helper: _WalkHelper | None = None
        try:
            walked: _Walked | None = None
            if self.index is not None:
                if self.index.notice:
                    yield Notice(self.index.notice)
                tried = False
                for event in self.from_index():
                    yield event
                    if not tried and self.indexed and not self.damaged:
                        # After the first screen: walk the folder meanwhile.
                        tried = True
                        helper = _WalkHelper.start(self.root, self.index)
                if self.cancelled():
                    return
                if self.indexed:
                    yield self.progress(True)
                if helper is not None and not self.damaged:
                    walked = helper.result(self.cancelled, self.known)
                    if self.cancelled():
                        return
            yield from self.reconcile(walked)
            if self.index is not None:
                self.index.shrink()
        finally:
            self.paused.release(settle=True)
            if helper is not None:
                helper.stop()

    # -- warm start ---------------------------------------------------------------

    def from_index(self) -> Iterator[Event]:
        """Deliver what the index holds, newest first."""
        index = self.index
        assert index is not None
        known = self.known
        shown = self.shown
        for row in shown:
            known[row.path] = row
        self.indexed += len(shown)
        self.delivered = self.delivered or bool(shown)
        try:
            for rows in index.iter_rows(FIRST_BATCH, INDEX_CHUNK, skip=len(shown)):
                for row in rows:
                    known[row.path] = row
                self.indexed += len(rows)
                self.delivered = True
                yield Batch(rows, [], indexed=True)
                if self.cancelled():
                    return
            problems = index.problems()
        except sqlite3.Error as error:
            # A damaged page deep in the file: what was delivered may be
            # fine, but nothing more is trusted. Every file is parsed again
            # (rows delivered are replaced, or removed if gone).
            index.discard(f"it is damaged ({error})")
            self.damaged = True
            yield Notice(index.notice or "The article index was rebuilt.")
            for path in known:
                known[path] = _STALE
            return
        for problem in problems:
            known[problem.path] = problem
        self.indexed += len(problems)
        if problems:
            yield Batch([], [problem.problem() for problem in problems])

    # -- the walk -------------------------------------------------------------------

    def reconcile(self, walked: _Walked | None = None) -> Iterator[Event]:
        """Walk the folder; parse what the index does not hold as it is.

        With `walked`, the walk was done by a helper process: only the
        files it found changed go through here.
        """
        root = self.root
        cancelled = self.cancelled
        known = self.known
        scan_problems: list[Problem] = []
        walk: Iterable[FileEntry] = scan(root, scan_problems)
        if walked is not None:
            # What the index holds that was not seen on disk: nothing else
            # is left to match the walk against.
            self.known = known = {path: known[path] for path in walked.removed if path in known}
            scan_problems = walked.problems
            walk = walked.changed
            self.checked = walked.checked - len(walked.changed)
        pending: list[FileEntry] = []
        futures: dict[Future[ParseResult], list[FileEntry]] = {}
        pool: ProcessPoolExecutor | None = None
        last_progress = time.monotonic()
        try:
            for entry in walk:
                self.checked += 1
                old = known.pop(entry.path, None)
                if old is not None and old.mtime_ns == entry.mtime_ns and old.size == entry.size:
                    if self.checked % 1024 == 0:
                        if cancelled():
                            return
                        now = time.monotonic()
                        if now - last_progress > PROGRESS_INTERVAL:
                            last_progress = now
                            yield self.progress(True)
                    continue
                if cancelled():
                    return
                self.found += 1
                pending.append(entry)
                if not self.delivered and len(pending) >= FIRST_BATCH:
                    yield from self.parse_here(pending)
                    pending = []
                    yield self.progress(True)
                elif self.delivered and len(pending) >= CHUNK and self.found >= POOL_THRESHOLD:
                    if pool is None:
                        pool = make_pool(self.workers)
                    yield from self.submit(pool, futures, pending)
                    pending = []
                    yield from self.drain(futures, block=False)
                now = time.monotonic()
                if now - last_progress > PROGRESS_INTERVAL:
                    last_progress = now
                    yield self.progress(True)
            if self.indexed and not self.damaged:
                self.paused.release(settle=True)  # the rest is a few files
            if cancelled():
                return
            if known:
                removed = list(known)
                known.clear()
                yield from self.write(lambda index: index.remove(removed))
                yield Removed(removed)
            if scan_problems:
                yield Batch([], scan_problems)
            yield self.progress(False)
            # What the walk left over: parsed here when there is little to
            # parse, else in the pool alongside the chunks already sent.
            if pool is not None and pending:
                yield from self.submit(pool, futures, pending)
                pending = []
            while futures:
                if cancelled():
                    return
                yield from self.drain(futures, block=True)
                yield self.progress(False)
            while pending:
                if cancelled():
                    return
                chunk, pending = pending[:CHUNK], pending[CHUNK:]
                yield from self.parse_here(chunk)
                yield self.progress(False)
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    def parse_here(self, entries: list[FileEntry]) -> Iterator[Event]:
        rows, problems = parse_rows(self.root, entries)
        yield from self.deliver(rows, problems, entries)

    def submit(
        self,
        pool: ProcessPoolExecutor,
        futures: dict[Future[ParseResult], list[FileEntry]],
        entries: list[FileEntry],
    ) -> Iterator[Event]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            futures[pool.submit(parse_rows, self.root, entries)] = entries
        except (BrokenProcessPool, RuntimeError):
            yield from self.parse_here(entries)  # the pool is broken: go on here

    def drain(
        self, futures: dict[Future[ParseResult], list[FileEntry]], *, block: bool
    ) -> Iterator[Event]:
        if not futures:
            return
        from concurrent.futures import FIRST_COMPLETED, wait

        done, _ = wait(futures, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            entries = futures.pop(future)
            try:
                rows, problems = future.result()
            except Exception:
                # A helper died (killed, out of memory): parse its share here.
                rows, problems = parse_rows(self.root, entries)
            yield from self.deliver(rows, problems, entries)

    def share_labels(self, rows: list[Row]) -> None:
        """Make parsed rows share their repeated strings and topic tuples.

        Strings interned in a helper process arrive as copies (pickling
        does not keep interning): at 100,000 rows that is some 35 MB of
        duplicate providers, domains, categories, types and topics.
        """
        intern = sys.intern
        topics_of = self.topic_tuples
        for row in rows:
            row.provider = intern(row.provider)
            row.domain = intern(row.domain)
            row.category = intern(row.category)
            row.type = intern(row.type)
            topics = row.topics
            if topics:
                shared = topics_of.get(topics)
                if shared is None:
                    shared = topics_of[topics] = tuple(intern(t) for t in topics)
                row.topics = shared

    def deliver(
        self, rows: list[Row], problems: list[Problem], entries: Sequence[FileEntry]
    ) -> Iterator[Event]:
        """Index a parsed batch, then hand it over."""
        self.share_labels(rows)
        self.parsed += len(rows) + len(problems)
        written = -1
        if self.index is not None:
            stats = {entry.path: entry for entry in entries} if problems else {}
            file_problems = [
                FileProblem(p.path, stats[p.path].mtime_ns, stats[p.path].size, p.reason)
                for p in problems
                if p.path in stats
            ]

            def put(index: StoreIndex) -> None:
                nonlocal written
                written = index.put(rows, file_problems)

            yield from self.write(put)
        self.delivered = True
        yield Batch(rows, problems, indexed=written == len(rows) + len(problems))

    def write(self, action: Callable[[StoreIndex], object]) -> Iterator[Event]:
        """Apply `action` to the index; on failure go on without an index."""
        if self.index is None:
            return
        try:
            action(self.index)
        except sqlite3.Error as error:
            self.index = None
            yield Notice(f"The article index could not be written ({error}); it is not kept.")


HELPER_THRESHOLD = 20_000
"""Indexed files from which a warm start walks the folder in a helper
process, in parallel with reading the index (below, the walk is quick)."""
_HELPER_CODE = "from reader.store.loader import _walk_helper_main; _walk_helper_main()"


@dataclass(slots=True)
class _Walked:
    """What a helper process found by walking the folder."""

    checked: int
    changed: list[FileEntry]
    removed: list[str]
    problems: list[Problem]


class _WalkHelper:
    """The folder walk of a warm start, in a process of its own.

    It reads the paths, times and sizes from the index itself, walks the
    folder with `reader.store.files.scan` and sends back only the differences,
    while this process reads the rows: the two take about as long, and the
    walk, a million small system calls, no longer competes with the rows
    (and the app) for this interpreter. Anything unexpected (no helper,
    a failure, an index that changed in between) and the walk is done here.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    @classmethod
    def start(cls, root: Path, index: StoreIndex) -> _WalkHelper | None:
        if index.path is None:
            return None
        try:
            if index.count() < HELPER_THRESHOLD:
                return None
            env = dict(os.environ)
            package_parent = str(Path(__file__).resolve().parents[2])
            env["PYTHONPATH"] = os.pathsep.join(
                [package_parent, *filter(None, [env.get("PYTHONPATH")])]
            )
            process = subprocess.Popen(
                [sys.executable, "-c", _HELPER_CODE, str(root), str(index.path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except (OSError, ValueError, sqlite3.Error):
            return None
        return cls(process)

    def result(self, cancelled: Callable[[], bool], known: dict[str, _Stat]) -> _Walked | None:
        """The helper's findings, if they apply to the `known` rows."""
        while True:
            try:
                output, _ = self.process.communicate(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if cancelled():
                    self.stop()
                    return None
        if self.process.returncode != 0:
            return None
        try:
            count, total, checked, changed, removed, problems = marshal.loads(output)
            if count != len(known) or total != _stat_total(known.values()):
                return None  # the index changed between the two reads
            return _Walked(
                checked,
                [FileEntry(path, mtime, size) for path, mtime, size in changed],
                removed,
                [Problem(path, reason) for path, reason in problems],
            )
        except (EOFError, ValueError, TypeError):
            return None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _stat_total(items: Iterable[_Stat]) -> int:
    """A checksum of the times and sizes of indexed files."""
    return sum(item.mtime_ns + item.size for item in items) % (1 << 61)


def _walk_helper_main() -> None:
    """The helper process of `_WalkHelper`: argv is the store and the index."""
    gc.disable()  # short-lived, and it makes no reference cycles
    run_below_the_app()
    root, index_path = Path(sys.argv[1]), Path(sys.argv[2])
    uri = f"{index_path.resolve().as_uri()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=10.0)
    known: dict[str, tuple[int, int]] = {}
    conn.execute("BEGIN")
    for table in ("files", "problems"):
        for path, mtime, size in conn.execute(f"SELECT path, mtime_ns, size FROM {table}"):
            known[path] = (mtime, size)
    conn.close()
    count = len(known)
    total = sum(mtime + size for mtime, size in known.values()) % (1 << 61)
    problems: list[Problem] = []
    checked = 0
    changed: list[tuple[str, int, int]] = []
    for entry in scan(root, problems):
        checked += 1
        if known.pop(entry.path, None) != (entry.mtime_ns, entry.size):
            changed.append((entry.path, entry.mtime_ns, entry.size))
    result = (
        count,
        total,
        checked,
        changed,
        sorted(known),
        [(problem.path, problem.reason) for problem in problems],
    )
    sys.stdout.buffer.write(marshal.dumps(result))


class _Stale:
    """Stands for an indexed file whose stat is not trusted: always parsed."""

    mtime_ns = -1
    size = -1


_STALE: _Stat = _Stale()


def make_pool(workers: int | None) -> ProcessPoolExecutor:
    """A pool of helper processes, safe to start from the running app."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 2,
        mp_context=mp_context(),
        initializer=run_below_the_app,
    )
