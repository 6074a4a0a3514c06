"""Stories in the session, without a terminal: grouped as rows are taken in,
kept in the index so that a warm start shows them at once and agrees with a
cold one, followed through live changes, and asked for by queries
(`is:lead`, `sources:`, `story:`, `sort:sources`), `export` and `count`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from reader.cli import main as cli_main
from reader.library.library import Library
from reader.model import Row
from reader.search.query import parse
from reader.store.files import parse_row_bytes, read_file, scan
from reader.store.index import StoreIndex
from reader.stories import service
from reader.triage.state import State
from tests.conftest import StoreMaker, article_text
from tests.test_index import make_row
from tests.test_library import load


def loaded(root: Path, state: State, index: StoreIndex | None = None) -> Library:
    """A library of `root`, loaded and grouped (as the app's helper process would)."""
    library = Library(root, index=index or StoreIndex(root, memory=True), state=state)
    load(library)
    library.group_now()
    return library


def related(url: str, title: str = "Coverage elsewhere") -> str:
    return (
        "related:\n"
        f'  - title: "{title}"\n'
        f'    webUrl: "{url}"\n'
        "    provider:\n      name: Elsewhere\n      domain: elsewhere.example"
    )


def story_store(make_store: StoreMaker) -> Path:
    """Three stories of two or more and two articles alone."""
    return make_store(
        {
            # A story by links: a's related item names b's page.
            "a.md": article_text(
                "Harbour wall collapses after storm",
                url="https://one.example/wall",
                date="2026-03-03T08:00:00Z",
                quality=70,
                extra=related("https://two.example/harbour"),
            ),
            "b.md": article_text(
                "Storm brings down harbour wall in Portmere",
                url="https://two.example/harbour",
                provider="Two News",
                date="2026-03-03T09:00:00Z",
                quality=40,
            ),
            # The same page stored twice.
            "c.md": article_text(
                "Rail fares frozen for a year",
                url="https://three.example/fares",
                date="2026-03-02T08:00:00Z",
            ),
            "c-copy.md": article_text(
                "Rail fares frozen for a year (updated)",
                url="https://three.example/fares",
                date="2026-03-02T10:00:00Z",
            ),
            # Near-identical wording from three providers, within hours.
            "d1.md": article_text(
                "Glacier museum opens in Tromsø with ice tunnel exhibit",
                provider="North Post",
                url="https://north.example/glacier",
                date="2026-03-01T08:00:00Z",
            ),
            "d2.md": article_text(
                "Tromsø glacier museum opens with an ice tunnel exhibit",
                provider="Arctic Daily",
                url="https://arctic.example/museum",
                date="2026-03-01T11:00:00Z",
            ),
            "d3.md": article_text(
                "Ice tunnel exhibit as glacier museum opens in Tromsø",
                provider="Fjord Times",
                url="https://fjord.example/tunnel",
                date="2026-03-01T15:00:00Z",
            ),
            # A follow-up days later about the same place: its own story.
            "e.md": article_text(
                "Glacier museum in Tromsø counts first 10,000 visitors",
                provider="North Post",
                url="https://north.example/visitors",
                date="2026-03-09T08:00:00Z",
            ),
            "f.md": article_text(
                "Council approves budget",
                url="https://four.example/budget",
                date="2026-03-04T08:00:00Z",
            ),
        }
    )


def partition(library: Library) -> set[frozenset[str]]:
    """The stories of two or more, as sets of paths."""
    rows, stories = library.rows, library.stories
    found: set[frozenset[str]] = set()
    for index in library.order:
        members = stories.members(index)
        if len(members) > 1:
            found.add(frozenset(rows[i].path for i in members))
    return found


EXPECTED = {
    frozenset({"a.md", "b.md"}),
    frozenset({"c.md", "c-copy.md"}),
    frozenset({"d1.md", "d2.md", "d3.md"}),
}


def test_links_copies_and_rewordings_group_and_decoys_stay_apart(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    with State(tmp_path / "state.sqlite3") as state:
        library = loaded(story_store(make_store), state)
        assert partition(library) == EXPECTED
        rows, stories = library.rows, library.stories
        a = library.path_index["a.md"]
        # The lead: the highest quality.
        assert stories.members(a)[0] == a
        assert stories.count(library.order) == 5  # three stories, e and f alone
        folded, shown = stories.fold(library.order)
        assert len(folded) == 5
        assert sorted(shown.values()) == [2, 2, 3]
        assert stories.id_of(a, rows) == stories.id_of(library.path_index["b.md"], rows)


def test_a_warm_start_agrees_with_a_cold_one_and_regroups_what_changed(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = story_store(make_store)
    cache = tmp_path / "index.sqlite3"
    with State(tmp_path / "state.sqlite3") as state:
        with StoreIndex(root, cache) as index:
            cold = loaded(root, state, index)
            assert not cold.warm
            cold_ids = {
                row.path: cold.stories.id_of(i, cold.rows) for i, row in enumerate(cold.rows)
            }
        # b no longer tells a's story; f now copies c's page.
        (root / "b.md").write_text(
            article_text("Parking fees rise", url="https://two.example/fees",
                         date="2026-03-03T09:00:00Z"),
            encoding="utf-8",
        )  # fmt: skip
        (root / "f.md").write_text(
            article_text("Rail fares frozen", url="https://three.example/fares",
                         date="2026-03-04T08:00:00Z"),
            encoding="utf-8",
        )  # fmt: skip
        with StoreIndex(root, cache) as index:
            warm = Library(root, index=index, state=state)
            seen = load(warm)
            assert warm.warm
            # The stories the index kept came first, before any row; a file
            # that changed leaves its story until it is grouped again.
            first = seen["intakes"][0]
            assert not first.rows and first.stories
            assert partition(warm) == EXPECTED - {frozenset({"a.md", "b.md"})}
            # The grouping after the load regroups what changed.
            warm.group_now()
            assert partition(warm) == {
                frozenset({"c.md", "c-copy.md", "f.md"}),
                frozenset({"d1.md", "d2.md", "d3.md"}),
            }
            d1 = warm.path_index["d1.md"]
            assert warm.stories.id_of(d1, warm.rows) == cold_ids["d1.md"]
            kept = index.stories()
        assert set(kept) == {"c.md", "c-copy.md", "f.md", "d1.md", "d2.md", "d3.md"}


def test_a_live_change_joins_and_leaves_a_story(make_store: StoreMaker, tmp_path: Path) -> None:
    root = story_store(make_store)
    with State(tmp_path / "state.sqlite3") as state:
        library = loaded(root, state)

        def change(name: str, text: str | None) -> None:
            if text is None:
                (root / name).unlink()
                library.apply_updates(library.hand_over({name: None}))
                return
            row = rewritten(root, name, text)
            library.apply_updates(library.hand_over({name: row}))

        change("f.md", article_text("Council budget", extra=related("https://one.example/wall"),
                                    url="https://four.example/budget"))  # fmt: skip
        assert frozenset({"a.md", "b.md", "f.md"}) in partition(library)
        change("b.md", None)
        assert frozenset({"a.md", "f.md"}) in partition(library)
        change("f.md", None)
        assert all("a.md" not in story for story in partition(library))
        # A change that keeps an article in its story.
        change("d2.md", article_text("Tromsø glacier museum opens with ice tunnel exhibits",
                                     date="2026-03-01T11:30:00Z"))  # fmt: skip
        assert frozenset({"d1.md", "d2.md", "d3.md"}) in partition(library)


def test_queries_know_stories(make_store: StoreMaker, tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite3") as state:
        library = loaded(story_store(make_store), state)
        context = library.query_context()

        def paths(text: str) -> list[str]:
            return [library.rows[i].path for i in library.evaluate(parse(text), context)]

        leads = paths("is:lead")
        assert len(leads) == 5 and "a.md" in leads and "b.md" not in leads
        assert set(paths("sources:>=3")) == {"d1.md", "d2.md", "d3.md"}
        assert set(paths("sources:1")) == {"e.md", "f.md"}
        assert set(paths("-sources:1")) == {p for story in EXPECTED for p in story}
        story = library.stories.id_of(library.path_index["c.md"], library.rows)
        assert set(paths(f"story:{story}")) == {"c.md", "c-copy.md"}
        alone = library.stories.id_of(library.path_index["f.md"], library.rows)
        assert paths(f"story:{alone}") == ["f.md"]
        by_sources = paths("sort:sources")
        assert set(by_sources[:3]) == {"d1.md", "d2.md", "d3.md"}
        assert set(by_sources[-2:]) == {"e.md", "f.md"}


def test_export_gives_story_ids_and_count_counts_stories(
    make_store: StoreMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = story_store(make_store)
    state = ["--state", str(tmp_path / "state.sqlite3"), "--cache", str(tmp_path / "i.sqlite3")]
    assert cli_main(["export", str(root), *state, "-q"]) == 0
    records = json.loads(capsys.readouterr().out)
    story = {item["path"]: item["story"] for item in records}
    assert story["a.md"] == story["b.md"] != story["c.md"] == story["c-copy.md"]
    assert story["d1.md"] == story["d2.md"] == story["d3.md"]
    assert len(set(story.values())) == 5 and all(len(value) == 10 for value in story.values())
    assert cli_main(["count", str(root), *state, "-q"]) == 0
    assert capsys.readouterr().out == "9\n"
    assert cli_main(["count", str(root), *state, "-q", "--stories"]) == 0
    assert capsys.readouterr().out == "5\n"
    # A query that reads stories groups them first, even without --stories.
    assert cli_main(["count", str(root), *state, "-q", "--query", "sources:>=3"]) == 0
    assert capsys.readouterr().out == "3\n"
    assert cli_main(["export", str(root), *state, "-q", "--format", "csv"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.split(",")[-1] == "story"


def test_a_warm_start_with_nothing_changed_groups_nothing(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = story_store(make_store)
    cache = tmp_path / "index.sqlite3"
    with State(tmp_path / "state.sqlite3") as state:
        with StoreIndex(root, cache) as index:
            assert not index.stories_current()  # never grouped
            loaded(root, state, index)
            assert index.stories_current()
        with StoreIndex(root, cache) as index:
            warm = Library(root, index=index, state=state)
            load(warm)
            assert partition(warm) == EXPECTED  # as the index kept them
            started: list[str] = []
            warm.start_stories(started.append, started.append)
            service = warm._story_service
            assert service is not None and not service._started
            warm.close()
        (root / "f.md").write_text(
            article_text("Rail fares frozen", url="https://three.example/fares"),
            encoding="utf-8",
        )
        with StoreIndex(root, cache) as index:
            warm = Library(root, index=index, state=state)
            load(warm)
            assert not index.stories_current()  # f.md was written since


def rewritten(root: Path, name: str, text: str) -> Row:
    """Write `name` anew and parse it, as the watcher would."""
    _rewrite(root, name, text)
    entry = next(entry for entry in scan(root) if entry.path == name)
    return parse_row_bytes(read_file(root / name)[0], entry)


def _rewrite(root: Path, name: str, text: str | None) -> None:
    if text is None:
        (root / name).unlink()
    else:
        (root / name).write_text(text, encoding="utf-8")


def _no_build(index: object) -> None:
    raise AssertionError("every file was grouped again")


def test_a_warm_start_regroups_only_the_files_logged_since(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = story_store(make_store)
    cache = tmp_path / "index.sqlite3"
    with State(tmp_path / "state.sqlite3") as state:
        with StoreIndex(root, cache) as index:
            loaded(root, state, index)
            kept = index.story_state()
            assert kept is not None and index.story_log(kept[0]) == []
        # While newsdesk is closed: f now links to a's page, b tells
        # another story, d3 is deleted and g copies c's page.
        _rewrite(root, "f.md", article_text("Council budget", url="https://four.example/budget",
                                            extra=related("https://one.example/wall")))  # fmt: skip
        _rewrite(root, "b.md", article_text("Parking fees rise", url="https://two.example/fees"))
        _rewrite(root, "d3.md", None)
        _rewrite(root, "g.md", article_text("Rail fares", url="https://three.example/fares"))
        # d2 is reworded a little and stays in its story.
        _rewrite(root, "d2.md", article_text("Tromsø glacier museum opens with ice tunnel exhibits",
                                             provider="Arctic Daily", date="2026-03-01T11:30:00Z",
                                             url="https://arctic.example/museum"))  # fmt: skip
        monkeypatch.setattr(service, "build", _no_build)
        with StoreIndex(root, cache) as index:
            warm = Library(root, index=index, state=state)
            load(warm)
            kept = index.story_state()
            assert kept is not None
            assert sorted(index.story_log(kept[0])) == ["b.md", "d2.md", "d3.md", "f.md", "g.md"]
            warm.group_now()
            regrouped = partition(warm)
            assert index.stories_current()
            grouper = warm._grouper
            assert grouper is not None
            assert set(grouper.stories()) == set(warm.path_index)  # d3 is gone
        monkeypatch.undo()
        with State(tmp_path / "other.sqlite3") as other:
            fresh = partition(loaded(root, other))  # every file, grouped afresh
        assert (
            regrouped
            == fresh
            == {
                frozenset({"a.md", "f.md"}),
                frozenset({"c.md", "c-copy.md", "g.md"}),
                frozenset({"d1.md", "d2.md"}),
            }
        )
        # What the index kept is what a third start shows.
        with StoreIndex(root, cache) as index:
            third = Library(root, index=index, state=state)
            load(third)
            assert partition(third) == fresh


def test_stories_changed_live_and_changed_back_while_closed_come_out_right(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = story_store(make_store)
    cache = tmp_path / "index.sqlite3"
    budget = article_text("Council approves budget", url="https://four.example/budget",
                          date="2026-03-04T08:00:00Z")  # fmt: skip
    with State(tmp_path / "state.sqlite3") as state:
        with StoreIndex(root, cache) as index:
            library = loaded(root, state, index)
            # Live: f joins a's story, and the index's stories say so.
            linked = related("https://one.example/wall")
            text = article_text("Council budget", url="https://four.example/budget", extra=linked)
            row = rewritten(root, "f.md", text)
            index.put([row])
            library.apply_updates(library.hand_over({"f.md": row}))
            assert frozenset({"a.md", "b.md", "f.md"}) in partition(library)
            assert index.stories()["f.md"] == index.stories()["a.md"]
        # Closed: f goes back to what it was.
        _rewrite(root, "f.md", budget)
        monkeypatch.setattr(service, "build", _no_build)
        with StoreIndex(root, cache) as index:
            warm = Library(root, index=index, state=state)
            load(warm)
            warm.group_now()
            assert partition(warm) == EXPECTED
            assert "f.md" not in index.stories()
            assert set(index.stories()) == {p for story in EXPECTED for p in story}


def test_a_damaged_kept_grouping_means_grouping_every_file_once(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = story_store(make_store)
    cache = tmp_path / "index.sqlite3"
    with State(tmp_path / "state.sqlite3") as state:
        with StoreIndex(root, cache) as index:
            loaded(root, state, index)
        conn = sqlite3.connect(cache)
        conn.execute("UPDATE story_state SET data = substr(data, 1, 100)")
        conn.commit()
        conn.close()
        _rewrite(root, "f.md", article_text("Rail fares", url="https://three.example/fares"))
        built: list[object] = []
        real_build = service.build

        def counted(index: object) -> object:
            built.append(index)
            return real_build(index)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(service, "build", counted)
            with StoreIndex(root, cache) as index:
                warm = Library(root, index=index, state=state)
                load(warm)
                warm.group_now()
                assert len(built) == 1
                assert frozenset({"c.md", "c-copy.md", "f.md"}) in partition(warm)
                kept = index.story_state()
                assert kept is not None
                # Kept afresh: readable again.
                assert service.Stories.from_bytes(kept[1]).stories()


def test_a_change_written_but_not_yet_grouped_is_grouped_at_the_next_start(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    # The app writes files to the index before the grouping takes them in:
    # it may quit with some written and not grouped. The next start must
    # know, and group them from the log.
    root = story_store(make_store)
    cache = tmp_path / "index.sqlite3"

    with State(tmp_path / "state.sqlite3") as state:
        with StoreIndex(root, cache) as index:
            loaded(root, state, index)
            grouper, _ = service.group_index(index)
            assert index.stories_current()
            f = rewritten(
                root, "f.md", article_text("Rail fares", url="https://three.example/fares")
            )
            e = rewritten(
                root,
                "e.md",
                article_text("Council budget", extra=related("https://one.example/wall")),
            )
            index.put([f])
            index.put([e])  # written, but the app quits before it is grouped
            service.update(grouper, index, [service.row_data(f)], [])
            assert not index.stories_current()
        with StoreIndex(root, cache) as index:
            warm = Library(root, index=index, state=state)
            load(warm)
            warm.group_now()
            assert frozenset({"a.md", "b.md", "e.md"}) in partition(warm)
            assert frozenset({"c.md", "c-copy.md", "f.md"}) in partition(warm)
            assert index.stories_current()


def test_story_rows_stay_lead_first_when_articles_come_in_several_parts() -> None:
    # A warm start: the story is known first, its rows come in parts, the
    # lead last. Sorting is put off until the story is read: each read must
    # still see the lead first.
    from reader.library.story_rows import StoryRows

    stories = StoryRows()
    rows: list[Row] = []
    path_index: dict[str, int] = {}
    stories.apply({"a": "S", "b": "S", "c": "S"}, path_index, rows)
    for part in (
        [make_row("a", quality=10, published=5.0)],
        [make_row("b", quality=50, published=9.0)],
        [make_row("c", quality=50, published=1.0)],
    ):
        start = len(rows)
        rows.extend(part)
        path_index.update({row.path: i for i, row in enumerate(part, start)})
        stories.rows_added(start, rows)
        if start == 1:
            assert stories.members(0) == [1, 0]  # b: quality 50 before 10
    assert stories.members(0) == [2, 1, 0]  # c: as good as b, and earlier
    assert stories.leads() == frozenset({2})
    assert stories.fold([0, 1, 2]) == ([2], {2: 3})
    # The lead leaves: the next best leads.
    stories.rows_gone([2], rows)
    assert stories.members(0) == [1, 0]
    assert stories.fold([0, 1]) == ([1], {1: 2})
    assert stories.leads() == frozenset({1})
