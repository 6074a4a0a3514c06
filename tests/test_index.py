"""The store index: a real SQLite file in a temporary folder, real stores."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from reader.model import Problem, Row
from reader.store.files import check_store, load_store
from reader.store.index import (
    SCHEMA_VERSION,
    FileProblem,
    StoreIndex,
    default_index_path,
)
from reader.store.loader import Batch, Progress, Removed, stream_store
from tests.conftest import StoreMaker, article_text, held_after, held_in


def make_row(path: str = "a.txt", **fields: object) -> Row:
    values: dict[str, object] = {
        "path": path,
        "title": "Zürich’s café: 東京 and 🚀 [bold]x[/]",
        "provider": "Harbour Post",
        "domain": "harbourpost.example",
        "published": 1_775_000_000.5,
        "quality": 50,
        "heat": -3,
        "topics": ("AI", "Space & Sky"),
        "category": "news",
        "type": "article",
        "web_url": "https://harbourpost.example/a?x=1&y=ü",
        "excerpt": "Two lines\nwith a tab\tinside.",
        "has_body": True,
        "n_related": 2,
        "mtime_ns": 1_775_000_000_123_456_789,
        "size": 4096,
    }
    values.update(fields)
    return Row(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's cache folder, for these tests a fresh one."""
    import platformdirs

    cache = tmp_path / "user-cache"
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda name: str(cache / name))
    return cache


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "index.sqlite3"


def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    root.mkdir(exist_ok=True)
    return root.resolve()


# -- round trips -----------------------------------------------------------------


def test_every_row_field_round_trips(tmp_path: Path, index_path: Path) -> None:
    rows = [
        make_row("a.txt"),
        make_row(
            "sub/b.md",
            title="",
            provider="",
            domain="",
            published=None,
            quality=None,
            heat=None,
            topics=(),
            category="",
            type="",
            web_url="",
            excerpt="",
            has_body=False,
            n_related=0,
            mtime_ns=0,
            size=0,
        ),
        make_row("c.txt", topics=("One topic",), published=-86_400.0, quality=0, heat=0),
        make_row("ü/ß 東京.txt", topics=("a", "b", "c"), quality=-(2**63)),
    ]
    with StoreIndex(store_root(tmp_path), index_path) as index:
        assert index.notice is None
        assert index.put(rows) == len(rows)
    with StoreIndex(store_root(tmp_path), index_path) as index:
        assert index.notice is None
        loaded = {row.path: row for row in index.rows()}
        assert index.count() == len(rows)
        # The excerpts stay in the index, and come back on request.
        excerpts = index.excerpts([*loaded, "not/there.txt"])
    assert {row.excerpt for row in loaded.values()} == {None}
    assert excerpts == {row.path: row.excerpt for row in rows}
    for row in loaded.values():
        row.excerpt = excerpts[row.path]
    assert loaded == {row.path: row for row in rows}
    for row in loaded.values():
        assert type(row.has_body) is bool
        assert isinstance(row.topics, tuple)
    # Repeated labels are held once.
    assert loaded["a.txt"].provider is loaded["c.txt"].provider


def test_rows_parsed_from_a_real_store_round_trip(
    make_store: StoreMaker, tmp_path: Path, index_path: Path
) -> None:
    root = make_store(
        {
            "1.txt": article_text("Plain", topics=["AI", "Space"]),
            "2.md": article_text("No date", date=None, quality='"7"', body="# Body\n\ntext"),
            "3.txt": article_text("Ünïcödé \x1b[2J title", topics="Single"),
        }
    )
    parsed = load_store(root).rows
    with StoreIndex(root, index_path) as index:
        index.put(parsed)
        back = with_excerpts(index, index.rows())
    assert sorted(back, key=lambda r: r.path) == sorted(parsed, key=lambda r: r.path)


