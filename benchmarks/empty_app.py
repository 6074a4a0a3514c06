"""An empty Textual app: the baseline newsdesk's first screen is compared to.

    .venv/bin/python benchmarks/empty_app.py

`benchmarks/bench_app.py` starts it in the same terminal, the same way as
newsdesk, and times it the same way: when `NEWSDESK_TIMINGS` names a file, a
`first_screen` mark is appended once the first screen has been refreshed, as
newsdesk does for its first articles (`call_after_refresh`). `q` quits.

`j` counts up on screen, and marks `key` once that frame is out, as newsdesk
does for a cursor move: the same keys held down give the floor a Textual app
in this terminal can reach, key sent to frame written.
"""

from __future__ import annotations

import json
import os
import time

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

MARKER = "Empty Textual app"
"""The text on screen: the benchmark watches the pane for it."""


def mark(event: str, **data: object) -> None:
    path = os.environ.get("NEWSDESK_TIMINGS")
    if path:
        record = {"event": event, "t": time.time(), **data}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


class Counter(Widget):
    """One line that says how many times `j` was pressed."""

    DEFAULT_CSS = "Counter { height: 1; }"

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def render(self) -> str:
        return f"j pressed {self.count} times"


class EmptyApp(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit"), Binding("j", "count", "Count")]

    def compose(self) -> ComposeResult:
        yield Static(MARKER)
        yield Counter()

    def on_mount(self) -> None:
        self.call_after_refresh(mark, "first_screen", rows=0)

    def action_count(self) -> None:
        started = time.perf_counter()
        counter = self.query_one(Counter)
        counter.count += 1
        counter.refresh()
        self.call_after_refresh(lambda: mark("key", ms=(time.perf_counter() - started) * 1000))


if __name__ == "__main__":
    EmptyApp().run()
