"""The article list: one line per article, drawn on demand.

Built on Textual's line API: only the lines on screen are rendered, so a view
of 100,000 articles costs what a view of 30 does. The list holds a reference
to the app's rows and a *view*, an ordered list of indices into them.

A view may be folded into stories (the screen folds it): a folded story's
row says how many more articles tell it ("+7", a cell of its own at the end
of the title column), and an expanded story's other rows are indented under
its first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.config import Column
from reader.library.library import Marks
from reader.model import Row
from reader.ui.keys import bindings, use_own_keys
from reader.ui.lines.line_view import CachedLinesMixin
from reader.ui.lines.scrollbar import ThumbScrollBarMixin

DATE_WIDTH = 10
QUALITY_WIDTH = 3
MARKS_WIDTH = Marks.WIDTH + 1
"""The mark cells (`Marks.prefix`) and a blank cell before the next column."""

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
COLUMN_NAMES: tuple[str, ...] = get_args(Column)
"""The list's columns, in their default order (config.toml's `[ui] columns`)."""

PLAIN = Marks()

CHILD = "  ↳ "
"""Before the title of an expanded story's rows after its first."""
EXPANDED = " ▾"
"""After the title of an expanded story's first row."""


def story_badge(story: int) -> str:
    """The cell after the title of a story's first row: "+7" for a folded
    story of 8 articles, `EXPANDED` for an expanded one ("" for others)."""
    if story > 1:
        return f" +{story - 1:,}"
    return EXPANDED if story == 1 else ""


def format_date(timestamp: float | None, date_format: str = DEFAULT_DATE_FORMAT) -> str:
    """The date column: the local time in `date_format`, or blank when unknown."""
    if timestamp is None:
        return ""
    try:
        return time.strftime(date_format, time.localtime(timestamp))
    except (OverflowError, OSError, ValueError):
        return ""


_SAMPLE_TIMES = (1_790_000_000.0, 1_766_000_000.0, 1_759_300_000.0, 1_756_700_000.0)
"""A few instants in different months, weekdays and hours: the widest
gives the date column its width."""


def date_width(date_format: str) -> int:
    """The cells the date column takes with `date_format` (at most 24)."""
    if date_format == DEFAULT_DATE_FORMAT:
        return DATE_WIDTH
    return min(max(cell_len(format_date(t, date_format)) for t in _SAMPLE_TIMES), 24)


TITLE_FIRST = 60
"""The title's cells before any other column that can give way (the provider)."""
PROVIDER_MIN = 10
"""A provider column narrower than this says too little: the title takes it."""
PROVIDER_MAX = 18


@dataclass(frozen=True, slots=True)
class Columns:
    """Which columns the list shows, in which order, and how it writes dates."""

    names: tuple[str, ...] = COLUMN_NAMES
    date_format: str = DEFAULT_DATE_FORMAT
    date_cells: int = DATE_WIDTH

    @classmethod
    def of(cls, names: Sequence[str] | None = None, date_format: str | None = None) -> Columns:
        fmt = date_format or DEFAULT_DATE_FORMAT
        chosen = tuple(dict.fromkeys(names or COLUMN_NAMES))
        if "title" not in chosen:
            chosen += ("title",)
        return cls(chosen, fmt, date_width(fmt))

    @property
    def fixed(self) -> int:
        """The cells of every column but the title and the provider (with
        their blanks, and the title's)."""
        cells = MARKS_WIDTH + 1
        if "date" in self.names:
            cells += self.date_cells + 1
        if "quality" in self.names:
            cells += QUALITY_WIDTH + 1
        return cells

    def provider_width(self, list_width: int) -> int:
        """The provider column's width, or 0 when it would be under
        `PROVIDER_MIN` (or is not shown).

        The title comes first: the provider takes a sixth of the list (at
        most `PROVIDER_MAX`) from what is left once the title has
        `TITLE_FIRST` cells.
        """
        if "provider" not in self.names:
            return 0
        spare = list_width - self.fixed - TITLE_FIRST - 1
        width = min(PROVIDER_MAX, list_width // 6, spare)
        return width if width >= PROVIDER_MIN else 0

    def title_width(self, list_width: int) -> int:
        provider = self.provider_width(list_width)
        return max(list_width - self.fixed - (provider + 1 if provider else 0), 1)

    def header(self, width: int) -> str:
        """The column names, placed over the columns of a list `width` wide."""
        header = " " * MARKS_WIDTH
        provider = self.provider_width(width)
        for name in self.names:
            if name == "date":
                header += "Date".ljust(self.date_cells + 1)
            elif name == "provider" and provider:
                header += "Provider".ljust(provider + 1)
            elif name == "title":
                header += "Title".ljust(self.title_width(width) + 1)
            elif name == "quality":
                header += "Q".rjust(QUALITY_WIDTH) + " "
        return header.rstrip()


DEFAULT_COLUMNS = Columns()


def provider_column_width(list_width: int) -> int:
    """The default columns' provider width (see `Columns.provider_width`)."""
    return DEFAULT_COLUMNS.provider_width(list_width)


def title_column_width(list_width: int) -> int:
    """The title column's width in a list `list_width` cells wide."""
    return DEFAULT_COLUMNS.title_width(list_width)


def fit(text: str, width: int) -> str:
    """Pad or cut `text` to exactly `width` cells, marking a cut with `…`."""
    if width <= 0:
        return ""
    if text.isascii() and len(text) <= width:
        return text.ljust(width)
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)


