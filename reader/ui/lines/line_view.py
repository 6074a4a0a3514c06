"""What the article list and the topic tree share: lines drawn once and
cached, component styles looked up once, and a cursor line kept on screen.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.ui.lines.kept_lines import KeptLinesMixin
from reader.ui.lines.scrollbar import SteadyBoxMixin


class CachedLinesMixin(KeptLinesMixin, SteadyBoxMixin):
    """For a `ScrollView` that draws one cached `Strip` per line.

    The widget says how many lines it has (`line_count`); the mixin keeps
    its virtual size to that on a resize, and empties the line cache when
    the size or the styles change.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._line_cache: dict[tuple[int, int, bool, bool], Strip] = {}
        self._styles: dict[str, Style] | None = None

    @property
    def line_count(self) -> int:
        raise NotImplementedError

    @property
    def page_lines(self) -> int:
        """How far a page up or down moves the cursor."""
        view = self._view()
        return max(view.scrollable_content_region.height - 1, 1)

    def _view(self) -> ScrollView:
        widget = self
        assert isinstance(widget, ScrollView)
        return widget

    def on_resize(self) -> None:
        self._line_cache.clear()
        self.set_virtual_size(Size(0, self.line_count))

    def _on_screen(self, line: int) -> bool:
        """Whether content line `line` is in view."""
        view = self._view()
        return 0 <= line - view.scroll_offset.y < view.size.height

    def _refresh_line_at(self, line: int) -> None:
        """Redraw content line `line`, if it is on screen."""
        if self._on_screen(line):
            self._view().refresh_line(line)  # (it takes the content line, not the screen's)

    def _scroll_line_into_view(self, line: int) -> None:
        view = self._view()
        top = view.scroll_offset.y
        height = max(view.scrollable_content_region.height, 1)
        if line < top:
            view.scroll_to(y=line, animate=False, immediate=True)
        elif line >= top + height:
            view.scroll_to(y=line - height + 1, animate=False, immediate=True)

    def _line(self, position: int, width: int, has_focus: bool) -> Strip:
        """Line `position` (counted from the top of the content, not of the
        view), `width` cells wide: from the line cache when it is there."""
        raise NotImplementedError

    def render_line(self, y: int) -> Strip:
        view = self._view()
        return self._line(
            y + view.scroll_offset.y, view.scrollable_content_region.width, view.has_focus
        )

    def _fresh_lines(self, crop: Region) -> list[Strip]:
        """The lines in `crop`, straight from the line cache.

        Textual's own pass over a widget's lines (borders, padding, tint)
        makes a new `Strip` per line per frame: 0.3-0.5 ms a line, 10-20 ms
        for a tree whose counts all change. These lines carry their own
        background (the widget's, tinted when focused), so the pass is
        skipped unless the widget has a border or padding. (The frame they
        make is kept until the widget changes: `KeptLinesMixin`.)
        """
        view = self._view()
        if view.styles.gutter:
            return super()._fresh_lines(crop)
        has_focus = view.has_focus
        top = view.scroll_offset.y
        width = self._content_width()
        return self._finish_lines(
            [self._line(top + y, width, has_focus) for y in crop.line_range], crop
        )

    def _content_width(self) -> int:
        return self._view().scrollable_content_region.width

    def _finish_lines(self, strips: list[Strip], crop: Region) -> list[Strip]:
        """Line filters (e.g. for a terminal without colours) and the crop."""
        view = self._view()
        filters = view.get_line_filters()
        if filters:
            background = view.background_colors[1]
            for line_filter in filters:
                strips = [strip.apply_filter(line_filter, background) for strip in strips]
        x1, x2 = crop.column_span
        if x1 or x2 != view.size.width:
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()
        self._styles = None

    def on_focus(self) -> None:
        # Textual calls this first, then its own `Widget._on_focus`, which
        # sets `has_focus` (and the :focus styles).
        self._styles = None

    def on_blur(self) -> None:
        self._styles = None

    def _style(self, name: str) -> Style:
        """Component styles, looked up once (they walk the DOM) until the
        styles or the focus change."""
        styles = self._styles
        if styles is None:
            styles = self._styles = {"": self._view().rich_style}
        found = styles.get(name)
        if found is None:
            found = styles[name] = self._view().get_component_rich_style(name)
        return found
