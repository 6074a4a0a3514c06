"""The preview screen, driven with Pilot against a real local HTTP server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from reader.ui.blocks import chunk_content
from reader.ui.screens.preview import PageChunk, PreviewScreen, split_chunks
from reader.web.extract import Extracted, render_text, without_title_heading
from reader.web.fetch import Fetcher, Limits
from reader.web.urls import NotWebURL, refusal
from tests.conftest import wait_for
from tests.http_server import FILLER, LocalServer, news_page

LIMITS = Limits(deadline=3.0, connect_timeout=2.0)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as running:
        yield running


class HostApp(App[None]):
    """A stand-in for newsdesk's app: one counter bound to `n`."""

    BINDINGS = [Binding("n", "bump", "Bump")]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Static("main screen", id="main")

    def action_bump(self) -> None:
        self.count += 1


def chunk_plain(chunk: PageChunk) -> str:
    content = chunk.content
    assert isinstance(content, Content)
    return content.plain


def pane_text(screen: PreviewScreen) -> str:
    chunks = list(screen.query(PageChunk))
    return "\n\n".join(chunk_plain(chunk) for chunk in chunks)


def body_text(extracted: Extracted) -> str:
    """The text the pane shows: `extracted.text` without a heading that
    repeats the title (the header shows it)."""
    return render_text(without_title_heading(extracted.blocks, extracted.title))


def screen_text(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def open_preview(
    app: HostApp, pilot: Pilot[None], urls: list[str], cache: Path
) -> PreviewScreen:
    screen = PreviewScreen(urls, cache, limits=LIMITS)
    await app.push_screen(screen)
    await wait_for(pilot, lambda: not screen.fetching and not screen.workers)
    return screen


async def test_preview_shows_title_state_and_text(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    app = HostApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)

        assert app.screen is screen
        assert screen.page is not None and screen.page.url == url
        shown = screen_text(app)
        assert "Harbour wall repairs approved" in shown
        assert "Maria Lopez · 2024-05-02" in shown
        assert "The council met on Tuesday evening" in shown
        assert screen.state == "Fetched from 127.0.0.1."
        # What the pane shows is the extracted text, less the title heading.
        assert screen.page.extracted is not None
        assert pane_text(screen) == body_text(screen.page.extracted)
        assert screen.page.extracted.text.startswith("Harbour wall repairs approved\n\n")


async def test_the_title_is_shown_once(server: LocalServer, tmp_path: Path) -> None:
    # The page's body opens with a heading that says the title again.
    html = news_page().replace("<h1>Harbour wall", "<h1>  HARBOUR   wall")
    url = server.page("/news", html)
    app = HostApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)

        shown = screen_text(app).casefold()
        assert shown.count("harbour wall repairs approved") == 1
        assert pane_text(screen).startswith("The council met on Tuesday evening")
        # A later heading stays.
        assert "What happens next" in pane_text(screen)


async def test_markup_and_escapes_in_the_page_are_shown_literally(
    server: LocalServer, tmp_path: Path
) -> None:
    url = server.page("/evil", news_page(extra="Click [@click=app.quit]me[/] or \x1b[2J this."))
    app = HostApp()
    async with app.run_test(size=(120, 60)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        await pilot.press("end")
        await pilot.pause()

        assert "Click [@click=app.quit]me[/] or [2J this." in pane_text(screen)
        assert "[@click=app.quit]me[/]" in screen_text(app)
        # Clicking on the literal text does nothing.
        chunk = list(screen.query(PageChunk))[-1]
        await pilot.click(chunk, offset=(8, chunk.region.height - 1))
        await pilot.pause()
        assert app.is_running and app.screen is screen


async def test_escape_cancels_a_slow_fetch_and_the_ui_keeps_responding(
    server: LocalServer, tmp_path: Path
) -> None:
    url = server.drip("/drip", interval=0.05, limit=5.0)
    app = HostApp()
    async with app.run_test() as pilot:
        screen = PreviewScreen([url], tmp_path, limits=Limits(deadline=10.0))
        await app.push_screen(screen)
        await wait_for(pilot, lambda: screen.state.startswith("Received"))
        # Scrolling keys are handled while the fetch is running.
        await pilot.press("j", "k", "space")
        assert screen.fetching

        started = time.monotonic()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not screen, timeout=2.0)
        assert time.monotonic() - started < 2.0
        await pilot.press("n", "n")
        assert app.count == 2
        await wait_for(pilot, lambda: not any(w.group == "preview-fetch" for w in app.workers))


