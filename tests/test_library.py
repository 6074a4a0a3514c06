"""The open session without a terminal: `Library` driven as a screen would.

Each test loads a real store folder (and a real index and state file where
it needs them), handing rows over with plain calls where the app uses the
UI thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.library.facets import Facet
from reader.library.library import Intake, Library, Update
from reader.search.query import QueryError, parse
from reader.store.files import parse_row_bytes, read_file, scan
from reader.store.index import StoreIndex
from reader.triage.state import State
from reader.triage.writer import Done, Outcome
from tests.conftest import StoreMaker, article_text


def three_days(make_store: StoreMaker) -> Path:
    return make_store(
        {
            "old.md": article_text("Old", topics=["AI"], date="2026-03-01T08:00:00Z"),
            "mid.md": article_text(
                "Mid", topics=["Space"], provider="Orbital", date="2026-03-02T08:00:00Z"
            ),
            "new.md": article_text("New", topics=["AI", "Space"], date="2026-03-03T08:00:00Z"),
            "broken.md": "---\ntitle: [unclosed\n---\n",
        }
    )


def load(library: Library, shown: list | None = None) -> dict[str, list]:
    """Run `Library.load` in this thread, the UI's part done at once."""
    seen: dict[str, list] = {"intakes": [], "updates": [], "progress": [], "notices": []}

    def deliver(intake: Intake) -> None:
        seen["intakes"].append(intake)
        library.add(intake)

    def changed(updates: list[Update]) -> None:
        seen["updates"].append(updates)
        library.apply_updates(updates)

    finished = library.load(
        shown or [],
        deliver=deliver,
        changed=changed,
        progress=seen["progress"].append,
        notice=seen["notices"].append,
        cancelled=lambda: False,
    )
    assert finished
    library.load_finished()
    return seen


@pytest.fixture
def state(tmp_path: Path) -> Iterator[State]:
    """A state file of the test's own (never the user's)."""
    with State(tmp_path / "state.sqlite3") as opened:
        yield opened


def titles(library: Library, view: list[int]) -> list[str]:
    return [library.rows[i].title for i in view]


def test_a_load_orders_counts_and_reports_problems(make_store: StoreMaker, state: State) -> None:
    library = Library(three_days(make_store), state=state)
    seen = load(library)
    assert titles(library, library.order) == ["New", "Mid", "Old"]
    assert library.counts.total == 3
    assert library.counts.of(Facet("topic", "AI")) == 2
    assert library.counts.of(Facet("provider", "Orbital")) == 1
    assert [problem.path for problem in library.problems] == ["broken.md"]
    assert not library.loading
    assert seen["intakes"] and not seen["updates"]
    # Every row can be found by its path and by its key.
    for index, row in enumerate(library.rows):
        assert library.path_index[row.path] == index
        assert library.by_key.one[row.key] == index


def test_a_cancelled_load_says_so_and_hands_nothing_more(
    make_store: StoreMaker, state: State
) -> None:
    library = Library(three_days(make_store), state=state)
    delivered: list[Intake] = []
    finished = library.load(
        [],
        deliver=delivered.append,
        changed=lambda updates: None,
        progress=lambda progress: None,
        notice=lambda text: None,
        cancelled=lambda: True,
    )
    assert finished is False
    assert library.loading


def test_a_warm_start_shows_the_newest_first_and_replaces_a_changed_file(
    make_store: StoreMaker, tmp_path: Path, state: State
) -> None:
    root = three_days(make_store)
    index_path = tmp_path / "index.sqlite3"
    with StoreIndex(root, index_path) as index:
        load(Library(root, index=index, state=state))
    # Changed on disk while newsdesk was closed: a file of the first screen.
    changed = root / "new.md"
    changed.write_text(article_text("New, revised", date="2026-03-04T08:00:00Z"))
    stat = changed.stat()
    os.utime(changed, (stat.st_atime, stat.st_mtime + 5))
    with StoreIndex(root, index_path) as index:
        library = Library(root, index=index, state=state)
        shown = library.newest(2)
        assert [row.title for row in shown] == ["New", "Mid"]
        library.add(library.take_in(shown))
        first = library.path_index["new.md"]
        seen = load(library, shown)
    assert library.warm
    assert library.changed_on_start == {"new.md"}
    assert [update.path for updates in seen["updates"] for update in updates] == ["new.md"]
    assert titles(library, library.order) == ["New, revised", "Mid", "Old"]
    assert library.counts.total == 3  # the old version left the counts
    assert library.live_index(first) == library.path_index["new.md"] != first
    assert not seen["notices"]


