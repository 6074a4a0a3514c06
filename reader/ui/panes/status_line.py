"""The status line: where the reader is, what the last action did, and how far
a load has got.

Its message (the right-hand part) is always the latest one said, or none: an
action's message (`show_action`) or a notification's (a toast; the status
line takes its text too, so that when the toast fades the line does not show
an older message). Whichever comes later replaces the other.

One widget of a fixed height: its text changes many times a second while a
store loads, and a widget that sizes itself to its text (a `Static`, a
`ProgressBar`) would lay out the whole screen each time.
"""

from __future__ import annotations

from contextlib import suppress

from rich.cells import cell_len
from rich.text import Text
from textual.content import Content
from textual.markup import MarkupError
from textual.notifications import Notification
from textual.widget import Widget

from reader.ui.lines.kept_lines import KeptLinesMixin

BAR_WIDTH = 20
"""Cells of the progress bar."""


def progress_bar(done: int, total: int | None, width: int = BAR_WIDTH) -> Content:
    """A bar of `width` cells and a percentage; total None: not known yet."""
    if not total:
        return Content.styled("─" * width, "dim") + Content("    ")
    fraction = min(max(done / total, 0.0), 1.0)
    filled = int(fraction * width)
    bar = Content.styled("━" * filled, "$accent")
    if filled < width:
        bar += Content.styled("╸", "$accent") + Content.styled("─" * (width - filled - 1), "dim")
    return bar + Content(f" {fraction * 100:3.0f}%")


class StatusLine(KeptLinesMixin, Widget):
    """The status on the left; the last action and any progress on the right."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._position = Content("")
        self._status = Content("")
        self._action = Content("")
        self._progress: tuple[int, int | None] | None = None

    def show_notification(self, notification: Notification) -> None:
        """A notification's text as the latest message (on one line)."""
        said = notification.message
        if notification.markup:
            with suppress(MarkupError):  # else shown as written
                said = Content.from_markup(said).plain
        said = " ".join(said.split())
        if notification.title:
            said = f"{notification.title}: {said}"
        style = {"warning": "$text-warning", "error": "$text-error"}.get(
            notification.severity, "$text-accent"
        )
        self._set(action=Content.styled(said, f"italic {style}"))

    @property
    def status(self) -> str:
        return self._status.plain

    @property
    def action(self) -> str:
        return self._action.plain

    @property
    def position(self) -> str:
        return self._position.plain

    def show_position(self, text: str) -> None:
        """Where the cursor is ("37 of 412"), or a count being typed: its
        own part, so that a key redraws this line and computes nothing else."""
        self._set(position=Content.styled(text, "bold") + Content("  │  ") if text else Content(""))

    def show_status(self, text: Text) -> None:
        self._set(status=Content.from_rich_text(text))

    def show_action(self, message: str | None) -> None:
        self._set(action=Content.styled(message or "", "italic $text-accent"))

    def show_progress(self, done: int, total: int | None) -> None:
        """A load's progress (`total` None while files are still being found)."""
        self._set(progress=(done, total))

    def hide_progress(self) -> None:
        self._set(progress=None)

    def _set(self, **parts: object) -> None:
        before = (self._position, self._status, self._action, self._progress)
        self._position = parts.get("position", self._position)  # type: ignore[assignment]
        self._status = parts.get("status", self._status)  # type: ignore[assignment]
        self._action = parts.get("action", self._action)  # type: ignore[assignment]
        if "progress" in parts:
            self._progress = parts["progress"]  # type: ignore[assignment]
        if (self._position, self._status, self._action, self._progress) != before:
            self.refresh()

    def render(self) -> Content:
        width = self.content_region.width
        right = self._action
        if self._progress is not None:
            right = (right + Content("  ") if right else right) + progress_bar(*self._progress)
        if cell_len(right.plain) > width // 2:
            right = right.truncate(max(width // 2, 0), ellipsis=True)
        room = max(width - cell_len(right.plain) - 2, 0)
        left = self._position + self._status
        if cell_len(left.plain) > room:
            left = left.truncate(room, ellipsis=True)
        gap = max(width - cell_len(left.plain) - cell_len(right.plain), 1 if right else 0)
        return left + Content(" " * gap) + right
