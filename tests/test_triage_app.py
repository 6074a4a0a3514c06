"""A whole triage run driven from the keyboard, then quit and reopen."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config import Config
from reader.library.facets import Facet
from reader.triage.counts import TriageCounts
from reader.triage.state import NO_FLAGS, State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.detail import DetailView
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.prompts import ConfirmScreen, TagScreen
from tests.conftest import (
    Messages,
    StoreMaker,
    article_text,
    screen_text,
    wait_article,
    wait_loaded,
    wait_saved,
)


def store(make_store: StoreMaker, count: int = 6) -> Path:
    return make_store(
        {
            f"{i:03d}_x.txt": article_text(
                f"Story {i}",
                topics=["Space"] if i % 2 else ["AI"],
                date=f"2026-03-{10 + i:02d}T10:00:00Z",
                url=f"https://news.example/{i}",
            )
            for i in range(count)
        }
    )


def current_title(app: NewsdeskApp) -> str:
    row = app.query_one(ArticleList).current_row
    assert row is not None
    return app.library.rows[row].title


def flags_of(app: NewsdeskApp, title: str):  # type: ignore[no-untyped-def]
    row = next(r for r in app.library.rows if r.title == title)
    return app.library.flags.get(row.key, NO_FLAGS)


async def test_a_triage_run_with_undo_survives_a_restart(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = store(make_store)
    state_path = tmp_path / "state.sqlite3"
    app = NewsdeskApp(root, state=State(state_path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert current_title(app) == "Story 5"
        # Star: stays on the article. Archive: moves on to the next one,
        # takes the article out of the Inbox and marks it read (the default).
        await pilot.press("s")
        assert flags_of(app, "Story 5").starred
        assert "Starred 1 article" in screen_text(app)
        await pilot.press("e")
        await pilot.pause()
        assert flags_of(app, "Story 5").archived and flags_of(app, "Story 5").read
        assert current_title(app) == "Story 4"
        # Tag with the prompt.
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagScreen)
        await pilot.press(*"later", "enter")
        await pilot.pause()
        assert flags_of(app, "Story 4").tags == frozenset({"later"})
        assert "later 1" in screen_text(app)
        # Undo the tag, then the archive (the article stays read); redo the
        # archive. Each step takes the cursor to the article it changed.
        await pilot.press("u")
        await wait_saved(pilot)  # run by the state writer
        assert flags_of(app, "Story 4").tags == frozenset()
        assert current_title(app) == "Story 4"
        await pilot.press("u")
        await wait_saved(pilot)  # run by the state writer
        assert not flags_of(app, "Story 5").archived and flags_of(app, "Story 5").read
        assert current_title(app) == "Story 5"
        await pilot.press("U")
        await wait_saved(pilot)  # run by the state writer
        assert flags_of(app, "Story 5").archived
        assert current_title(app) == "Story 5"
        # Bulk: mark the Space view read after the prompt; only that view.
        # Story 5 (archived, so read) is in it: 2 of its 3 are unread.
        app.query_one(TopicTree).select_facet(Facet("topic", "Space"))
        await wait_loaded(pilot)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Mark 2 unread articles in this view (Topic: Space, 3 shown)" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert all(flags_of(app, f"Story {i}").read for i in (1, 3, 5))
        assert not any(flags_of(app, f"Story {i}").read for i in (0, 2, 4))
        assert "Space 3" in screen_text(app)
        assert app.library.triage.unread_of("topic", "Space") == 0
        # And undo it (Story 5 was read before it), then redo it.
        await pilot.press("u")
        await wait_saved(pilot)  # run by the state writer
        assert not any(flags_of(app, f"Story {i}").read for i in (1, 3))
        assert flags_of(app, "Story 5").read
        await pilot.press("U")
        await wait_saved(pilot)  # run by the state writer
        await pilot.press("q")
    # Reopen: the same state, and the undo history goes on.
    app = NewsdeskApp(root, state=State(state_path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert flags_of(app, "Story 5").starred and flags_of(app, "Story 5").archived
        assert all(flags_of(app, f"Story {i}").read for i in (1, 3, 5))
        await pilot.press("u")
        await wait_saved(pilot)  # run by the state writer
        assert not any(flags_of(app, f"Story {i}").read for i in (1, 3))
        assert flags_of(app, "Story 5").read and flags_of(app, "Story 5").archived


async def test_selection_and_range_act_together(make_store: StoreMaker, tmp_path: Path) -> None:
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("x")  # selects Story 5, moves to Story 4
        await pilot.press("j", "j", "V")  # range Story 5 .. Story 2
        assert len(app.library.selected) == 4
        assert "4 selected" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert [flags_of(app, f"Story {i}").starred for i in range(6)] == [
            False,
            False,
            True,
            True,
            True,
            True,
        ]
        assert not app.library.selected
        await pilot.press("u")
        await wait_saved(pilot)  # run by the state writer
        assert not any(flags_of(app, f"Story {i}").starred for i in range(6))


async def test_opening_reads_but_passing_over_does_not(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.sqlite3"))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        mark = messages.mark()
        await pilot.press("j", "j")
        # Passing over marks nothing read: checked once the article the
        # cursor rests on is shown, and anything decided would be saved.
        await wait_article(pilot, messages, after=mark)
        await wait_saved(pilot)
        assert not any(flags_of(app, f"Story {i}").read for i in range(6))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.focused, DetailView)
        assert flags_of(app, "Story 3").read
        # n jumps over read articles.
        await pilot.press("escape", "g", "n")
        assert current_title(app) == "Story 4"
        await pilot.press("n")
        assert current_title(app) == "Story 2"
        await pilot.press("m")
        assert flags_of(app, "Story 2").read
        await pilot.press("m")
        assert not flags_of(app, "Story 2").read


async def test_settings_can_turn_off_read_on_open(make_store: StoreMaker, tmp_path: Path) -> None:
    app = NewsdeskApp(
        store(make_store),
        state=State(tmp_path / "s.sqlite3"),
        config=Config(mark_read_on_open=False),
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert not flags_of(app, "Story 5").read


async def test_archive_in_the_inbox_moves_on_and_prompt_keys_do_not_leak(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        app.query_one(TopicTree).select_facet(Facet("inbox"))
        await wait_loaded(pilot)
        await pilot.press("e")
        await wait_loaded(pilot)
        assert current_title(app) == "Story 4"
        assert len(app.query_one(ArticleList).view) == 5
        assert "Inbox 5" in screen_text(app) and "Archived 1" in screen_text(app)
        # Keys typed into the tag prompt are text, not actions.
        await pilot.press("t", "m", "s", "e", "escape")
        await pilot.pause()
        assert flags_of(app, "Story 4") == NO_FLAGS
        assert app.is_running


async def test_counts_add_up_when_rows_arrive_in_small_parts(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.library.library

    # Rows reach the UI three at a time, counted by the loader when the
    # triage state is already known, by the UI when it is not.
    monkeypatch.setattr(reader.library.library, "HAND_OVER", 3)
    root = store(make_store, count=11)
    state_path = tmp_path / "state.sqlite3"
    first = NewsdeskApp(root, state=State(state_path))
    async with first.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        keys = [row.key for row in first.library.rows]
        first.library.state.set_starred(keys[:4])
        first.library.state.set_read(keys[2:7])
    app = NewsdeskApp(root, state=State(state_path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.library.rows) == 11 and app.library.flags_loaded
        expected = TriageCounts()
        expected.add(app.library.rows, app.library.flags)
        assert app.library.triage == expected
        assert (
            app.library.triage.total,
            app.library.triage.starred,
            app.library.triage.unread,
        ) == (11, 4, 6)


async def test_marks_redrawn_under_a_query_on_the_marks(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    # The list keeps its drawn lines from one view to the next; a change
    # of marks under a query that reads them must still redraw them.
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"is:unread", "enter")
        await pilot.pause()
        app.main_screen.set_focus(app.query_one(ArticleList))
        await pilot.pause()
        title = current_title(app)
        assert "★" not in list_line(app, title)
        await pilot.press("s")
        await wait_loaded(pilot)
        assert flags_of(app, title).starred
        assert "★" in list_line(app, title)


def list_line(app: NewsdeskApp, title: str) -> str:
    """The article list's line (as drawn now) that shows `title`."""
    articles = app.query_one(ArticleList)
    lines = [articles.render_line(y).text for y in range(articles.size.height)]
    return next(line for line in lines if title in line)


async def test_a_selection_cleared_by_an_action_with_nothing_to_do_is_redrawn(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    # `u` with nothing to undo still clears the selection: its bar must go,
    # though no state changed (the list keeps its drawn lines otherwise).
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        title = current_title(app)
        await pilot.press("x")
        await pilot.pause()
        assert list_line(app, title).startswith("▌")
        await pilot.press("u")
        await wait_loaded(pilot)
        assert not app.library.selected
        assert not list_line(app, title).startswith("▌")


async def test_a_count_turns_dim_once_the_last_unread_article_is_read(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    # "All articles 1" reads the same all unread (bold) and all read (dim):
    # the label must follow its style, not only its words.
    app = NewsdeskApp(store(make_store, count=1), state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        tree = app.main_screen.query_one(TopicTree)

        def count_style() -> str:
            label = tree._all.label
            return str(next(span.style for span in label.spans if span.start > 0))

        assert count_style() == "bold"
        await pilot.press("m")
        await pilot.pause()
        assert flags_of(app, "Story 0").read
        assert count_style() == "dim"
        await pilot.press("u")
        await wait_saved(pilot)  # run by the state writer
        assert count_style() == "bold"
