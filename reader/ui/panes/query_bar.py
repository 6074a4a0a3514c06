"""The query bar: the current query, editable with `/`, with its errors."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from reader.ui.keys import bindings, use_own_keys
from reader.ui.lines.kept_lines import KeptLinesMixin

PLACEHOLDER = "/ search: words, topic:AI, is:unread, quality:>=50, age:<7d, sort:-heat …"


def error_text(query: str, message: str, start: int, end: int, showing: str | None = None) -> Text:
    """The message, then the query with the bad part underlined and marked;
    then, dimmed, what the list shows meanwhile (`showing`)."""
    text = Text()
    text.append("✗ ", style="bold red")
    text.append(message)
    text.append("\n  ")
    text.append(query[:start])
    text.append(query[start:end] or " ", style="bold red underline")
    text.append(query[end:])
    if showing is not None:
        text.append(f"\n  showing: {showing}", style="dim")
    return text


class QueryBar(KeptLinesMixin, Vertical):
    """An `Input` for the query and a line for its error, if any."""

    BINDINGS = bindings("query")

    class Changed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Submitted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Cancelled(Message):
        def __init__(self, previous: str) -> None:
            super().__init__()
            self.previous = previous

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        use_own_keys(self, "query")
        self.kept = ""
        """The query as it was when editing began: escape goes back to it."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder=PLACEHOLDER, id="query-input", compact=True)
        yield Static(id="query-error")

    def on_mount(self) -> None:
        self.query_one("#query-error").display = False
        # Out of the tab order (tab cycles the panes); `/` or a click edits.
        self.input.can_focus = False

    def on_click(self) -> None:
        if not self.input.has_focus:
            self.begin()

    def on_descendant_blur(self) -> None:
        self.input.can_focus = False

    @property
    def input(self) -> Input:
        return self.query_one("#query-input", Input)

    def show_query(self, text: str) -> None:
        """Put `text` in the bar without posting `Changed` (a tree choice)."""
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.kept = text
        self.show_error(None)

    def begin(self) -> None:
        self.kept = self.input.value
        self.input.can_focus = True
        # At once (`focus()` waits for the keys already in the queue).
        self.screen.set_focus(self.input)
        self.input.cursor_position = len(self.input.value)

    def show_error(self, error: Text | None) -> None:
        line = self.query_one("#query-error", Static)
        line.update(error or "")
        line.display = error is not None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.kept = event.value
        self.post_message(self.Submitted(event.value))

    def action_cancel(self) -> None:
        self.show_query(self.kept)
        self.post_message(self.Cancelled(self.kept))
