"""The detail view: one article in full, or one problem file.

Everything shown comes from the store and is untrusted: it is handed to
widgets as `rich.text.Text` or `Content` (never markup). The Markdown body is
parsed into blocks (as the preview's pages are); a long body is parsed in a
thread. Links in the body only ever go through `LinkFollowed` (http and
https only).

The view is drawn on Textual's line API, as the article list is: following
the cursor replaces the lines of one widget and never re-lays out the screen
(a pane of many child widgets took 50-100 ms a move). The related coverage
is part of the same document; `tab` moves a cursor through it.

For an article of a story (articles of the store telling the same news),
the screen hands over the story's articles (`show_coverage`): the view lists
them under "Coverage", then the related items that are not in the store.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from rich.text import Text
from textual import work
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual

from reader.model import Article, Problem, Related
from reader.store.files import MAX_READ
from reader.text import shown_path
from reader.triage.state import Flags
from reader.ui.keys import bindings, use_own_keys
from reader.ui.lines.kept_lines import KeptLinesMixin
from reader.ui.lines.scrollbar import SteadyBoxMixin, ThumbScrollBarMixin

BODY_CHUNK = 12_000
"""Characters of body rendered at once: Markdown rendering is slow on
very long documents, so the rest waits until the reader asks for it."""
SYNC_BODY = 3_000
"""Up to this many characters a body is parsed at once; a longer one in a
thread, while the rest of the article is already on screen."""


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


Link = tuple[str, str]
"""(text, address) of a link."""

CoverageEntry = tuple[str, float | None, str, bool]
"""An article of the story in the store: (provider, published as a POSIX
time or None, title, read)."""


def coverage_content(entry: CoverageEntry) -> Content:
    """One article of the story: its title (bold while unread), then its
    provider, local time and read state. Store text goes in as text."""
    provider, published, title, read = entry
    when = None
    if published is not None:
        try:
            when = datetime.fromtimestamp(published, UTC)
        except (OverflowError, OSError, ValueError):
            when = None
    meta = " · ".join(part for part in (provider or "unknown provider", local_time(when)) if part)
    return Content.assemble(
        ("• ", "$text-accent"),
        (title or "(untitled)", "dim" if read else "bold"),
        "\n  ",
        (meta + " · ", "dim"),
        ("read", "dim") if read else ("unread", "bold"),
    )


def related_in_store(item: Related, pages: Collection[str]) -> bool:
    """Whether a related item names one of `pages` (URL keys, see
    `reader.stories.links.url_key`): the page of an article of the store."""
    from reader.stories.links import url_key

    return any(
        url_key(url) in pages for url in (item.web_url, item.amp_url, item.cdn_amp_url) if url
    )


def body_content(markdown: str, base_url: str = "", title: str = "") -> Content:
    """A Markdown body as `Content` (its text never read as markup).

    With `title` (the header's), a first heading that repeats it is left
    out: the header already shows it.
    """
    return body_parts(markdown, base_url, title)[0]


def body_parts(markdown: str, base_url: str = "", title: str = "") -> tuple[Content, list[Link]]:
    """`body_content`, and the web links of the body in the order they come."""
    # The parser loads with the first body, after the first screen.
    from reader.ui.blocks import chunk_content
    from reader.web.extract import blocks_from_markdown, without_title_heading

    blocks = blocks_from_markdown(markdown, base_url)
    if title:
        blocks = without_title_heading(blocks, title)
    links: list[Link] = []
    for block in blocks:
        for span in block.spans:
            if span.href and safe_link(span.href):
                if links and links[-1][1] == span.href:  # one link in several styles
                    links[-1] = (links[-1][0] + span.text, span.href)
                else:
                    links.append((span.text, span.href))
    return chunk_content(blocks), [(" ".join(text.split()) or href, href) for text, href in links]


def megabytes(size: int) -> str:
    megs = size / (1 << 20)
    return f"{megs:.0f} MB" if megs >= 10 or megs == int(megs) else f"{megs:.1f} MB"


def truncated_note(article: Article) -> str:
    """What the view says of a file too large to read whole ("" for others)."""
    if not article.truncated:
        return ""
    return f"This file is {megabytes(article.truncated)}; showing its first {megabytes(MAX_READ)}."


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


def flags_content(flags: Flags, unsaved: bool = False) -> Content:
    """The article's triage state as one line: read or unread, starred,
    archived, its tags (sorted) and whether a decision is not saved yet.
    Tags are user data: they go in as text, never as markup."""
    parts: list[str | tuple[str, str]] = [("read", "dim") if flags.read else ("unread", "bold")]
    if flags.starred:
        parts.append(("★ starred", "bold $text-accent"))
    if flags.archived:
        parts.append(("archived", "$text-secondary"))
    for tag in sorted(flags.tags, key=lambda tag: (tag.casefold(), tag)):
        parts.append(("#" + tag, "$text-secondary"))
    if unsaved:
        parts.append(("not saved", "bold $text-error"))
    separated: list[str | tuple[str, str]] = []
    for part in parts:
        if separated:
            separated.append((" · ", "dim"))
        separated.append(part)
    return Content.assemble(*separated)


class DetailView(KeptLinesMixin, SteadyBoxMixin, ThumbScrollBarMixin, ScrollView, can_focus=True):
    """One article: header, excerpt, body (in parts), related items, links.

    `tab` enters the related items (a cursor moves through them with `j`
    and `k`); `tab` again, or `escape`, leaves them.
    """

    BINDINGS = bindings("detail")

    COMPONENT_CLASSES = {"detail--related-cursor"}

    DEFAULT_CSS = """
    DetailView {
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        scrollbar-background: $background;
        scrollbar-background-hover: $background;
        background: $background;
    }
    DetailView > .detail--related-cursor {
        background: $block-cursor-blurred-background;
    }
    DetailView:focus > .detail--related-cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    """

    class LinkFollowed(Message):
        """A web link in the body was clicked."""

        def __init__(self, href: str) -> None:
            super().__init__()
            self.href = href

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        use_own_keys(self, "detail")
        self.article: Article | None = None
        self.related: tuple[Related, ...] = ()
        """The related items the view lists (with a coverage: those not in the store)."""
        self.coverage: tuple[CoverageEntry, ...] = ()
        """The articles of the story of the article shown (none: it is alone)."""
        self._coverage_pages: frozenset[str] = frozenset()
        """The URL keys of those articles' pages."""
        self.related_cursor: int | None = None
        """The related item under the cursor, or None outside the related items."""
        self._rest: list[str] = []
        self._head: list[Content] = [Content.styled("Nothing selected", "dim italic")]
        self._body = Content("")
        self._body_links: list[Link] = []
        """The web links of the body parsed so far."""
        self._body_version = 0
        self._tail: list[Content] = []
        self._lines: list[Strip] = []
        self._item_lines: list[tuple[int, int]] = []
        """Where each related item's lines start and end in `_lines`."""
        self._wrapped: dict[tuple[object, ...], list[Strip]] = {}
        self._wrapped_width = -1
        self._generation = 0
        """Counts articles shown, so that a late thread result is dropped."""
        self._parsing = False
        """A part of the body is being parsed in a thread."""
        self._more_wanted = 0
        """`+` presses waiting for that parse to finish."""
        self._flags: tuple[Flags, bool] | None = None
        """The article's triage state and whether it is unsaved (None: unknown)."""
        self._flags_of: tuple[str, str] | None = None
        """The (path, key) of the article `_flags` belong to."""
        self._flags_lines: tuple[int, int] | None = None
        """Where the state line's lines start and end in `_lines`."""

    # -- what is shown -------------------------------------------------------

    @property
    def text(self) -> str:
        """Everything the view shows, as plain text."""
        return "\n\n".join(content.plain for _, content in self._parts())

    @property
    def more_text(self) -> str:
        """The line that offers the rest of a long body ("" when none)."""
        return self._more().plain

    @property
    def flags_text(self) -> str:
        """The article's state line, as plain text ("" when none is shown)."""
        flags = self._flags_part()
        return "" if flags is None else flags[1].plain

    @property
    def related_current(self) -> Related | None:
        """The related item under the cursor, when the cursor is on one."""
        index = self.related_cursor
        if index is None or not 0 <= index < len(self.related):
            return None
        return self.related[index]

    def show_article(
        self,
        article: Article,
        flags: Flags | None = None,
        unsaved: bool = False,
        *,
        coverage: Sequence[CoverageEntry] = (),
        pages: Collection[str] = (),
    ) -> None:
        """Show `article`, with its state line when `flags` are given (laid
        out once with it). Without them, the state line stays when it is
        the article already shown (same path and key), else it goes until
        the next `show_flags`. `coverage` and `pages`: see `show_coverage`."""
        owner = (article.path, article.key)
        if flags is not None:
            self._flags, self._flags_of = (flags, unsaved), owner
        elif self._flags_of != owner:
            self._flags = self._flags_of = None
        self.article = article
        self.coverage = tuple(coverage) if len(coverage) > 1 else ()
        self._coverage_pages = frozenset(pages) if self.coverage else frozenset()
        head = [Content.from_rich_text(article_header(article))]
        if article.excerpt:
            head.append(Content.styled(article.excerpt, "italic dim"))
        if note := truncated_note(article):
            head.append(Content.styled(note, "italic $text-warning"))
        self._head = head
        links = article_links(article)
        self._tail = [Content.from_rich_text(links)] if links else []
        self.related = self._listed_related()
        self.related_cursor = None
        chunks = split_body(article.body) if article.body.strip() else []
        self._rest = chunks[1:]
        self._new_generation()
        self._body_links = []
        if not chunks:
            self._body = Content("")
        elif len(chunks[0]) <= SYNC_BODY:
            self._body, self._body_links = body_parts(chunks[0], article.web_url, article.title)
        else:
            self._body = Content.styled("Formatting the text…", "italic dim")
            self._parse_body(chunks[0], article.web_url, append=False, title=article.title)
        self._relayout(home=True)

    def show_coverage(self, entries: Sequence[CoverageEntry], pages: Collection[str] = ()) -> None:
        """The articles of the story of the article shown, lead first (fewer
        than two: it is alone, and its related items show as they are), and
        the URL keys of their pages (`reader.stories.links.url_key`): the
        related items naming one of them are not listed again. Cheap when
        nothing changed; the related cursor stays on its item."""
        article = self.article
        if article is None:
            return
        coverage = tuple(entries) if len(entries) > 1 else ()
        kept = frozenset(pages) if coverage else frozenset()
        if coverage == self.coverage and kept == self._coverage_pages:
            return
        current = self.related_current
        self.coverage, self._coverage_pages = coverage, kept
        self.related = self._listed_related()
        if self.related_cursor is not None:
            if current in self.related:
                self.related_cursor = self.related.index(current)
            elif self.related:
                self.related_cursor = min(self.related_cursor, len(self.related) - 1)
            else:
                self.related_cursor = None
        self._relayout()

    def _listed_related(self) -> tuple[Related, ...]:
        article = self.article
        if article is None:
            return ()
        pages = self._coverage_pages
        if not self.coverage or not pages:
            return article.related
        return tuple(item for item in article.related if not related_in_store(item, pages))

    def show_flags(self, flags: Flags | None, unsaved: bool = False) -> None:
        """Show the triage state of the article shown, under its header:
        read or unread, starred, archived, its tags, and "not saved" when
        `unsaved`. None: not known yet (no line). Cheap when nothing changed,
        and otherwise only the state line is drawn again (unless it grows or
        shrinks, when the lines below it move). Nothing without an article."""
        article = self.article
        if article is None:
            return
        state = None if flags is None else (flags, unsaved)
        owner = (article.path, article.key)
        if state == self._flags and owner == self._flags_of:
            return
        self._flags, self._flags_of = state, owner
        self._redraw_flags()

    def _flags_part(self) -> tuple[tuple[object, ...], Content] | None:
        if self._flags is None:
            return None
        flags, unsaved = self._flags
        return ("flags", flags, unsaved), flags_content(flags, unsaved)

    def _redraw_flags(self) -> None:
        """Put the new state line in place of the old when it takes as many
        lines, and redraw just those; else lay the document out again."""
        span, part = self._flags_lines, self._flags_part()
        width = self._wrapped_width
        if span is None or part is None or width != self.scrollable_content_region.width:
            self._relayout()
            return
        key, content = part
        strips = Visual.to_strips(self, content, width, None, self.visual_style, pad=True)
        start, end = span
        if len(strips) != end - start:
            self._relayout()
            return
        self._lines[start:end] = strips
        self._wrapped = {
            (key if old[0] == "flags" else old): lines for old, lines in self._wrapped.items()
        }
        self.refresh_lines(start, end - start)

    def show_problem(self, problem: Problem) -> None:
        text = Text()
        text.append("Could not read this file\n", style="bold red")
        text.append(shown_path(problem.path) + "\n\n")
        text.append(problem.reason)
        self._show_only(Content.from_rich_text(text))

    def show_message(self, message: str) -> None:
        self._show_only(Content.styled(message, "dim italic"))

    def _show_only(self, content: Content) -> None:
        self.article = None
        self._flags = self._flags_of = None
        self.related, self.related_cursor = (), None
        self.coverage, self._coverage_pages = (), frozenset()
        self._rest = []
        self._new_generation()
        self._head, self._body, self._tail = [content], Content(""), []
        self._relayout(home=True)

    def _more(self) -> Content:
        if not self._rest:
            return Content("")
        remaining = sum(len(chunk) for chunk in self._rest)
        return Content.styled(
            f"── {remaining / 1000:.0f}k characters more: press + to read on ──",
            Style.parse("bold $accent") + Style.from_meta({"@click": "more"}),
        )

    def _parts(self) -> list[tuple[tuple[object, ...], Content]]:
        """The document, part by part, each with the key its lines are kept under."""
        parts: list[tuple[tuple[object, ...], Content]] = [
            (("head", index), content) for index, content in enumerate(self._head)
        ]
        flags = self._flags_part()
        if flags is not None:
            # Right under the article's header, before its excerpt.
            parts.insert(min(1, len(parts)), flags)
        if self._body:
            parts.append((("body", self._body_version), self._body))
        more = self._more()
        if more:
            parts.append((("more", more.plain), more))
        if self.coverage:
            sources = len(self.coverage) + len(self.related)
            parts.append(
                (
                    ("related-title", "coverage", sources),
                    Content.styled(f"Coverage ({sources} sources)", "bold"),
                )
            )
            for index, entry in enumerate(self.coverage):
                parts.append((("coverage", index, entry), coverage_content(entry)))
            if self.related:
                parts.append(
                    (
                        ("related-title", "elsewhere", len(self.related)),
                        Content.styled(f"Not in the store ({len(self.related)})", "dim bold"),
                    )
                )
        elif self.related:
            parts.append(
                (("related-title",), Content.styled(f"Related ({len(self.related)})", "bold"))
            )
        if self.related:
            for index, item in enumerate(self.related):
                key = ("related", index, item, index == self.related_cursor, self.has_focus)
                parts.append((key, self._related_content(item, index)))
        parts.extend((("tail", index), content) for index, content in enumerate(self._tail))
        return parts

    def _related_content(self, item: Related, index: int) -> Content:
        content = Content.from_rich_text(related_prompt(item))
        meta = Style.from_meta({"@click": f"related({index})"})
        if index == self.related_cursor:
            cursor = self.get_component_rich_style("detail--related-cursor")
            meta = Style.from_rich_style(cursor) + meta
        return content.stylize(meta)

    # -- the long body ---------------------------------------------------------

    def _new_generation(self) -> None:
        self._generation += 1
        self._parsing = False
        self._more_wanted = 0

    def _parse_body(self, markdown: str, base_url: str, *, append: bool, title: str = "") -> None:
        self._parsing = True
        self._parse_in_thread(self._generation, markdown, base_url, append, title)

    @work(thread=True, group="detail-body")
    def _parse_in_thread(
        self, generation: int, markdown: str, base_url: str, append: bool, title: str = ""
    ) -> None:
        content, links = body_parts(markdown, base_url, title)
        self.app.call_from_thread(self._body_parsed, generation, content, append, links)

    def _body_parsed(
        self, generation: int, content: Content, append: bool, links: list[Link]
    ) -> None:
        if generation != self._generation:
            return
        self._parsing = False
        self._body_links = self._body_links + links if append else links
        self._body = self._body + "\n\n" + content if append else content
        self._body_version += 1
        self._relayout()
        if self._more_wanted:
            self._more_wanted -= 1
            self.action_more()

    def action_more(self) -> None:
        """Show the next part of a long body (parsed in a thread, in order)."""
        if not self._rest or self.article is None:
            return
        if self._parsing:
            self._more_wanted += 1
            return
        chunk = self._rest.pop(0)
        self._parse_body(chunk, self.article.web_url, append=True)
        self._relayout()

    def action_follow(self, href: str) -> None:
        """A click on a link of the body (only web links are clickable)."""
        if safe_link(href):
            self.post_message(self.LinkFollowed(href))

    def links(self) -> list[Link]:
        """The article's links: its page and fallbacks, then the body's (as
        far as it is parsed)."""
        article = self.article
        if article is None:
            return []
        own = [
            (label, url)
            for label, url in (
                ("The article's page", article.web_url),
                ("AMP version", article.amp_url),
                ("AMP version (CDN)", article.cdn_amp_url),
            )
            if url and safe_link(url)
        ]
        seen = {url for _, url in own}
        body = [(text, url) for text, url in self._body_links if url not in seen]
        return own + body

    def action_links(self) -> None:
        """List the links (`l`); the one chosen is previewed."""
        from reader.ui.screens.links import LinksScreen

        links = self.links()
        if not links:
            self.notify("This article has no links.", markup=False)
            return

        def chosen(href: str | None) -> None:
            if href:
                self.post_message(self.LinkFollowed(href))

        self.app.push_screen(LinksScreen(links), chosen)

    # -- keys ------------------------------------------------------------------

    def action_down(self) -> None:
        if self.related_cursor is None:
            self.scroll_down(animate=False)
        else:
            self._move_related(self.related_cursor + 1)

    def action_up(self) -> None:
        if self.related_cursor is None:
            self.scroll_up(animate=False)
        else:
            self._move_related(self.related_cursor - 1)

    def action_first(self) -> None:
        if self.related_cursor is None:
            self.scroll_home(animate=False)
        else:
            self._move_related(0)

    def action_last(self) -> None:
        if self.related_cursor is None:
            self.scroll_end(animate=False)
        else:
            self._move_related(len(self.related) - 1)

    def action_related_or_next(self) -> None:
        if self.related_cursor is None and self.related:
            self.enter_related()
        else:
            self.action_leave_related()
            self.app.action_focus_next()

    def action_leave_or_previous(self) -> None:
        if self.related_cursor is not None:
            self.action_leave_related()
        else:
            self.app.action_focus_previous()

    def action_leave_related(self) -> None:
        if self.related_cursor is not None:
            self.related_cursor = None
            self._relayout()

    def action_related(self, index: int) -> None:
        """A click on a related item puts the cursor on it."""
        self.focus()
        self._move_related(index)

    def enter_related(self) -> bool:
        """Put the cursor on the first related item (False when there is none)."""
        if not self.related:
            return False
        self._move_related(0 if self.related_cursor is None else self.related_cursor)
        return True

    def _move_related(self, index: int) -> None:
        if not self.related:
            return
        self.related_cursor = max(0, min(index, len(self.related) - 1))
        self._relayout()
        start, end = self._item_lines[self.related_cursor]
        self.scroll_to_region(
            Region(0, start, 1, end - start), animate=False, immediate=True, force=True
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_related":
            return self.related_cursor is not None
        return True

    def on_blur(self) -> None:
        self.related_cursor = None
        # Textual's own `Widget._on_blur`, which clears `has_focus`, runs
        # after this handler: the lines are built once it has.
        self.call_next(self._relayout_related)

    def _relayout_related(self) -> None:
        if self.related:
            self._relayout()

    # -- drawing -----------------------------------------------------------------

    def _relayout(self, *, home: bool = False) -> None:
        """Rebuild the lines (re-wrapping only parts not wrapped before)."""
        if home:
            self._wrapped.clear()
        self._build()
        if home:
            self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    def _wrap(self) -> None:
        """Wrap the document to the width of the view, if that changed."""
        width = self.scrollable_content_region.width
        if width > 0 and width != self._wrapped_width:
            self._wrapped.clear()
            self._build()

    def _build(self) -> None:
        """The document's lines at `width`: its parts a blank line apart."""
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        self._wrapped_width = width
        style = self.visual_style
        blank = Strip.blank(width, style.rich_style)
        lines: list[Strip] = []
        items: list[tuple[int, int]] = []
        flags_lines: tuple[int, int] | None = None
        wrapped: dict[tuple[object, ...], list[Strip]] = {}
        for index, (key, content) in enumerate(self._parts()):
            if index and key[0] not in ("related", "flags", "coverage"):
                lines.append(blank)
            strips = self._wrapped.get(key)
            if strips is None:
                strips = Visual.to_strips(self, content, width, None, style, pad=True)
            wrapped[key] = strips
            if key[0] == "related":
                items.append((len(lines), len(lines) + len(strips)))
            elif key[0] == "flags":
                flags_lines = (len(lines), len(lines) + len(strips))
            lines.extend(strips)
        self._wrapped = wrapped
        self._lines = lines
        self._item_lines = items
        self._flags_lines = flags_lines
        self.set_virtual_size(Size(width, len(lines)))

    def on_resize(self) -> None:
        self._wrap()

    def on_focus(self) -> None:
        # After Textual's own `Widget._on_focus`, which sets `has_focus`.
        self.call_next(self._relayout_related)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._wrapped.clear()
        self._wrapped_width = -1

    def render_line(self, y: int) -> Strip:
        self._wrap()
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip.blank(width, self.visual_style.rich_style)
