"""A view whose query reads the clock (`age:`) follows the clock."""

from __future__ import annotations

import calendar
import time
from pathlib import Path

import pytest

import reader.ui.main_screen
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import ArticleList
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded

PUBLISHED = calendar.timegm(time.strptime("2026-03-14T08:30:00", "%Y-%m-%dT%H:%M:%S"))


async def test_an_age_query_drops_articles_as_they_age(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader.ui.main_screen, "CLOCK_INTERVAL", 0.1)
    root = make_store(
        {
            "fresh.md": article_text("Fresh", date="2026-03-14T08:30:00Z"),
            "old.md": article_text("Old", date="2026-03-01T08:30:00Z"),
        }
    )
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"))
    now = [PUBLISHED + 30 * 60.0]
    app.library.clock = lambda: now[0]
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_loaded(pilot)
        articles = app.query_one(ArticleList)
        await pilot.press("slash", *"age:<1h", "enter")
        rows = app.library.rows
        await wait_for(pilot, lambda: [rows[i].title for i in articles.view] == ["Fresh"])
        # Two hours after it was published, the article is no longer under an hour old.
        now[0] = PUBLISHED + 2 * 3600.0
        await wait_for(pilot, lambda: articles.view == [])
        assert articles.empty_message == "Nothing matches this query."