class ArticleList(CachedLinesMixin, ThumbScrollBarMixin, ScrollView, can_focus=True):
    """A scrolling list of articles with a cursor."""

    BINDINGS = bindings("list")

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--date",
        "article-list--provider",
        "article-list--quality",
        "article-list--empty",
        "article-list--unread",
        "article-list--read",
        "article-list--selected",
        "article-list--marks",
        "article-list--story",
    }

    DEFAULT_CSS = """
    ArticleList {
        background: $surface;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-background: $surface;
        scrollbar-background-hover: $surface;
    }
    /* With the focus elsewhere the cursor stays clear, only dimmer. */
    ArticleList > .article-list--cursor {
        background: $block-cursor-background 55%;
    }
    ArticleList:focus > .article-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    ArticleList:ansi > .article-list--cursor {
        background: $block-cursor-blurred-background;
        text-style: underline;
    }
    ArticleList:ansi:focus > .article-list--cursor {
        background: $block-cursor-background;
        text-style: bold;
    }
    ArticleList > .article-list--date { color: $text-muted; }
    ArticleList > .article-list--provider { color: $text-secondary; }
    ArticleList > .article-list--quality { color: $text-muted; }
    ArticleList > .article-list--empty { color: $text-muted; text-style: italic; }
    ArticleList > .article-list--unread { text-style: bold; }
    ArticleList > .article-list--read { color: $text-muted; }
    ArticleList > .article-list--selected { background: $accent 30%; }
    ArticleList > .article-list--marks { color: $accent; }
    ArticleList > .article-list--story { color: $text-accent; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CursorMoved(Message):
        """The cursor is on another article (or on none: `row` is None)."""

        def __init__(self, row: int | None) -> None:
            super().__init__()
            self.row = row

    class StoryToggled(Message):
        """The user asked to expand (`expand`) or fold the story of the row
        at index `row`."""

        def __init__(self, row: int, expand: bool) -> None:
            super().__init__()
            self.row = row
            self.expand = expand

    class Opened(Message):
        """The user asked to open the article under the cursor."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self,
        rows: Sequence[Row],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        use_own_keys(self, "list")
        self.rows = rows
        self.view: list[int] = []
        self.empty_message = "Loading…"
        self.marks: Callable[[Row], Marks] = lambda row: PLAIN
        """How each row is marked (read, star, selection): set by the app."""
        self._columns: dict[str, tuple[Style, Style]] = {}
        """Column styles without their background, by component name (with
        the style each was made from)."""
        self.columns = DEFAULT_COLUMNS
        """Which columns show, in which order (config.toml's `[ui]`)."""
        self._text_width = -1
        self.on_width: Callable[[int], object] | None = None
        """Called with the text width whenever it changes (column header)."""
        self.stories: Mapping[int, int] = {}
        """The view's stories, by row index: n > 1 for a folded story of n
        articles in the view, 1 for an expanded story's first row, -n for
        its other rows (rows alone are not in it)."""

    # -- data ---------------------------------------------------------------

    @property
    def current_row(self) -> int | None:
        """Index into `rows` of the article under the cursor."""
        if 0 <= self.cursor < len(self.view):
            return self.view[self.cursor]
        return None

    def set_view(
        self, view: list[int], *, anchor: str = "row", stories: Mapping[int, int] | None = None
    ) -> None:
        """Show `view`, with its `stories` (see `stories`; none by default).

        `anchor` says where the cursor goes: "row" keeps it on the same
        article when the view still holds it, "position" keeps it at the same
        place in the list (the next article moves up under it), "top" puts it
        on the first article.
        """
        previous = self.current_row
        old_position = self.cursor
        old_view, old_top, height = self.view, self.scroll_offset.y, self.size.height
        grown = len(view) - len(old_view)
        self.view = view
        stories = {} if stories is None else stories
        restyled = stories != self.stories
        if restyled:
            self.stories = stories
            self._line_cache.clear()  # a line is cached by its row, drawn with its story
        # Else the line cache stays: a line is cached by its row, not its
        # place, and a new view (a load's next rows, a query) mostly shows
        # rows already drawn. (Marks that change go through `refresh_rows`.)
        position = 0
        if anchor == "position":
            position = min(old_position, max(len(view) - 1, 0))
        elif anchor == "row" and previous is not None:
            found = _find(view, previous, old_position, grown)
            position = min(old_position, max(len(view) - 1, 0)) if found is None else found
        self.set_virtual_size(Size(0, len(view)), redraw=False)
        self.move_to(position, force_message=self.current_row != previous or not view)
        # A load's next rows mostly land below the screen: then only the
        # scroll bar changes, and the list is not drawn again.
        top = self.scroll_offset.y
        if (
            restyled
            or not view
            or not height
            or top != old_top
            or view[top : top + height] != old_view[old_top : old_top + height]
        ):
            self.refresh()

    def refresh_rows(self) -> None:
        """Redraw every line (after the rows' marks changed)."""
        self._line_cache.clear()
        self.refresh()

    # -- cursor -------------------------------------------------------------

    def move_to(self, position: int, *, force_message: bool = False) -> None:
        """Put the cursor at `position` in the view (kept within it)."""
        count = len(self.view)
        position = max(0, min(position, count - 1)) if count else 0
        old = self.cursor
        changed = position != old
        self.cursor = position
        if count:
            self._scroll_line_into_view(self.cursor)
        if changed:
            self._refresh_line_at(old)
            self._refresh_line_at(position)
        if changed or force_message:
            self.post_message(self.CursorMoved(self.current_row))

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.view) - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self.page_lines)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self.page_lines)

    def action_open(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Opened(row))

    def action_expand_story(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.StoryToggled(row, True))

    def action_fold_story(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.StoryToggled(row, False))

    def move_to_row(self, row: int) -> bool:
        """Put the cursor on row index `row` if the view holds it."""
        try:
            position = self.view.index(row)
        except ValueError:
            return False
        self.move_to(position)
        return True

    def on_click(self, event: events.Click) -> None:
        # In place of Textual's own click handling (text selection on a
        # double click): a click here moves the cursor.
        event.prevent_default()
        position = event.y + self.scroll_offset.y
        if 0 <= position < len(self.view):
            self.focus()
            if event.chain >= 2 and position == self.cursor:
                self.action_open()
            else:
                self.move_to(position)

    @property
    def line_count(self) -> int:
        return len(self.view)

    # -- rendering ----------------------------------------------------------

    def _content_width(self) -> int:
        width = self.scrollable_content_region.width
        if width != self._text_width:
            # Only now is the width final (scroll bars come and go with the
            # number of rows): the column header follows it.
            self._text_width = width
            if self.on_width is not None:
                self.call_later(self.on_width, width)
        return width

    def _line(self, position: int, width: int, has_focus: bool) -> Strip:
        view = self.view
        if position < len(view):
            # Cached lines first: computing styles walks the DOM, and a
            # scroll redraws every line of the list.
            row_index = view[position]
            is_cursor = position == self.cursor
            key = (row_index, width, is_cursor, has_focus)
            strip = self._line_cache.get(key)
            if strip is None:
                story = self.stories.get(row_index, 0)
                strip = self._render_row(self.rows[row_index], width, is_cursor, story)
                if len(self._line_cache) > 2000:
                    self._line_cache.clear()
                self._line_cache[key] = strip
            return strip
        base = self._style("")
        if not view and position == 0:
            style = base + self._style("article-list--empty")
            return Strip([Segment(fit(" " + self.empty_message, width), style)])
        return Strip.blank(width, base)

    def _column(self, name: str) -> Style:
        """Component style `name` without its background: Textual's comes
        with the list's own, which would hide the selection's."""
        full = self._style(name)
        kept = self._columns.get(name)
        if kept is None or kept[0] is not full:
            kept = self._columns[name] = (full, Style(color=full.color) + full.without_color)
        return kept[1]

    def _render_row(self, row: Row, width: int, is_cursor: bool, story: int = 0) -> Strip:
        base = self._style("")
        style = self._style
        column = self._column
        marks = self.marks(row)
        line_style = base
        if marks.selected:
            line_style += style("article-list--selected")
        if is_cursor:
            line_style += style("article-list--cursor")
        columns = self.columns
        provider_width = columns.provider_width(width)
        title_width = columns.title_width(width)
        if is_cursor:
            title_style = line_style + Style(bold=marks.unread)
        else:
            title_style = line_style + column(
                "article-list--unread" if marks.unread else "article-list--read"
            )
        marks_style = _over(line_style, column("article-list--marks"), is_cursor)
        if marks.unsaved:
            marks_style += Style(color="red", bold=True)
        segments: list[Segment] = [Segment(marks.prefix(), marks_style)]
        gap = " "  # the blank after the marks goes with the first column
        for name in columns.names:
            if name == "title":
                title = row.title or "(untitled)"
                if not story:
                    segments.append(Segment(gap + fit(title, title_width) + " ", title_style))
                    gap = ""
                    continue
                story_style = _over(line_style, column("article-list--story"), is_cursor)
                if story < 0:
                    indent = fit(CHILD, min(cell_len(CHILD), title_width))
                    segments.append(Segment(gap + indent, story_style))
                    text = fit(title, title_width - cell_len(indent))
                    segments.append(Segment(text + " ", title_style))
                else:
                    badge = story_badge(story)
                    badge = fit(badge, min(cell_len(badge), title_width))
                    text = fit(title, title_width - cell_len(badge))
                    segments.append(Segment(gap + text, title_style))
                    segments.append(Segment(badge, story_style))
                    segments.append(Segment(" ", title_style))
            elif name == "date":
                date = fit(format_date(row.published, columns.date_format), columns.date_cells)
                date_style = _over(line_style, column("article-list--date"), is_cursor)
                segments.append(Segment(gap + date + " ", date_style))
            elif name == "provider":
                if not provider_width:
                    continue
                provider = fit(row.provider or row.domain, provider_width)
                provider_style = _over(line_style, column("article-list--provider"), is_cursor)
                segments.append(Segment(gap + provider + " ", provider_style))
            elif name == "quality":
                quality = "" if row.quality is None else str(row.quality)
                quality_style = _over(line_style, column("article-list--quality"), is_cursor)
                segments.append(Segment(gap + quality.rjust(QUALITY_WIDTH) + " ", quality_style))
            gap = ""
        return Strip(segments).extend_cell_length(width, line_style).crop(0, width)


def _over(line_style: Style, column_style: Style, is_cursor: bool) -> Style:
    """Column colours apply except on the cursor line, which has its own."""
    return line_style if is_cursor else line_style + column_style


def _find(view: list[int], row: int, near: int, grown: int) -> int | None:
    """Where `row` is in `view`, or None.

    Looked for first where rows only added before it would have put it
    (a load's next rows: 100,000 places searched become a few hundred).
    """
    if grown >= 0:
        try:
            return view.index(row, near, near + grown + 1)
        except ValueError:
            pass
    try:
        return view.index(row)
    except ValueError:
        return None
