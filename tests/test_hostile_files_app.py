"""Hostile files in the store, seen as a user sees them: names that hold
terminal escapes, a FIFO where an article was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reader.library.facets import Facet
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.detail import DetailView
from reader.ui.panes.status_line import StatusLine
from reader.ui.panes.topic_tree import TopicTree
from tests.conftest import StoreMaker, article_text, screen_text, wait_for, wait_loaded
from tests.test_triage_app import current_title

TITLE_ESCAPE = "\x1b]0;pwned\x07"
"""Sets the terminal's title when printed raw."""


def raw_controls(text: str) -> set[str]:
    return {ch for ch in text if ch in "\x1b\x07\x9b\x9d" or (ord(ch) < 0x20 and ch != "\n")}


async def test_file_names_with_escapes_are_shown_as_data(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = make_store(
        {
            "001_good.txt": article_text("A good one"),
            f"002_{TITLE_ESCAPE}bad.txt": "no front matter here",
        }
    )
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert len(app.library.problems) == 1
        # The real name is kept for reading the file again.
        assert TITLE_ESCAPE in app.library.problems[0].path
        facet = Facet("problem", app.library.problems[0].path)
        tree = app.query_one(TopicTree)
        tree.focus()
        tree.cursor_line = next(
            y
            for y in range(tree.last_line + 1)
            if (node := tree.get_node_at_line(y)) is not None and node.data == facet
        )
        await wait_for(pilot, lambda: app.main_screen.facet == facet)
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "002_bad.txt" in text  # tree and detail, without the escape
        assert "Problem: 002_bad.txt" in app.query_one(StatusLine).status
        assert not raw_controls(text)
        detail = app.query_one(DetailView)
        assert "Could not read this file" in text and detail is not None


async def test_a_fifo_in_place_of_an_article_never_hangs_the_app(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = make_store(
        {
            "001_a.txt": article_text("Older", date="2026-03-01T10:00:00Z"),
            "002_b.txt": article_text("Newer", date="2026-03-02T10:00:00Z"),
        }
    )
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert current_title(app) == "Newer"
        # The older article's file becomes a FIFO nobody writes to.
        os.unlink(root / "001_a.txt")
        os.mkfifo(root / "001_a.txt")
        await pilot.press("j")
        detail = app.query_one(DetailView)
        await wait_for(pilot, lambda: "not a regular file" in screen_text(app))
        assert detail.article is None
        # Keys still work.
        await pilot.press("k")
        await wait_for(pilot, lambda: detail.article is not None)
        assert detail.article.title == "Newer"


@pytest.mark.parametrize(
    "web_url", ["--help", "-x;touch pwned", "file:///etc/passwd", "javascript:alert(1)"]
)
async def test_o_y_and_p_refuse_what_is_not_a_web_address(
    make_store: StoreMaker, tmp_path: Path, browser: Path, web_url: str
) -> None:
    root = make_store({"001_a.txt": article_text("Hostile", url=web_url)})
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"))
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: app.query_one(DetailView).article is not None)
        for key in ("o", "y", "p"):
            await pilot.press(key)
        await wait_loaded(pilot)
        said = [n.message for n in app._notifications]
        assert len([m for m in said if m.startswith("Not a web address")]) == 3, said
        assert app.screen is app.screen_stack[0]  # no preview opened
    assert copied == []
    assert not browser.exists()


async def test_o_hands_a_web_address_to_the_browser(
    make_store: StoreMaker, tmp_path: Path, browser: Path
) -> None:
    root = make_store({"001_a.txt": article_text("Fine", url="https://news.example/a")})
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("o")
        await wait_for(pilot, browser.exists)
        await wait_loaded(pilot)
    assert browser.read_text(encoding="utf-8").splitlines() == ["https://news.example/a"]
