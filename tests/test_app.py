"""The reader driven from the keyboard and the mouse, as a user would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.library.facets import Facet
from reader.ui.app import NewsdeskApp
from reader.ui.messages import ArticleRead, FlagsLoaded, LoadFinished
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.detail import DetailView
from reader.ui.panes.list_header import ListHeader, header_text
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.help import HelpScreen
from tests.conftest import (
    SHARED_SAMPLE,
    Messages,
    StoreMaker,
    article_text,
    needs_shared,
    screen_text,
    wait_article,
    wait_for,
    wait_loaded,
    wait_message,
)


def three_topic_store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            "001_a.txt": article_text(
                "Robots learn to fold laundry", topics=["AI"], date="2026-03-01T10:00:00Z"
            ),
            "002_b.txt": article_text(
                "Comet seen over the harbour",
                topics=["Space"],
                date="2026-03-02T10:00:00Z",
                provider="Orbit Daily",
            ),
            "003_c.txt": article_text(
                "Satellites map the glaciers",
                topics=["Space", "Climate"],
                date="2026-03-03T10:00:00Z",
            ),
            "004_d.txt": article_text(
                "Heat records fall again", topics=["Climate"], date="2026-03-04T10:00:00Z"
            ),
        }
    )


def titles(app: NewsdeskApp) -> list[str]:
    articles = app.query_one(ArticleList)
    return [app.library.rows[i].title for i in articles.view]


async def test_list_is_newest_first_and_detail_follows_the_cursor(
    make_store: StoreMaker,
) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        assert titles(app) == [
            "Heat records fall again",
            "Satellites map the glaciers",
            "Comet seen over the harbour",
            "Robots learn to fold laundry",
        ]
        detail = app.query_one(DetailView)
        assert detail.article is not None and detail.article.title == "Heat records fall again"
        mark = messages.mark()
        await pilot.press("j", "j")
        await wait_article(pilot, messages, after=mark)
        assert detail.article.title == "Comet seen over the harbour"
        assert "Comet seen over the harbour" in screen_text(app)
        mark = messages.mark()
        await pilot.press("G")
        await wait_article(pilot, messages, after=mark)
        assert detail.article.title == "Robots learn to fold laundry"
        mark = messages.mark()
        await pilot.press("g")
        await wait_article(pilot, messages, after=mark)
        assert detail.article.title == "Heat records fall again"


async def test_the_app_reports_its_work_as_messages(make_store: StoreMaker) -> None:
    from reader.model import Article

    app = NewsdeskApp(three_topic_store(make_store))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        # Each is recorded once its handler has run.
        await wait_message(pilot, messages, FlagsLoaded)
        assert app.library.flags_loaded
        await wait_message(pilot, messages, LoadFinished)
        assert not app.library.loading and len(app.library.rows) == 4
        await wait_loaded(pilot)
        assert len(messages.of(LoadFinished)) == len(messages.of(FlagsLoaded)) == 1
        # The first article is read for the detail pane: the top row's.
        first = messages.of(ArticleRead)[-1]
        assert first.path == "004_d.txt"
        # A move reads the article under the cursor, and only that one.
        mark = messages.mark()
        await pilot.press("j")
        read = await wait_message(pilot, messages, ArticleRead, after=mark)
        current = app.main_screen.articles.current_row
        assert current is not None
        assert read.path == app.library.rows[current].path == "003_c.txt"
        assert isinstance(read.article, Article)
        assert read.article.title == "Satellites map the glaciers"
        assert app.main_screen.detail.article is read.article
        assert [m.path for m in messages.of(ArticleRead, mark)] == ["003_c.txt"]


async def test_timing_marks_time_a_move_and_the_article_it_shows(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader import timings

    marks = tmp_path / "marks.jsonl"
    monkeypatch.setattr(timings, "_PATH", str(marks))

    def events_from(start: int) -> list[dict[str, object]]:
        with marks.open() as handle:
            handle.seek(start)
            return [json.loads(line) for line in handle]

    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        # The marks of the start (the query indexes built, the first article
        # drawn) are written before the count starts.
        await wait_for(
            pilot, lambda: {"prepared", "detail"} <= {e["event"] for e in events_from(0)}
        )
        start = marks.stat().st_size
        await pilot.press("j")
        # The article's mark is written once the frame that shows it is out.
        await wait_for(pilot, lambda: "detail" in [e["event"] for e in events_from(start)])
        events = events_from(start)
    assert [event["event"] for event in events] == ["key", "detail"]
    assert events[0]["t"] <= events[1]["t"]
    assert all(event["ms"] >= 0 for event in events)


async def test_the_first_article_waits_while_keys_come_in(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        await wait_article(pilot, messages)  # the first article is shown: none is on its way
        detail = app.query_one(DetailView)
        # The parsers come in just as the user presses a key: the article
        # waits until the keys rest.
        detail.show_message("Waiting")
        app.library.pacer.touch()
        app.main_screen._detail_timer = None
        app.main_screen._parsers_loaded()
        assert detail.article is None and app.main_screen._detail_timer is not None  # deferred
        await wait_for(pilot, lambda: detail.article is not None)
        assert detail.article is not None and detail.article.title == "Heat records fall again"
        # No key lately: the article is read at once (off the UI thread).
        detail.show_message("Waiting")
        await wait_for(pilot, lambda: not app.library.pacer.busy())  # the keys rest
        app.main_screen._detail_timer = None
        app.main_screen._parsers_loaded()
        assert app.main_screen._detail_timer is None  # not deferred
        await wait_for(pilot, lambda: detail.article is not None, timeout=2)
        assert detail.article.title == "Heat records fall again"


async def test_selecting_a_topic_narrows_the_list(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "All articles 4" in text and "Space 2" in text
        app.query_one(TopicTree).select_facet(Facet("topic", "Space"))
        await wait_loaded(pilot)
        assert titles(app) == ["Satellites map the glaciers", "Comet seen over the harbour"]
        assert "Topic: Space · 0 of 2 read" in screen_text(app)


async def test_clicking_a_tree_node_and_a_row(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        tree = app.query_one(TopicTree)
        line = next(
            y
            for y in range(tree.last_line + 1)
            if (node := tree.get_node_at_line(y)) is not None
            and node.data == Facet("topic", "Climate")
        )
        await pilot.click(TopicTree, offset=(4, line))
        await wait_loaded(pilot)
        assert titles(app) == ["Heat records fall again", "Satellites map the glaciers"]
        mark = messages.mark()
        await pilot.click(ArticleList, offset=(20, 1))
        await wait_article(pilot, messages, after=mark)
        assert app.query_one(DetailView).article.title == "Satellites map the glaciers"


@pytest.mark.parametrize("hostile", ["[@click=app.quit]x[/]", "[/]", "[bold]loud[/bold]"])
async def test_markup_and_escapes_in_a_title_are_shown_literally(
    make_store: StoreMaker, hostile: str
) -> None:
    root = make_store({"a.txt": article_text(f"{hostile} \x1b[2Jafter", topics=[hostile])})
    app = NewsdeskApp(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        text = screen_text(app)
        assert f"{hostile} after" in text
        assert "\x1b" not in text
        # Clicking the title in the detail view and in the list runs nothing.
        await pilot.click(DetailView, offset=(3, 0))
        await pilot.click(ArticleList, offset=(14, 0))
        await pilot.pause()
        assert app.is_running
        assert f"{hostile} after" in screen_text(app)


async def test_problem_files_are_listed_with_their_reasons(make_store: StoreMaker) -> None:
    root = make_store(
        {
            "good.txt": article_text("Fine"),
            "broken.txt": "---\ntitle: [unclosed\n---\n",
            "latin.txt": "---\ntitle: café\n---\n".encode("latin-1"),
        }
    )
    app = NewsdeskApp(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "Problems 2" in text and "broken.txt" in text and "latin.txt" in text
        app.query_one(TopicTree).select_facet(Facet("problem", "latin.txt"))
        tree = app.query_one(TopicTree)
        tree.focus()
        await pilot.press("down", "up")
        await pilot.pause()
        # The cursor lands on a problem node: the detail explains it.
        problem_lines = [
            y
            for y in range(tree.last_line + 1)
            if (node := tree.get_node_at_line(y)) is not None
            and node.data == Facet("problem", "latin.txt")
        ]
        tree.cursor_line = problem_lines[0]
        await wait_for(pilot, lambda: "not UTF-8 (byte 0xE9" in screen_text(app))


async def test_keys_cycle_panes_show_help_and_quit(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert isinstance(app.focused, ArticleList)
        await pilot.press("tab")
        assert isinstance(app.focused, DetailView)
        await pilot.press("shift+tab", "shift+tab")
        assert isinstance(app.focused, TopicTree)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "Main screen (every pane)" in screen_text(app))
        help_text = screen_text(app)
        assert "Quit newsdesk" in help_text
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running


@needs_shared
async def test_enter_opens_the_article_in_the_detail_pane(make_store: StoreMaker) -> None:
    app = NewsdeskApp(SHARED_SAMPLE)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("enter")
        detail = app.query_one(DetailView)
        assert app.focused is detail
        assert len(detail.related) == 2 and detail.related_current is None
        # tab moves into the related items, j to the next one.
        await pilot.press("tab")
        assert app.focused is detail
        assert detail.related_current is not None
        assert detail.related_current.provider == "Noozhawk"
        await pilot.press("j")
        assert detail.related_current.provider == "Daily Hampshire Gazette"
        text = screen_text(app)
        assert "Over 75 Organizations" in text and "Daily Hampshire Gazette" in text
        assert "secured" not in text and "OkgnuIPK" not in text
        # escape leaves them, and tab from there goes on to the next pane.
        await pilot.press("escape")
        assert detail.related_current is None and app.focused is detail
        await pilot.press("tab", "tab")
        assert app.focused is not detail and detail.related_current is None


async def test_a_long_body_renders_in_parts(make_store: StoreMaker) -> None:
    paragraphs = "\n\n".join(f"Paragraph {i} " + "word " * 60 for i in range(400))
    root = make_store({"long.md": article_text("Long read", body=paragraphs)})
    app = NewsdeskApp(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        detail = app.query_one(DetailView)
        assert detail._rest, "the body should not be rendered whole"
        before = len(detail._rest)
        assert "characters more: press +" in detail.more_text
        assert "characters more: press +" in screen_text(app) or detail.max_scroll_y > 0
        detail.focus()
        await pilot.press("plus")
        await pilot.pause()
        assert len(detail._rest) == before - 1


async def test_narrow_terminal_hides_the_tree_until_asked(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        assert not app.query_one(TopicTree).display or not app.main_screen.tree_visible
        assert "Heat records fall again" in screen_text(app)
        await pilot.press("backslash")
        await pilot.pause()
        assert app.main_screen.tree_visible and isinstance(app.focused, TopicTree)
        assert "All articles 4" in screen_text(app)
        await pilot.press("backslash")
        await pilot.pause()
        assert not app.main_screen.tree_visible and isinstance(app.focused, ArticleList)
        assert "All articles 4" not in screen_text(app)


async def test_a_wide_terminal_hides_the_tree_when_asked(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        # The tree's first node is the Inbox, the start view.
        assert screen_text(app).startswith("Inbox 4")
        await pilot.press("backslash")
        await pilot.pause()
        # Gone from the screen, and the list takes its room: the query bar
        # (holding the Inbox's query) starts the line.
        shown = screen_text(app)
        assert not app.main_screen.tree_visible
        assert "Inbox 4" not in shown and "All articles 4" not in shown
        assert shown.startswith("-is:archived")
        await pilot.press("backslash")
        await pilot.pause()
        assert screen_text(app).startswith("Inbox 4")


async def test_the_load_closes_its_stream_when_a_hand_over_fails(
    make_store: StoreMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Closing the stream is what stops its helper processes; an error that
    # kept it open once made quitting wait for them to parse the whole store.
    import reader.library.library as app_module
    from reader.store.loader import stream_store

    closed: list[bool] = []

    def recorded(*args: object, **kwargs: object) -> Iterator[object]:
        try:
            yield from stream_store(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            closed.append(True)

    monkeypatch.setattr(app_module, "stream_store", recorded)
    app = NewsdeskApp(three_topic_store(make_store))

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the app has quit")

    monkeypatch.setattr(app, "call_from_thread", refuse)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: closed)
    assert closed


async def test_a_large_store_loads_in_batches_through_worker_processes(
    make_store: StoreMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.store.loader as loader

    monkeypatch.setattr(loader, "FIRST_BATCH", 10)
    monkeypatch.setattr(loader, "CHUNK", 25)
    monkeypatch.setattr(loader, "POOL_THRESHOLD", 40)
    files: dict[str, str | bytes] = {
        f"d{i // 50}/{i:04d}_x.txt": article_text(
            f"Article {i}", date=f"2026-01-01T00:{i % 60:02d}:00Z"
        )
        for i in range(300)
    }
    files["d0/bad.txt"] = b"\xff\xfe"
    app = NewsdeskApp(make_store(files))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert len(app.library.rows) == 300 and len(app.library.problems) == 1
        assert len(app.query_one(ArticleList).view) == 300
        # The start view is the Inbox; the position leads the status line.
        assert "1 of 300  │  1 problem  │  Inbox · 0 of 300 read" in screen_text(app)


async def test_a_warm_start_shows_what_changed_on_disk(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    from reader.store.index import StoreIndex
    from reader.triage.state import State

    root = three_topic_store(make_store)
    state = State(tmp_path / "state.db")
    with StoreIndex(root, tmp_path / "index.db") as index:
        app = NewsdeskApp(root, state=state, index=index)
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_loaded(pilot)
            assert len(titles(app)) == 4
    (root / "004_d.txt").write_text(
        article_text(
            "Heat records fall for the third year", topics=["Climate"], date="2026-03-04T10:00:00Z"
        ),
        encoding="utf-8",
    )
    (root / "001_a.txt").unlink()
    (root / "005_e.txt").write_text(
        article_text("Tidal power plan approved", date="2026-03-05T10:00:00Z"), encoding="utf-8"
    )
    with StoreIndex(root, tmp_path / "index.db") as index:
        app = NewsdeskApp(root, state=state, index=index)
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_loaded(pilot)
            assert titles(app) == [
                "Tidal power plan approved",
                "Heat records fall for the third year",
                "Satellites map the glaciers",
                "Comet seen over the harbour",
            ]
            assert "All articles 4" in screen_text(app)


async def test_files_changed_while_the_app_runs_show_up_live(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    from reader.store.index import StoreIndex
    from reader.triage.state import State

    root = three_topic_store(make_store)
    with StoreIndex(root, tmp_path / "index.db") as index:
        app = NewsdeskApp(root, state=State(tmp_path / "state.db"), index=index)
        messages = Messages()
        async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
            await wait_loaded(pilot)
            mark = messages.mark()
            await pilot.press("j")  # on "Satellites map the glaciers"
            await wait_article(pilot, messages, after=mark)
            (root / "005_e.txt").write_text(
                article_text(
                    "Tidal power plan approved", topics=["Energy"], date="2026-03-05T10:00:00Z"
                ),
                encoding="utf-8",
            )
            (root / "001_a.txt").unlink()
            (root / "003_c.txt").write_text(
                article_text(
                    "Satellites map the glaciers, again",
                    topics=["Space"],
                    date="2026-03-03T10:00:00Z",
                ),
                encoding="utf-8",
            )
            expected = [
                "Tidal power plan approved",
                "Heat records fall again",
                "Satellites map the glaciers, again",
                "Comet seen over the harbour",
            ]
            articles = app.query_one(ArticleList)

            def settled() -> bool:
                # The watcher may see the three changes in more than one poll,
                # and the cursor follows its article once the list is drawn.
                current = articles.current_row
                return (
                    titles(app) == expected
                    and current is not None
                    and app.library.rows[current].title == "Satellites map the glaciers, again"
                )

            await wait_for(pilot, settled)
            await pilot.pause()  # the tree's new counts are drawn
            assert titles(app) == expected
            # The cursor stayed on the article the user was reading.
            current = articles.current_row
            assert current is not None
            assert app.library.rows[current].title == "Satellites map the glaciers, again"
            text = screen_text(app)
            assert "All articles 4" in text and "Energy 1" in text


async def test_the_load_goes_on_behind_the_help_screen(make_store: StoreMaker) -> None:
    files: dict[str, str | bytes] = {
        f"{i:04d}.txt": article_text(f"Article {i}") for i in range(400)
    }
    app = NewsdeskApp(make_store(files))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_loaded(pilot)
        assert len(app.library.rows) == 400
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.query_one(ArticleList).view) == 400
        assert app.is_running


async def test_a_bad_file_fixed_while_running_leaves_the_problems(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    from reader.store.index import StoreIndex
    from reader.triage.state import State

    root = make_store({"good.txt": article_text("Fine"), "bad.txt": "---\ntitle: [x\n---\n"})
    with StoreIndex(root, tmp_path / "index.db") as index:
        app = NewsdeskApp(root, state=State(tmp_path / "state.db"), index=index)
        async with app.run_test(size=(140, 40)) as pilot:
            await wait_loaded(pilot)
            assert "Problems 1" in screen_text(app) and "bad.txt" in screen_text(app)
            (root / "bad.txt").write_text(article_text("Mended"), encoding="utf-8")
            await wait_for(pilot, lambda: "Mended" in titles(app))
            await pilot.pause()  # the tree's new counts are drawn
            assert sorted(titles(app)) == ["Fine", "Mended"]
            text = screen_text(app)
            assert "Problems" not in text and "bad.txt" not in text


async def test_a_folded_group_shows_current_counts_when_opened(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        tree = app.query_one(TopicTree)
        providers = tree._groups["provider"]
        assert not providers.is_expanded and "provider" in tree._stale
        # Its names are not kept up to date while folded...
        assert not providers.children
        assert "Providers 2" in screen_text(app)
        # ...and come, counted, when it opens.
        providers.expand()
        await pilot.pause()
        assert "provider" not in tree._stale
        labels = [str(child.label) for child in providers.children]
        assert labels == ["Harbour Post 3", "Orbit Daily 1"]
        # Choosing a name in a folded group brings its names up to date first.
        categories = tree._groups["category"]
        assert not categories.children
        tree.select_facet(Facet("category", "news"))
        assert [str(child.label) for child in categories.children] == ["news 4"]


async def test_the_key_bar_shows_the_keys_where_the_focus_is(make_store: StoreMaker) -> None:
    from reader.ui.panes.key_bar import KeyBar

    app = NewsdeskApp(three_topic_store(make_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        bar = app.main_screen.query_one(KeyBar)
        line = bar.render().plain
        assert "⏎ Open" in line and "q Quit" in line and line.rstrip().endswith("^p palette")
        # The detail pane has no `enter` of its own: the bar follows the focus.
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, DetailView)
        line = bar.render().plain
        assert "q Quit" in line and "Open" not in line
        # A click on a key presses it: `?` opens the help.
        x = bar.place_of("question_mark")
        assert x is not None
        await pilot.click(KeyBar, offset=(x + 1, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_the_column_header_follows_the_list_width(make_store: StoreMaker) -> None:
    app = NewsdeskApp(three_topic_store(make_store))
    # Wide enough for the title's 60 cells and a provider column beside it.
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_loaded(pilot)
        articles = app.query_one(ArticleList)
        width = articles.scrollable_content_region.width
        header = app.query_one(ListHeader)
        assert header.text == header_text(width)
        assert "Provider" in header.text and header.text.rstrip().endswith("Q")
        assert header.text.rstrip() in screen_text(app)
        await pilot.resize_terminal(60, 24)  # narrow: the list takes the whole width
        await pilot.pause()
        await pilot.pause()
        assert articles.scrollable_content_region.width != width
        assert header.text == header_text(articles.scrollable_content_region.width)
        assert header.text.rstrip() in screen_text(app)


async def test_a_cursor_move_in_a_scrolled_list_redraws_its_lines(
    make_store: StoreMaker,
) -> None:
    # The lines redrawn are the ones the cursor left and reached, where
    # they are on screen, also when the list is scrolled.
    files = {
        f"{i:03d}.txt": article_text(
            f"Story {i}", date=f"2026-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"
        )
        for i in range(80)
    }
    app = NewsdeskApp(make_store(files))
    async with app.run_test(size=(140, 24)) as pilot:
        await wait_loaded(pilot)
        articles = app.query_one(ArticleList)
        await pilot.press("G")
        await pilot.pause()
        top = articles.scroll_offset.y
        assert top > 0
        refreshed: list[int] = []
        refresh = articles.refresh

        def spy(*regions, **kwargs):  # type: ignore[no-untyped-def]
            refreshed.extend(region.y for region in regions)
            return refresh(*regions, **kwargs)

        articles.refresh = spy  # type: ignore[method-assign]
        await pilot.press("k")
        await pilot.pause()
        assert articles.scroll_offset.y == top  # no scroll: just two lines
        cursor = articles.cursor
        assert sorted(refreshed) == [cursor - top, cursor + 1 - top]
