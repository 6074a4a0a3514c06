"""Small modal prompts: a yes/no confirmation and a tag entry with completion."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

PROMPT_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 100%; height: auto;
    border: round $accent; background: $surface; padding: 0 1;
}}
{name} .hint {{ color: $text-muted; }}
"""


class ConfirmScreen(ModalScreen[bool]):
    """Ask a yes/no question; `y` or `enter` says yes, `n` or `escape` no."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]
    DEFAULT_CSS = PROMPT_CSS.format(name="ConfirmScreen")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"))
            yield Static(Text("y / enter: yes    n / escape: no"), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TagScreen(ModalScreen[str | None]):
    """Ask for a tag name, completing from the tags already in use."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = PROMPT_CSS.format(name="TagScreen")

    def __init__(self, known: Iterable[str], count: int) -> None:
        super().__init__()
        self.known = sorted(known)
        self.count = count

    def compose(self) -> ComposeResult:
        target = "this article" if self.count == 1 else f"{self.count:,} selected articles"
        with Vertical():
            yield Static(Text(f"Tag {target}: a tag they all have is removed, else added"))
            yield Input(
                placeholder="tag name",
                suggester=SuggestFromList(self.known, case_sensitive=False),
                id="tag-input",
            )
            known = ", ".join(self.known[:12]) + (" …" if len(self.known) > 12 else "")
            hint = f"In use: {known}" if self.known else "No tags yet."
            yield Static(Text(hint + "   → completes, enter applies"), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
