"""The list gets the width (issue 15, point 1): title cells and list rows at
common terminal sizes, and the `L` key that cycles the layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reader.library.session import Session, load_session
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import DATE_WIDTH, MARKS_WIDTH
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded

STORE = {
    f"{n:03}.txt": article_text(
        f"A rather long headline about the story number {n} that goes on and on",
        topics=["World"],
        date=f"2026-03-{n % 28 + 1:02}T10:00:00Z",
        provider="The Daily Provider",
        quality=50,
    )
    for n in range(40)
}


def title_cells(app: NewsdeskApp) -> int:
    """The title column's width, as the list header places it."""
    text = app.main_screen.list_header.text
    start = text.index("Title")
    return len(text) - start - len("  Q") - 1


def has_provider(app: NewsdeskApp) -> bool:
    return "Provider" in app.main_screen.list_header.text


def list_rows(app: NewsdeskApp) -> int:
    return app.main_screen.articles.scrollable_content_region.height


async def _measure(app: NewsdeskApp, pilot) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    await wait_loaded(pilot)
    await wait_for(pilot, lambda: "Title" in app.main_screen.list_header.text)
    await pilot.pause()
    return title_cells(app), list_rows(app)


@pytest.mark.parametrize(
    ("size", "min_title", "min_rows"),
    [((80, 24), 40, 15), ((120, 32), 60, 25), ((200, 60), 70, 50)],
)
async def test_the_list_gets_the_width(
    make_store: StoreMaker, size: tuple[int, int], min_title: int, min_rows: int
) -> None:
    app = NewsdeskApp(make_store(STORE))
    async with app.run_test(size=size) as pilot:
        title, rows = await _measure(app, pilot)
        print(f"{size}: title {title} cells, {rows} rows, provider {has_provider(app)}")
        assert title >= min_title
        assert rows >= min_rows
        # Every column but the title is as the list draws it.
        assert app.main_screen.list_header.text.startswith(" " * MARKS_WIDTH + "Date")
        assert DATE_WIDTH == 10


async def test_the_layout_key_cycles_three_two_one(make_store: StoreMaker) -> None:
    app = NewsdeskApp(make_store(STORE))
    async with app.run_test(size=(160, 40)) as pilot:
        await _measure(app, pilot)
        screen = app.main_screen
        tree, detail = screen.topic_tree, screen.detail
        assert screen.layout_name == "three" and tree.display and detail.display
        three = title_cells(app)

        await pilot.press("L")  # list and detail: the tree gives its room
        await pilot.pause()
        assert screen.layout_name == "two" and not screen.tree_visible
        assert not tree.display and detail.display
        await wait_for(pilot, lambda: title_cells(app) > three)
        two = title_cells(app)

        await pilot.press("L")  # the list alone
        await pilot.pause()
        assert screen.layout_name == "one" and not detail.display
        await wait_for(pilot, lambda: title_cells(app) > two)
        await pilot.press("enter")  # the detail shows with the article...
        await pilot.pause()
        assert detail.display and detail.has_focus
        await pilot.press("escape")  # ...and goes with the focus
        await pilot.pause()
        assert not detail.display and screen.articles.has_focus

        await pilot.press("L")  # three panes again
        await pilot.pause()
        assert screen.layout_name == "three" and screen.tree_visible
        assert tree.display and detail.display and screen.articles.has_focus


async def test_the_layout_is_kept_for_the_next_session(make_store: StoreMaker) -> None:
    root = make_store(STORE)
    app = NewsdeskApp(root)
    async with app.run_test(size=(160, 40)) as pilot:
        await _measure(app, pilot)
        await pilot.press("L", "L")
        await pilot.pause()
        session = app.main_screen.session_now()
    assert (session.layout, session.tree_hidden) == ("one", True)
    again = NewsdeskApp(root, session=session)
    async with again.run_test(size=(160, 40)) as pilot:
        await _measure(again, pilot)
        screen = again.main_screen
        assert screen.layout_name == "one"
        assert not screen.tree_visible and not screen.detail.display
        await pilot.press("L")
        assert screen.layout_name == "three"


def test_an_old_session_file_loads_with_three_panes(tmp_path: Path) -> None:
    path = tmp_path / "state.session.json"
    path.write_text(json.dumps({"version": 1, "store": "/s", "kind": "inbox"}))
    session, warning = load_session(path)
    assert warning is None and session is not None
    assert session == Session(store="/s", kind="inbox")
    assert session.layout == "three"


async def test_the_tree_is_one_key_away_at_120_columns(make_store: StoreMaker) -> None:
    app = NewsdeskApp(make_store(STORE))
    async with app.run_test(size=(120, 32)) as pilot:
        await _measure(app, pilot)
        screen = app.main_screen
        assert not screen.tree_visible and not screen.topic_tree.display
        assert screen.layout_name == "two"  # what is on screen: `L` goes on from it
        await pilot.press("backslash")
        await pilot.pause()
        assert screen.tree_visible and screen.topic_tree.display
        assert screen.topic_tree.has_focus and screen.layout_name == "three"
        await pilot.press("L", "L")
        await pilot.pause()
        assert screen.layout_name == "one" and not screen.detail.display
        await wait_for(pilot, lambda: title_cells(app) >= 75 and has_provider(app))


async def test_at_80x24_the_detail_grows_while_it_has_the_focus(make_store: StoreMaker) -> None:
    app = NewsdeskApp(make_store(STORE))
    async with app.run_test(size=(80, 24)) as pilot:
        _, rows = await _measure(app, pilot)
        detail = app.main_screen.detail
        small = detail.size.height
        assert rows >= 15
        await pilot.press("enter")
        await pilot.pause()
        assert detail.has_focus and detail.size.height > small
        await pilot.press("escape")
        await pilot.pause()
        assert detail.size.height == small and list_rows(app) == rows
