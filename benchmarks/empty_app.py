"""An empty Textual app: the baseline newsdesk's first screen is compared to.

    .venv/bin/python benchmarks/empty_app.py

`benchmarks/bench_app.py` starts it in the same terminal, the same way as
newsdesk, and times it the same way: when `NEWSDESK_TIMINGS` names a file, a
`first_screen` mark is appended once the first screen has been refreshed, as
newsdesk does for its first articles (`call_after_refresh`). `q` quits.
"""

from __future__ import annotations

import json
import os
import time

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Static

MARKER = "Empty Textual app"
"""The text on screen: the benchmark watches the pane for it."""


class EmptyApp(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(MARKER)

    def on_mount(self) -> None:
        self.call_after_refresh(self._mark)

    def _mark(self) -> None:
        path = os.environ.get("NEWSDESK_TIMINGS")
        if path:
            record = {"event": "first_screen", "t": time.time(), "rows": 0}
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    EmptyApp().run()
