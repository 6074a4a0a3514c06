"""The store watcher, on real folders with a real index."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

import reader.store.watch
from reader.store.files import check_store
from reader.store.index import StoreIndex
from reader.store.loader import Batch, Notice, Removed, stream_store
from reader.store.watch import StoreWatcher
from tests.conftest import StoreMaker, article_text, held_after, held_in


def age_folders(root: Path, seconds: float = 3600) -> None:
    """Date every folder back, as in a store that has been there a while."""
    then = time.time() - seconds
    for folder, _, _ in os.walk(root):
        os.utime(folder, (then, then))


class Live:
    """A store loaded through an index, with a watcher on it."""

    def __init__(self, root: Path, index_path: Path, **options: object) -> None:
        self.root = root
        self.index = StoreIndex(root, index_path)
        since = time.time()
        self.held = held_after(list(stream_store(root, index=self.index)))
        self.watcher = StoreWatcher(root, self.index, since=since, **options)  # type: ignore[arg-type]

    def poll(self) -> list[object]:
        events: list[object] = list(self.watcher.poll())
        held_after(events, self.held)
        return events

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Live:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture
def live(make_store: StoreMaker, tmp_path: Path) -> Live:
    root = check_store(
        make_store(
            {
                "2026/01/a.txt": article_text("January A"),
                "2026/01/b.txt": article_text("January B"),
                "2026/02/c.txt": article_text("February C"),
                "top.md": article_text("At the top"),
                "bad.txt": "no front matter",
            }
        )
    )
    age_folders(root)
    with Live(root, tmp_path / "index.sqlite3") as result:
        yield result  # type: ignore[misc]


def test_nothing_changed_nothing_reported(live: Live) -> None:
    assert live.poll() == []
    assert live.poll() == []
    assert live.held == held_in(live.root)


def test_added_changed_and_removed_files(live: Live) -> None:
    root = live.root
    (root / "2026/01/new.txt").write_text(article_text("New in January"), encoding="utf-8")
    (root / "2026/02/c.txt").write_text(article_text("February C, rewritten"), encoding="utf-8")
    (root / "2026/01/b.txt").unlink()
    (root / "bad.txt").write_text(article_text("Fixed"), encoding="utf-8")
    (root / "top.md").write_bytes(b"")
    events = live.poll()
    [removed] = [e for e in events if isinstance(e, Removed)]
    assert removed.paths == ["2026/01/b.txt"]
    batch_paths = {i.path for e in events if isinstance(e, Batch) for i in (*e.rows, *e.problems)}
    assert batch_paths == {"2026/01/new.txt", "2026/02/c.txt", "bad.txt", "top.md"}
    assert live.held == held_in(root)
    assert live.poll() == []
    # The index followed: a fresh start finds nothing to parse.
    events = list(stream_store(root, index=live.index))
    assert held_after(events) == live.held


def test_new_nested_folders_are_read_in_full(live: Live) -> None:
    deep = live.root / "2027" / "03" / "01-08"
    deep.mkdir(parents=True)
    (deep / "x.txt").write_text(article_text("Deep"), encoding="utf-8")
    (live.root / "2027" / "y.md").write_text(article_text("Less deep"), encoding="utf-8")
    (live.root / ".hidden").mkdir()
    (live.root / ".hidden" / "z.txt").write_text(article_text("Hidden"), encoding="utf-8")
    (live.root / "2027" / ".draft.txt").write_text(article_text("Draft"), encoding="utf-8")
    events = live.poll()
    assert {r.path for e in events if isinstance(e, Batch) for r in e.rows} == {
        "2027/03/01-08/x.txt",
        "2027/y.md",
    }
    assert live.held == held_in(live.root)


def test_removed_and_renamed_folders(live: Live) -> None:
    shutil.rmtree(live.root / "2026" / "02")
    (live.root / "2026" / "01").rename(live.root / "2026" / "first")
    events = live.poll()
    [removed] = [e for e in events if isinstance(e, Removed)]
    assert removed.paths == ["2026/01/a.txt", "2026/01/b.txt", "2026/02/c.txt"]
    assert {r.path for e in events if isinstance(e, Batch) for r in e.rows} == {
        "2026/first/a.txt",
        "2026/first/b.txt",
    }
    assert live.held == held_in(live.root)
    assert live.poll() == []


def test_a_store_that_goes_and_comes_back_keeps_its_rows(live: Live, tmp_path: Path) -> None:
    before = dict(live.held)
    away = tmp_path / "away"
    live.root.rename(away)
    [notice] = live.poll()
    assert isinstance(notice, Notice) and "is gone" in notice.message
    assert live.held == before  # nothing counts as removed meanwhile
    assert live.poll() == []  # said once
    # Changed while away, then back under the same name.
    (away / "2026" / "01" / "b.txt").unlink()
    (away / "2026" / "01" / "new.txt").write_text(article_text("Written away"), encoding="utf-8")
    away.rename(live.root)
    events = live.poll()
    assert any(isinstance(e, Notice) and "is back" in e.message for e in events)
    assert live.held == held_in(live.root)
    assert live.poll() == []


def test_a_store_replaced_by_a_copy_is_read_again(live: Live, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(live.root, copy)
    (copy / "top.md").write_text(article_text("At the top, edited"), encoding="utf-8")
    shutil.rmtree(live.root)
    assert [type(e) for e in live.poll()] == [Notice]
    copy.rename(live.root)
    live.poll()
    assert live.held == held_in(live.root)


def test_a_file_rewritten_in_place_is_found_by_the_sweep(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = check_store(make_store({f"f/{i}.txt": article_text(f"Article {i}") for i in range(5)}))
    age_folders(root)
    with Live(root, tmp_path / "index.sqlite3", sweep=2) as live:
        assert live.poll() == []
        folder_time = (root / "f").stat().st_mtime_ns
        with open(root / "f" / "4.txt", "r+", encoding="utf-8") as handle:
            handle.write(article_text("Article 4, edited in place"))
        os.utime(root / "f", ns=(folder_time, folder_time))  # the folder looks untouched
        found = []
        for _ in range(3):  # two files a check: every file within three checks
            found += live.poll()
        assert [r.title for e in found if isinstance(e, Batch) for r in e.rows] == [
            "Article 4, edited in place"
        ]
        assert live.held == held_in(root)


def test_without_the_sweep_an_in_place_edit_goes_unseen(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = check_store(make_store({"f/a.txt": article_text("Before")}))
    age_folders(root)
    with Live(root, tmp_path / "index.sqlite3", sweep=0) as live:
        assert live.poll() == []
        folder_time = (root / "f").stat().st_mtime_ns
        (root / "f" / "a.txt").write_text(article_text("After"), encoding="utf-8")
        os.utime(root / "f", ns=(folder_time, folder_time))
        assert live.poll() == []


def test_changes_made_during_the_load_are_found_at_the_first_check(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = check_store(make_store({"d/a.txt": article_text("A")}))
    age_folders(root)
    index = StoreIndex(root, tmp_path / "index.sqlite3")
    try:
        since = time.time()
        held = held_after(list(stream_store(root, index=index)))
        # Written after the walk passed, before the watcher started.
        (root / "d" / "late.txt").write_text(article_text("Late"), encoding="utf-8")
        watcher = StoreWatcher(root, index, since=since, sweep=0)
        held_after(list(watcher.poll()), held)
        assert held == held_in(root)
    finally:
        index.close()


def test_watch_reports_a_new_file_within_two_seconds(live: Live) -> None:
    events: list[object] = []
    seen = threading.Event()
    stop = threading.Event()

    def consume() -> None:
        for event in live.watcher.watch(cancelled=stop.is_set, interval=0.5):
            events.append(event)
            seen.set()

    thread = threading.Thread(target=consume)
    thread.start()
    try:
        time.sleep(0.3)
        written = time.monotonic()
        (live.root / "2026" / "02" / "fresh.txt").write_text(
            article_text("Fresh"), encoding="utf-8"
        )
        assert seen.wait(5)
        assert time.monotonic() - written < 2.0
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    assert [r.title for e in events if isinstance(e, Batch) for r in e.rows] == ["Fresh"]


def test_a_failing_index_stops_the_watch_with_a_notice(live: Live) -> None:
    (live.root / "2026" / "01" / "new.txt").write_text(article_text("New"), encoding="utf-8")
    live.index._conn.execute("PRAGMA query_only=ON")  # writes now fail
    events = live.poll()
    assert len(events) == 1 and isinstance(events[0], Notice)
    assert live.watcher.stopped and live.poll() == []
    assert list(live.watcher.watch()) == []


def test_a_link_loop_is_entered_once(make_store: StoreMaker, tmp_path: Path) -> None:
    root = check_store(make_store({"d/a.txt": article_text("A")}))
    age_folders(root)
    with Live(root, tmp_path / "index.sqlite3") as live:
        assert live.poll() == []
        (root / "d" / "up").symlink_to(root, target_is_directory=True)
        (root / "d" / "b.txt").write_text(article_text("B"), encoding="utf-8")
        events = live.poll()
        assert [r.path for e in events if isinstance(e, Batch) for r in e.rows] == ["d/b.txt"]
        assert live.held == held_in(root)


def test_a_check_pauses_every_few_stats(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every PAUSE_EVERY folders or files stat'ed, the watcher calls its
    # pause (the app waits there while keys come in), and still finds changes.
    monkeypatch.setattr(reader.store.watch, "PAUSE_EVERY", 2)
    root = check_store(
        make_store(
            {f"d{i}/{j}.txt": article_text(f"A {i}.{j}") for i in range(3) for j in range(4)}
        )
    )
    age_folders(root)
    pauses: list[int] = []
    with Live(root, tmp_path / "index.sqlite3", pause=lambda: pauses.append(1)) as live:
        assert live.poll() == []
        # The first check: 4 folders recorded, then 4 checked, then 12 files
        # swept (2, 2 and 6 pauses).
        assert len(pauses) == 2 + 2 + 6
        (root / "d1" / "new.txt").write_text(article_text("New"), encoding="utf-8")
        events = live.poll()
        assert [r.title for e in events if isinstance(e, Batch) for r in e.rows] == ["New"]
        assert live.held == held_in(root)