def test_files_changed_while_open_keep_rows_counts_and_corpus_in_step(
    make_store: StoreMaker, state: State
) -> None:
    root = three_days(make_store)
    library = Library(root, state=state)
    load(library)
    mid = library.path_index["mid.md"]
    new_mid = article_text("Mid again", topics=["Health"], date="2026-03-05T08:00:00Z")
    (root / "mid.md").write_text(new_mid)
    entry = next(entry for entry in scan(root) if entry.path == "mid.md")
    row = parse_row_bytes(read_file(root / "mid.md")[0], entry)
    applied = library.apply_updates(
        library.hand_over({"mid.md": row, "old.md": None, "broken.md": None})
    )
    assert applied.paths == {"mid.md", "old.md", "broken.md"}
    assert mid in applied.gone
    assert titles(library, library.order) == ["Mid again", "New"]
    assert "old.md" not in library.path_index and not library.problems
    assert library.counts.total == 2
    assert library.counts.of(Facet("topic", "Health")) == 1
    assert library.counts.of(Facet("topic", "Space")) == 1
    assert library.live_index(mid) == library.path_index["mid.md"]
    # The query corpus numbers rows as the library does.
    view = library.evaluate(parse("topic:Health"), library.query_context())
    assert titles(library, view) == ["Mid again"]


def test_a_query_is_evaluated_on_the_rows_and_a_bad_one_raises(
    make_store: StoreMaker, state: State
) -> None:
    library = Library(three_days(make_store), state=state)
    load(library)
    assert library.prepare(cancelled=lambda: False)
    view = library.evaluate(parse("topic:AI"), library.query_context())
    assert titles(library, view) == ["New", "Old"]
    with pytest.raises(QueryError):
        parse("quality:>=8o")
    counts = library.count_saved(
        {"ai": "topic:AI", "bad": "(", "none": "topic:Nope"}, library.query_context()
    )
    assert counts == {"ai": 2, "bad": 0, "none": 0}


def test_a_cancelled_prepare_stops(make_store: StoreMaker, state: State) -> None:
    library = Library(three_days(make_store), state=state)
    load(library)
    assert library.prepare(cancelled=lambda: True) is False


@pytest.fixture
def session(make_store: StoreMaker, tmp_path: Path):  # type: ignore[no-untyped-def]
    outcomes: list[Outcome] = []
    library = Library(three_days(make_store), state=State(tmp_path / "state.sqlite3"))
    load(library)
    library.open_writer(outcomes.append)
    read = library.read_flags()
    assert read is not None
    assert library.set_flags(*read) is True
    yield library, outcomes, tmp_path / "state.sqlite3"
    library.close()


def keys_of(library: Library, *wanted: str) -> list[str]:
    return [row.key for row in library.rows if row.title in wanted]


def test_a_decision_is_shown_at_once_and_saved_by_the_writer(session) -> None:  # type: ignore[no-untyped-def]
    library, outcomes, state_path = session
    new = library.path_index["new.md"]
    change = library.decide("starred", None, library.targets(new))
    library.apply(change)
    assert library.marks(library.rows[new]).starred
    assert library.triage.starred == 1
    library.close()
    assert any(isinstance(o, Done) and o.job.keep for o in outcomes)
    with State(state_path) as state:
        assert state.snapshot()[library.rows[new].key].starred


def test_targets_are_the_selection_else_the_cursor(session) -> None:  # type: ignore[no-untyped-def]
    library, _, _ = session
    new, old = library.path_index["new.md"], library.path_index["old.md"]
    assert library.targets(new) == [library.rows[new].key]
    assert library.targets(None) == []
    library.selected.add(library.rows[old].key)
    assert library.targets(new) == [library.rows[old].key]
    assert library.marks(library.rows[old]).selected


def test_unread_navigation_and_counts_follow_the_flags(session) -> None:  # type: ignore[no-untyped-def]
    library, _, _ = session
    view = library.order  # New, Mid, Old
    library.apply(library.decide("read", True, keys_of(library, "Mid")))
    assert library.next_unread(view, 0, 1) == 2
    assert library.next_unread(view, 2, 1) is None
    assert library.next_unread(view, 2, -1) == 0
    keys = library.view_keys(view)
    assert library.unread_count(keys) == 2
    progress = library.progress_of(view)
    assert (progress.total, progress.read) == (3, 1)


def test_tags_in_use_are_counted_by_name(session) -> None:  # type: ignore[no-untyped-def]
    library, _, _ = session
    library.apply(library.decide("tag", None, keys_of(library, "New", "Old"), tag="later"))
    library.apply(library.decide("tag", None, keys_of(library, "Old"), tag="Alpha"))
    assert library.tags_in_use() == {"Alpha": 1, "later": 2}
    with pytest.raises(ValueError):
        library.decide("tag", None, keys_of(library, "Old"), tag="  ")


def test_undo_runs_on_the_writer_and_returns_the_change(session) -> None:  # type: ignore[no-untyped-def]
    library, _, _ = session
    keys = keys_of(library, "Mid")
    library.apply(library.decide("archived", None, keys))
    job = library.writer.submit(library.undo_job("undo"))
    change, said = job.wait(timeout=10)
    assert change is not None and set(change.keys) == set(keys)
    library.apply(change)
    assert not library.flags_of(library.rows[library.path_index["mid.md"]]).archived
    assert said