async def test_follow_a_link_and_go_back(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    server.page("/report.html", news_page("The council report"))
    app = HostApp()
    async with app.run_test(size=(80, 20)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        screen.query_one("#preview-body").scroll_to(y=3, animate=False)
        await pilot.pause()

        await pilot.press("l", "enter")
        await wait_for(pilot, lambda: screen.page is not None and not screen.fetching)
        assert screen.current_url == server.url("/report.html")
        assert screen.page is not None and screen.page.title == "The council report"

        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.page is not None and not screen.workers)
        assert screen.current_url == url
        assert screen.page is not None and screen.page.title == "Harbour wall repairs approved"
        assert server.hits["/news"] == 1
        await wait_for(pilot, lambda: screen.body.scroll_y == 3)


async def test_the_link_list_opens_on_the_first_link(server: LocalServer, tmp_path: Path) -> None:
    extra = '<a href="/first.html">First link</a> and <a href="/second.html">second link</a>.'
    url = server.page("/news", news_page(extra=extra))
    server.page("/first.html", news_page("The first page"))
    app = HostApp()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        links = screen.query_one("#preview-links", OptionList)
        assert links.option_count == 3

        await pilot.press("l")
        assert links.display and links.has_focus
        assert links.highlighted == 0
        # The list shows which link is selected: the highlighted row is drawn.
        assert links.highlighted_option is not None
        assert "full council report" in str(links.highlighted_option.prompt)

        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen.page is not None and not screen.fetching)
        assert screen.current_url == server.url("/first.html")
        assert not links.display

        # Back, and `l` then `enter` at once follows the first link.
        await pilot.press("backspace")
        await wait_for(pilot, lambda: screen.page is not None and not screen.workers)
        server.page("/report.html", news_page("The council report"))
        await pilot.press("l", "enter")
        await wait_for(pilot, lambda: screen.page is not None and not screen.fetching)
        assert screen.current_url == server.url("/report.html")


async def test_show_replaces_the_page_and_forgets_history(
    server: LocalServer, tmp_path: Path
) -> None:
    first = server.page("/one", news_page("First story"))
    second = server.page("/two", news_page("Second story"))
    app = HostApp()
    async with app.run_test() as pilot:
        screen = await open_preview(app, pilot, [first], tmp_path)
        screen.follow(server.url("/report.html"))
        await pilot.pause()
        screen.show([second])
        await wait_for(pilot, lambda: screen.page is not None and not screen.workers)
        assert screen.page is not None and screen.page.title == "Second story"
        await pilot.press("backspace")
        assert screen.current_url == second


