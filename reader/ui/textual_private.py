"""Every use newsdesk makes of Textual's private API, in one place.

The rule: no private Textual API unless it is wrapped here and guarded by
`tests/test_textual_private.py`, which fails when Textual renames a name,
changes its signature or stops using it the way these functions rely on.
Checked against Textual 8.2.8 (`CHECKED_AGAINST`); the tests check names,
signatures and behaviour, not the version, so an upgrade that keeps them
still passes.

Replaced by public API (so not here): overriding `Widget._on_focus` and
`Widget._on_blur` (the line widgets and the detail view use `on_focus` and
`on_blur`: Textual calls a subclass's handler and then its own `_on_focus`,
which the overrides also called through `super()`, so it ran twice).

What remains, and why:

`Widget._vertical_scrollbar` (`vertical_scrollbar_made`, `start_vertical_scrollbar`)
    Where a widget keeps its vertical scroll bar once made. The public
    `Widget.vertical_scrollbar` property makes Textual's own bar; the list,
    the tree and the detail view override it to make a `ThumbScrollBar`
    (`reader.ui.lines.scrollbar`), which redraws only when its thumb moves.
    Textual reads the slot itself (`Widget._get_virtual_dom`, which routes
    the bar's mouse events and styles), so the bar must be kept there.

`App._start_widget` (`start_vertical_scrollbar`)
    Attaches a widget to its parent and starts its message pump without
    mounting it: a scroll bar is no child in the DOM, so `mount` does not
    apply. Textual's own `Widget.vertical_scrollbar` starts its bar so.

`Widget._refresh_scrollbars` (`refresh_scrollbars`)
    Works out from the styles and the virtual size which scroll bars show.
    `SteadyBoxMixin.set_virtual_size` sets a widget's virtual size without
    the full layout Textual would do (30-150 ms at 100,000 rows) and so
    calls what that layout would have called.

`DOMNode._bindings` (`set_own_bindings`)
    The bindings a node answers to, which Textual makes from its class's
    `BINDINGS` (merged with its bases') once per class. The main screen's
    keys come from config.toml (`[keys]`), so one instance sets its own: the
    key bar, the key handling and `active_bindings` all read this map.

`Widget._scroll_update` (`scroll_update`)
    What a layout does for a widget whose virtual size changed: scroll bar
    sizes and scroll limits. For the same reason as `_refresh_scrollbars`.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.geometry import Size
from textual.scrollbar import ScrollBar
from textual.widget import Widget

CHECKED_AGAINST = "8.2.8"
"""The Textual version these uses were read against."""


def vertical_scrollbar_made(widget: Widget) -> ScrollBar | None:
    """The widget's vertical scroll bar, or None if it has made none yet
    (where `widget.vertical_scrollbar` would make one)."""
    return widget._vertical_scrollbar


def start_vertical_scrollbar(widget: Widget, bar: ScrollBar) -> None:
    """Make `bar` the widget's vertical scroll bar and start it, as Textual's
    `Widget.vertical_scrollbar` does with a bar of its own."""
    widget._vertical_scrollbar = bar
    widget.app._start_widget(widget, bar)


def refresh_scrollbars(widget: Widget) -> None:
    """Show or hide the widget's scroll bars as its styles and virtual size say."""
    widget._refresh_scrollbars()


def scroll_update(widget: Widget, virtual_size: Size) -> None:
    """Fit the widget's scroll bars and scroll limits to `virtual_size`."""
    widget._scroll_update(virtual_size)


def set_own_bindings(node: DOMNode, bindings: Iterable[BindingType]) -> None:
    """Give `node` `bindings` in place of its class's own `BINDINGS`, keeping
    those its base classes give (merged as Textual merges a class's: a key
    bound by `bindings` replaces a base's binding of it)."""
    own = type(node)
    keys: dict[str, list[Binding]] = {}
    for base in reversed(own.__mro__):
        if not issubclass(base, DOMNode):
            continue
        layer = bindings if base is own else base.__dict__.get("BINDINGS", [])
        keys.update(BindingsMap(layer).key_to_bindings)
    node._bindings = BindingsMap.from_keys(keys)
