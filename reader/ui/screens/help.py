"""The `?` screen: the keys of the screen it is opened on, by section.

The text is laid out in two columns for the width it is shown at: the keys,
in a column as wide as the widest key label (at most `KEY_COLUMN_MAX` cells;
a longer list of keys goes on to a second line), then the description,
wrapped with its lines indented under the description column.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from reader.actions import PLACE, actions, shown_keys
from reader.ui.keys import Remap, bindings, remap_of, use_own_keys

KEY_COLUMN_MAX = 24
"""The widest the key column gets; longer key lists wrap."""
INDENT = 2
"""Cells before the key column."""
GAP = 2
"""Cells between the key column and the description."""
MIN_DESCRIPTION = 16
"""The fewest cells a description gets, however narrow the screen."""

Entry = tuple[str, str]
"""(keys, description) of one action, as `?` shows it."""
Section = tuple[str, list[Entry]]


def place_section(place: str, keys: Remap | None = None) -> Section:
    """The title and the entries of one place of the action table."""
    entries = [(shown_keys(action), action.help) for action in actions(place, keys)]
    return (PLACE[place].title, entries)


def sections_of(places: Iterable[str], keys: Remap | None = None) -> list[Section]:
    return [place_section(place, keys) for place in places]


MAIN_PLACES = ("main", "list", "tree", "detail", "related", "query", "app")
"""What `?` shows on the main screen: its keys, then each pane's."""


def _key_lines(label: str, width: int) -> list[str]:
    """`label` ("pagedown, ctrl+f, space") in lines of at most `width` cells,
    broken after a comma (a single key longer than that is cut)."""
    lines: list[str] = []
    line = ""
    for key in label.split(", "):
        candidate = f"{line}, {key}" if line else key
        if line and cell_len(candidate) + 1 > width:  # + 1: the trailing comma
            lines.append(f"{line},")
            candidate = key
        line = candidate
    lines.append(line)
    return [part for whole in lines for part in textwrap.wrap(whole, width) or [""]]


def bindings_text(sections: Iterable[Section], width: int = 72) -> Text:
    """The help for `sections`, laid out for `width` cells."""
    shown = list(sections)
    widest = max((cell_len(keys) for _, entries in shown for keys, _ in entries), default=0)
    key_width = min(widest, KEY_COLUMN_MAX)
    description_width = max(width - INDENT - key_width - GAP, MIN_DESCRIPTION)
    text = Text(no_wrap=True, overflow="crop")
    for number, (title, entries) in enumerate(shown):
        if number:
            text.append("\n")
        text.append(f"{title}\n", style="bold underline")
        for keys, description in entries:
            key_lines = _key_lines(keys, key_width)
            description_lines = textwrap.wrap(description, description_width) or [""]
            for row in range(max(len(key_lines), len(description_lines))):
                key = key_lines[row] if row < len(key_lines) else ""
                said = description_lines[row] if row < len(description_lines) else ""
                text.append(" " * INDENT)
                text.append(key + " " * (key_width - cell_len(key)), style="bold")
                text.append(" " * GAP + said + "\n")
    text.rstrip()
    return text


def help_sections(screen: Screen[object]) -> list[Section]:
    """The sections `?` shows on `screen`: the places its `HELP_PLACES`
    names (the main screen's panes, the preview and its link list), with
    the app's `[keys]` applied."""
    places = getattr(screen, "HELP_PLACES", None) or ("app",)
    return sections_of(places, remap_of(screen))


class HelpText(Widget):
    """The help text, laid out again for the width it gets."""

    DEFAULT_CSS = "HelpText { height: auto; }"

    def __init__(self, sections: Iterable[Section]) -> None:
        super().__init__()
        self._sections = list(sections)
        self._laid_out: tuple[int, Text] | None = None

    def text(self, width: int) -> Text:
        if self._laid_out is None or self._laid_out[0] != width:
            self._laid_out = (width, bindings_text(self._sections, width))
        return self._laid_out[1]

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.text(width).plain.split("\n"))

    def render(self) -> Text:
        return self.text(self.content_region.width)


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the screen it was opened on, by section."""

    BINDINGS = bindings("help")

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; max-width: 100%; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
        scrollbar-gutter: stable;
    }
    """

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        use_own_keys(self, "help")
        self._sections = list(sections)
        """What is shown: (title, bindings) of each section."""

    @property
    def sections(self) -> list[Section]:
        return self._sections

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one(VerticalScroll)

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield HelpText(self._sections)

    def action_scroll(self, lines: int) -> None:
        self.scroller.scroll_relative(y=lines, animate=False)

    def action_page(self, pages: int) -> None:
        if pages > 0:
            self.scroller.scroll_page_down(animate=False)
        else:
            self.scroller.scroll_page_up(animate=False)

    def action_edge(self, end: int) -> None:
        if end:
            self.scroller.scroll_end(animate=False)
        else:
            self.scroller.scroll_home(animate=False)
