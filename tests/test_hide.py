"""`[hide]` in config.toml: what its queries match is in no view, no count
and no tree name, except a query that asks for it (`is:hidden`); the status
line and the tree's Hidden node say how much is hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.cli import main as cli_main
from reader.config import load_config
from reader.library.facets import Facet
from reader.library.library import Library
from reader.search.query import parse
from reader.store.files import parse_row_bytes, read_file, scan
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.status_line import StatusLine
from reader.ui.panes.topic_tree import TopicTree
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded
from tests.test_library import load, titles


def gossip_store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            "a.md": article_text("Budget passes", topics=["Politics"], date="2026-03-03T08:00:00Z"),
            "b.md": article_text(
                "Star's new haircut",
                topics=["Celebrity"],
                provider="Daily Gossip",
                date="2026-03-04T08:00:00Z",
            ),
            "c.md": article_text(
                "Rail strike ends", topics=["Politics"], quality=5, date="2026-03-02T08:00:00Z"
            ),
            "d.md": article_text("Flood defences", topics=["Climate"], date="2026-03-01T08:00:00Z"),
        }
    )


HIDE = ('provider:"Daily Gossip"', "quality:<10")


def test_hidden_articles_leave_the_order_the_counts_and_every_query(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    with State(tmp_path / "state.sqlite3") as state:
        library = Library(gossip_store(make_store), state=state, hide=HIDE)
        load(library)
        assert titles(library, library.order) == ["Budget passes", "Flood defences"]
        assert titles(library, sorted(library.hidden)) != []
        assert {library.rows[i].title for i in library.hidden} == {
            "Star's new haircut",
            "Rail strike ends",
        }
        assert library.counts.total == 2
        assert library.counts.of(Facet("topic", "Celebrity")) == 0
        assert library.counts.of(Facet("topic", "Politics")) == 1
        assert library.counts.of(Facet("provider", "Daily Gossip")) == 0
        context = library.query_context()
        assert titles(library, library.evaluate(parse("topic:Politics"), context)) == [
            "Budget passes"
        ]
        assert titles(library, library.evaluate(parse("is:hidden"), context)) == [
            "Star's new haircut",
            "Rail strike ends",
        ]
        assert titles(library, library.evaluate(parse("topic:Politics is:hidden"), context)) == [
            "Rail strike ends"
        ]
        # With is:hidden anywhere in it, a query sees everything it matches.
        everything = library.evaluate(parse("is:hidden OR -is:hidden"), context)
        assert len(everything) == 4
        assert library.count_saved({"p": "topic:Politics"}, context) == {"p": 1}
        assert library.inbox() == library.order


def test_without_hide_nothing_is_hidden(make_store: StoreMaker, tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite3") as state:
        library = Library(gossip_store(make_store), state=state)
        load(library)
        assert len(library.order) == 4 and not library.hidden
        assert library.evaluate(parse("is:hidden"), library.query_context()) == []


def test_a_file_that_changes_into_or_out_of_a_rule_moves_across(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = gossip_store(make_store)
    with State(tmp_path / "state.sqlite3") as state:
        library = Library(root, state=state, hide=HIDE)
        load(library)

        def update(name: str, text: str) -> None:
            (root / name).write_text(text, encoding="utf-8")
            entry = next(entry for entry in scan(root) if entry.path == name)
            row = parse_row_bytes(read_file(root / name)[0], entry)
            library.apply_updates(library.hand_over({name: row}))

        update(
            "a.md",
            article_text("Budget gossip", provider="Daily Gossip", date="2026-03-03T08:00:00Z"),
        )
        assert titles(library, library.order) == ["Flood defences"]
        assert len(library.hidden) == 3 and library.counts.total == 1
        update("b.md", article_text("Haircut, retracted", date="2026-03-04T08:00:00Z"))
        assert titles(library, library.order) == ["Haircut, retracted", "Flood defences"]
        assert len(library.hidden) == 2 and library.counts.total == 2
        assert all(
            library.rows[i].provider == "Daily Gossip" or library.rows[i].quality == 5
            for i in library.hidden
        )


def test_rules_about_triage_state_or_bad_queries_are_refused(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    with State(tmp_path / "state.sqlite3") as state:
        library = Library(
            gossip_store(make_store), state=state, hide=("is:read", "quality:>=9o", *HIDE)
        )
        load(library)
        assert len(library.hidden) == 2
        problems = library.hide.problems
        assert len(problems) == 2
        assert "'is:read'" in problems[0] and "not by is: or tag:" in problems[0]
        assert "'quality:>=9o'" in problems[1]


def test_config_check_names_a_bad_hide_query(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[hide]\nqueries = ["provider:Spam", "tag:x", "("]\n', encoding="utf-8")
    config, warnings = load_config(path)
    assert config.queries == ("provider:Spam", "tag:x", "(") and warnings == []
    assert cli_main(["config", "--check", "--config", str(path)]) == 1
    out = capsys.readouterr().out
    assert "'tag:x'" in out and "'('" in out and "2 problems" in out


async def test_the_app_hides_says_how_many_and_shows_them_on_asking(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[hide]\nqueries = [\'provider:"Daily Gossip"\', "quality:<10", "is:unread"]\n',
        encoding="utf-8",
    )
    config, _ = load_config(path)
    app = NewsdeskApp(
        gossip_store(make_store), state=State(tmp_path / "state.sqlite3"), config=config
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        articles = app.screen.query_one(ArticleList)
        shown = [app.library.rows[i].title for i in articles.view]
        assert shown == ["Budget passes", "Flood defences"]
        status = app.screen.query_one(StatusLine)
        await wait_for(pilot, lambda: "2 hidden" in status.status)
        # The rule that could not be used is said on screen.
        await wait_for(pilot, lambda: any("'is:unread'" in n.message for n in app._notifications))
        tree = app.screen.query_one(TopicTree)
        hidden_node = next(node for node in tree.root.children if node.data == Facet("hidden"))
        assert "Hidden" in hidden_node.label.plain and "2" in hidden_node.label.plain
        tree.focus()
        tree.select_facet(Facet("hidden"))
        await wait_for(
            pilot,
            lambda: (
                {app.library.rows[i].title for i in articles.view}
                == {"Star's new haircut", "Rail strike ends"}
            ),
        )
        assert "hidden" not in status.status.split("Hidden", 1)[-1]
