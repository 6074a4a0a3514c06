"""The `?` screen: every key binding, by pane."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "question_mark": "?",
    "backslash": "\\",
    "plus": "+",
    "equals_sign": "=",
    "space": "space",
    "slash": "/",
}


def key_label(keys: str) -> str:
    return ", ".join(KEY_NAMES.get(key, key) for key in keys.split(","))


def bindings_text(sections: Iterable[tuple[str, Iterable[BindingType]]]) -> Text:
    text = Text()
    for title, bindings in sections:
        text.append(f"{title}\n", style="bold underline")
        seen: set[str] = set()
        for binding in bindings:
            if not isinstance(binding, Binding) or binding.description in seen:
                continue
            seen.add(binding.description)
            text.append(f"  {key_label(binding.key):<22}", style="bold")
            text.append(f"{binding.description}\n")
        text.append("\n")
    return text


class HelpScreen(ModalScreen[None]):
    """Lists the bindings of the app and of each pane."""

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("Q", "app.quit", "Quit", show=False),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; max-width: 100%; height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def __init__(self, everywhere: Iterable[BindingType]) -> None:
        super().__init__()
        self._everywhere = list(everywhere)
        """The keys of the app and of the main screen."""

    def compose(self) -> ComposeResult:
        from reader.ui.panes.article_list import ArticleList
        from reader.ui.panes.detail import DetailView
        from reader.ui.panes.topic_tree import TopicTree

        sections: list[tuple[str, Iterable[BindingType]]] = [
            ("Everywhere", self._everywhere),
            ("Article list", ArticleList.BINDINGS),
            ("Topic tree", TopicTree.BINDINGS),
            ("Detail view", DetailView.BINDINGS),
            ("Related articles", DetailView.RELATED_KEYS),
            (
                "Also",
                [
                    Binding("ctrl+p", "command_palette", "Command palette: every action by name"),
                    Binding("escape", "close", "Close this screen"),
                ],
            ),
        ]
        with VerticalScroll():
            yield Static(bindings_text(sections))
