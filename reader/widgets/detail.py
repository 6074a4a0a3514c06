"""The detail view: one article in full, or one problem file.

Everything shown comes from the store and is untrusted: it is handed to
widgets as `rich.text.Text` (never markup), and the Markdown body is
rendered by Textual's `Markdown`, which treats its text as text. Links in
the body only ever go through `LinkFollowed` (http and https only).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option

from reader.model import Article, Problem, Related

BODY_CHUNK = 12_000
"""Characters of body rendered at once: Markdown rendering is slow on
very long documents, so the rest waits until the reader asks for it."""


def local_time(value: datetime | None, *, with_time: bool = True) -> str:
    if value is None:
        return "no date"
    local = value.astimezone()
    return local.strftime("%Y-%m-%d %H:%M %Z" if with_time else "%Y-%m-%d")


def split_body(body: str, limit: int = BODY_CHUNK) -> list[str]:
    """Cut a Markdown body into chunks of about `limit` characters.

    Cuts fall on blank lines outside fenced code blocks, so every chunk
    renders on its own as the document would have.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    fence: str | None = None
    for line in body.split("\n"):
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        if size >= limit and fence is None and not line.strip() and current:
            chunks.append("\n".join(current))
            current, size = [], 0
            continue
        current.append(line)
        size += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def safe_link(href: str) -> bool:
    return href.lower().startswith(("http://", "https://"))


class RelatedList(OptionList):
    """The related coverage of an article, one option per item."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: tuple[Related, ...] = ()

    def show(self, items: tuple[Related, ...]) -> None:
        if not items and not self.items:
            return
        self.items = items
        self.clear_options()
        self.add_options([Option(related_prompt(item)) for item in items])
        self.highlighted = 0 if items else None
        self.display = bool(items)

    @property
    def current(self) -> Related | None:
        index = self.highlighted
        if index is None or not 0 <= index < len(self.items):
            return None
        return self.items[index]


def related_prompt(item: Related) -> Text:
    text = Text(item.title or "(untitled)", style="bold")
    meta = " · ".join(
        part
        for part in (item.provider or item.domain, local_time(item.published, with_time=False))
        if part
    )
    text.append("\n" + meta, style="dim")
    if item.web_url:
        text.append("\n" + item.web_url, style="underline dim")
    return text


def article_links(article: Article) -> Text:
    """The article's URLs: the page, then the fallbacks a preview tries."""
    text = Text()
    for label, url in (
        ("Page", article.web_url),
        ("AMP", article.amp_url),
        ("AMP (CDN)", article.cdn_amp_url),
    ):
        if url:
            text.append(f"{label}\n", style="dim")
            text.append(url + "\n", style="underline")
    text.rstrip()
    return text


def article_header(article: Article) -> Text:
    text = Text()
    text.append(article.title or "(untitled)", style="bold")
    text.append("\n")
    source = article.provider or "unknown provider"
    if article.domain:
        source += f" · {article.domain}"
    text.append(source, style="italic")
    text.append("\n")
    text.append(local_time(article.published), style="dim")
    kinds = " · ".join(p for p in (article.category, article.type) if p)
    if kinds:
        text.append(f"  {kinds}", style="dim")
    text.append("\n")
    if article.topics:
        text.append("Topics: ", style="dim")
        text.append(", ".join(article.topics))
        text.append("\n")
    scores = []
    if article.quality is not None:
        scores.append(f"quality {article.quality}")
    if article.heat is not None:
        scores.append(f"heat {article.heat}")
    if scores:
        text.append(" · ".join(scores), style="dim")
        text.append("\n")
    text.rstrip()
    return text


class DetailView(VerticalScroll, can_focus=True):
    """One article: header, excerpt, body (in chunks) and related items."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("space", "page_down", "Page down", show=False),
        Binding("plus,equals_sign", "more", "More of the body", show=False),
    ]

    class LinkFollowed(Message):
        """A web link in the body was clicked."""

        def __init__(self, href: str) -> None:
            super().__init__()
            self.href = href

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article: Article | None = None
        self._rest: list[str] = []
        self._body_shown = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Nothing selected", style="dim italic"), id="detail-header")
        yield Static(id="detail-excerpt")
        yield Markdown(id="detail-body", open_links=False)
        yield Static(id="detail-more")
        yield Static(Text("Related", style="bold"), id="detail-related-title")
        yield RelatedList(id="detail-related")
        yield Static(id="detail-links")

    def on_mount(self) -> None:
        for widget_id in (
            "#detail-excerpt",
            "#detail-more",
            "#detail-related-title",
            "#detail-links",
        ):
            self.query_one(widget_id).display = False
        self.query_one(RelatedList).display = False

    def show_article(self, article: Article) -> None:
        self.article = article
        self.query_one("#detail-header", Static).update(article_header(article))
        excerpt = self.query_one("#detail-excerpt", Static)
        excerpt.update(Text(article.excerpt, style="italic"))
        excerpt.display = bool(article.excerpt)
        chunks = split_body(article.body) if article.body.strip() else []
        self._rest = chunks[1:]
        body = self.query_one("#detail-body", Markdown)
        # Rebuilding the Markdown widget's blocks is the costly part of
        # following the cursor: skip it when there is no body either way.
        if chunks or self._body_shown:
            body.update(chunks[0] if chunks else "")
        self._body_shown = bool(chunks)
        body.display = bool(chunks)
        self._update_more()
        self.query_one("#detail-related-title").display = bool(article.related)
        self.query_one(RelatedList).show(article.related)
        links = self.query_one("#detail-links", Static)
        links.update(article_links(article))
        links.display = bool(article.urls)
        self.scroll_home(animate=False)

    def show_problem(self, problem: Problem) -> None:
        self.article = None
        self._rest = []
        text = Text()
        text.append("Could not read this file\n", style="bold red")
        text.append(problem.path + "\n\n")
        text.append(problem.reason)
        self.query_one("#detail-header", Static).update(text)
        self._hide_all_but_header()

    def show_message(self, message: str) -> None:
        self.article = None
        self._rest = []
        self.query_one("#detail-header", Static).update(Text(message, style="dim italic"))
        self._hide_all_but_header()

    def _hide_all_but_header(self) -> None:
        for widget_id in ("#detail-excerpt", "#detail-body", "#detail-more", "#detail-links"):
            self.query_one(widget_id).display = False
        self.query_one("#detail-related-title").display = False
        self.query_one(RelatedList).show(())

    def _update_more(self) -> None:
        more = self.query_one("#detail-more", Static)
        if self._rest:
            remaining = sum(len(chunk) for chunk in self._rest)
            more.update(
                Text(
                    f"── {remaining / 1000:.0f}k characters more: press + to read on ──",
                    style="bold",
                )
            )
        more.display = bool(self._rest)

    async def action_more(self) -> None:
        if not self._rest:
            return
        chunk = self._rest.pop(0)
        await self.query_one("#detail-body", Markdown).append("\n\n" + chunk)
        self._update_more()

    def on_click(self, event: object) -> None:
        widget = getattr(event, "widget", None)
        if widget is not None and getattr(widget, "id", None) == "detail-more":
            self.run_worker(self.action_more(), exclusive=True, group="more")

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        if safe_link(event.href):
            self.post_message(self.LinkFollowed(event.href))
        else:
            self.notify(
                f"Not a web link, not opened: {event.href[:80]}", severity="warning", markup=False
            )
