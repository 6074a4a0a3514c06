"""The command palette: every main-screen command by name, once, and
running the same code as its key."""

from __future__ import annotations

from pathlib import Path

from reader.actions import ACTIONS
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.prompts import ConfirmScreen
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded


def titled(app: NewsdeskApp) -> dict[str, object]:
    commands = list(app.get_system_commands(app.screen))
    titles = [command.title for command in commands]
    assert len(titles) == len(set(titles)), f"a name given twice: {titles}"
    return {command.title: command.callback for command in commands}


async def test_each_command_is_named_once_and_quit_asks_about_unsaved_decisions(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = make_store({"a.md": article_text("Alpha")})
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_loaded(pilot)
        commands = titled(app)
        assert {a.palette for a in ACTIONS if a.palette} <= commands.keys()
        assert "Theme" in commands  # Textual's own stay, but for Quit and Keys
        # Quit from the palette is newsdesk's: with a decision not saved, it asks.
        app.library.unsaved.add(1, ("a",), "the disk is full")
        commands["Quit"]()  # type: ignore[operator]
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running
        commands["Show keys"]()  # type: ignore[operator]
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