def with_excerpts(index: StoreIndex, rows: list[Row]) -> list[Row]:
    """Rows read from `index`, with the excerpts it kept back."""
    excerpts = index.excerpts([row.path for row in rows])
    assert {row.excerpt for row in rows} <= {None}
    return [dataclasses.replace(row, excerpt=excerpts[row.path]) for row in rows]


def test_rows_come_newest_first_with_undated_last(tmp_path: Path, index_path: Path) -> None:
    rows = [make_row(f"{i}.txt", published=float(i)) for i in range(50)]
    rows.append(make_row("undated.txt", published=None))
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put(rows)
        batches = list(index.iter_rows(first=10, chunk=15))
    assert [row.published for row in batches[0]] == [float(i) for i in range(49, 39, -1)]
    assert [len(batch) for batch in batches] == [10, 15, 15, 11]
    assert sorted(row.path for batch in batches for row in batch) == sorted(r.path for r in rows)
    assert index.rows()[-1].path == "undated.txt"


def test_writing_a_row_leaves_its_strings_as_they_were(tmp_path: Path, index_path: Path) -> None:
    # Binding a str to SQLite keeps a UTF-8 copy inside it; the app holds
    # these rows for the whole session.
    row = make_row("café/東京.txt", excerpt="Zürich’s café " * 20, web_url="https://x.example/é")
    texts = (row.path, row.title, row.excerpt, row.web_url)
    sizes = [sys.getsizeof(text) for text in texts]
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put([row])
        assert [sys.getsizeof(text) for text in texts] == sizes
        (stored,) = with_excerpts(index, index.rows())
        types = index._conn.execute(
            "SELECT typeof(path), typeof(title), typeof(excerpt), typeof(web_url) FROM files"
        ).fetchone()
    assert stored == row
    assert types == ("text", "text", "text", "text")


@pytest.mark.parametrize("memory", [False, True])
def test_the_newest_rows_then_the_rest(tmp_path: Path, index_path: Path, memory: bool) -> None:
    rows = [make_row(f"{i}.txt", published=float(i)) for i in range(30)]
    with StoreIndex(store_root(tmp_path), index_path, memory=memory) as index:
        index.put(rows)
        newest = index.newest(8)
        rest = [row for batch in index.iter_rows(chunk=7, skip=8) for row in batch]
    assert [row.published for row in newest] == [float(i) for i in range(29, 21, -1)]
    assert sorted(row.path for row in [*newest, *rest]) == sorted(row.path for row in rows)


def test_problems_are_kept_and_a_path_is_a_row_or_a_problem(
    tmp_path: Path, index_path: Path
) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put([make_row("a.txt")], [FileProblem("bad.txt", 5, 6, "bad YAML: oops")])
        assert index.problems() == [FileProblem("bad.txt", 5, 6, "bad YAML: oops")]
        assert index.problems()[0].problem() == Problem("bad.txt", "bad YAML: oops")
        assert index.stats() == {"a.txt": (make_row().mtime_ns, 4096), "bad.txt": (5, 6)}
        # The bad file is fixed, the good one broken.
        index.put([make_row("bad.txt")], [FileProblem("a.txt", 7, 8, "empty file")])
        assert [row.path for row in index.rows()] == ["bad.txt"]
        assert index.problems() == [FileProblem("a.txt", 7, 8, "empty file")]
        index.remove(["a.txt", "bad.txt", "never-there.txt"])
        assert index.count() == 0
        # A name beyond ASCII (written as UTF-8) stops being a problem too.
        index.put([], [FileProblem("café.txt", 5, 6, "bad YAML: oops")])
        index.put([make_row("café.txt")])
        assert index.problems() == []
        assert [row.path for row in index.rows()] == ["café.txt"]


