"""A cheaper vertical scroll bar for the panes that follow the cursor.

Textual's scroll bar redraws all its cells whenever its position changes,
through Rich's console: a few milliseconds for a pane-high bar, paid on
every step of a held key. This one redraws only when its thumb moves (in a
list of 100,000 rows it moves once every few thousand), and draws its cells
straight into strips. It looks and behaves (click, drag, hover) like
Textual's, from whose `ScrollBarRender.render_bar` it takes its cells.
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

from reader.ui.textual_private import (
    refresh_scrollbars,
    scroll_update,
    start_vertical_scrollbar,
    vertical_scrollbar_made,
)

NO_COLOR = Color.default()
"""A bar whose style has no colour at all is drawn in the default colour."""


class ThumbScrollBar(ScrollBar):
    """A vertical scroll bar that redraws only when its thumb moves."""

    position: Reactive[float] = Reactive(0.0, repaint=False)

    def __init__(self, *, thickness: int = 1) -> None:
        super().__init__(vertical=True, name="vertical", thickness=thickness)
        self._drawn: tuple[int, ...] | None = None
        self._strips: tuple[tuple[object, ...], list[Strip]] | None = None
        """The bar as last drawn, and what it was drawn for."""

    def _window(self) -> tuple[int, int]:
        virtual = self.window_virtual_size
        window = self.window_size if self.window_size < virtual else 0
        return virtual, window

    def thumb(self) -> tuple[int, ...]:
        """Where the thumb is, in eighths of a cell (as it is drawn)."""
        size = self.size.height
        virtual, window = self._window()
        if not (window and size and virtual and size != virtual):
            return (size,)
        thumb_size = max(1.0, window / (virtual / size))
        ratio = self.position / (virtual - window)
        return (size, int((size - thumb_size) * ratio * 8), int(thumb_size * 8))

    def watch_position(self) -> None:
        self._redraw_if_moved()

    def _redraw_if_moved(self) -> None:
        if self.thumb() != self._drawn:
            self.refresh()

    def resize_window(self, virtual: int, window: int) -> None:
        """The content or the window changed size: drawn again only if the
        thumb moved. (Textual's bar redraws on every change: a full-height
        region on every hand-over of rows while a store loads.)"""
        self.set_reactive(ScrollBar.window_virtual_size, virtual)
        self.set_reactive(ScrollBar.window_size, window)
        self._redraw_if_moved()

    def _bar_style(self) -> Style:
        parent = self.parent
        assert isinstance(parent, Widget)
        styles = parent.styles
        if self.grabbed:
            background, color = styles.scrollbar_background_active, styles.scrollbar_color_active
        elif self.mouse_over:
            background, color = styles.scrollbar_background_hover, styles.scrollbar_color_hover
        else:
            background, color = styles.scrollbar_background, styles.scrollbar_color
        if background.a < 1:
            base_background, _ = parent.background_colors
            background = base_background + background
        color = background + color
        return Style.from_color(color.rich_color, background.rich_color)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips = None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The compositor asks every widget for its lines on every frame;
        # the bar is drawn again only when it looks different.
        self._drawn = thumb = self.thumb()
        key = (thumb, self.size, crop, self.grabbed is not None, self.mouse_over)
        if self._strips is not None and self._strips[0] == key:
            return self._strips[1]
        strips = self._draw(crop)
        self._strips = (key, strips)
        return strips

    def _draw(self, crop: Region) -> list[Strip]:
        width, height = self.size
        if not width or not height:
            return [Strip.blank(crop.width)] * crop.height
        style = self._bar_style()
        virtual, window = self._window()
        bar = self.renderer.render_bar(
            size=height,
            virtual_size=virtual,
            window_size=window,
            position=self.position,
            thickness=width,
            vertical=True,
            back_color=style.bgcolor or style.color or NO_COLOR,
            bar_color=style.color or style.bgcolor or NO_COLOR,
        )
        strips = [Strip([segment], width) for segment in bar.segments]
        strips = strips[crop.y : crop.bottom]
        x1, x2 = crop.column_span
        if x1 or x2 != width:
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips


class ThumbScrollBarMixin:
    """Gives a scrolling widget a `ThumbScrollBar` as its vertical bar."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        widget = self
        assert isinstance(widget, Widget)
        bar = vertical_scrollbar_made(widget)
        if bar is None:
            bar = ThumbScrollBar(thickness=widget.scrollbar_size_vertical)
            bar.display = False
            # As Textual's own `Widget.vertical_scrollbar` keeps and starts its bar.
            start_vertical_scrollbar(widget, bar)
        return bar


class SteadyBoxMixin:
    """For a scrolling widget whose box is set by its styles, not its content.

    A line-API widget sets its `virtual_size` as its content grows (a list
    while a store loads, a tree as topics appear); Textual then lays out the
    whole screen, 30-150 ms at 100,000 rows, though the widget's box stays
    as it was. `set_virtual_size` updates the widget's scroll bar and limits
    instead. The vertical bar is always shown (`overflow-y: scroll`), so
    that content never changes the widget's inner width either. Changes of
    style (hiding the widget, a new width) still lay out the screen.
    """

    def set_virtual_size(self, size: Size, *, redraw: bool = True) -> None:
        """(`redraw=False`: the caller redraws what changed on screen.)"""
        widget = self
        assert isinstance(widget, Widget)
        if widget.is_mounted and widget.styles.overflow_y == "scroll":
            widget.set_reactive(Widget.virtual_size, size)
            bar = widget.vertical_scrollbar
            if isinstance(bar, ThumbScrollBar) and widget.show_vertical_scrollbar:
                refresh_scrollbars(widget)
                height = widget.container_size.height - widget.scrollbar_size_horizontal
                bar.resize_window(size.height, height)
                widget.scroll_y = widget.validate_scroll_y(widget.scroll_y)
            else:
                scroll_update(widget, size)
            if redraw:
                widget.refresh()
        else:
            widget.virtual_size = size
