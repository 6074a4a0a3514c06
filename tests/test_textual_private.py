"""Guards for the private Textual API newsdesk uses.

Each private name that `reader.ui.textual_private` uses is checked here: it
still exists, is what it was (a method with the parameters we pass, or an
attribute Textual keeps and reads itself), and still does the job we rely
on (tiny apps run under `run_test`). A scan of `reader/ui` fails when
private Textual API is used anywhere else, so a new use has to come through
the wrapper module and a test here. If one of these fails after a Textual
upgrade, read the new Textual source for that name, fix the wrapper, and
update `CHECKED_AGAINST`.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest
from test_detail import RELATED, article
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.geometry import Size
from textual.screen import ModalScreen, Screen
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, Static

from reader.ui import textual_private
from reader.ui.lines.scrollbar import SteadyBoxMixin, ThumbScrollBar, ThumbScrollBarMixin
from reader.ui.panes.detail import DetailView
from reader.ui.textual_private import (
    refresh_scrollbars,
    scroll_update,
    set_own_bindings,
    start_vertical_scrollbar,
    vertical_scrollbar_made,
)

UI = Path(__file__).resolve().parent.parent / "reader" / "ui"
WRAPPER = UI / "textual_private.py"

PRIVATE_METHODS: dict[tuple[type, str], tuple[str, ...]] = {
    # (owner, name): the parameters after `self`, in the order we pass them.
    (App, "_start_widget"): ("parent", "widget"),
    (Widget, "_refresh_scrollbars"): (),
    (Widget, "_scroll_update"): ("virtual_size",),
}
PRIVATE_ATTRIBUTES: dict[tuple[type, str], object] = {
    # (owner, name): its value on a new instance.
    (Widget, "_vertical_scrollbar"): None,
}

NODE_ATTRIBUTES: dict[tuple[type, str], type] = {
    # (owner, name): the type of its value on a new instance; read by
    # Textual from other objects (`node._bindings`), so checked apart.
    (DOMNode, "_bindings"): BindingsMap,
}

PENDING: set[tuple[str, str]] = set()
"""Private hooks still overridden elsewhere (none: keep it that way)."""

# -- the checks ----------------------------------------------------------------------


def check_private_method(owner: type, name: str, parameters: tuple[str, ...]) -> None:
    """`owner.name` is a method taking `parameters` (after `self`), each
    passable by position, with no other parameter."""
    method = inspect.getattr_static(owner, name, None)
    assert method is not None, f"{owner.__name__}.{name} is gone"
    assert inspect.isfunction(method), f"{owner.__name__}.{name} is no longer a plain method"
    signature = inspect.signature(method)
    names = tuple(signature.parameters)
    assert names[:1] == ("self",), f"{owner.__name__}.{name}{signature}: not a method"
    assert names[1:] == parameters, (
        f"{owner.__name__}.{name}{signature}: we call it with {parameters}"
    )
    for parameter in list(signature.parameters.values())[1:]:
        assert parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD), (
            f"{owner.__name__}.{name}: {parameter.name} can no longer be passed by position"
        )


def check_private_attribute(owner: type[Widget], name: str, initial: object) -> None:
    """A new `owner` has `name`, set to `initial`, and Textual's own code
    still reads it (outside `__init__`)."""
    instance = owner()
    assert name in vars(instance), f"{owner.__name__}() no longer sets {name}"
    assert vars(instance)[name] == initial, f"{owner.__name__}().{name} is no longer {initial!r}"
    readers = [
        f"{klass.__name__}.{attribute}"
        for klass in owner.__mro__
        if klass.__module__.startswith("textual.")
        for attribute, value in vars(klass).items()
        if attribute != "__init__" and f"self.{name}" in source_of(value)
    ]
    assert readers, f"Textual no longer reads {owner.__name__}.{name}"


def source_of(value: object) -> str:
    if isinstance(value, property):
        value = value.fget
    if not inspect.isfunction(value):
        return ""
    try:
        return inspect.getsource(value)
    except (OSError, TypeError):
        return ""


def private_names(*classes: type) -> set[str]:
    """The private names of `classes` and of their instances."""
    names = {name for klass in classes for name in dir(klass)}
    for klass in classes:
        names |= set(vars(klass()))
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


BASES = (App, Screen, ModalScreen, Widget, ScrollView, ScrollBar, Static, Horizontal, Vertical)
"""The Textual classes newsdesk's UI subclasses: their private names are
Textual's wherever they appear."""
USED = (Input, OptionList, VerticalScroll)
"""Textual widgets it only uses: their private names are Textual's when
read from another object (our own `self._line_cache` is not `OptionList`'s)."""