def test_a_value_sqlite_cannot_hold_skips_that_row_only(tmp_path: Path, index_path: Path) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        written = index.put([make_row("a.txt"), make_row("huge.txt", quality=10**30)])
        assert written == 1
        assert [row.path for row in index.rows()] == ["a.txt"]
        # A label that cannot be stored (a lone surrogate) skips its row too,
        # and the new labels of the other rows in the batch are kept.
        written = index.put(
            [make_row("b.txt", provider="Orbit \udc80"), make_row("c.txt", provider="Harbour")]
        )
        assert written == 1
        assert {row.path: row.provider for row in index.rows()}["c.txt"] == "Harbour"
        assert sorted(row.path for row in index.rows()) == ["a.txt", "c.txt"]


def test_writes_from_another_thread(tmp_path: Path, index_path: Path) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        threads = [
            threading.Thread(
                target=index.put, args=([make_row(f"{n}-{i}.txt") for i in range(50)],)
            )
            for n in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert index.count() == 200


def test_the_default_place_is_the_user_cache_keyed_by_store(
    tmp_path: Path, private_cache: Path
) -> None:
    a = default_index_path(tmp_path / "a")
    b = default_index_path(tmp_path / "b")
    assert a != b and a.parent == b.parent and a.suffix == ".sqlite3"
    assert a.parent == private_cache / "newsdesk" / "index"
    root = store_root(tmp_path)
    with StoreIndex(root) as index:
        assert index.path == default_index_path(root) and index.path.exists()


# -- an index that is not trusted ----------------------------------------------------


def test_a_corrupt_file_is_rebuilt_with_a_reason(tmp_path: Path) -> None:
    root = store_root(tmp_path)
    index_path = default_index_path(root)
    index_path.parent.mkdir(parents=True)
    index_path.write_bytes(b"this is not a database\x00" * 200)
    with StoreIndex(root) as index:
        assert index.notice is not None and "damaged" in index.notice
        assert index.path == index_path and index.count() == 0
        index.put([make_row()])
    with StoreIndex(root) as index:
        assert index.notice is None and index.count() == 1


def test_a_given_file_that_is_no_index_is_left_alone(tmp_path: Path) -> None:
    precious = tmp_path / "notes.sqlite3"
    precious.write_bytes(b"my notes, not an index\x00" * 100)
    other_db = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other_db)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    for path in (precious, other_db):
        before = path.read_bytes()
        with StoreIndex(store_root(tmp_path), path) as index:
            assert index.path is None
            assert index.notice is not None and "left alone" in index.notice
            index.put([make_row()])
            assert index.count() == 1
        with StoreIndex(store_root(tmp_path), path, rebuild=True) as index:
            assert index.path is None
        assert path.read_bytes() == before