async def test_clicking_a_link_follows_it(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    server.page("/report.html", news_page("The council report"))
    app = HostApp()
    async with app.run_test(size=(100, 60)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        rows = screen_text(app).split("\n")
        row = next(i for i, line in enumerate(rows) if "full council report" in line)
        column = rows[row].index("full council report") + 3

        await pilot.click(offset=(column, row))

        await wait_for(pilot, lambda: screen.current_url == server.url("/report.html"))
        await wait_for(pilot, lambda: screen.page is not None)
        assert screen.page is not None and screen.page.title == "The council report"


async def test_non_web_links_are_not_followed(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    app = HostApp()
    async with app.run_test() as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        for bad in ("file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi"):
            screen.follow(bad)
            await pilot.pause()
            assert screen.current_url == url
        await pilot.press("backspace")
        assert screen.current_url == url


async def test_cached_copy_is_shown_offline(tmp_path: Path) -> None:
    with LocalServer() as server:
        url = server.validated("/story", news_page("Read it on the train"))
        async with Fetcher(tmp_path, limits=LIMITS, trust_env=False) as fetcher:
            await fetcher.preview([url])

    app = HostApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)

        assert screen.page is not None and screen.page.fetched.offline
        assert screen.state == "Offline: showing the copy saved just now."
        assert "Read it on the train" in screen_text(app)


async def test_error_offers_retry_and_refetch_recovers(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/later", "<h1>down</h1>", status=503)
    app = HostApp()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        shown = screen_text(app)
        assert f"{url} answered HTTP 503 Service Unavailable." in shown
        assert "Press r to try again, o to open it in the browser." in shown

        server.page("/later", news_page("Back up"))
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.page is not None and not screen.workers)
        assert screen.page is not None and screen.page.title == "Back up"


async def test_open_in_browser_and_copy_url(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/news", news_page())
    opened: list[str] = []

    def fake_browser(target: str) -> bool:
        opened.append(target)
        return True

    app = HostApp()
    async with app.run_test() as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        screen.open_in_browser = fake_browser  # type: ignore[method-assign]
        await pilot.press("o", "y")
        await wait_for(pilot, lambda: bool(opened))
        assert opened == [url]
        assert app.clipboard == url


async def test_pdf_offers_the_browser(server: LocalServer, tmp_path: Path) -> None:
    url = server.page("/doc.pdf", b"%PDF-1.5\n" + b"0" * 4096, content_type="application/pdf")
    app = HostApp()
    async with app.run_test(size=(120, 30)) as pilot:
        await open_preview(app, pilot, [url], tmp_path)
        shown = screen_text(app)
        assert "is a PDF document (4 KB)" in shown
        assert "Press o to open it in the browser" in shown


async def test_long_page_shows_its_first_screen_before_the_rest(
    server: LocalServer, tmp_path: Path
) -> None:
    body = "".join(
        (f"<h2>Part {i}</h2>" if i % 10 == 0 else "") + f"<p>{FILLER}{FILLER} Item {i}.</p>"
        for i in range(600)
    )
    url = server.page("/long", f"<html><body><article><h1>Long</h1>{body}</article></body></html>")
    app = HostApp()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        assert screen.page is not None and screen.page.extracted is not None
        extracted = screen.page.extracted
        assert len(extracted.text) > 150_000
        chunks = split_chunks(extracted.blocks)
        assert len(chunks) > 10
        assert len(chunks[0]) < len(extracted.blocks) // 10
        assert pane_text(screen) == body_text(extracted)
        await pilot.press("end")
        await pilot.pause()
        assert "Item 599." in screen_text(app)


def test_chunk_content_is_plain_data() -> None:
    from reader.web.extract import Block, Span

    block = Block("paragraph", (Span("[b]x[/b] "), Span("link", href="https://a.example/'q")))
    content = chunk_content([block])
    assert isinstance(content, Content)
    assert content.plain == "[b]x[/b] link"


# -- addresses that may not leave, malformed ones, credentials ------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[::1", "Can't preview http://[::1: the brackets around its host are unbalanced."),
        (
            "http://127.0.0.1:99999/",
            "Can't preview http://127.0.0.1:99999/: the port is not a number from 1 to 65535.",
        ),
    ],
)
async def test_a_malformed_address_is_a_clear_error(
    tmp_path: Path, url: str, expected: str
) -> None:
    app = HostApp()
    async with app.run_test(size=(200, 30)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        await pilot.pause()
        shown = screen_text(app)
        assert expected in shown
        assert "TaskGroup" not in shown and "Could not preview this page" not in shown
        assert screen.state == "Could not load the page."


@pytest.mark.parametrize(
    "url",
    ["--help", "-x;rm", "file:///etc/passwd", "javascript:alert(1)", "http://[::1"],
)
async def test_o_and_y_refuse_what_is_not_a_web_address(tmp_path: Path, url: str) -> None:
    opened: list[str] = []

    def fake_browser(target: str) -> bool:
        opened.append(target)
        return True

    app = HostApp()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_preview(app, pilot, [url], tmp_path)
        screen.open_in_browser = fake_browser  # type: ignore[method-assign]
        assert screen.current_url == url
        await pilot.press("o", "y")
        await pilot.pause()
        assert opened == []
        assert app.clipboard == ""
        messages = [n.message for n in app._notifications]
        assert messages.count(refusal(url)) == 2
        assert refusal(url).startswith(("Not a web address: ", "Not a valid web address ("))


async def test_the_screen_opens_the_browser_through_the_safe_opener(
    browser: Path, server: LocalServer, tmp_path: Path
) -> None:
    # The class's own opener (which the main screen uses too) refuses by itself.
    for url in ("--help", "-x;rm", "file:///etc/passwd", "javascript:alert(1)"):
        with pytest.raises(NotWebURL):
            PreviewScreen.open_in_browser(url)
    assert not browser.exists()

    page = server.page("/news", news_page())
    app = HostApp()
    async with app.run_test() as pilot:
        await open_preview(app, pilot, [page], tmp_path)
        await pilot.press("o")
        await wait_for(pilot, lambda: browser.exists())
    assert browser.read_text(encoding="utf-8").splitlines() == [page]


async def test_credentials_are_never_shown(server: LocalServer, tmp_path: Path) -> None:
    server.page("/news", news_page())
    server.page("/private", "<h1>log in</h1>", status=401)
    app = HostApp()
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_preview(
            app, pilot, [f"http://alice:s3cret@127.0.0.1:{server.port}/news"], tmp_path
        )
        assert screen.page is not None and screen.current_url == server.url("/news")
        assert "were not sent" in screen.state
        assert "s3cret" not in screen_text(app)

        screen.show([f"http://alice:s3cret@127.0.0.1:{server.port}/private"])
        await wait_for(pilot, lambda: not screen.fetching and not screen.workers)
        shown = screen_text(app)
        assert "answered HTTP 401" in shown
        assert "s3cret" not in shown and "alice" not in shown
        await pilot.press("y")
        await pilot.pause()
        assert all("s3cret" not in n.message for n in app._notifications)