def test_unsaved_decisions_are_kept_by_job_and_said_at_close(
    make_store: StoreMaker, state: State
) -> None:
    library = Library(three_days(make_store), state=state)
    unsaved = library.unsaved
    assert not unsaved
    unsaved.add(1, ("a", "b"), "the disk is full")
    unsaved.add(2, ("b", "c"), "the disk is full")
    assert unsaved and unsaved.keys == {"a", "b", "c"}
    assert unsaved.discard(1) and unsaved.keys == {"b", "c"}
    assert not unsaved.discard(1)
    assert unsaved.discard(2) and not unsaved and unsaved.keys == frozenset()


def test_the_corpus_made_mid_load_numbers_rows_as_the_screen_does(
    make_store: StoreMaker, state: State
) -> None:
    root = make_store(
        {f"a{i}.md": article_text(f"T{i}", date=f"2026-03-{i + 1:02d}T08:00:00Z") for i in range(6)}
    )
    source = Library(root, state=state)
    load(source)
    rows = [source.rows[i] for i in source.order]
    library = Library(root, state=state)
    assert library._corpus is None  # nothing needed the engine yet
    # The screen takes some rows, a query makes the corpus, the rest follow.
    half = len(rows) // 2
    library.add(library.take_in(rows[:half]))
    library.corpus  # noqa: B018
    library.add(library.take_in(rows[half:]))
    view = library.evaluate(parse("T1 OR T4"), library.query_context())
    assert sorted(titles(library, view)) == ["T1", "T4"]


def test_a_warm_start_leaves_excerpts_in_the_index_and_queries_still_read_them(
    make_store: StoreMaker,
    tmp_path: Path,
    state: State,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from reader.cli import main as cli_main
    from reader.search import corpus

    lighthouse = '"The lighthouse keeper retires after forty years."'
    root = make_store(
        {
            "a.md": article_text("Harbour news").replace('"An excerpt."', lighthouse),
            "b.md": article_text("Other news", date="2026-03-15T08:30:00Z"),
            "c.md": article_text("Keeper of the light"),
        }
    )
    cache = tmp_path / "index.sqlite3"
    with StoreIndex(root, cache) as index:
        cold = Library(root, index=index, state=state)
        load(cold)
        # Parsed and written to the index: the rows leave their excerpts there.
        assert not cold.warm and {row.excerpt for row in cold.rows} == {None}
        assert titles(cold, cold.evaluate(parse("lighthouse"), cold.query_context())) == [
            "Harbour news"
        ]
    for phrase_checks in (corpus.PHRASE_CHECKS, 0):  # candidates one by one, then every text
        monkeypatch.setattr(corpus, "PHRASE_CHECKS", phrase_checks)
        with StoreIndex(root, cache) as index:
            library = Library(root, index=index, state=state)
            load(library)
            # A warm start: no row holds its excerpt, the index does.
            assert library.warm and {row.excerpt for row in library.rows} == {None}

            def found(text: str, library: Library = library) -> list[str]:
                return titles(library, library.evaluate(parse(text), library.query_context()))

            assert found("lighthouse") == ["Harbour news"]
            assert found("light*") == ["Harbour news", "Keeper of the light"]
            assert found('"keeper retires"') == ["Harbour news"]
            assert found('"lighthouse retires"') == []
            # A rule of `[hide]` reads the excerpt too.
            hiding = Library(root, index=index, state=state, hide=["forty"])
            load(hiding)
            assert titles(hiding, hiding.order) == ["Other news", "Keeper of the light"]
    # Output prints the excerpt a warm start left in the index.
    options = ["--cache", str(cache), "--state", str(tmp_path / "other-state.sqlite3"), "-q"]
    assert cli_main(["export", str(root), *options]) == 0
    excerpts = {item["title"]: item["excerpt"] for item in json.loads(capsys.readouterr().out)}
    assert excerpts == {
        "Harbour news": lighthouse.strip('"'),
        "Other news": "An excerpt.",
        "Keeper of the light": "An excerpt.",
    }


def test_rows_the_index_could_not_take_keep_their_excerpts(
    make_store: StoreMaker, tmp_path: Path, state: State
) -> None:
    # A quality beyond 64 bits: the index skips that row, so only the row
    # itself holds its excerpt.
    text = article_text("Huge", quality="1" + "0" * 30)
    root = make_store({"huge.md": text.replace('"An excerpt."', '"Seventeen walruses"')})
    with StoreIndex(root, tmp_path / "index.sqlite3") as index:
        library = Library(root, index=index, state=state)
        load(library)
        assert [row.excerpt for row in library.rows] == ["Seventeen walruses"]
        assert titles(library, library.evaluate(parse("walruses"), library.query_context())) == [
            "Huge"
        ]
