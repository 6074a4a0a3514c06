"""The preview screen: a linked page, fetched and shown as readable text.

The screen opens at once and says what it is doing (connecting, received
N KB, extracting); the fetch runs in an exclusive async worker and the
extraction in a thread, so the UI never waits on the network. A stored copy
shows instantly while it is revalidated.

Page text is untrusted: it reaches widgets only as `Content` built here
from plain strings (never parsed as markup), and links are clickable
through a `follow(...)` action that accepts http and https URLs only.
Which addresses may be followed, opened in the browser (`o`) or copied
(`y`) is decided by `reader.web.urls`, as in the main screen; what is refused
is said in a notification, and addresses are shown without their password.
Long pages are rendered in chunks: the first screenful at once, the rest
in the background.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.resources import styles_path
from reader.text import clean
from reader.ui.blocks import chunk_content
from reader.ui.keys import bindings, use_own_keys
from reader.ui.pages import checked_url, copy_url, open_url
from reader.ui.panes.key_bar import KeyBar
from reader.web.extract import Block, without_title_heading
from reader.web.fetch import (
    Fetcher,
    FetchError,
    FetchProgress,
    Limits,
    Page,
    describe_age,
)
from reader.web.urls import check_url, refusal, shown_url
from reader.web.urls import open_in_browser as open_web_address

FIRST_CHUNK_CHARS = 3_000
"""About a screenful or two of text: rendered before anything else."""
CHUNK_CHARS = 12_000
"""Later chunks, mounted one after another in the background."""


def split_chunks(
    blocks: Sequence[Block], first: int = FIRST_CHUNK_CHARS, rest: int = CHUNK_CHARS
) -> list[list[Block]]:
    """Group blocks into chunks; a chunk never starts with a tight block, so
    chunks are always one blank line apart."""
    chunks: list[list[Block]] = []
    current: list[Block] = []
    size = 0
    for block in blocks:
        length = len(block.plain) + 2
        limit = first if not chunks else rest
        if current and size + length > limit and not block.tight:
            chunks.append(current)
            current, size = [], 0
        current.append(block)
        size += length
    if current:
        chunks.append(current)
    return chunks


class PageChunk(Static):
    """A run of the page's blocks. Its links post `LinkClicked`."""

    class LinkClicked(Message):
        def __init__(self, href: str) -> None:
            super().__init__()
            self.href = href

    def action_follow(self, href: str) -> None:
        self.post_message(self.LinkClicked(href))


@dataclass(slots=True)
class _Visit:
    """One entry of the preview's history."""

    urls: list[str]
    page: Page | None = None
    scroll_y: float = 0.0
    error: FetchError | None = None


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


