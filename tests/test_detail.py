"""The detail view on its own: the body, its links, long bodies, related items,
and the scroll bar that redraws only when its thumb moves."""

from __future__ import annotations

from conftest import article_text
from textual.app import App, ComposeResult

from reader.model import Article, Row
from reader.store.files import parse_text
from reader.triage.state import Flags
from reader.ui.lines.scrollbar import ThumbScrollBar
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.detail import DetailView

RELATED = """related:
  - title: "First follow-up"
    webUrl: "https://first.example/a"
    provider:
      name: First Post
  - title: "Second follow-up"
    webUrl: "https://second.example/b"
    provider:
      name: Second Post"""


def article(
    body: str = "", extra: str = "", url: str | None = None, path: str = "a.txt"
) -> Article:
    parsed = parse_text(article_text("The title", body=body, extra=extra, url=url), path)
    assert isinstance(parsed, Article)
    return parsed


class DetailApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.followed: list[str] = []

    def compose(self) -> ComposeResult:
        yield DetailView(id="detail")

    def on_detail_view_link_followed(self, event: DetailView.LinkFollowed) -> None:
        self.followed.append(event.href)


def line_of(detail: DetailView, needle: str) -> tuple[int, int]:
    """Screen offset (x, y) of `needle` in the detail view."""
    for y in range(detail.size.height):
        text = detail.render_line(y).text
        if needle in text:
            return text.index(needle), y
    raise AssertionError(f"{needle!r} is not on screen")


async def test_body_links_follow_only_web_urls() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(
            article("Read [the report](https://news.example/r) or [a file](file:///etc/passwd).")
        )
        await pilot.pause()
        x, y = line_of(detail, "the report")
        await pilot.click(DetailView, offset=(x + 2 + detail.styles.padding.left, y))
        x, y = line_of(detail, "a file")
        await pilot.click(DetailView, offset=(x + 2 + detail.styles.padding.left, y))
        await pilot.pause()
        assert app.followed == ["https://news.example/r"]


async def test_markup_in_a_body_stays_text() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article("Hello [@click=app.quit]there[/] and [bold]x[/bold] [/]"))
        await pilot.pause()
        x, y = line_of(detail, "[@click=app.quit]there[/]")
        await pilot.click(DetailView, offset=(x + 3, y))
        await pilot.pause()
        assert app.is_running
        assert "[bold]x[/bold] [/]" in detail.text


async def test_a_long_body_is_parsed_in_a_thread_and_grows_in_order() -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(600))
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article(paragraphs))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Paragraph 0 " in detail.text and "Formatting" not in detail.text
        parts = len(detail._rest)
        assert parts >= 3 and "press + to read on" in detail.more_text
        detail.focus()
        # Two presses in a row: both parts arrive, in order.
        await pilot.press("plus", "plus")
        for _ in range(50):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if len(detail._rest) == parts - 2 and not detail._parsing:
                break
        numbers = [
            int(word.split()[1])
            for word in detail.text.split("\n\n")
            if word.startswith("Paragraph ")
        ]
        assert numbers == sorted(numbers) and len(numbers) > 3 * len(numbers) // 4
        assert len(detail._rest) == parts - 2


async def test_a_late_body_of_an_earlier_article_is_dropped() -> None:
    long = "\n\n".join(f"Old paragraph {i} " + "word " * 60 for i in range(100))
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article(long))
        detail.show_article(article("The new body."))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "The new body." in detail.text and "Old paragraph" not in detail.text


async def test_related_items_take_a_cursor_and_clicks() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 30)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article("Short body.", extra=RELATED))
        detail.focus()
        await pilot.pause()
        assert "Related (2)" in detail.text and detail.related_current is None
        await pilot.press("tab")
        assert detail.related_current is not None
        assert detail.related_current.title == "First follow-up"
        await pilot.press("j", "j")
        assert detail.related_current.title == "Second follow-up"
        await pilot.press("escape")
        assert detail.related_current is None
        x, y = line_of(detail, "Second follow-up")
        await pilot.click(DetailView, offset=(x + 2, y))
        await pilot.pause()
        assert detail.related_current is not None
        assert detail.related_current.title == "Second follow-up"
        # A new article leaves the related items.
        detail.show_article(article("Other."))
        assert detail.related_current is None and "Related" not in detail.text


