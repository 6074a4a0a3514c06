"""The key bar: the keys that work where the focus is, on one line.

One widget that draws one line. Textual's `Footer` builds a widget per key
and lays out the screen each time the focus moves (about 0.1 s on a loaded
screen); this bar only redraws its line, and only when the keys change.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget

from reader.ui.lines.kept_lines import KeptLinesMixin

KEY_STYLE = "bold $footer-key-foreground"
DESCRIPTION_STYLE = "$footer-description-foreground"
GAP = 2
"""Cells between one key and the next."""


@dataclass(frozen=True)
class Shown:
    """A key as the bar shows it."""

    key: str
    display: str
    description: str
    enabled: bool


class KeyBar(KeptLinesMixin, Widget, can_focus=False):
    """The bindings that are shown where the focus is; a click presses one."""

    ALLOW_SELECT = False
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[Shown, ...] = ()
        self._palette: Shown | None = None
        self._places: list[tuple[int, int, Shown]] = []
        """Where each drawn key is: first cell, cell after, key."""

    @property
    def keys(self) -> tuple[Shown, ...]:
        return self._keys

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._bindings_changed(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        app = self.app
        keys: list[Shown] = []
        actions: set[str] = set()
        palette: Shown | None = None
        for key, (_node, binding, enabled, _tooltip) in screen.active_bindings.items():
            shown = Shown(binding.key, app.get_key_display(binding), binding.description, enabled)
            if app.ENABLE_COMMAND_PALETTE and key == app.COMMAND_PALETTE_BINDING:
                palette = shown
            elif binding.show and binding.action not in actions:
                # Several keys for one action: the bar shows the first.
                actions.add(binding.action)
                keys.append(shown)
        if (tuple(keys), palette) != (self._keys, self._palette):
            self._keys, self._palette = tuple(keys), palette
            self.refresh()

    def render(self) -> Content:
        width = self.size.width
        places: list[tuple[int, int, Shown]] = []
        right = Content("")
        if self._palette is not None:
            right = self._item(self._palette) + Content(" ")
        room = width - cell_len(right.plain)
        line = Content(" ")
        for shown in self._keys:
            item = self._item(shown)
            start = cell_len(line.plain)
            end = start + cell_len(item.plain)
            if end > room:
                break
            places.append((start, end, shown))
            line += item + Content(" " * GAP)
        if self._palette is not None:
            start = max(width - cell_len(right.plain), 0)
            places.append((start, width - 1, self._palette))
        self._places = places
        gap = max(width - cell_len(line.plain) - cell_len(right.plain), 0)
        return (line + Content(" " * gap) + right).truncate(width)

    @staticmethod
    def _item(shown: Shown) -> Content:
        item = Content.assemble(
            (shown.display, KEY_STYLE), " ", (shown.description, DESCRIPTION_STYLE)
        )
        return item if shown.enabled else item.stylize("dim")

    def place_of(self, key: str) -> int | None:
        """The cell where `key` is drawn, if it is."""
        for start, _end, shown in self._places:
            if shown.key == key:
                return start
        return None

    def on_click(self, event: events.Click) -> None:
        for start, end, shown in self._places:
            if start <= event.x < end:
                event.stop()
                if shown.enabled:
                    self.app.simulate_key(shown.key)
                else:
                    self.app.bell()
                return
