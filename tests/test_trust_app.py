"""Triage you can trust: every key acts on the article the user sees, what
is typed is what is applied, and the session comes back."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input

from reader.config import Config
from reader.library.facets import ALL, INBOX, NEW, Facet
from reader.library.session import Session, load_session, session_path
from reader.triage.state import NO_FLAGS, State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.query_bar import QueryBar
from reader.ui.panes.status_line import StatusLine
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.prompts import ConfirmScreen
from tests.conftest import (
    StoreMaker,
    article_text,
    screen_text,
    wait_for,
    wait_loaded,
    wait_saved,
)


def store(make_store: StoreMaker, count: int = 6) -> Path:
    return make_store(
        {
            f"{i:03d}_x.txt": article_text(
                f"Story {i}",
                topics=["Space"] if i % 2 else ["AI"],
                date=f"2026-03-{20 - i:02d}T10:00:00Z",
                url=f"https://news.example/{i}",
            )
            for i in range(count)
        }
    )


def shown_titles(app: NewsdeskApp) -> list[str]:
    rows = app.library.rows
    return [rows[i].title for i in app.query_one(ArticleList).view]


def current_title(app: NewsdeskApp) -> str | None:
    row = app.query_one(ArticleList).current_row
    return None if row is None else app.library.rows[row].title


def flags_of(app: NewsdeskApp, title: str):  # type: ignore[no-untyped-def]
    row = next(r for r in app.library.rows if r.title == title)
    return app.library.flags.get(row.key, NO_FLAGS)


async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await wait_loaded(pilot)
    await wait_for(pilot, lambda: pilot.app.library.flags_loaded)


def new_app(root: Path, tmp_path: Path, **options: object) -> NewsdeskApp:
    state_file = tmp_path / "state.sqlite3"
    return NewsdeskApp(
        root,
        state=State(state_file),
        session_file=session_path(state_file),
        **options,  # type: ignore[arg-type]
    )


# -- 1. a query is applied exactly as shown, or not at all ---------------------------


async def test_a_query_with_an_error_is_never_used_as_another_query(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = new_app(store(make_store), tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"topic:AI", "enter")
        await wait_for(pilot, lambda: shown_titles(app) == ["Story 0", "Story 2", "Story 4"])
        await pilot.press("slash", *"topic:AI quality:>=8o")
        bar = app.query_one(QueryBar)
        error = bar.query_one("#query-error")
        await wait_for(pilot, lambda: error.display)
        assert "showing: topic:AI" in str(error.render())
        # The list keeps the last query applied whole.
        assert shown_titles(app) == ["Story 0", "Story 2", "Story 4"]
        # enter keeps the bar open on its error.
        await pilot.press("enter")
        assert isinstance(app.focused, Input)
        # S (from the list, the error still in the bar) saves nothing.
        app.main_screen.articles.focus()
        await pilot.press("S")
        await wait_for(
            pilot, lambda: any("nothing was saved" in n.message for n in app._notifications)
        )
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.library.saved.items == {}


# -- 2. undo and redo take you to what they changed -----------------------------------


async def test_archive_undo_then_star_acts_on_the_restored_article(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = store(make_store)
    app = new_app(root, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        assert app.main_screen.facet == INBOX
        assert current_title(app) == "Story 0"
        await pilot.press("e")
        await wait_for(pilot, lambda: "Story 0" not in shown_titles(app))
        assert current_title(app) == "Story 1"
        assert flags_of(app, "Story 0").archived and flags_of(app, "Story 0").read
        await wait_saved(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: current_title(app) == "Story 0")
        status = app.query_one(StatusLine)
        assert 'Story 0"' in status.action and "Undid" in status.action
        await pilot.press("s")
        await wait_saved(pilot)
        assert flags_of(app, "Story 0").starred
        assert not flags_of(app, "Story 1").starred
        assert not flags_of(app, "Story 0").archived
        assert flags_of(app, "Story 0").read  # archive marked it read; undo keeps that


async def test_undo_after_a_restart_lands_on_the_article(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = store(make_store)
    app = new_app(root, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await pilot.press("j", "j", "s")  # stars Story 2
        await wait_saved(pilot)
    again = new_app(root, tmp_path)
    async with again.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        again.main_screen.articles.move_to(4)
        await pilot.press("u")
        await wait_for(pilot, lambda: current_title(again) == "Story 2")
        assert not flags_of(again, "Story 2").starred


async def test_undo_of_something_the_view_does_not_hold_shows_all_articles(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = new_app(store(make_store), tmp_path, config=Config(archive_marks_read=False))
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await pilot.press("e")  # Story 0 leaves the Inbox
        await wait_saved(pilot)
        assert not flags_of(app, "Story 0").read  # the setting is honoured
        await pilot.press("m")  # Story 1 read
        await wait_saved(pilot)
        await pilot.press("slash", *"is:archived", "enter")
        await wait_for(pilot, lambda: shown_titles(app) == ["Story 0"])
        await pilot.press("u")  # undoes the read of Story 1: not in this view
        await wait_for(pilot, lambda: app.main_screen.facet == ALL)
        await wait_for(pilot, lambda: current_title(app) == "Story 1")


# -- 4. archive means done; counts agree ------------------------------------------------


async def test_the_inbox_is_the_start_and_counts_agree_for_shared_urls(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    files = {
        "a.txt": article_text(
            "Same A", url="https://news.example/same", date="2026-03-03T10:00:00Z"
        ),
        "b.txt": article_text(
            "Same B", url="https://news.example/same", date="2026-03-02T10:00:00Z"
        ),
        "c.txt": article_text("Other", url="https://news.example/c", date="2026-03-01T10:00:00Z"),
    }
    app = new_app(make_store(files), tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        tree = app.query_one(TopicTree)
        assert tree.cursor_node is not None and tree.cursor_node.data == INBOX
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = " ".join(screen_text(app).split())
        assert "Mark 3 unread articles" in text and "3 shown" in text
        await pilot.press("n")


# -- 5. where am I -----------------------------------------------------------------------


async def test_the_position_and_a_count_before_a_key(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = new_app(store(make_store), tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        status = app.query_one(StatusLine)
        await wait_for(pilot, lambda: status.position.startswith("1 of 6"))
        await pilot.press("3")
        assert status.position.startswith("3…")
        await pilot.press("j")
        await wait_for(pilot, lambda: current_title(app) == "Story 3")
        assert status.position.startswith("4 of 6")
        await pilot.press("2", "e")
        await wait_for(
            pilot, lambda: shown_titles(app) == ["Story 0", "Story 1", "Story 2", "Story 5"]
        )
        await wait_saved(pilot)
        assert flags_of(app, "Story 3").archived and flags_of(app, "Story 4").archived


# -- 6. q closes, Q quits; escape goes back to the tree's view ----------------------------


async def test_q_closes_screens_and_escape_leaves_a_typed_query(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = new_app(store(make_store), tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not app.main_screen)
        await pilot.press("q")
        await wait_for(pilot, lambda: app.screen is app.main_screen)
        assert app.is_running
        await pilot.press("slash", *"Story 4", "enter")
        await wait_for(pilot, lambda: shown_titles(app) == ["Story 4"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_titles(app)) == 6)
        assert app.main_screen.facet == INBOX
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is not app.main_screen)
        await pilot.press("Q")
        await wait_for(pilot, lambda: not app.is_running)


# -- 7. saved searches behave -------------------------------------------------------------


async def test_deleting_the_saved_search_on_show_goes_back_to_the_inbox(
    make_store: StoreMaker, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from reader.search.saved import SavedSearches

    saved = SavedSearches(tmp_path / "saved.json")
    saved.save("space", "topic:Space")
    app = new_app(store(make_store), tmp_path, saved=saved)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        tree = app.query_one(TopicTree)
        tree.focus()
        tree.select_facet(Facet("saved", "space"))
        await wait_for(pilot, lambda: shown_titles(app) == ["Story 1", "Story 3", "Story 5"])
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.main_screen.facet == INBOX)
        assert tree.cursor_node is not None and tree.cursor_node.data == INBOX
        assert len(shown_titles(app)) == 6
        assert "space" not in app.library.saved.items


# -- 8. the session comes back ---------------------------------------------------------------


async def test_a_restart_restores_the_view_the_article_and_the_tree(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = store(make_store)
    app = new_app(root, tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"topic:Space", "enter")
        await wait_for(pilot, lambda: shown_titles(app) == ["Story 1", "Story 3", "Story 5"])
        await pilot.press("j")
        await wait_for(pilot, lambda: current_title(app) == "Story 3")
        await pilot.press("backslash")
        await pilot.press("q")
    session, warning = load_session(session_path(tmp_path / "state.sqlite3"))
    assert warning is None and session is not None
    assert (session.kind, session.value, session.article) == ("query", "topic:Space", "003_x.txt")
    again = new_app(root, tmp_path, session=session)
    async with again.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: current_title(again) == "Story 3")
        assert shown_titles(again) == ["Story 1", "Story 3", "Story 5"]
        assert again.query_one(QueryBar).input.value == "topic:Space"
        assert not again.main_screen.tree_visible


async def test_a_damaged_session_file_is_ignored_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "state.session.json"
    path.write_text("{not json")
    session, warning = load_session(path)
    assert session is None and warning is not None and "starting afresh" in warning
    path.write_text(json.dumps({"version": 1, "store": 3, "kind": "inbox"}))
    session, warning = load_session(path)
    assert session is None and warning is not None


async def test_the_new_node_holds_what_was_written_since_the_last_session(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    import os

    from reader.store.index import StoreIndex

    root = store(make_store, count=3)
    index_file = tmp_path / "index.sqlite3"
    for name in ("000_x.txt", "001_x.txt", "002_x.txt"):
        os.utime(root / name, (1_000_000_000, 1_000_000_000))
    (root / "002_x.txt").touch()  # written "now": after the last session
    last = Session(store=str(root), kind="inbox", ended=1_500_000_000.0)
    with StoreIndex(root, index_file) as index:
        app = new_app(root, tmp_path, session=last, index=index)
        async with app.run_test(size=(120, 32)) as pilot:
            await ready(pilot)
            await wait_for(pilot, lambda: app.library.new_paths == {"002_x.txt"})
            app.main_screen._show_facet(NEW, select=True)
            await wait_for(pilot, lambda: shown_titles(app) == ["Story 2"])


async def test_the_quit_summary_counts_articles_as_the_app_does(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    same = "https://news.example/same"
    files = {
        "a.txt": article_text("Same A", url=same, date="2026-03-03T10:00:00Z"),
        "b.txt": article_text("Same B", url=same, date="2026-03-02T10:00:00Z"),
        "c.txt": article_text("Other", url="https://news.example/c", date="2026-03-01T10:00:00Z"),
    }
    app = new_app(make_store(files), tmp_path)
    async with app.run_test(size=(120, 32)) as pilot:
        await ready(pilot)
        await pilot.press("s")  # Same A: its key is Same B's too
        await wait_saved(pilot)
        assert "2 starred" in app.library.progress_of(app.main_screen.articles.view).describe()
        await pilot.press("q")
    summary = app.library.state.session_summary(app.library.files_of)
    assert summary.starred == 2
    assert app.library.state.session_summary().starred == 1  # in keys, without the store