def numbered_rows(count: int) -> list[Row]:
    """Rows "Article 0", "Article 1"...: each older than the one before."""
    return [
        Row(f"{i}.txt", f"Article {i}", "", "", 1.7e9 - i, 50, 0, (), "", "", "", "", False, 0)
        for i in range(count)
    ]


class ListApp(App[None]):
    def __init__(self, rows: list[Row]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield ArticleList(self.rows, id="articles")

    def on_mount(self) -> None:
        self.query_one(ArticleList).set_view(list(range(len(self.rows))))


async def test_the_list_scroll_bar_redraws_only_when_its_thumb_moves() -> None:
    app = ListApp(numbered_rows(10_000))
    async with app.run_test(size=(80, 24)) as pilot:
        articles = app.query_one(ArticleList)
        articles.focus()
        await pilot.pause()
        bar = articles.vertical_scrollbar
        assert isinstance(bar, ThumbScrollBar) and bar.display
        first = [list(strip) for strip in bar.render_lines(bar.size.region)]
        drawn = bar._strips
        # Thirty rows down: the list scrolls, the thumb (one cell for 10,000
        # rows) stays where it was, and the bar is not drawn again.
        for _ in range(30):
            await pilot.press("j")
        await pilot.pause()
        assert articles.scroll_offset.y > 0
        bar.render_lines(bar.size.region)
        assert bar._strips is drawn
        await pilot.press("G")
        await pilot.pause()
        last = [list(strip) for strip in bar.render_lines(bar.size.region)]
        assert bar._strips is not drawn and last != first


async def test_rows_added_below_the_screen_redraw_neither_the_list_nor_its_bar() -> None:
    app = ListApp(numbered_rows(10_000))
    async with app.run_test(size=(80, 24)) as pilot:
        articles = app.query_one(ArticleList)
        articles.set_view(list(range(5_000)))
        await pilot.press("j", "j")
        await pilot.pause()
        bar = articles.vertical_scrollbar
        assert isinstance(bar, ThumbScrollBar)
        kept, drawn = articles._kept, bar._strips
        assert kept is not None and drawn is not None
        # A load's next rows, older than those on screen: only the count
        # behind the bar grows (its one-cell thumb stays at the top).
        articles.set_view(list(range(7_000)))
        await pilot.pause()
        assert articles._kept is kept and bar._strips is drawn
        assert articles.current_row == 2 and articles.cursor == 2
        # A newer row comes in at the top: the list is drawn again, and the
        # cursor stays on its article, one line further down.
        articles.set_view([9_999, *range(7_000)])
        await pilot.pause()
        assert articles._kept is not kept
        assert articles.current_row == 2 and articles.cursor == 3
        assert "Article 9999" in articles.render_line(0).text


def screen_text(detail: DetailView) -> list[str]:
    return [detail.render_line(y).text.rstrip() for y in range(detail.size.height)]


async def test_the_state_line_shows_read_star_archive_tags_and_unsaved() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article("The body."))
        await pilot.pause()
        assert detail.flags_text == ""  # unknown until `show_flags`
        detail.show_flags(None)
        assert detail.flags_text == ""
        detail.show_flags(Flags())
        await pilot.pause()
        assert detail.flags_text == "unread"
        # Right under the header (its scores line), before the excerpt.
        lines = screen_text(detail)
        row = lines.index("unread")
        assert lines[row - 1].startswith("quality 50") and lines[row + 1] == ""
        assert "An excerpt." in lines[row + 2]
        tags = frozenset({"zeta", "Alpha", "[bold]x[/]"})
        detail.show_flags(Flags(read=True, starred=True, archived=True, tags=tags))
        await pilot.pause()
        assert detail.flags_text == "read · ★ starred · archived · #[bold]x[/] · #Alpha · #zeta"
        assert detail.flags_text in screen_text(detail)  # markup in a tag stays text
        detail.show_flags(Flags(read=True, tags=tags), unsaved=True)
        await pilot.pause()
        assert detail.flags_text == "read · #[bold]x[/] · #Alpha · #zeta · not saved"
        assert detail.flags_text in screen_text(detail)
        detail.show_flags(Flags(read=True, starred=True))
        await pilot.pause()
        assert detail.flags_text == "read · ★ starred"
        assert "read · ★ starred" in screen_text(detail)
        assert "not saved" not in detail.text
        # Unknown again: no line.
        detail.show_flags(None, unsaved=True)
        await pilot.pause()
        assert detail.flags_text == ""
        assert not any("read" in line for line in screen_text(detail))


