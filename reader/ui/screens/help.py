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
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

KEY_NAMES = {
    "question_mark": "?",
    "backslash": "\\",
    "plus": "+",
    "equals_sign": "=",
    "space": "space",
    "slash": "/",
}

KEY_COLUMN_MAX = 24
"""The widest the key column gets; longer key lists wrap."""
INDENT = 2
"""Cells before the key column."""
GAP = 2
"""Cells between the key column and the description."""
MIN_DESCRIPTION = 16
"""The fewest cells a description gets, however narrow the screen."""

Section = tuple[str, Iterable[BindingType]]


def key_label(keys: str) -> str:
    return ", ".join(KEY_NAMES.get(key, key) for key in keys.split(","))


def help_entries(bindings: Iterable[BindingType]) -> list[tuple[str, str]]:
    """(key label, description) of each binding, the first of each description."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for binding in bindings:
        if not isinstance(binding, Binding) or binding.description in seen:
            continue
        seen.add(binding.description)
        entries.append((key_label(binding.key), binding.description))
    return entries


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
    shown = [(title, help_entries(bindings)) for title, bindings in sections]
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


def main_sections(everywhere: Iterable[BindingType]) -> list[Section]:
    """The main screen's keys: its own and the app's, then each pane's."""
    from reader.ui.panes.article_list import ArticleList
    from reader.ui.panes.detail import DetailView
    from reader.ui.panes.topic_tree import TopicTree

    return [
        ("Everywhere", everywhere),
        ("Article list", ArticleList.BINDINGS),
        ("Topic tree", TopicTree.BINDINGS),
        ("Detail view", DetailView.BINDINGS),
        ("Related articles", DetailView.RELATED_KEYS),
        ("Also", ALSO),
    ]


ALSO: list[BindingType] = [
    Binding("ctrl+p", "command_palette", "Command palette: every action by name"),
    Binding("escape", "close", "Close this screen"),
]


def help_sections(screen: Screen[object], app_bindings: Iterable[BindingType]) -> list[Section]:
    """The sections `?` shows on `screen`: the main screen's panes, a
    screen's own `help_sections()`, or else its bindings and the app's."""
    from reader.ui.main_screen import MainScreen

    if isinstance(screen, MainScreen):
        return main_sections([*screen.key_bindings, *app_bindings])
    own = getattr(screen, "help_sections", None)
    if callable(own):
        return list(own())
    title = screen.title or type(screen).__name__
    return [(title, [*screen.BINDINGS, *app_bindings]), ("Also", ALSO)]


class HelpText(Widget):
    """The help text, laid out again for the width it gets."""

    DEFAULT_CSS = "HelpText { height: auto; }"

    def __init__(self, sections: Iterable[Section]) -> None:
        super().__init__()
        self._sections = [(title, list(bindings)) for title, bindings in sections]
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

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("Q", "app.quit", "Quit", show=False),
        Binding("j", "scroll(1)", "Down", show=False),
        Binding("k", "scroll(-1)", "Up", show=False),
        Binding("space", "page(1)", "Page down", show=False),
        Binding("b", "page(-1)", "Page up", show=False),
        Binding("g", "edge(0)", "Top", show=False),
        Binding("G", "edge(1)", "Bottom", show=False),
    ]

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