def private_uses(
    source: str, names: AbstractSet[str], others: AbstractSet[str] = frozenset()
) -> Iterator[tuple[int, str]]:
    """(line, name) for each private Textual name in `source`: one of `names`
    read or set as an attribute (of anything) or defined in a class body (an
    override); or one of `others` as an attribute of anything but `self`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and (
            node.attr in names
            or (
                node.attr in others
                and not (isinstance(node.value, ast.Name) and node.value.id == "self")
            )
        ):
            yield node.lineno, node.attr
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                defined: list[str] = []
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    defined = [item.name]
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    defined = [item.target.id]
                elif isinstance(item, ast.Assign):
                    defined = [t.id for t in item.targets if isinstance(t, ast.Name)]
                for name in defined:
                    if name in names:
                        yield item.lineno, name


# -- each private name ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    [(owner, name, parameters) for (owner, name), parameters in PRIVATE_METHODS.items()],
    ids=[f"{owner.__name__}.{name}" for owner, name in PRIVATE_METHODS],
)
def test_private_method_is_as_we_call_it(
    owner: type, name: str, parameters: tuple[str, ...]
) -> None:
    check_private_method(owner, name, parameters)


@pytest.mark.parametrize(
    ("owner", "name", "initial"),
    [(owner, name, initial) for (owner, name), initial in PRIVATE_ATTRIBUTES.items()],
    ids=[f"{owner.__name__}.{name}" for owner, name in PRIVATE_ATTRIBUTES],
)
def test_private_attribute_is_kept_and_read_by_textual(
    owner: type[Widget], name: str, initial: object
) -> None:
    check_private_attribute(owner, name, initial)


def test_a_node_keeps_its_bindings_where_textual_looks_for_a_keys_binding() -> None:
    for (owner, name), kind in NODE_ATTRIBUTES.items():
        assert isinstance(vars(Widget())[name], kind), f"{owner.__name__}().{name} changed"
    # What a key press and `active_bindings` go through: each node's map.
    chain = inspect.getsource(Screen._binding_chain.fget)  # type: ignore[attr-defined]
    assert "self._bindings" in chain and "node._bindings" in chain


class Base(Screen[None]):
    BINDINGS = [Binding("b", "mark('base')", "Base")]


class Own(Base):
    BINDINGS = [Binding("o", "mark('own')", "Own"), Binding("p", "mark('gone')", "Gone")]

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[str] = []
        set_own_bindings(self, [Binding("x,y", "mark('own')", "Own")])

    def action_mark(self, what: str) -> None:
        self.marks.append(what)


async def test_set_own_bindings_replaces_the_class_keys_and_keeps_the_bases() -> None:
    app = App[None]()
    async with app.run_test() as pilot:
        screen = Own()
        await app.push_screen(screen)
        await pilot.press("o", "p", "x", "y", "b")
        await pilot.pause()
        assert screen.marks == ["own", "own", "base"]
        assert {"x", "y", "b"} <= set(screen.active_bindings)
        assert not {"o", "p"} & set(screen.active_bindings)


def test_textual_keeps_its_own_vertical_scrollbar_in_the_slot_we_use() -> None:
    # What `ThumbScrollBarMixin.vertical_scrollbar` copies.
    source = inspect.getsource(Widget.vertical_scrollbar.fget)
    assert "self._vertical_scrollbar = " in source
    assert "self.app._start_widget(self, " in source


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    [
        (App, "_start_widgets", ("parent", "widget")),  # renamed
        (App, "_start_widget", ("widget", "parent")),  # reordered
        (Widget, "_scroll_update", ()),  # a parameter added
        (Widget, "_refresh_scrollbars", ("virtual_size",)),  # a parameter dropped
        (Widget, "vertical_scrollbar", ()),  # no longer a method
    ],
)
def test_a_changed_method_fails_the_check(
    owner: type, name: str, parameters: tuple[str, ...]
) -> None:
    with pytest.raises(AssertionError):
        check_private_method(owner, name, parameters)


@pytest.mark.parametrize(
    ("name", "initial"),
    [("_vertical_scroll_bar", None), ("_vertical_scrollbar", False), ("_newsdesk_only", None)],
)
def test_a_changed_attribute_fails_the_check(name: str, initial: object) -> None:
    class Marked(Widget):
        def __init__(self) -> None:
            super().__init__()
            self._newsdesk_only = None  # set, but read by nothing of Textual's

    with pytest.raises(AssertionError):
        check_private_attribute(Marked, name, initial)


# -- what the wrappers do ------------------------------------------------------------


class Tall(SteadyBoxMixin, ThumbScrollBarMixin, ScrollView):
    """A scrolling widget with our scroll bar, 1,000 lines tall."""

    DEFAULT_CSS = "Tall { overflow-y: scroll; height: 1fr; }"

    def on_mount(self) -> None:
        self.virtual_size = Size(10, 1_000)


class TallApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Tall()


async def test_our_scroll_bar_is_started_shown_and_reached_by_the_mouse() -> None:
    app = TallApp()
    async with app.run_test(size=(40, 10)) as pilot:
        tall = app.query_one(Tall)
        bar = tall.vertical_scrollbar
        assert isinstance(bar, ThumbScrollBar)
        assert vertical_scrollbar_made(tall) is bar and tall.vertical_scrollbar is bar
        assert bar.parent is tall and bar.is_running
        await pilot.pause()
        assert bar.display and bar.region.width == tall.scrollbar_size_vertical > 0
        # Textual routes the mouse to it (`Widget._get_virtual_dom`).
        x, y = bar.region.x, bar.region.y + 2
        widget, _ = app.screen.get_widget_at(x, y)
        assert widget is bar
        await pilot.hover(Tall, offset=(x - tall.region.x, y - tall.region.y))
        assert bar.mouse_over
        # Textual stops it with its widget (`Widget._get_virtual_dom`).
        await tall.remove()
        await pilot.pause()
        assert not bar.is_running


async def test_start_vertical_scrollbar_attaches_and_runs_the_bar() -> None:
    app = App[None]()
    async with app.run_test() as pilot:
        widget = Static("x")
        await app.screen.mount(widget)
        bar = ScrollBar(vertical=True)
        start_vertical_scrollbar(widget, bar)
        await pilot.pause()
        assert vertical_scrollbar_made(widget) is bar and widget.vertical_scrollbar is bar
        assert bar.parent is widget and bar.is_running


async def test_refresh_scrollbars_follows_the_styles() -> None:
    app = TallApp()
    async with app.run_test(size=(40, 10)) as pilot:
        tall = app.query_one(Tall)
        await pilot.pause()
        assert tall.show_vertical_scrollbar
        tall.styles.overflow_y = "hidden"
        refresh_scrollbars(tall)
        assert not tall.show_vertical_scrollbar and not tall.vertical_scrollbar.display
        tall.styles.overflow_y = "scroll"
        refresh_scrollbars(tall)
        assert tall.show_vertical_scrollbar and tall.vertical_scrollbar.display


class PlainTall(ScrollView):
    """Textual's own scroll bar, which `scroll_update` is used for."""

    DEFAULT_CSS = "PlainTall { overflow-y: scroll; height: 1fr; }"

    def on_mount(self) -> None:
        self.virtual_size = Size(10, 1_000)


class PlainTallApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PlainTall()


async def test_scroll_update_fits_the_bar_and_the_limits_to_a_virtual_size() -> None:
    app = PlainTallApp()
    async with app.run_test(size=(40, 10)) as pilot:
        tall = app.query_one(PlainTall)
        await pilot.pause()
        tall.scroll_to(y=900, animate=False, immediate=True)
        bar = tall.vertical_scrollbar
        assert tall.scroll_y == 900 and bar.window_virtual_size == 1_000
        small = Size(10, 50)
        tall.set_reactive(Widget.virtual_size, small)  # as `SteadyBoxMixin` does
        scroll_update(tall, small)
        assert bar.window_virtual_size == 50
        assert bar.window_size == tall.container_size.height - tall.scrollbar_size_horizontal
        assert tall.scroll_y == tall.max_scroll_y < 50


# -- the public API that replaced private overrides --------------------------------


class Recorded(Widget, can_focus=True):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, bool]] = []

    def on_focus(self) -> None:
        self.seen.append(("on_focus", self.has_focus))
        self.call_next(lambda: self.seen.append(("next", self.has_focus)))

    def on_blur(self) -> None:
        self.seen.append(("on_blur", self.has_focus))
        self.call_next(lambda: self.seen.append(("next", self.has_focus)))


class RecordedApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Recorded()
        yield Button("other")


async def test_on_focus_runs_before_textual_sets_has_focus_and_call_next_after() -> None:
    # `CachedLinesMixin` and `DetailView` rely on this order (they replaced
    # overrides of `Widget._on_focus` / `_on_blur` that called `super()`).
    app = RecordedApp()
    async with app.run_test() as pilot:
        recorded = app.query_one(Recorded)
        app.query_one(Button).focus()
        await pilot.pause()
        recorded.seen.clear()
        recorded.focus()
        await pilot.pause()
        app.query_one(Button).focus()
        await pilot.pause()
        assert recorded.seen == [
            ("on_focus", False),
            ("next", True),
            ("on_blur", True),
            ("next", False),
        ]


