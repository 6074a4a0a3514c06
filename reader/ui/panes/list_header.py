"""The article list's column header: one line that follows the list's width.

A widget of its own rather than a `Static`: a `Static` lays out the whole
screen whenever its text changes (30 ms at 140x40), and the header changes
right after the first screen, when the list knows its final width.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from reader.ui.lines.kept_lines import KeptLinesMixin
from reader.ui.panes.article_list import DEFAULT_COLUMNS, Columns


def header_text(width: int, columns: Columns = DEFAULT_COLUMNS) -> str:
    """The column names, placed over the columns of a list `width` wide."""
    return columns.header(width)


class ListHeader(KeptLinesMixin, Widget):
    DEFAULT_CSS = """
    ListHeader {
        height: 1;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = ""
        self.columns = DEFAULT_COLUMNS

    @property
    def text(self) -> str:
        return self._text

    def fit(self, width: int) -> None:
        """Place the column names over a list `width` cells wide."""
        text = header_text(width, self.columns)
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return Text(self._text, style="bold", no_wrap=True, overflow="crop")