def test_an_index_of_another_store_is_not_used(tmp_path: Path, index_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with StoreIndex(other.resolve(), index_path) as index:
        index.put([make_row()])
    with StoreIndex(store_root(tmp_path), index_path) as index:
        assert index.notice is not None and "another store" in index.notice
        assert str(other.resolve()) in index.notice
        assert index.count() == 0


@pytest.mark.parametrize("version", [SCHEMA_VERSION - 1, SCHEMA_VERSION + 1, 99])
def test_another_format_version_is_rebuilt(tmp_path: Path, index_path: Path, version: int) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put([make_row()])
    conn = sqlite3.connect(index_path)
    conn.execute(f"PRAGMA user_version={version}")
    conn.close()
    with StoreIndex(store_root(tmp_path), index_path) as index:
        assert index.notice is not None and "another version" in index.notice
        assert index.count() == 0


def test_an_index_of_format_2_gains_the_story_tables_and_keeps_its_rows(
    tmp_path: Path, index_path: Path
) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put([make_row()])
    conn = sqlite3.connect(index_path)
    conn.execute("DROP TABLE story_state")
    conn.execute("DROP TABLE story_log")
    conn.execute("PRAGMA user_version=2")
    conn.commit()
    conn.close()
    with StoreIndex(store_root(tmp_path), index_path) as index:
        assert index.notice is None and index.count() == 1
        assert index.story_state() is None
    conn = sqlite3.connect(index_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_unexpected_tables_are_rebuilt(tmp_path: Path, index_path: Path) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put([make_row()])
    conn = sqlite3.connect(index_path)
    conn.execute("ALTER TABLE files ADD COLUMN secret TEXT")
    conn.close()
    with StoreIndex(store_root(tmp_path), index_path) as index:
        assert index.notice is not None and "tables" in index.notice
        assert index.count() == 0


def test_rebuild_starts_empty_without_a_notice(tmp_path: Path, index_path: Path) -> None:
    with StoreIndex(store_root(tmp_path), index_path) as index:
        index.put([make_row()])
    with StoreIndex(store_root(tmp_path), index_path, rebuild=True) as index:
        assert index.notice is None and index.count() == 0


def test_an_unwritable_cache_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with StoreIndex(store_root(tmp_path), blocker / "index.sqlite3") as index:
        assert index.path is None
        assert index.notice is not None and "not kept" in index.notice
        index.put([make_row()])
        assert [row.path for row in index.rows()] == ["a.txt"]


def test_a_damaged_page_found_while_loading_means_a_full_parse(
    make_store: StoreMaker, index_path: Path
) -> None:
    files: dict[str, str | bytes] = {
        f"{i:03d}.txt": article_text(f"Article {i} " + "x" * 400) for i in range(300)
    }
    root = check_store(make_store(files))
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    # Overwrite the middle of the file, well past the schema on page one.
    size = index_path.stat().st_size
    with open(index_path, "r+b") as handle:
        handle.seek(size // 2)
        handle.write(b"\xa5" * (size // 4))
    with StoreIndex(root, index_path) as index:
        assert index.notice is None  # opening reads the schema only
        events = list(stream_store(root, index=index))
        notices = [e.message for e in events if not isinstance(e, (Batch, Progress, Removed))]
        assert notices and "damaged" in notices[-1]
        held = held_after(events)
        assert set(held) == set(files)
        assert all(isinstance(value, Row) for value in held.values())
    with StoreIndex(root, index_path) as index:
        assert index.notice is None and index.count() == 300


# -- loading through the index --------------------------------------------------------


def last_progress(events: list[object]) -> Progress:
    return [e for e in events if isinstance(e, Progress)][-1]


def test_an_interrupted_cold_load_resumes(
    make_store: StoreMaker, index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.store.loader as loader

    monkeypatch.setattr(loader, "FIRST_BATCH", 10)
    monkeypatch.setattr(loader, "CHUNK", 20)
    files: dict[str, str | bytes] = {
        f"d{i // 40}/{i:03d}.txt": article_text(f"Article {i}") for i in range(200)
    }
    files["d0/bad.txt"] = b"\xff\xfe not text"
    root = check_store(make_store(files))
    seen = 0
    with StoreIndex(root, index_path) as index:
        stream = stream_store(root, index=index)
        for event in stream:
            if isinstance(event, Batch):
                seen += len(event.rows) + len(event.problems)
                if seen >= 50:
                    break
        stream.close()  # the app quits mid-load
        indexed = index.count()
    assert 50 <= indexed < 201
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index))
    progress = last_progress(events)
    assert progress.indexed == indexed
    assert progress.found == progress.parsed == 201 - indexed
    held = held_after(events)
    assert len(held) == 201 and isinstance(held["d0/bad.txt"], Problem)
    # Nothing delivered twice: the index rows and the parsed ones are apart.
    delivered = [i.path for e in events if isinstance(e, Batch) for i in (*e.rows, *e.problems)]
    assert len(delivered) == 201
    with StoreIndex(root, index_path) as index:
        assert index.count() == 201


@pytest.mark.parametrize("helper", [False, True], ids=["walk here", "walk in a helper"])
def test_reconcile_finds_added_changed_and_removed_files(
    make_store: StoreMaker, index_path: Path, monkeypatch: pytest.MonkeyPatch, helper: bool
) -> None:
    import reader.store.loader as loader

    monkeypatch.setattr(loader, "HELPER_THRESHOLD", 1 if helper else 10**9)
    root = check_store(
        make_store(
            {
                "keep.txt": article_text("Kept"),
                "change.txt": article_text("Before"),
                "gone.txt": article_text("Gone soon"),
                "breaks.txt": article_text("Will break"),
                "bad.txt": "no front matter",
                "heals.txt": "no front matter either",
            }
        )
    )
    with StoreIndex(root, index_path) as index:
        first = list(stream_store(root, index=index))
    assert last_progress(first).found == 6
    (root / "change.txt").write_text(article_text("After, and longer"), encoding="utf-8")
    (root / "gone.txt").unlink()
    (root / "new").mkdir()
    (root / "new" / "added.md").write_text(article_text("Added"), encoding="utf-8")
    (root / "breaks.txt").write_bytes(b"")
    (root / "heals.txt").write_text(article_text("Healed"), encoding="utf-8")
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index))
    progress = last_progress(events)
    assert progress.indexed == 6 and progress.checked == 6
    assert progress.found == progress.parsed == 4  # change, added, breaks, heals
    [removed] = [e for e in events if isinstance(e, Removed)]
    assert removed.paths == ["gone.txt"]
    held = held_after(events)
    assert {path: getattr(v, "title", None) or v.reason for path, v in held.items()} == {
        "keep.txt": "Kept",
        "change.txt": "After, and longer",
        "new/added.md": "Added",
        "breaks.txt": "empty file",
        "bad.txt": "no front matter (the file must start with a '---' line)",
        "heals.txt": "Healed",
    }
    # The index now agrees with the disk: a third start parses nothing.
    with StoreIndex(root, index_path) as index:
        again = list(stream_store(root, index=index))
    assert last_progress(again).found == 0
    assert not [e for e in again if isinstance(e, Removed)]
    assert held_after(again) == held


def test_same_mtime_but_another_size_counts_as_changed(
    make_store: StoreMaker, index_path: Path
) -> None:
    root = check_store(make_store({"a.txt": article_text("Short")}))
    path = root / "a.txt"
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    before = path.stat()
    path.write_text(article_text("Much longer title"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index))
    assert last_progress(events).found == 1
    assert held_after(events)["a.txt"].title == "Much longer title"  # type: ignore[union-attr]


def test_same_size_but_another_mtime_counts_as_changed(
    make_store: StoreMaker, index_path: Path
) -> None:
    root = check_store(make_store({"a.txt": article_text("Title A")}))
    path = root / "a.txt"
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    before = path.stat()
    path.write_text(article_text("Title B"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    assert path.stat().st_size == before.st_size
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index))
    assert held_after(events)["a.txt"].title == "Title B"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE files SET provider = 999999",
        "UPDATE files SET topics = 999999 WHERE path = '004.txt'",
        "DELETE FROM labels",
    ],
)
def test_rows_naming_missing_labels_mean_a_damaged_index(
    make_store: StoreMaker, index_path: Path, tamper: str
) -> None:
    files: dict[str, str | bytes] = {f"{i:03d}.txt": article_text(f"A {i}") for i in range(5)}
    root = check_store(make_store(files))
    with StoreIndex(root, index_path) as index:
        list(stream_store(root, index=index))
    conn = sqlite3.connect(index_path)
    conn.execute(tamper)
    conn.commit()
    conn.close()
    with StoreIndex(root, index_path) as index:
        events = list(stream_store(root, index=index))
    notices = [e.message for e in events if not isinstance(e, (Batch, Progress, Removed))]
    assert len(notices) == 1 and "damaged" in notices[0]
    assert held_after(events) == held_in(root)


def test_the_columns_follow_the_row_fields() -> None:
    """Rows are made positionally: a field added to `Row` needs a column (and
    a new SCHEMA_VERSION)."""
    from dataclasses import fields

    from reader.store.index import _FILE_COLUMNS

    held = [f.name for f in fields(Row) if f.compare]  # `links` is on its way to the index
    assert [c.strip() for c in _FILE_COLUMNS.split(",")] == held
