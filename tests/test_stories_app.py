"""Stories in the app: one row per story, `l`/`h` to expand and fold, `z`
to turn them off (kept across restarts), triage on a whole story as one
undo step, the counts of stories and articles, and the detail pane's
coverage."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from reader.library.library import Marks
from reader.library.session import Session, load_session, save_session
from reader.store.index import StoreIndex
from reader.triage.state import NO_FLAGS, Flags, State
from reader.ui import main_screen as main_screen_module
from reader.ui.app import NewsdeskApp
from reader.ui.main_screen import MainScreen, StoriesChanged
from reader.ui.panes.article_list import CHILD, story_badge
from tests.conftest import (
    Messages,
    StoreMaker,
    article_text,
    screen_text,
    wait_article,
    wait_for,
    wait_loaded,
    wait_saved,
)

ELSEWHERE = "https://elsewhere.example/crane-analysis"


def related(*items: tuple[str, str]) -> str:
    """A `related:` list of (title, webUrl) items, as `article_text(extra=...)`."""
    lines = ["related:"]
    for title, url in items:
        lines += [
            f'  - title: "{title}"',
            f'    webUrl: "{url}"',
            "    provider:",
            "      name: Wire Desk",
            "      domain: wiredesk.example",
        ]
    return "\n".join(lines)


def story_store(make_store: StoreMaker, *, linked: bool = True) -> Path:
    """Two stories and an article alone, newest first: d, c (the same page
    twice), b, a (a names b's page among its related items), e.

    Leads (same quality: the earliest): c, then a."""
    extra = related(("Crane falls at the docks", "https://b.example/crane"))
    extra += "\n" + related(("An analysis elsewhere", ELSEWHERE)).removeprefix("related:\n")
    return make_store(
        {
            "a.txt": article_text(
                "Harbour crane collapses",
                url="https://a.example/crane",
                date="2026-03-10T10:00:00Z",
                extra=extra if linked else "",
            ),
            "b.txt": article_text(
                "Crane falls at the docks",
                url="https://b.example/crane",
                provider="Dock News",
                date="2026-03-11T10:00:00Z",
            ),
            "c.txt": article_text(
                "Ferry strike ends",
                url="https://c.example/ferry",
                date="2026-03-12T10:00:00Z",
            ),
            "d.txt": article_text(
                "Ferry strike is over",
                url="https://c.example/ferry",
                provider="Pier Radio",
                date="2026-03-13T10:00:00Z",
            ),
            "e.txt": article_text(
                "Comet seen over the bay",
                url="https://e.example/comet",
                date="2026-03-09T10:00:00Z",
            ),
        }
    )


def make_app(root: Path, tmp_path: Path, session: Session | None = None) -> NewsdeskApp:
    """The app on `root`, with an index file (the grouping reads the rows
    there, in a helper process, once the load is over)."""
    index = StoreIndex(root, tmp_path / "index.sqlite3")
    app = NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"), session=session, index=index)
    opened.append(index)
    return app


opened: list[StoreIndex] = []


@pytest.fixture(autouse=True)
def _close_indexes() -> Iterator[None]:
    yield
    while opened:
        opened.pop().close()


async def stories_in(pilot, app: NewsdeskApp) -> None:  # type: ignore[no-untyped-def]
    await wait_loaded(pilot)
    await wait_for(pilot, lambda: app.library.stories.grouped == 4)
    await wait_for(pilot, lambda: app.library.flags_loaded)


def shown(app: NewsdeskApp) -> list[str]:
    """The titles of the list's rows."""
    rows = app.library.rows
    return [rows[i].title for i in app.main_screen.articles.view]


def current_title(app: NewsdeskApp) -> str:
    row = app.main_screen.articles.current_row
    assert row is not None
    return app.library.rows[row].title


def flags_of(app: NewsdeskApp, title: str) -> Flags:
    row = next(r for r in app.library.rows if r.title == title)
    return app.library.flags.get(row.key, NO_FLAGS)


def line_of(app: NewsdeskApp, title: str) -> str:
    """The article list's line (as drawn now) that shows `title`."""
    articles = app.main_screen.articles
    lines = [articles.render_line(y).text for y in range(articles.size.height)]
    return next(line for line in lines if title in line)


FOLDED = ["Ferry strike ends", "Harbour crane collapses", "Comet seen over the bay"]


async def test_stories_show_as_one_row_each_and_expand_and_fold(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        main = app.main_screen
        assert main.articles.stories == {main.articles.view[0]: 2, main.articles.view[1]: 2}
        assert story_badge(2) == " +1"
        assert "+1" in line_of(app, "Ferry strike ends")
        assert "+1" in line_of(app, "Harbour crane collapses")
        assert "+" not in line_of(app, "Comet seen over the bay")
        assert main.status_line.position.startswith("1 of 3")
        assert "3 stories, 5 articles" in main.status_line.status
        # `l` expands the story under the cursor: its other article indented under it.
        assert current_title(app) == "Ferry strike ends"
        await pilot.press("l")
        await wait_for(pilot, lambda: len(shown(app)) == 4)
        assert shown(app)[:2] == ["Ferry strike ends", "Ferry strike is over"]
        assert CHILD.strip() in line_of(app, "Ferry strike is over")
        assert "+1" not in line_of(app, "Ferry strike ends")
        assert current_title(app) == "Ferry strike ends"
        assert "3 stories, 5 articles" in main.status_line.status
        # `h` on the expanded row after the first: folded, the cursor on the story's row.
        await pilot.press("j")
        await wait_for(pilot, lambda: current_title(app) == "Ferry strike is over")
        await pilot.press("h")
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        assert current_title(app) == "Ferry strike ends"
        # The arrows do the same; `h` on a folded story, or `l` on an
        # article alone, changes nothing.
        await pilot.press("j", "right")
        await wait_for(pilot, lambda: len(shown(app)) == 4)
        assert shown(app)[1:3] == ["Harbour crane collapses", "Crane falls at the docks"]
        await pilot.press("left")
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        await pilot.press("h", "G", "l")
        await wait_for(pilot, lambda: current_title(app) == "Comet seen over the bay")
        assert shown(app) == FOLDED


async def test_z_shows_every_article_and_the_choice_is_kept(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = story_store(make_store)
    app = make_app(root, tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        await pilot.press("z")
        await wait_for(pilot, lambda: len(shown(app)) == 5)
        assert shown(app)[0] == "Ferry strike is over"  # newest first, every article
        main = app.main_screen
        assert "stories" not in main.status_line.status
        assert current_title(app) == "Ferry strike ends"  # the cursor stays on its article
        assert main.status_line.position.startswith("2 of 5")
        assert "+1" not in screen_text(app)
        session = main.session_now()
    assert session.stories is False
    path = tmp_path / "state.session.json"
    save_session(path, session)
    kept, warning = load_session(path)
    assert warning is None and kept is not None and kept.stories is False
    again = make_app(root, tmp_path, session=kept)
    async with again.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, again)
        assert len(shown(again)) == 5
        await pilot.press("z")
        await wait_for(pilot, lambda: shown(again) == FOLDED)
        assert again.main_screen.session_now().stories is True


def test_a_session_file_without_stories_groups_them(tmp_path: Path) -> None:
    path = tmp_path / "state.session.json"
    path.write_text(json.dumps({"version": 1, "store": "/s", "kind": "inbox"}))
    session, warning = load_session(path)
    assert warning is None and session is not None and session.stories is True


async def test_turning_stories_on_keeps_the_cursor_on_its_article(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await pilot.press("z")
        await wait_for(pilot, lambda: len(shown(app)) == 5)
        # "Crane falls at the docks" is not its story's lead: stories back
        # on, its story opens rather than the cursor leaving it.
        await pilot.press("g", "j", "j")
        await wait_for(pilot, lambda: current_title(app) == "Crane falls at the docks")
        await pilot.press("z")
        await wait_for(pilot, lambda: len(shown(app)) == 4)
        assert current_title(app) == "Crane falls at the docks"
        assert shown(app) == [
            "Ferry strike ends",
            "Harbour crane collapses",
            "Crane falls at the docks",
            "Comet seen over the bay",
        ]


async def test_a_decision_on_a_folded_story_takes_every_article_in_one_step(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        await pilot.press("j")
        await wait_for(pilot, lambda: current_title(app) == "Harbour crane collapses")
        await pilot.press("s")
        await wait_for(pilot, lambda: flags_of(app, "Harbour crane collapses").starred)
        assert flags_of(app, "Crane falls at the docks").starred
        assert not flags_of(app, "Comet seen over the bay").starred
        assert "Starred 2 articles" in app.main_screen.status_line.action
        await wait_saved(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: not flags_of(app, "Harbour crane collapses").starred)
        assert not flags_of(app, "Crane falls at the docks").starred
        await wait_saved(pilot)
        # Undone in one step: a second undo has nothing left.
        await pilot.press("u")
        await wait_saved(pilot)
        assert not flags_of(app, "Harbour crane collapses").starred
        assert not flags_of(app, "Crane falls at the docks").starred


async def test_a_decision_on_an_expanded_row_takes_that_article(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        await pilot.press("j", "l")
        await wait_for(pilot, lambda: len(shown(app)) == 4)
        await pilot.press("j")
        await wait_for(pilot, lambda: current_title(app) == "Crane falls at the docks")
        await pilot.press("s")
        await wait_for(pilot, lambda: flags_of(app, "Crane falls at the docks").starred)
        assert not flags_of(app, "Harbour crane collapses").starred
        # The story's first row, expanded, is an article of its own too.
        await pilot.press("k", "s")
        await wait_for(pilot, lambda: flags_of(app, "Harbour crane collapses").starred)
        await pilot.press("s")
        await wait_for(pilot, lambda: not flags_of(app, "Harbour crane collapses").starred)
        assert flags_of(app, "Crane falls at the docks").starred


async def test_a_folded_story_is_unread_while_any_article_is(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        main = app.main_screen

        def unread_mark(title: str) -> bool:
            return "●" in line_of(app, title)[: Marks.WIDTH]

        await pilot.press("j", "l", "j", "m")  # the expanded story's other article read
        await wait_for(pilot, lambda: flags_of(app, "Crane falls at the docks").read)
        await wait_for(pilot, lambda: not unread_mark("Crane falls at the docks"))
        await pilot.press("h")
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        assert not flags_of(app, "Harbour crane collapses").read
        assert unread_mark("Harbour crane collapses")
        # The lead read, the other unread: still unread, and `n` stops on it.
        await pilot.press("l", "m", "j", "m", "h")
        await wait_for(pilot, lambda: flags_of(app, "Harbour crane collapses").read)
        await wait_for(pilot, lambda: not flags_of(app, "Crane falls at the docks").read)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        assert unread_mark("Harbour crane collapses")
        await pilot.press("g", "n")
        await wait_for(pilot, lambda: current_title(app) == "Harbour crane collapses")
        # `m` on the folded row reads the whole story.
        await pilot.press("m")
        await wait_for(pilot, lambda: flags_of(app, "Crane falls at the docks").read)
        await wait_for(pilot, lambda: not unread_mark("Harbour crane collapses"))
        assert main.status_line.position.startswith("2 of 3")


async def test_archive_on_a_story_moves_on_to_the_next_row(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        await pilot.press("j", "e")
        await wait_for(
            pilot, lambda: shown(app) == ["Ferry strike ends", "Comet seen over the bay"]
        )
        assert flags_of(app, "Harbour crane collapses").archived
        assert flags_of(app, "Crane falls at the docks").archived
        assert current_title(app) == "Comet seen over the bay"
        assert "2 stories, 3 articles" in app.main_screen.status_line.status


async def test_the_detail_lists_the_coverage_and_its_related_items_stay_usable(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    recorder = Messages()
    async with app.run_test(size=(140, 40), message_hook=recorder) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        main = app.main_screen
        assert isinstance(main, MainScreen)
        detail = main.detail
        mark = recorder.mark()
        await pilot.press("j")
        await wait_article(pilot, recorder, mark)
        await wait_for(pilot, lambda: len(detail.coverage) == 2)
        assert [entry[0] for entry in detail.coverage] == ["Harbour Post", "Dock News"]
        assert [entry[2] for entry in detail.coverage] == [
            "Harbour crane collapses",
            "Crane falls at the docks",
        ]
        text = detail.text
        assert "Coverage (3 sources)" in text
        assert "Dock News · 2026-03-11 10:00 UTC · unread" in text
        # Of its related items, the one in the store is listed once, as an
        # article of the story; the other stays, and `p` previews it.
        assert [item.web_url for item in detail.related] == [ELSEWHERE]
        assert "Not in the store (1)" in text and "An analysis elsewhere" in text
        main.action_focus_related()
        await wait_for(pilot, lambda: detail.related_current is not None)
        assert main.current_urls() == [ELSEWHERE]
        # Read states follow the decisions.
        main.action_focus_list()
        await pilot.press("l", "j", "m")
        await wait_for(pilot, lambda: "Dock News · 2026-03-11 10:00 UTC · read" in detail.text)
        # With stories off, an article shows its related items as before.
        mark = recorder.mark()
        await pilot.press("z", "j")
        await wait_article(pilot, recorder, mark)
        await wait_for(pilot, lambda: not detail.coverage)
        assert "Coverage" not in detail.text and "Related (2)" in detail.text


async def test_an_article_alone_shows_no_coverage(make_store: StoreMaker, tmp_path: Path) -> None:
    app = make_app(story_store(make_store, linked=False), tmp_path)
    recorder = Messages()
    async with app.run_test(size=(140, 40), message_hook=recorder) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: app.library.stories.grouped == 2)
        await wait_for(
            pilot,
            lambda: (
                shown(app)
                == [
                    "Ferry strike ends",
                    "Crane falls at the docks",
                    "Harbour crane collapses",
                    "Comet seen over the bay",
                ]
            ),
        )
        assert "3 stories" not in app.main_screen.status_line.status
        assert "4 stories, 5 articles" in app.main_screen.status_line.status
        mark = recorder.mark()
        await pilot.press("j")
        await wait_article(pilot, recorder, mark)
        assert app.main_screen.detail.coverage == ()
        assert "Coverage" not in app.main_screen.detail.text


async def test_a_story_row_keeps_the_columns_where_they_are(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        articles = app.main_screen.articles
        row = next(r for r in app.library.rows if r.title == "Harbour crane collapses")
        for width in (80, 120, 200):
            title_width = articles.columns.title_width(width)
            plain = articles._render_row(row, width, False).text
            folded = articles._render_row(row, width, False, 8).text
            child = articles._render_row(row, width, False, -8).text
            assert len(plain) == len(folded) == len(child) == width
            # The title keeps its cells: what comes after it stays in place.
            end = plain.index("Harbour crane") + title_width
            assert folded[end:] == plain[end:] == child[end:]
            assert folded[:end].endswith(" +7")
            assert folded[:end].rstrip(" +7") == plain[:end].rstrip()
            assert child[:end].replace(CHILD, "", 1).rstrip() == plain[:end].rstrip()


async def test_the_tree_counts_stories_and_its_node_shows_one_article_each(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    from reader.library.facets import Facet
    from reader.ui.panes.topic_tree import TopicTree

    app = make_app(story_store(make_store), tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        tree = app.screen.query_one(TopicTree)

        def stories_node() -> str | None:
            for node in tree.root.children:
                if node.data == Facet("stories"):
                    return node.label.plain
            return None

        await wait_for(pilot, lambda: stories_node() is not None)
        label = stories_node()
        assert label is not None and label.split()[0] == "Stories" and label.split()[-1] == "3"
        tree.focus()
        tree.select_facet(Facet("stories"))
        await wait_for(pilot, lambda: len(app.main_screen.articles.view) == 3)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        app.main_screen.articles.focus()
        await pilot.press("z")
        await wait_for(pilot, lambda: stories_node() is None)


async def test_many_story_changes_come_in_a_few_at_a_time(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first grouping sends every change at once: the screen takes them in
    # parts, with its own turn between them, and folds once at the end.
    monkeypatch.setattr(main_screen_module, "STORY_CHANGES_AT_ONCE", 1)
    app = make_app(story_store(make_store), tmp_path)
    parts: list[int] = []
    real_apply = app.library.apply_stories

    def counted(changes: Mapping[str, str | None]) -> None:
        parts.append(len(changes))
        real_apply(changes)

    monkeypatch.setattr(app.library, "apply_stories", counted)
    async with app.run_test(size=(140, 40)) as pilot:
        await stories_in(pilot, app)
        await wait_for(pilot, lambda: shown(app) == FOLDED)
        assert parts and max(parts) == 1 and sum(parts) >= 4
        assert "3 stories, 5 articles" in app.main_screen.status_line.status
        # Changes that come while others are being taken in wait their turn.
        library = app.library

        def row_titled(title: str) -> int:
            return next(i for i, row in enumerate(library.rows) if row.title == title)

        comet, ferry, crane = (
            row_titled(title)
            for title in ("Comet seen over the bay", "Ferry strike ends", "Harbour crane collapses")
        )
        story = "a1b2c3d4e5"
        parts.clear()
        main = app.main_screen
        main.post_message(
            StoriesChanged({library.rows[i].path: story for i in (comet, ferry, crane)})
        )
        main.post_message(StoriesChanged({library.rows[ferry].path: None}))
        await wait_for(pilot, lambda: sum(parts) == 4)
        await pilot.pause()
        assert library.stories.story_key(comet) == library.stories.story_key(crane) == story
        assert library.stories.story_key(ferry) is None
