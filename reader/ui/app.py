"""The newsdesk application: the global concerns around the main screen.

The open store is a `Library` (Textual-free); `MainScreen` shows it and
turns keys into its decisions. The App keeps what is the same on every
screen: quitting (never with decisions lost in silence), the help, the
command palette, notices given at start, and the pacing of background work
by the keys.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.widgets import Input

from reader.config import Config
from reader.library.library import Library
from reader.resources import styles_path
from reader.search.saved import SavedSearches
from reader.store.index import StoreIndex
from reader.text import shown_path
from reader.triage.state import State
from reader.ui.keys import MAIN_COMMANDS, Command
from reader.ui.main_screen import MainScreen
from reader.ui.screens.help import HelpScreen, key_label
from reader.ui.screens.prompts import ConfirmScreen


class NewsdeskApp(App[None]):
    """Browse and triage an article store: topic tree, article list, detail."""

    TITLE = "newsdesk"
    CSS_PATH = [styles_path("app.tcss")]

    def __init__(
        self,
        root: Path,
        *,
        state: State | None = None,
        config: Config | None = None,
        title: str | None = None,
        index: StoreIndex | None = None,
        notices: Iterable[str] = (),
        saved: SavedSearches | None = None,
    ) -> None:
        super().__init__()
        self.notices = list(notices)
        """Said at start (settings, a state file kept aside): shown on screen."""
        self.config = config or Config()
        self.store_title = shown_path(title or root)
        self.library = Library(root, index=index, state=state, saved=saved)
        """The open store: rows, flags, views' inputs, the state writer."""

    def get_default_screen(self) -> Screen:
        return MainScreen(self.library, self.config)

    @property
    def main_screen(self) -> MainScreen:
        """The main screen: there even while a prompt, the help or a
        preview is on top."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        # Background threads (loading, indexing) hand the interpreter back
        # every millisecond rather than every five: keys get answered sooner.
        sys.setswitchinterval(0.001)
        self.sub_title = self.store_title
        for notice in self.notices:
            self.notify(notice, severity="warning", markup=False, timeout=12)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(
            event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
        ):
            self.library.pacer.touch()
        if (
            isinstance(event, events.Key)
            and event.key == "slash"
            and isinstance(self.screen, MainScreen)
            and not isinstance(self.focused, Input)
        ):
            # The query bar takes the focus now, not once the keys read with
            # this one have gone to the list: a query typed fast or pasted
            # would work the list's keys (`s` stars, `u` undoes, `q` quits).
            self.screen.action_search()
            return
        await super().on_event(event)

    # -- quitting -------------------------------------------------------------------

    async def action_quit(self) -> None:
        unsaved = self.library.unsaved
        if unsaved:

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._quit_now(), exclusive=True, group="quit")

            n = len(unsaved.keys)
            self.push_screen(
                ConfirmScreen(
                    f"{n:,} article{'s' if n != 1 else ''} with decisions not saved"
                    f" ({unsaved.reason}). Quit and lose them?"
                ),
                confirmed,
            )
            return
        await self._quit_now()

    async def _quit_now(self) -> None:
        # What is queued is written before the app goes (a moment at most).
        await asyncio.to_thread(self.library.close)
        await super().action_quit()

    def on_unmount(self) -> None:
        self.library.close()

    @property
    def unsaved_at_exit(self) -> list[str]:
        """What could not be saved when the app closed (for the command line)."""
        return self.library.unsaved_at_exit

    # -- help and palette -----------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(MainScreen.BINDINGS))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own "Quit" would skip the question about decisions not
        # saved, and its "Keys" panel squeezes the list: newsdesk has both.
        for command in super().get_system_commands(screen):
            if command.title not in {"Quit", "Keys"}:
                yield command
        main = self.main_screen
        for command in MAIN_COMMANDS:
            if not command.title:
                continue
            help_text = command.help
            if command.keys:
                help_text += f" ({key_label(command.keys)})"
            yield SystemCommand(command.title, help_text, partial(self._run_command, main, command))

    def _run_command(self, main: MainScreen, command: Command) -> None:
        target, _, name = command.action.rpartition(".")
        node: object = {"app": self, "list": main.articles}.get(target, main)
        self.call_later(getattr(node, f"action_{name}"))