async def test_the_state_line_redraws_only_itself() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article("The body.", extra=RELATED))
        detail.show_flags(Flags())
        await pilot.pause()
        lines, header = detail._lines, detail._wrapped[("head", 0)]
        before = list(lines)
        detail.show_flags(Flags(read=True, starred=True))
        await pilot.pause()
        # The same lines, but for the state line; nothing else wrapped again.
        assert detail._lines is lines and detail._wrapped[("head", 0)] is header
        changed = [
            i for i, (a, b) in enumerate(zip(before, detail._lines, strict=True)) if a is not b
        ]
        assert len(changed) == 1 and detail._lines[changed[0]].text.rstrip() == "read · ★ starred"
        # The same state again: nothing to do, nothing drawn.
        kept = detail._kept
        assert kept is not None
        detail.show_flags(Flags(read=True, starred=True))
        assert detail._kept is kept and detail._lines is lines


async def test_the_state_line_stays_for_the_same_article_only() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article("First body."))
        detail.show_flags(Flags(starred=True), unsaved=True)
        await pilot.pause()
        assert detail.flags_text == "unread · ★ starred · not saved"
        # The same article shown again (read anew): its state stays.
        detail.show_article(article("First body, changed."))
        await pilot.pause()
        assert detail.flags_text == "unread · ★ starred · not saved"
        assert "unread · ★ starred · not saved" in screen_text(detail)
        # Another article: no state until it is told.
        detail.show_article(article("Second body.", path="b.txt"))
        await pilot.pause()
        assert detail.flags_text == "" and "starred" not in detail.text
        detail.show_flags(Flags(read=True))
        await pilot.pause()
        assert detail.flags_text == "read"
        # Back to the first: it has forgotten the first's state.
        detail.show_article(article("First body."))
        await pilot.pause()
        assert detail.flags_text == ""
        # A message or a problem file has no state, and takes none.
        detail.show_flags(Flags(archived=True))
        detail.show_message("Nothing selected")
        detail.show_flags(Flags(archived=True))
        await pilot.pause()
        assert detail.flags_text == "" and "archived" not in detail.text


async def test_a_first_body_heading_equal_to_the_title_is_not_shown_twice() -> None:
    app = DetailApp()
    async with app.run_test(size=(80, 30)) as pilot:
        detail = app.query_one(DetailView)
        # Case and white space aside, the heading says the title: it goes.
        detail.show_article(article("#  THE   Title \n\nFirst paragraph.\n\n## The title\n\nMore."))
        await pilot.pause()
        text = detail.text
        assert "THE" not in text
        assert detail._body.plain.startswith("First paragraph.")
        # The header shows the title; only the first heading went.
        assert text.count("The title") == 2 and text.index("The title") < text.index("First")

        # A first heading that says something else stays.
        detail.show_article(article("# Another heading\n\nFirst paragraph."))
        await pilot.pause()
        assert "Another heading" in detail.text


async def test_the_title_heading_goes_from_a_long_body_parsed_in_a_thread() -> None:
    long = "# The title\n\n" + "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(40))
    app = DetailApp()
    async with app.run_test(size=(80, 20)) as pilot:
        detail = app.query_one(DetailView)
        detail.show_article(article(long))
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Paragraph 0 " in detail.text
        assert detail.text.count("The title") == 1
