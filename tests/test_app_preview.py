"""`p` in the reader: the article's page, a related item's page, back again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.detail import DetailView
from reader.ui.screens.preview import PreviewScreen
from tests.conftest import StoreMaker, article_text, screen_text, wait_for, wait_loaded
from tests.http_server import LocalServer, news_page


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


async def wait_for_text(pilot, text: str, timeout: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    app = pilot.app
    try:
        await wait_for(pilot, lambda: text in screen_text(app), timeout)
    except AssertionError:
        raise AssertionError(f"{text!r} never appeared:\n{screen_text(app)}") from None
    return screen_text(app)


def store_with_links(make_store: StoreMaker, server: LocalServer) -> Path:
    main_url = server.page("/main.html", news_page("Harbour wall repairs approved"))
    related_url = server.page("/related.html", news_page("Ferry timetable changes"))
    related = (
        "related:\n"
        '  - title: "Ferry timetable changes"\n'
        f'    webUrl: "{related_url}"\n'
        "    provider:\n      name: Quayside Daily\n      domain: quayside.example\n"
    )
    return make_store({"a.txt": article_text("Harbour wall story", url=main_url, extra=related)})


async def test_p_previews_the_article_then_a_related_item(
    make_store: StoreMaker, server: LocalServer, tmp_path: Path
) -> None:
    app = NewsdeskApp(store_with_links(make_store, server), state=State(tmp_path / "s.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, PreviewScreen)
        shown = await wait_for_text(pilot, "What happens next")
        assert "Most read" not in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, PreviewScreen)
        # Into the related list, then p previews that item's page.
        await pilot.press("enter", "tab")
        assert app.query_one(DetailView).related_current is not None
        await pilot.press("p")
        await wait_for_text(pilot, "Ferry timetable changes")
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running


async def test_p_without_a_url_says_so(make_store: StoreMaker, tmp_path: Path) -> None:
    app = NewsdeskApp(make_store({"a.txt": article_text("No link")}), state=State(tmp_path / "s"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert not isinstance(app.screen, PreviewScreen)
        assert any("no web address" in n.message for n in app._notifications)
