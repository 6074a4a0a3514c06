"""The loader's event streams: without an index, cold and warm with one."""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest

import reader.store.loader as loader
from reader.model import Problem, Row
from reader.store.files import check_store
from reader.store.index import StoreIndex, default_index_path
from reader.store.loader import Batch, Changes, Event, Notice, Progress, Removed, stream_store
from tests.conftest import REPO, StoreMaker, article_text, held_after, held_in

Held = dict[str, Row | Problem]


def progress_of(events: list[object]) -> Progress:
    return [e for e in events if isinstance(e, Progress)][-1]


def dated_store(make_store: StoreMaker, count: int, *, bad: int = 0) -> Path:
    files: dict[str, str | bytes] = {
        f"d{i // 50}/{i:04d}_x.txt": article_text(
            f"Article {i}", date=f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
        )
        for i in range(count)
    }
    for i in range(bad):
        files[f"d0/bad{i}.txt"] = b"\xff\xfe"
    return check_store(make_store(files))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's cache folder, for these tests a fresh one."""
    import platformdirs

    cache = tmp_path / "user-cache"
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda name: str(cache / name))


@pytest.fixture(params=["walk here", "walk in a helper"])
def walk_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Warm starts walk the folder here, or in a helper process (large stores)."""
    helper = "helper" in request.param
    monkeypatch.setattr(loader, "HELPER_THRESHOLD", 1 if helper else 10**9)
    results: list[object] = []
    result = loader._WalkHelper.result

    def recorded(self: loader._WalkHelper, *args: Any) -> object:
        results.append(result(self, *args))
        return results[-1]

    monkeypatch.setattr(loader._WalkHelper, "result", recorded)
    yield str(request.param)
    # The helper's findings were used, not thrown away for a walk here.
    assert bool(results) == helper and all(r is not None for r in results)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "FIRST_BATCH", 10)
    monkeypatch.setattr(loader, "CHUNK", 25)
    monkeypatch.setattr(loader, "POOL_THRESHOLD", 40)
    monkeypatch.setattr(loader, "INDEX_CHUNK", 60)


def test_without_an_index_only_batches_and_progress(make_store: StoreMaker) -> None:
    root = dated_store(make_store, 30, bad=1)
    events = list(stream_store(root))
    assert {type(e) for e in events} == {Batch, Progress}
    assert held_after(events) == held_in(root)
    progress = progress_of(events)
    assert (progress.found, progress.parsed, progress.scanning) == (31, 31, False)
    assert progress.indexed == 0 and progress.checked == 31


def test_cold_then_warm(
    make_store: StoreMaker, tmp_path: Path, small_batches: None, walk_mode: str
) -> None:
    root = dated_store(make_store, 120, bad=2)
    index_path = tmp_path / "index.sqlite3"

    with StoreIndex(root, index_path) as index:
        cold = list(stream_store(root, index=index))
    assert not [e for e in cold if isinstance(e, (Removed, Notice))]
    progress = progress_of(cold)
    assert (progress.indexed, progress.found, progress.parsed) == (0, 122, 122)
    assert held_after(cold) == held_in(root)
    # Parsed batches carry each file once.
    assert sum(len(e.rows) + len(e.problems) for e in cold if isinstance(e, Batch)) == 122
    # Rows share their repeated strings, those parsed in helpers too.
    cold_rows = [r for e in cold if isinstance(e, Batch) for r in e.rows]
    assert len({id(r.provider) for r in cold_rows}) == 1
    assert len({id(r.topics) for r in cold_rows}) == 1

    with StoreIndex(root, index_path) as index:
        warm = list(stream_store(root, index=index))
    # The first event is the newest rows, straight from the index.
    first = warm[0]
    assert isinstance(first, Batch) and len(first.rows) == loader.FIRST_BATCH
    newest = sorted(
        (r for r in held_after(cold).values() if isinstance(r, Row)),
        key=lambda r: r.published or 0,
        reverse=True,
    )
    assert [r.published for r in first.rows] == [r.published for r in newest[:10]]
    # Then everything else from the index, before the walk reports.
    walk_starts = next(i for i, e in enumerate(warm) if isinstance(e, Progress))
    assert sum(len(e.rows) for e in warm[:walk_starts] if isinstance(e, Batch)) == 120
    progress = progress_of(warm)
    assert (progress.indexed, progress.checked, progress.found, progress.parsed) == (
        122,
        122,
        0,
        0,
    )
    assert not [e for e in warm if isinstance(e, (Removed, Notice))]
    assert held_after(warm) == held_after(cold)

    # The app reads the newest rows itself for its first screen: the stream
    # then leaves them out, and still replaces one that changed on disk.
    changed = next(r for r in newest[:10])
    (root / changed.path).write_text(article_text("Rewritten", date="2020-01-01T00:00:00Z"))
    with StoreIndex(root, index_path) as index:
        shown = index.newest(10)
        assert [r.path for r in shown] == [r.path for r in newest[:10]]
        rest = list(stream_store(root, index=index, shown=shown))
    delivered = [r.path for e in rest if isinstance(e, Batch) for r in e.rows]
    assert delivered.count(changed.path) == 1
    assert len(delivered) == 120 - 10 + 1
    held = held_after(rest, {row.path: row for row in shown})
    assert held == held_in(root)
    assert held[changed.path].title == "Rewritten"


def test_warm_start_parses_many_changes_in_the_pool(
    make_store: StoreMaker, tmp_path: Path, small_batches: None, walk_mode: str
) -> None:
    root = dated_store(make_store, 300)
    index_path = tmp_path / "index.sqlite3"
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    for i in range(0, 300, 3):
        (root / f"d{i // 50}/{i:04d}_x.txt").write_text(
            article_text(f"Rewritten {i}", date="2027-01-01T00:00:00Z"), encoding="utf-8"
        )
    for i in range(1, 300, 30):
        (root / f"d{i // 50}/{i:04d}_x.txt").unlink()
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index, workers=2))
    progress = progress_of(events)
    assert progress.found == progress.parsed == 100
    [removed] = [e for e in events if isinstance(e, Removed)]
    assert len(removed.paths) == 10
    assert held_after(events) == held_in(root)


def test_a_rebuilt_index_says_so_first(make_store: StoreMaker, tmp_path: Path) -> None:
    root = dated_store(make_store, 5)
    index_path = default_index_path(root)
    index_path.parent.mkdir(parents=True)
    index_path.write_bytes(b"garbage" * 1000)
    with StoreIndex(root) as index:
        events = list(stream_store(root, index=index))
    assert isinstance(events[0], Notice) and "rebuilt" in events[0].message
    assert held_after(events) == held_in(root)


def test_an_index_that_cannot_be_written_is_dropped_with_a_notice(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = dated_store(make_store, 5)
    with StoreIndex(root, tmp_path / "index.sqlite3") as index:
        index._conn.execute("PRAGMA query_only=ON")  # writes now fail
        events = list(stream_store(root, index=index))
    notices = [e for e in events if isinstance(e, Notice)]
    assert len(notices) == 1 and "could not be written" in notices[0].message
    assert held_after(events) == held_in(root)


def test_cancelling_a_warm_start_stops_quietly(make_store: StoreMaker, tmp_path: Path) -> None:
    root = dated_store(make_store, 50)
    index_path = tmp_path / "index.sqlite3"
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    events: list[object] = []
    with StoreIndex(root, index_path) as index:
        for event in stream_store(root, index=index, cancelled=lambda: bool(events)):
            events.append(event)
    assert len(events) == 1 and isinstance(events[0], Batch)


_CHILD = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
import reader.store.loader as loader
from reader.store.index import StoreIndex, default_index_path
from reader.store.loader import Batch, stream_store
loader.CHUNK = 10
loader.POOL_THRESHOLD = 10**9
root, index_path = Path(sys.argv[1]), Path(sys.argv[2])
index = StoreIndex(root, index_path)
done = 0
for event in stream_store(root, index=index):
    if isinstance(event, Batch):
        done += len(event.rows)
        print(done, flush=True)
        time.sleep(0.05)
"""


