"""Key bindings made from the one table of actions (`reader.actions`), with
config.toml's `[keys]` laid over its defaults."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from reader.actions import PLACE, actions
from reader.ui.textual_private import set_own_bindings

Remap = Mapping[str, tuple[str, ...]]


def bindings(place: str, keys: Remap | None = None) -> list[BindingType]:
    """The key bindings of `place` (a screen, or a pane of the main screen)."""
    places = [place, "app"] if PLACE[place].modal else [place]
    return [
        Binding(action.keys, action.action, action.label, show=action.show)
        for each in places
        for action in actions(each, keys)
        if action.bound
    ]


def main_bindings(keys: Remap | None = None) -> list[BindingType]:
    """The main screen's own key bindings."""
    return bindings("main", keys)


def remap_of(node: DOMNode) -> Remap:
    """config.toml's `[keys]` of the app `node` runs in ({} when none)."""
    try:
        config = getattr(node.app, "config", None)
    except Exception:  # no app running (a widget made outside one)
        return {}
    keys = getattr(config, "keys", None)
    return keys if isinstance(keys, Mapping) else {}


def use_own_keys(node: DOMNode, place: str) -> None:
    """Give `node` the bindings of `place` with the app's `[keys]` applied,
    when the file remaps any of them (else the class's `BINDINGS` stand)."""
    keys = remap_of(node)
    places = [place, "app"] if PLACE[place].modal else [place]
    if any(action.id in keys for each in places for action in actions(each)):
        set_own_bindings(node, bindings(place, keys))
