"""The link list of the detail view (`l`): the article's page, then the
links of its body; `enter` previews the one under the cursor.

Link texts and addresses are store data: they reach the list as `Content`
built from plain strings, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.actions import actions, key_label
from reader.ui.keys import bindings, remap_of, use_own_keys


class LinksScreen(ModalScreen[str | None]):
    """Choose one of `links` ((text, address) pairs); dismissed with the address."""

    BINDINGS = bindings("links")
    HELP_PLACES = ("links", "app")

    DEFAULT_CSS = """
    LinksScreen { align: center middle; }
    LinksScreen > #links-box {
        width: 90%; max-width: 120; height: auto; max-height: 80%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    LinksScreen OptionList { height: auto; max-height: 100%; border: none; }
    LinksScreen .hint { color: $text-muted; }
    """

    def __init__(self, links: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        use_own_keys(self, "links")
        self.links = list(links)

    def compose(self) -> ComposeResult:
        with Vertical(id="links-box"):
            yield Static(Content.styled(f"Links ({len(self.links)})", "bold"))
            yield OptionList(
                *(
                    Option(Content.assemble((text, "bold"), "  ", (href, "$text-muted")), id=str(i))
                    for i, (text, href) in enumerate(self.links)
                ),
                id="links",
            )
            keys = {action: key_label(keys) for action, keys in self._keys().items()}
            follow, down, up, close = (
                keys[f"links.{name}"] for name in ("follow", "down", "up", "close")
            )
            hint = f"{follow}: preview    {down} / {up}: move    {close}: close"
            yield Static(Content(hint), classes="hint")

    def _keys(self) -> dict[str, str]:
        return {action.id: action.keys for action in actions("links", remap_of(self))}

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0  # `enter` previews the first link at once
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or -1)
        if 0 <= index < len(self.links):
            self.dismiss(self.links[index][1])

    def action_close(self) -> None:
        self.dismiss(None)

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()