def test_a_killed_cold_load_keeps_what_it_indexed(make_store: StoreMaker, tmp_path: Path) -> None:
    root = dated_store(make_store, 400)
    index_path = tmp_path / "index.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(root), str(index_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert child.stdout is not None
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in child.stdout or ()])
    reader.start()
    try:
        while int(lines.get(timeout=60)) < 250:
            pass
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        reader.join(10)
    assert child.returncode == -signal.SIGKILL
    with StoreIndex(root, index_path) as index:
        assert index.notice is None
        indexed = index.count()
        assert 250 <= indexed < 400
        events = list(stream_store(root, index=index))
    progress = progress_of(events)
    assert progress.indexed == indexed and progress.found == 400 - indexed
    assert held_after(events) == held_in(root)


def test_a_broken_pool_falls_back_to_parsing_here(
    make_store: StoreMaker, tmp_path: Path, small_batches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_pool = loader.make_pool

    def broken_pool(workers: int | None) -> ProcessPoolExecutor:
        pool = make_pool(workers)
        with contextlib.suppress(BrokenProcessPool):
            pool.submit(os._exit, 1).result()  # a helper dies
        return pool

    monkeypatch.setattr(loader, "make_pool", broken_pool)
    root = dated_store(make_store, 200, bad=1)
    with StoreIndex(root, tmp_path / "index.sqlite3") as index:
        events = list(stream_store(root, index=index))
        assert index.count() == 201
    assert held_after(events) == held_in(root)


def test_changes_fold_events_with_the_latest_word_on_each_path() -> None:
    row = Row("a.txt", "A", "", "", None, None, None, (), "", "", "", None, False, 0)
    changed = Row("a.txt", "A2", "", "", None, None, None, (), "", "", "", None, False, 0)
    changes = Changes()
    assert not changes
    events: list[Event] = [
        Batch([row], [Problem("b.txt", "empty file")]),
        Progress(2, 2, True),
        Removed(["a.txt", "c.txt"]),
        Batch([changed], []),
        Removed(["b.txt"]),
        Notice("The article index was rebuilt: it is damaged."),
        Batch([], [Problem("c.txt", "bad YAML")]),
    ]
    for event in events:
        changes.add(event)
    assert changes.items == {"a.txt": changed, "b.txt": None, "c.txt": Problem("c.txt", "bad YAML")}
    assert changes.progress == events[1]
    assert changes.notices == ["The article index was rebuilt: it is damaged."]
    # Applied to what a consumer held before, the fold agrees with the events.
    before: Held = {"b.txt": Problem("b.txt", "old"), "d.txt": row}
    folded = dict(before)
    for path, item in changes.items.items():
        if item is None:
            folded.pop(path, None)
        else:
            folded[path] = item
    stepwise = dict(before)
    for event in events:
        stepwise = {**stepwise, **held_after([event])} if isinstance(event, Batch) else stepwise
        if isinstance(event, Removed):
            for path in event.paths:
                stepwise.pop(path, None)
    assert folded == stepwise


def test_the_collector_is_paused_while_a_load_makes_rows(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = dated_store(make_store, 30)
    index_path = tmp_path / "index.sqlite3"
    assert gc.isenabled()
    with StoreIndex(root, index_path) as index:
        cold = [gc.isenabled() for _ in stream_store(root, index=index)]
    # Cold: paused until every file is parsed; warm: until the walk is over.
    assert not any(cold) and gc.isenabled()
    without_index = [gc.isenabled() for _ in stream_store(root)]
    assert all(without_index)
    with StoreIndex(root, index_path) as index:
        warm = [gc.isenabled() for _ in stream_store(root, index=index)]
        assert not any(warm[:-1]) and gc.isenabled()
        stream = stream_store(root, index=index)
        next(stream)
        assert not gc.isenabled()
        stream.close()  # the app quits mid-load
        assert gc.isenabled()


@pytest.mark.parametrize("failure", ["the helper fails", "the index changed meanwhile"])
def test_a_walk_helper_that_cannot_be_trusted_means_a_walk_here(
    make_store: StoreMaker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    root = dated_store(make_store, 40, bad=1)
    index_path = tmp_path / "index.sqlite3"
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    (root / "d0" / "0000_x.txt").unlink()
    (root / "d0" / "new.txt").write_text(article_text("New"), encoding="utf-8")
    monkeypatch.setattr(loader, "HELPER_THRESHOLD", 1)
    if failure == "the helper fails":
        monkeypatch.setattr(loader, "_HELPER_CODE", "import sys; sys.exit(3)")
    else:
        monkeypatch.setattr(loader, "_stat_total", lambda items: -1)
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index))
    progress = progress_of(events)
    assert (progress.checked, progress.found) == (41, 1)
    assert held_after(events) == held_in(root)


def test_helper_processes_run_below_the_app() -> None:
    pool = loader.make_pool(1)
    try:
        helper = pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result(timeout=60)
    finally:
        pool.shutdown()
    app = os.getpriority(os.PRIO_PROCESS, 0)
    assert helper > app or app == 19  # 19: the lowest there is


def test_a_batch_says_whether_the_index_holds_all_of_it(make_store: StoreMaker) -> None:
    # A quality beyond 64 bits cannot go in the index: that batch's rows
    # must keep their excerpts, as nothing else holds them.
    root = check_store(
        make_store(
            {
                "a.txt": article_text("Fine"),
                "huge.txt": article_text("Huge", quality="1" + "0" * 30),
            }
        )
    )
    with StoreIndex(root, memory=True) as index:
        [cold] = [e for e in stream_store(root, index=index) if isinstance(e, Batch) and e.rows]
        warm = [e for e in stream_store(root, index=index) if isinstance(e, Batch) and e.rows]
    assert not cold.indexed and sorted(row.path for row in cold.rows) == ["a.txt", "huge.txt"]
    # The next start reads "a.txt" from the index and parses "huge.txt" again.
    assert [([row.path for row in e.rows], e.indexed) for e in warm] == [
        (["a.txt"], True),
        (["huge.txt"], False),
    ]
    without = {row.path: row.excerpt for row in cold.rows}
    assert without == {"a.txt": "An excerpt.", "huge.txt": "An excerpt."}
