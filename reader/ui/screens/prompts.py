"""Small modal prompts: a yes/no confirmation and a tag entry with completion."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, Static

from reader.ui.keys import bindings, use_own_keys

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

    BINDINGS = bindings("confirm")
    DEFAULT_CSS = PROMPT_CSS.format(name="ConfirmScreen")

    def __init__(self, question: str) -> None:
        super().__init__()
        use_own_keys(self, "confirm")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question, style="bold"))
            yield Static(Text("y / enter: yes    n / escape: no"), classes="hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TextPrompt(ModalScreen[str | None]):
    """Ask for a line of text; `enter` answers, `escape` cancels.

    With `suggestions`, typing completes from them (accept with →).
    """

    BINDINGS = bindings("prompt")
    DEFAULT_CSS = PROMPT_CSS.format(name="TextPrompt")

    def __init__(
        self,
        question: str,
        *,
        value: str = "",
        suggestions: Iterable[str] = (),
        hint: str = "",
        placeholder: str = "",
    ) -> None:
        super().__init__()
        use_own_keys(self, "prompt")
        self.question = question
        self.value = value
        self.suggestions = sorted(suggestions)
        self.hint = hint
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.question))
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                suggester=SuggestFromList(self.suggestions, case_sensitive=False)
                if self.suggestions
                else None,
                id="prompt-input",
            )
            if self.hint:
                yield Static(Text(self.hint), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagScreen(TextPrompt):
    """Ask for a tag name, completing from the tags already in use."""

    DEFAULT_CSS = PROMPT_CSS.format(name="TagScreen")

    def __init__(self, known: Iterable[str], count: int) -> None:
        known = sorted(known)
        target = "this article" if count == 1 else f"{count:,} selected articles"
        shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
        super().__init__(
            f"Tag {target}: a tag they all have is removed, else added",
            suggestions=known,
            hint=(f"In use: {shown}" if known else "No tags yet.")
            + "   → completes, enter applies",
            placeholder="tag name",
        )
