"""Messages have their place: toasts never cover the status line, and the
status line shows the latest message (an action's or a toast's) or none."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from reader.ui.app import NewsdeskApp
from reader.ui.main_screen import MainScreen
from reader.ui.panes.key_bar import KeyBar
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded


def small_store(make_store: StoreMaker) -> Path:
    return make_store({"a.txt": article_text("Harbour wall story")})


async def test_toasts_stand_above_the_status_line(make_store: StoreMaker) -> None:
    app = NewsdeskApp(small_store(make_store))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for number in range(3):
            app.notify(f"Message {number}\nover two lines", title="Note", timeout=30)
        await wait_for(pilot, lambda: len(screen.query(Toast)) == 3)
        await pilot.pause()
        status = screen.status_line.region
        keys = screen.query_one(KeyBar).region
        for toast in screen.query(Toast):
            assert toast.region.height > 0
            assert not toast.region.overlaps(status), (toast.region, status)
            assert not toast.region.overlaps(keys), (toast.region, keys)
            assert toast.region.bottom <= status.y


async def test_the_status_line_shows_the_latest_message(make_store: StoreMaker) -> None:
    app = NewsdeskApp(small_store(make_store))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        status = screen.status_line
        status.show_action("Starred the older one.")
        app.notify("Copied [b]the[/b] address", timeout=0.2)
        await wait_for(pilot, lambda: status.action == "Copied the address")
        await wait_for(pilot, lambda: screen.query(Toast))
        # The toast fades; the line keeps the latest message, not the older.
        await wait_for(pilot, lambda: not screen.query(Toast))
        assert status.action == "Copied the address"
        # An action after it replaces it.
        status.show_action("Archived.")
        assert status.action == "Archived."
        app.notify("Trouble", title="Triage state", severity="warning", markup=False)
        await wait_for(pilot, lambda: status.action == "Triage state: Trouble")
