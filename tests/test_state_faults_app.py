"""Faults of the state file, seen as a user sees them: a full disk, a lock
held by another process, damage found at start or mid-run, another newsdesk
writing. Each asserts what the screen shows and what is on disk after."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import reader.triage.writer
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.messages import StateFailed, StateSaved
from reader.ui.panes.status_line import StatusLine
from reader.ui.screens.prompts import ConfirmScreen
from tests.conftest import (
    Messages,
    StoreMaker,
    article_text,
    screen_text,
    wait_for,
    wait_loaded,
    wait_message,
    wait_saved,
)
from tests.test_state_writer import damage_page, root_page
from tests.test_triage_app import current_title, flags_of, list_line, store


def status(app: NewsdeskApp) -> str:
    return app.query_one(StatusLine).status


def messages(app: NewsdeskApp) -> str:
    return "\n".join(n.message for n in app._notifications)


def run_on_writer(app: NewsdeskApp, sql: str) -> None:
    """Run SQL on the writer's own connection (between its jobs)."""
    state = app.library.state
    with state._lock:
        state._conn.execute(sql)


async def test_a_full_disk_keeps_the_decision_on_screen_and_saves_it_later(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    # Long addresses: marking them all read needs new pages in the file.
    long = "x" * 1500
    root = make_store(
        {
            f"{i:03d}_x.txt": article_text(
                f"Story {i}",
                date=f"2026-03-{10 + i:02d}T10:00:00Z",
                url=f"https://n.example/{long}/{i}",
            )
            for i in range(12)
        }
    )
    app = NewsdeskApp(root, state=State(path))
    recorder = Messages()
    async with app.run_test(size=(140, 40), message_hook=recorder) as pilot:
        await wait_loaded(pilot)
        await wait_saved(pilot)
        pages = app.library.state._conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's cap on the file's size: a real SQLITE_FULL on the next page.
        run_on_writer(app, f"PRAGMA max_page_count = {pages}")
        title = current_title(app)
        mark = recorder.mark()
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert flags_of(app, title).read  # shown at once
        # (Its handler notifies: the notice is in once the message is handled.)
        await wait_message(pilot, recorder, StateFailed, mark)
        assert app.library.unsaved
        assert "12 not saved: the disk is full" in status(app)
        assert "Not saved: Marked 12 articles read (the disk is full)" in messages(app)
        assert list_line(app, title).startswith("!")  # the row says it is not saved
        assert app.is_running
        # Undo waits: it would undo something else.
        await pilot.press("u")
        assert "wait until the decisions marked ! are saved" in messages(app)
        # Quitting asks first.
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        question = app.screen.question  # type: ignore[attr-defined]
        assert question == (
            "12 articles with decisions not saved (the disk is full). Quit and lose them?"
        )
        assert "Quit and lose" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        # Room again: saved at the next try, and the marks go.
        waiting = set(app.library.unsaved.jobs)
        mark = recorder.mark()
        run_on_writer(app, "PRAGMA max_page_count = 1073741823")
        # (Its handler notifies: the notice is in once the message is handled.)
        await wait_message(
            pilot, recorder, StateSaved, mark, where=lambda m: m.outcome.job.id in waiting
        )
        assert not app.library.unsaved
        assert "not saved" not in status(app)
        assert not list_line(app, title).startswith("!")
        assert "Saved the decisions that were waiting." in messages(app)
    with State(path) as state:
        assert state.get(f"https://n.example/{long}/11").read


async def test_a_lock_held_elsewhere_never_freezes_the_screen(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    app = NewsdeskApp(store(make_store), state=State(path))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_loaded(pilot)
            await wait_saved(pilot)
            other.execute("BEGIN IMMEDIATE")
            await pilot.press("s")
            # Keys go on while the write waits for the lock.
            await pilot.press("j")
            assert current_title(app) == "Story 4"
            await wait_for(pilot, lambda: bool(app.library.unsaved))
            assert "another newsdesk holds the state file's lock" in status(app)
            other.execute("COMMIT")
            await wait_for(pilot, lambda: not app.library.unsaved)
            assert flags_of(app, "Story 5").starred
    finally:
        other.close()
    with State(path) as state:
        assert state.get("https://news.example/5").starred


async def test_damage_in_the_journal_is_moved_aside_and_nothing_is_lost(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    with State(path) as state:
        state.set_read("https://news.example/2")
        for i in range(60):
            state.toggle_archived([f"https://elsewhere.example/{i}/{n}" for n in range(40)])
        state.set_archived("https://elsewhere.example/0/0")
    damage_page(path, root_page(path, "action_item"))
    root = store(make_store)
    app = NewsdeskApp(root, state=State(path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: "was damaged" in messages(app))
        assert "It was kept as" in messages(app)
        await pilot.press("s")
        await wait_saved(pilot)
        assert flags_of(app, "Story 5").starred and flags_of(app, "Story 2").read
    backups = list(tmp_path.glob("state.sqlite3.corrupt-*"))
    assert len(backups) == 1
    # A later start is clean, and holds the old flags and the new decision.
    app = NewsdeskApp(root, state=State(path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_saved(pilot)
        assert flags_of(app, "Story 5").starred and flags_of(app, "Story 2").read
        assert "damaged" not in messages(app)
    with State(path) as state:
        state.check()
        assert state.get("https://elsewhere.example/0/0").archived
    assert len(list(tmp_path.glob("state.sqlite3.corrupt-*"))) == 1


async def test_a_damaged_page_two_loads_clean_instead_of_waiting_for_ever(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    with State(path) as state:
        state.set_read([f"https://elsewhere.example/{i}" for i in range(400)])
    damage_page(path, root_page(path, "article"))
    app = NewsdeskApp(store(make_store), state=State(path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: app.library.flags_loaded)
        assert "nothing: its state could not be read" in messages(app)
        await pilot.press("s")
        assert "still loading" not in messages(app)
        await wait_saved(pilot)
    with State(path) as state:
        state.check()
        assert state.get("https://news.example/5").starred


async def test_two_instances_agree(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.sqlite3"
    app = NewsdeskApp(store(make_store), state=State(path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_saved(pilot)
        # Another newsdesk stars an article: this one shows it.
        with State(path) as other:
            other.set_starred("https://news.example/3")
        await wait_for(pilot, lambda: flags_of(app, "Story 3").starred)
        assert "Starred 1" in screen_text(app)
    # Before this screen hears of it, `s` acts on what it shows: the
    # article looked unstarred, so it is starred (not toggled off).
    monkeypatch.setattr(reader.triage.writer, "POLL", 3600.0)
    app = NewsdeskApp(store(make_store), state=State(path))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_saved(pilot)
        assert not flags_of(app, "Story 5").starred
        with State(path) as other:
            other.set_starred("https://news.example/5")
        await pilot.press("s")
        await wait_saved(pilot)
        assert flags_of(app, "Story 5").starred
    with State(path) as state:
        assert state.get("https://news.example/5").starred


async def test_notices_from_start_up_are_shown_on_screen(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    notice = "The triage state file could not be read (damaged); it was kept as x.corrupt-1."
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "state.sqlite3"), notices=[notice])
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await wait_loaded(pilot)
        assert "could not be read (damaged)" in screen_text(app)


async def test_saved_searches_that_cannot_be_written_are_said_not_crashed_on(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.search.saved import SavedSearches

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "state.sqlite3"))
    app.library.saved = SavedSearches(blocker / "saved-searches.json")
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("slash", *"topic:AI", "enter")
        await wait_loaded(pilot)
        await pilot.press("S")
        await wait_for(pilot, lambda: app.screen is not app.screen_stack[0])
        await pilot.press(*"ai", "enter")
        await wait_saved(pilot)
        assert "Saving the searches was not done" in messages(app)
        assert app.library.saved.items == {"ai": "topic:AI"}  # kept for the session
        assert app.is_running