class PreviewScreen(Screen[None]):
    """Preview the first working URL of `urls` (web page, then AMP versions)."""

    CSS_PATH = styles_path("preview.tcss")
    AUTO_FOCUS = "#preview-body"

    BINDINGS: ClassVar[list[BindingType]] = [*bindings("preview")]

    HELP_PLACES = ("preview", "links", "app")
    """What `?` shows here: the preview's keys, its link list's, then the app's."""

    open_in_browser: Callable[[str], bool] = staticmethod(open_web_address)
    """How `o` opens a page (`reader.web.urls.open_in_browser`: web addresses
    only, `$BROWSER` honoured); run in a thread."""

    def __init__(
        self,
        urls: Sequence[str],
        cache_dir: Path | None = None,
        *,
        fetcher: Fetcher | None = None,
        limits: Limits | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id)
        use_own_keys(self, "preview")
        self._owns_fetcher = fetcher is None
        self.fetcher = fetcher if fetcher is not None else Fetcher(cache_dir, limits=limits)
        clean_urls = [clean(u).strip() for u in urls if u and clean(u).strip()]
        self._visit = _Visit(clean_urls)
        self._history: list[_Visit] = []
        self._shown: Page | None = None
        self._state = ""
        self._fetching = False
        self._links: list[tuple[str, str]] = []

    # -- layout ----------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Content(""), id="preview-title")
        yield Static(Content(""), id="preview-meta")
        yield Static(Content(""), id="preview-status")
        yield VerticalScroll(id="preview-body")
        yield OptionList(id="preview-links")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#preview-links", OptionList).display = False
        self._start(self._visit, force=False)

    async def on_unmount(self) -> None:
        self.workers.cancel_node(self)
        if self._owns_fetcher:
            await self.fetcher.aclose()

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#preview-body", VerticalScroll)

    @property
    def current_url(self) -> str:
        """The address of what is shown (after redirects), or the first candidate."""
        if self._shown is not None:
            return self._shown.final_url
        return self._visit.urls[0] if self._visit.urls else ""

    @property
    def state(self) -> str:
        """The status line's text (for tests and the app)."""
        return self._state

    @property
    def page(self) -> Page | None:
        return self._shown

    @property
    def fetching(self) -> bool:
        return self._fetching

    def show(self, urls: Sequence[str]) -> None:
        """Preview other candidate URLs here, cancelling what is loading and
        forgetting the history (for `p` pressed again on another article)."""
        self._history.clear()
        self._start(_Visit([clean(u).strip() for u in urls if u and clean(u).strip()]), force=False)

    # -- loading ---------------------------------------------------------

    def _start(self, visit: _Visit, force: bool) -> None:
        self._visit = visit
        self._shown = None
        self._fetching = True
        self._clear_body()
        self._set_header(shown_url(visit.urls[0]) if visit.urls else "", "")
        self._set_state("Starting…")
        self._load(list(visit.urls), force)

    @work(exclusive=True, exit_on_error=False, group="preview-fetch")
    async def _load(self, urls: list[str], force: bool) -> None:
        visit = self._visit
        try:
            page = await self.fetcher.preview(
                urls, force=force, progress=self._on_progress, on_cached=self._on_cached
            )
        except FetchError as error:
            if visit is self._visit:
                self._fetching = False
                visit.error = error
                self._show_error(error)
            return
        except Exception as error:  # a bug must not take the app down
            if visit is self._visit:
                self._fetching = False
                self._show_error_text(f"Could not preview this page: {shown_url(error)}")
            return
        if visit is not self._visit:
            return
        self._fetching = False
        visit.page = page
        visit.error = None
        shown = self._shown
        if (
            shown is not None
            and shown.provisional
            and shown.extracted is not None
            and shown.extracted is page.extracted
        ):
            # The stored copy is still current: keep it on screen.
            self._shown = page
            self._set_state(self._describe(page))
            return
        self._show_page(page, scroll_y=0.0)

    def _on_progress(self, progress: FetchProgress) -> None:
        if not self._fetching:
            return
        shown = self._shown
        if shown is not None and shown.provisional:
            self._set_state(f"{self._describe(shown)} ({progress.describe()})")
        else:
            self._set_state(progress.describe())

    def _on_cached(self, page: Page) -> None:
        if self._fetching and self._shown is None:
            self._show_page(page, scroll_y=0.0)

    # -- rendering -------------------------------------------------------

    def _set_state(self, text: str) -> None:
        self._state = text
        self.query_one("#preview-status", Static).update(Content(text))

    def _set_header(self, title: str, meta: str) -> None:
        self.query_one("#preview-title", Static).update(Content(title))
        self.query_one("#preview-meta", Static).update(Content(meta))

    def _clear_body(self) -> None:
        self.workers.cancel_group(self, "preview-render")
        self.body.remove_children()
        self.query_one("#preview-links", OptionList).display = False

    def _describe(self, page: Page) -> str:
        parts: list[str] = []
        fetched = page.fetched
        if page.candidate > 0 and page.failures:
            parts.append(f"Showing {page.url} instead: {page.failures[0].message}")
        age = describe_age(fetched.age())
        if fetched.offline:
            parts.append(f"Offline: showing the copy saved {age}.")
        elif fetched.error is not None:
            parts.append(f"Showing the copy saved {age}: {fetched.error.message}")
        elif page.provisional:
            parts.append(f"Saved copy from {age}; checking for updates…")
        elif fetched.revalidated:
            parts.append("Saved copy, confirmed current just now.")
        elif fetched.from_cache:
            parts.append(f"Saved copy from {age}.")
        if page.notice:
            parts.append(page.notice)
        if page.kind == "text":
            parts.append("Plain text.")
        return " ".join(parts) or f"Fetched from {_host(page.final_url)}."

    def _show_page(self, page: Page, scroll_y: float) -> None:
        self._clear_body()
        self._shown = page
        extracted = page.extracted
        title = (extracted.title if extracted else "") or _host(page.final_url)
        meta = " · ".join(
            part
            for part in (
                extracted.byline if extracted else "",
                extracted.date if extracted else "",
                page.final_url,
            )
            if part
        )
        self._set_header(title, meta)
        self._set_state(self._describe(page))
        links = self.query_one("#preview-links", OptionList)
        links.clear_options()
        self._links = []
        if page.kind == "other" or extracted is None:
            message = Content.assemble(
                (page.describe_other(), "bold"),
                "\n\nPress o to open it in the browser, y to copy its address.",
            )
            self.body.mount(Static(message, classes="preview-message"))
            return
        links.add_options(
            Option(Content.assemble((text, "bold"), "  ", (href, "$text-muted")), id=str(i))
            for i, (text, href) in enumerate(extracted.links)
        )
        self._links = list(extracted.links)
        # The title is in the header: a first heading that repeats it goes.
        blocks = without_title_heading(extracted.blocks, extracted.title)
        if not blocks:
            message = Content(page.notice or "This page has no text.")
            self.body.mount(Static(message, classes="preview-message"))
            return
        chunks = split_chunks(blocks)
        first, rest = chunks[0], chunks[1:]
        self.body.mount(PageChunk(chunk_content(first), classes="preview-chunk"))
        self.body.scroll_home(animate=False)
        if rest or scroll_y:
            self._render_rest(rest, scroll_y)

    @work(exclusive=True, exit_on_error=False, group="preview-render")
    async def _render_rest(self, chunks: list[list[Block]], scroll_y: float) -> None:
        body = self.body
        for chunk in chunks:
            await body.mount(PageChunk(chunk_content(chunk), classes="preview-chunk"))
            # Let keys and repaints through between chunks.
            await asyncio.sleep(0)
        if scroll_y:
            self.call_after_refresh(body.scroll_to, y=scroll_y, animate=False)

    def _show_error(self, error: FetchError) -> None:
        self._shown = None
        self._clear_body()
        lines: list[tuple[str, str] | str] = [(error.message, "bold $text-error")]
        others = [a for a in error.attempts if a.message != error.message]
        if others:
            lines.append("\n\nAlso tried:")
            for attempt in others:
                lines.append(f"\n  • {attempt.message}")
        lines.append("\n\nPress r to try again, o to open it in the browser.")
        self._set_state("Could not load the page.")
        self._set_header(shown_url(error.url or self.current_url), "")
        self.body.mount(Static(Content.assemble(*lines), classes="preview-message -error"))

    def _show_error_text(self, text: str) -> None:
        self._clear_body()
        self._set_state("Could not load the page.")
        message = Content.assemble(
            (text, "bold $text-error"), "\n\nPress r to try again, o to open it in the browser."
        )
        self.body.mount(Static(message, classes="preview-message -error"))

    # -- following links -------------------------------------------------

    @on(PageChunk.LinkClicked)
    def _link_clicked(self, event: PageChunk.LinkClicked) -> None:
        event.stop()
        self.follow(event.href)

    @on(OptionList.OptionSelected, "#preview-links")
    def _link_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        index = int(event.option.id or -1)
        links = self._links
        if 0 <= index < len(links):
            self._hide_links()
            self.follow(links[index][1])

    def follow(self, href: str) -> None:
        """Show the page at `href` (relative to the current page) in the preview."""
        href = clean(href).strip()
        try:
            target = urljoin(self.current_url, href) if self.current_url else href
        except ValueError:
            target = href
        checked = check_url(target)
        if checked.url is None:
            self.notify(
                f"Only http and https links can be opened here. {refusal(target)}",
                severity="warning",
                markup=False,
            )
            return
        self._visit.scroll_y = self.body.scroll_y
        self._history.append(self._visit)
        self._start(_Visit([checked.url]), force=False)

    # -- actions ---------------------------------------------------------

    def action_close(self) -> None:
        links = self.query_one("#preview-links", OptionList)
        if links.display:
            self._hide_links()
            return
        self.workers.cancel_node(self)
        self._fetching = False
        if self.is_current:
            self.dismiss()

    def action_back(self) -> None:
        if not self._history:
            self.app.bell()
            return
        previous = self._history.pop()
        self.workers.cancel_group(self, "preview-fetch")
        self._fetching = False
        if previous.page is not None:
            self._visit = previous
            self._show_page(previous.page, previous.scroll_y)
        else:
            self._start(previous, force=False)

    def action_refetch(self) -> None:
        self._start(self._visit, force=True)

    def action_copy_url(self) -> None:
        url = self.current_url
        if not url:
            return
        target = checked_url(self, url, "copy")
        if target is not None:
            copy_url(self, target)

    def action_open_browser(self) -> None:
        target = checked_url(self, self.current_url, "open")
        if target is not None:
            self._open(target)

    @work(exit_on_error=False, group="preview-browser")
    async def _open(self, url: str) -> None:
        await open_url(self, url, self.open_in_browser)

    def action_links(self) -> None:
        links = self.query_one("#preview-links", OptionList)
        if links.display:
            self._hide_links()
            return
        if links.option_count == 0:
            self.notify("This page has no links.", markup=False)
            return
        links.display = True
        # The first link is highlighted, so that `enter` follows it at once.
        if links.highlighted is None:
            links.highlighted = 0
        links.focus()

    def _hide_links(self) -> None:
        self.query_one("#preview-links", OptionList).display = False
        self.body.focus()

    def action_scroll_body(self, lines: int) -> None:
        links = self.query_one("#preview-links", OptionList)
        if links.display and links.has_focus:  # j / k move in the link list
            if lines > 0:
                links.action_cursor_down()
            else:
                links.action_cursor_up()
            return
        self.body.scroll_relative(y=lines, animate=False)

    def action_page_body(self, pages: int) -> None:
        if pages > 0:
            self.body.scroll_page_down(animate=False)
        else:
            self.body.scroll_page_up(animate=False)
