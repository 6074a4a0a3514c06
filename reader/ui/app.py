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
import threading
from collections.abc import Iterable
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.notifications import Notify
from textual.screen import Screen
from textual.theme import BUILTIN_THEMES, Theme
from textual.widgets import Input

from reader.actions import Action, default_keys, key_label, palette_actions
from reader.config import Config
from reader.library.library import Library
from reader.library.session import Session, save_session
from reader.resources import styles_path
from reader.search.saved import SavedSearches
from reader.store.index import StoreIndex
from reader.text import shown_path
from reader.triage.state import State
from reader.ui.keys import bindings
from reader.ui.main_screen import MainScreen
from reader.ui.screens.help import HelpScreen, help_sections
from reader.ui.screens.prompts import ConfirmScreen
from reader.ui.textual_private import set_own_bindings


def theme_names() -> list[str]:
    """The themes `[ui] theme` may name: Textual's own."""
    return list(BUILTIN_THEMES)


class NewsdeskApp(App[None]):
    """Browse and triage an article store: topic tree, article list, detail."""

    TITLE = "newsdesk"
    CSS_PATH = [styles_path("app.tcss"), styles_path("messages.tcss")]

    BINDINGS = bindings("app")
    """`q` is the main screen's (it closes the other screens); `Q` quits anywhere."""

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
        session: Session | None = None,
        session_file: Path | None = None,
        config_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.notices = list(notices)
        """Said at start (settings, a state file kept aside): shown on screen."""
        self.config = config or Config()
        if any(action in self.config.keys for action in default_keys("app")):
            set_own_bindings(self, bindings("app", self.config.keys))
        self.config_path = config_path
        """The settings file a theme chosen in the palette is written to (None: nowhere)."""
        if self.config.theme is not None and self.config.theme in self.available_themes:
            self.theme = self.config.theme  # checked (and any warning given) by load_config
        self._theme_saved = self.theme
        """The theme the settings file names (or the start-up one): not written again."""
        self._theme_lock = threading.Lock()
        self.store_title = shown_path(title or root)
        self.library = Library(
            root, index=index, state=state, saved=saved, hide=self.config.queries
        )
        """The open store: rows, flags, views' inputs, the state writer."""
        if session is not None and session.store != str(root):
            session = None  # another store's
        self.session = session
        """Where the last session stopped (restored on mount)."""
        self.session_file = session_file
        """Where this session is kept when it ends (None: nowhere)."""
        self.session_error: str | None = None
        """Why this session could not be kept (for the command line)."""

    def get_default_screen(self) -> Screen:
        # Background threads (loading, flags, indexing) hand the interpreter
        # back every millisecond rather than every five: keys, and the first
        # screen, get it sooner. (Set before the main screen starts them.)
        sys.setswitchinterval(0.001)
        return MainScreen(self.library, self.config, self.session)

    @property
    def main_screen(self) -> MainScreen:
        """The main screen: there even while a prompt, the help or a
        preview is on top."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_notify(self, message: Notify) -> None:
        """Every notification, on any screen, is also the status line's
        latest message (after Textual's own handler has shown the toast)."""
        screen = self.screen_stack[0] if self.screen_stack else None
        if isinstance(screen, MainScreen):
            screen.status_line.show_notification(message.notification)

    def on_mount(self) -> None:
        self.sub_title = self.store_title
        for notice in self.notices:
            self.notify(notice, severity="warning", markup=False, timeout=12)
        # Subscribed only now: the start-up's own theme set is never written back.
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    # -- theme ----------------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        """A theme chosen (in the palette): written to the settings file, off
        the UI thread, the rest of the file kept."""
        if self.config_path is None or theme.name == self._theme_saved:
            return
        self.run_worker(
            partial(self._save_theme, self.config_path),
            thread=True,
            group="theme",
            exit_on_error=False,
        )

    def _save_theme(self, path: Path) -> None:
        from reader.config import save_theme

        with self._theme_lock:  # the latest choice, in order
            name = self.theme
            if name == self._theme_saved:
                return
            try:
                save_theme(path, name)
            except (OSError, ValueError) as error:
                message = f"The theme was not saved to {shown_path(path)}: {error}"
                self.call_from_thread(
                    self.notify, shown_path(message), severity="error", markup=False
                )
                return
            self._theme_saved = name

    async def on_event(self, event: events.Event) -> None:
        if isinstance(
            event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
        ):
            self.library.pacer.touch()
        screen = self.screen_stack[-1] if self.screen_stack else None
        if (
            isinstance(event, events.Key)
            and isinstance(screen, MainScreen)
            and not isinstance(self.focused, Input)
        ):
            if event.key == "slash":
                # The query bar takes the focus now, not once the keys read
                # with this one have gone to the list: a query typed fast or
                # pasted would work the list's keys (`s` stars, `u` undoes).
                screen.action_search()
                return
            if self._count_key(screen, event):
                return
        await super().on_event(event)

    def _count_key(self, screen: MainScreen, event: events.Key) -> bool:
        """A number typed before a key repeats it (`5j`, `3e`): digits are
        kept (and shown) here; the key after them is sent that many times.
        Whether the key was taken."""
        digit = event.character if event.character and event.character.isdecimal() else None
        if digit is not None and event.character is not None and (screen.count or digit != "0"):
            screen.count_typed(digit)
            return True
        if not screen.count:
            return False
        times = screen.take_count()
        if event.key == "escape":
            return True  # the count is dropped
        for _ in range(times - 1):
            self.simulate_key(event.key)
        return False

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
        session = self.main_screen.session_now()
        await asyncio.to_thread(self._close, session)
        await super().action_quit()

    def _close(self, session: Session | None = None) -> None:
        """Close the library (its writer writes what is queued) and keep
        where this session stopped; off the UI thread when quitting."""
        self.library.close()
        if session is not None and self.session_file is not None:
            try:
                save_session(self.session_file, session)
            except OSError as error:
                self.session_error = str(error)
            self.session_file = None  # kept once

    def on_unmount(self) -> None:
        self._close()

    @property
    def unsaved_at_exit(self) -> list[str]:
        """What could not be saved when the app closed (for the command line)."""
        return self.library.unsaved_at_exit

    # -- help and palette -----------------------------------------------------------

    def action_help(self) -> None:
        """The keys of the screen `?` is pressed on (the main screen's panes,
        the preview's own keys and its link list's)."""
        screen = self.screen
        if not isinstance(screen, HelpScreen):
            self.push_screen(HelpScreen(help_sections(screen)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own "Quit" would skip the question about decisions not
        # saved, and its "Keys" panel squeezes the list: newsdesk has both.
        for system in super().get_system_commands(screen):
            if system.title not in {"Quit", "Keys"}:
                yield system
        main = self.main_screen
        for action in palette_actions(self.config.keys):
            help_text = action.help
            if action.keys:
                help_text += f" ({key_label(action.keys)})"
            yield SystemCommand(action.palette, help_text, partial(self._run_action, main, action))

    def _run_action(self, main: MainScreen, action: Action) -> None:
        target, _, name = action.action.rpartition(".")
        node = self if target == "app" else main.articles if action.place == "list" else main
        self.call_later(getattr(node, f"action_{name}"))

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """Save an SVG screenshot (the palette's "Screenshot") in a folder that
        exists: `path`, else the user's pictures folder, else the current
        one (Textual's default, `~/Downloads`, is often missing); say where
        it went, or why it could not be saved. Returns the file's path."""
        import os

        import platformdirs

        try:
            if path is None:
                pictures = platformdirs.user_pictures_dir()
                path = pictures if os.path.isdir(pictures) else os.getcwd()
            saved = os.path.abspath(self.save_screenshot(filename, path, time_format))
        except OSError as error:
            self.notify(
                shown_path(f"Could not save the screenshot: {error}"),
                title="Screenshot",
                severity="error",
                markup=False,
            )
            return None
        self.notify(f"Screenshot saved to {shown_path(saved)}", title="Screenshot", markup=False)
        return saved
