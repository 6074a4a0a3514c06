"""`?` per screen: the keys of the screen it is opened on, in aligned
columns, scrolling with `j`/`k`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.actions import actions, key_label
from reader.ui.app import NewsdeskApp
from reader.ui.screens.help import (
    GAP,
    INDENT,
    KEY_COLUMN_MAX,
    HelpScreen,
    HelpText,
    bindings_text,
)
from reader.ui.screens.preview import PreviewScreen
from reader.web.fetch import Limits
from tests.conftest import StoreMaker, article_text, screen_text, wait_for, wait_loaded
from tests.http_server import LocalServer, news_page


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


def small_store(make_store: StoreMaker) -> Path:
    return make_store({"a.txt": article_text("Harbour wall story")})


def description_column(text: str) -> int:
    """The column every description starts at (asserting there is one)."""
    columns = set()
    for line in text.split("\n"):
        if not line.startswith(" " * INDENT) or not line.strip():
            continue
        # Key and description are separated by at least GAP spaces; the
        # description starts at the first cell after the key column.
        key_part = line[INDENT:].split("  ", 1)[0]
        if key_part:
            rest = line[INDENT + len(key_part) :]
            if rest.strip():
                columns.add(INDENT + len(key_part) + len(rest) - len(rest.lstrip()))
        else:
            columns.add(len(line) - len(line.lstrip()))
    assert len(columns) == 1, f"descriptions start at columns {sorted(columns)}:\n{text}"
    return columns.pop()


def help_text(app: NewsdeskApp) -> str:
    widget = app.screen.query_one(HelpText)
    return widget.text(widget.content_region.width).plain


def test_long_key_lists_wrap_and_never_run_into_their_text() -> None:
    sections = [
        (
            "Pane",
            [
                (key_label("pagedown,ctrl+f,space,shift+down,ctrl+d,f"), "Page down"),
                ("j", "Down " + "and further down " * 8),
                (key_label("question_mark"), "Keys"),
            ],
        )
    ]
    text = bindings_text(sections, width=60).plain
    lines = text.split("\n")
    column = INDENT + KEY_COLUMN_MAX + GAP
    assert description_column(text) == column
    assert lines[1] == "  PgDn, ctrl+f, space,      Page down"
    assert lines[2].rstrip() == "  shift+down, ctrl+d, f"
    # The long description wraps under its column.
    down = [line for line in lines if line.startswith("  j ")]
    index = lines.index(down[0])
    assert lines[index + 1].startswith(" " * column) and lines[index + 1][column] != " "
    assert all(len(line) <= 60 for line in lines)
    assert "  ?" in text


def test_the_key_column_is_as_wide_as_the_widest_key() -> None:
    text = bindings_text([("Pane", [("a", "One"), ("ctrl+x", "Two")])])
    assert text.plain.split("\n")[1:] == ["  a       One", "  ctrl+x  Two"]


async def test_help_on_the_main_screen_lists_its_panes_and_scrolls(
    make_store: StoreMaker,
) -> None:
    app = NewsdeskApp(small_store(make_store))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        await wait_for(pilot, lambda: screen.query_one(HelpText).content_region.width > 0)
        text = help_text(app)
        for title in ("Everywhere", "Article list", "Topic tree", "Detail view"):
            assert title in text
        assert "Link list" not in text
        description_column(text)
        await wait_for(pilot, lambda: "Main screen" in screen_text(app))
        scroller = screen.scroller
        assert scroller.max_scroll_y > 2
        await pilot.press("j", "j")
        await wait_for(pilot, lambda: scroller.scroll_y == 2)
        await pilot.press("k")
        await wait_for(pilot, lambda: scroller.scroll_y == 1)
        await pilot.press("down")
        await wait_for(pilot, lambda: scroller.scroll_y == 2)
        await pilot.press("G")
        await wait_for(pilot, lambda: scroller.scroll_y == scroller.max_scroll_y)
        await pilot.press("g")
        await wait_for(pilot, lambda: scroller.scroll_y == 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_help_in_the_preview_lists_the_preview_keys(
    make_store: StoreMaker, server: LocalServer, tmp_path: Path
) -> None:
    url = server.page("/news", news_page())
    app = NewsdeskApp(small_store(make_store))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        preview = PreviewScreen([url], tmp_path / "cache", limits=Limits(deadline=3.0))
        await app.push_screen(preview)
        await wait_for(pilot, lambda: not preview.fetching)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        await wait_for(pilot, lambda: screen.query_one(HelpText).content_region.width > 0)
        text = help_text(app)
        assert "Preview" in text and "Link list" in text
        for action in actions("preview"):
            assert action.help in text
        assert "Follow the link" in text and "Close the link list" in text
        # Not the main screen's keys.
        assert "Article list" not in text and "Topic tree" not in text
        description_column(text)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen is preview)
