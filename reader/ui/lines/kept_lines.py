"""Lines kept from one frame to the next for widgets that seldom change.

Textual asks every widget on screen for all of its lines in every frame,
even when another widget changed: under a held key the list scrolls 30
times a second, and the screen, the containers, the detail pane, the status
line and the key bar were each drawn again through Textual's styling pass
(0.1-0.25 ms each, 1.2 ms a frame together). These keep the frame Textual
made; the list and the tree keep the frame of their own cached lines
(`CachedLinesMixin` draws them in `_fresh_lines`).
"""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal, Vertical
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget


class KeptLinesMixin:
    """Hands Textual back the lines it made last frame until the widget
    refreshes, scrolls, resizes, changes focus or has its styles updated."""

    _kept: tuple[tuple[object, ...], list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        widget = self
        assert isinstance(widget, Widget)
        key = (crop, widget.size, widget.scroll_offset, widget.has_focus)
        kept = self._kept
        if kept is not None and kept[0] == key:
            return kept[1]
        strips = self._fresh_lines(crop)
        self._kept = (key, strips)
        return strips

    def _fresh_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, drawn anew: Textual's own by default."""
        return super().render_lines(crop)  # type: ignore[misc]

    def refresh(self, *regions: Region, **kwargs: Any) -> Any:
        self._kept = None
        return super().refresh(*regions, **kwargs)  # type: ignore[misc]

    def notify_style_update(self) -> None:
        self._kept = None
        super().notify_style_update()  # type: ignore[misc]


class KeptScreen(KeptLinesMixin, Screen[None]):
    """The main screen (its background, behind the panes)."""


class KeptHorizontal(KeptLinesMixin, Horizontal):
    pass


class KeptVertical(KeptLinesMixin, Vertical):
    pass