class CountingDetail(DetailView):
    def __init__(self) -> None:
        super().__init__(id="detail")
        self.builds: list[tuple[bool, int | None]] = []

    def _build(self) -> None:
        self.builds.append((self.has_focus, self.related_cursor))
        super()._build()


class DetailApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingDetail()
        yield Button("other")


async def test_the_detail_view_builds_its_related_items_once_per_focus_change() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 30)) as pilot:
        detail = app.query_one(CountingDetail)
        app.query_one(Button).focus()
        detail.show_article(article("Short body.", extra=RELATED))
        await pilot.pause()
        detail.builds.clear()
        detail.focus()
        await pilot.pause()
        assert detail.builds == [(True, None)]
        detail.enter_related()
        app.query_one(Button).focus()
        await pilot.pause()
        assert detail.builds[-1] == (False, None) and detail.builds.count((False, None)) == 1


class Clicked(Static):
    def __init__(self) -> None:
        super().__init__("click me")
        self.clicks = 0

    def on_click(self, event: events.Click) -> None:
        # As the article list and the topic tree do: their own click
        # handling in place of Textual's (text selection on a double click).
        event.prevent_default()
        self.clicks += 1


class ClickedApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Clicked()


async def test_prevent_default_in_on_click_keeps_textuals_click_handling_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    textual_clicks: list[object] = []
    original = Widget._on_click

    async def recorded(self: Widget, event: events.Click) -> None:
        textual_clicks.append(self)
        await original(self, event)

    monkeypatch.setattr(Widget, "_on_click", recorded)
    app = ClickedApp()
    async with app.run_test() as pilot:
        clicked = app.query_one(Clicked)
        await pilot.click(Clicked)
        await pilot.pause()
        assert clicked.clicks == 1
        assert clicked not in textual_clicks


# -- nowhere else --------------------------------------------------------------------


def test_the_wrapper_uses_only_the_names_guarded_here() -> None:
    used = {name for _, name in private_uses(WRAPPER.read_text(), private_names(*BASES))}
    guarded = (
        {name for _, name in PRIVATE_METHODS}
        | {name for _, name in PRIVATE_ATTRIBUTES}
        | {name for _, name in NODE_ATTRIBUTES}
    )
    assert used == guarded
    assert textual_private.__doc__ is not None
    for name in guarded:
        assert f"`{name}`" in textual_private.__doc__ or f".{name}`" in textual_private.__doc__


def test_no_private_textual_api_outside_the_wrapper() -> None:
    names, others = private_names(*BASES), private_names(*USED)
    found = sorted(
        (str(path.relative_to(UI)), line, name)
        for path in UI.rglob("*.py")
        if path != WRAPPER
        for line, name in private_uses(path.read_text(), names, others)
        if (str(path.relative_to(UI)), name) not in PENDING
    )
    assert not found, "private Textual API outside reader/ui/textual_private.py"


def test_the_scan_finds_a_private_use() -> None:
    names, others = private_names(*BASES), private_names(*USED)
    assert "_line_cache" in others  # (`OptionList`'s: and `CachedLinesMixin`'s own)
    source = (
        "class Pane(Widget):\n"
        "    _kept = None\n"
        "    def _on_focus(self, event):\n"
        "        self._mine = widget._refresh_scrollbars()\n"
        "        self._line_cache = self.options._line_cache\n"
        "    _vertical_scrollbar: ScrollBar | None\n"
    )
    assert sorted(private_uses(source, names, others)) == [
        (3, "_on_focus"),
        (4, "_refresh_scrollbars"),
        (5, "_line_cache"),
        (6, "_vertical_scrollbar"),
    ]


async def test_the_message_hooks_pump_is_reachable_as_the_tests_reach_it() -> None:
    # tests/conftest.py's `Messages` recorder learns that a handler has
    # returned through Textual's private `active_message_pump`: this fails
    # first when Textual moves or changes it.
    from textual._context import active_message_pump

    seen: list[object] = []

    def hook(message: object) -> None:
        pump = active_message_pump.get()
        assert callable(getattr(pump, "call_next", None))
        seen.append(pump)

    app = ClickedApp()
    async with app.run_test(message_hook=hook) as pilot:
        await pilot.click(Clicked)
        await pilot.pause()
    assert seen
