"""The query bar, tree nodes as queries, saved searches and bulk actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.library.facets import Facet
from reader.search.saved import SavedSearches
from reader.triage.state import NO_FLAGS, State
from reader.ui.app import NewsdeskApp
from reader.ui.messages import BodiesReady, FlagsLoaded, LoadFinished, SavedCounted, ViewEvaluated
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.query_bar import QueryBar
from reader.ui.panes.status_line import StatusLine
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.prompts import ConfirmScreen, TextPrompt
from tests.conftest import (
    Messages,
    StoreMaker,
    article_text,
    screen_text,
    wait_for,
    wait_loaded,
    wait_message,
    wait_saved,
)


def store(make_store: StoreMaker) -> Path:
    specs = [
        ("Café owners fight rent rises", ["Business"], 30),
        ("Climate summit ends in deal", ["Climate", "Policy"], 80),
        ("Rocket reaches orbit", ["Space"], 65),
        ("Glacier melt speeds up", ["Climate"], 55),
        ("Robots in the warehouse", ["AI"], 70),
    ]
    return make_store(
        {
            f"{i:03d}.txt": article_text(
                title,
                topics=topics,
                quality=quality,
                date=f"2026-04-{10 + i:02d}T09:00:00Z",
                url=f"https://q.example/{i}",
            )
            for i, (title, topics, quality) in enumerate(specs)
        }
    )


def titles(app: NewsdeskApp) -> list[str]:
    return [app.library.rows[i].title for i in app.query_one(ArticleList).view]


async def type_query(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash")
    bar = pilot.app.query_one(QueryBar)
    bar.input.value = ""
    await pilot.press(*text)
    await wait_loaded(pilot)


async def test_typing_a_query_narrows_the_list_and_escape_restores(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.db"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await type_query(pilot, "topic:climate quality:>=60")
        assert titles(app) == ["Climate summit ends in deal"]
        assert "Search · 1 match ·" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.focused, ArticleList)
        # Accents are ignored; free words match titles.
        await type_query(pilot, "cafe")
        assert titles(app) == ["Café owners fight rent rises"]
        # A mistake points at the bad part; the list goes back to the query
        # applied whole (kept with enter), never a prefix of what is typed,
        # and says so.
        app.query_one(QueryBar).input.value = "cafe topc:x"
        await wait_loaded(pilot)
        text = screen_text(app)
        assert "unknown field 'topc'" in text and "did you mean 'topic'" in text
        assert "showing: topic:climate quality:>=60" in text
        assert titles(app) == ["Climate summit ends in deal"]
        assert app.is_running
        # escape goes back to the query kept with enter.
        await pilot.press("escape")
        await wait_loaded(pilot)
        assert titles(app) == ["Climate summit ends in deal"]
        assert app.query_one(QueryBar).input.value == "topic:climate quality:>=60"
        assert "unknown field" not in screen_text(app)


async def test_a_slow_search_says_it_is_at_work(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from reader.search.query import Query

    evaluate = Query.evaluate
    release = threading.Event()

    def slow(self: Query, *args: object, **kwargs: object) -> list[int]:
        # A search at work until the test has seen what the screen says.
        assert release.wait(10), "the search was never released"
        return evaluate(self, *args, **kwargs)  # type: ignore[arg-type]

    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.db"))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        monkeypatch.setattr(Query, "evaluate", slow)
        await pilot.press("slash")
        mark = messages.mark()
        app.query_one(QueryBar).input.value = "cafe"
        await wait_for(pilot, lambda: "Searching…" in screen_text(app))
        release.set()
        await wait_message(pilot, messages, ViewEvaluated, after=mark)
        assert titles(app) == ["Café owners fight rent rises"]
        assert "Searching…" not in screen_text(app)
        # A quick one says nothing: not at any moment until its result is in.
        monkeypatch.setattr(Query, "evaluate", evaluate)
        said: list[str] = []
        status_line = app.query_one(StatusLine)
        show_status = status_line.show_status

        def recorded(text: object) -> None:
            said.append(str(text))
            show_status(text)  # type: ignore[arg-type]

        monkeypatch.setattr(status_line, "show_status", recorded)
        mark = messages.mark()
        app.query_one(QueryBar).input.value = "topic:climate"
        await wait_message(pilot, messages, ViewEvaluated, after=mark)
        assert titles(app) == ["Glacier melt speeds up", "Climate summit ends in deal"]
        assert said and not any("Searching…" in text for text in said)
        assert "Searching…" not in screen_text(app)


async def test_a_tree_node_is_a_query_the_user_can_refine(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.db"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        app.query_one(TopicTree).select_facet(Facet("topic", "Climate"))
        await wait_loaded(pilot)
        bar = app.query_one(QueryBar)
        assert bar.input.value == "topic:Climate"
        assert titles(app) == ["Glacier melt speeds up", "Climate summit ends in deal"]
        await pilot.press("slash", *" glacier")
        await wait_loaded(pilot)
        assert titles(app) == ["Glacier melt speeds up"]


async def test_bulk_read_acts_on_exactly_the_query_results_and_saved_searches_count(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.db"))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        await type_query(pilot, "quality:>=60 sort:-quality")
        await pilot.press("enter")
        assert titles(app) == [
            "Climate summit ends in deal",
            "Robots in the warehouse",
            "Rocket reaches orbit",
        ]
        # Save it.
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        mark = messages.mark()
        await pilot.press(*"good ones", "enter")
        await wait_message(pilot, messages, SavedCounted, after=mark)
        await wait_loaded(pilot)
        assert "good ones 3" in screen_text(app)
        # Bulk-read the view: three articles, no more.
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_loaded(pilot)
        read = {r.title for r in app.library.rows if app.library.flags.get(r.key, NO_FLAGS).read}
        assert read == set(titles(app))
        # A saved query that depends on state follows it.
        await type_query(pilot, "is:unread")
        await pilot.press("enter")
        assert titles(app) == ["Glacier melt speeds up", "Café owners fight rent rises"]
    assert SavedSearches().items == {"good ones": "quality:>=60 sort:-quality"}


async def test_saved_searches_can_be_renamed_and_deleted(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    SavedSearches().save("space", "topic:Space")
    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.db"))
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        # Counted once every row and their flags are in.
        start = messages.mark_after(LoadFinished, FlagsLoaded)
        await wait_message(pilot, messages, SavedCounted, after=start)
        assert "space 1" in screen_text(app)
        tree = app.query_one(TopicTree)
        tree.focus()
        tree.select_facet(Facet("saved", "space"))
        await wait_loaded(pilot)
        assert titles(app) == ["Rocket reaches orbit"]
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#prompt-input").value = "rockets"
        await pilot.press("enter")
        await wait_saved(pilot)  # written off the UI thread
        assert SavedSearches().items == {"rockets": "topic:Space"}
        tree.select_facet(Facet("saved", "rockets"))
        await pilot.pause()
        await pilot.press("d", "y")
        await wait_saved(pilot)
        assert SavedSearches().items == {}


async def test_free_words_find_text_in_bodies(make_store: StoreMaker, tmp_path: Path) -> None:
    root = make_store(
        {
            "a.md": article_text("Harbour news", body="The old lighthouse keeper retires."),
            "b.md": article_text("Other news", body="Nothing to see."),
        }
    )
    app = NewsdeskApp(root, state=State(tmp_path / "s.db"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert app.library.bodies is not None
        await type_query(pilot, "lighthouse")
        assert titles(app) == ["Harbour news"]
        await type_query(pilot, "lighth")
        assert titles(app) == ["Harbour news"]


async def test_bodies_of_a_large_store_are_indexed_by_a_helper_process(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.ui.main_screen
    from reader.store.index import StoreIndex

    monkeypatch.setattr(reader.ui.main_screen, "BODIES_IN_PROCESS", 1)
    root = make_store(
        {
            f"{i}.md": article_text(f"Story {i}", body=f"Body of story {i}: zeppelin{i}")
            for i in range(3)
        }
    )
    with StoreIndex(root, tmp_path / "index.db") as index:
        app = NewsdeskApp(root, state=State(tmp_path / "s.db"), index=index)
        messages = Messages()
        async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
            await wait_loaded(pilot)
            await wait_message(pilot, messages, BodiesReady)
            assert app.library.bodies is not None
            assert (tmp_path / "index.bodies.sqlite3").exists()
            await type_query(pilot, "zeppelin2")
            assert titles(app) == ["Story 2"]


async def test_a_search_does_not_wait_for_indexing_held_back_by_keys(
    make_store: StoreMaker,
) -> None:
    from reader.pacing import Pacer

    root = make_store(
        {
            f"{i:04d}.txt": article_text(f"Story {i}", topics=["AI" if i % 3 else "Space"])
            for i in range(1_200)
        }
    )
    app = NewsdeskApp(root)
    # Keys "keep coming" for a minute: the query indexes' build gives way...
    app.library.pacer = Pacer(quiet=60.0, longest=60.0)
    app.library.pacer.touch()
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_message(pilot, messages, LoadFinished, timeout=15)
        assert not app.library.loading
        # ...but not once a search needs it.
        mark = messages.mark()
        await pilot.press("slash", *"topic:space", "enter")
        await wait_message(
            pilot,
            messages,
            ViewEvaluated,
            after=mark,
            where=lambda message: message.facet == Facet("query", "topic:space"),
        )
        assert "400 matches" in screen_text(app)


async def test_keys_typed_fast_after_slash_go_to_the_query_bar(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    from textual import events

    app = NewsdeskApp(store(make_store), state=State(tmp_path / "s.db"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        # In one burst, as a paste or a fast typist sends them: on the list,
        # `s` would star, `m` mark read, `u` undo and `q` quit.
        for key in ["slash", "s", "m", "u", "q"]:
            app.post_message(events.Key(key, "/" if key == "slash" else key))
        # Every key has reached the query bar (one on the list would never
        # let it read "smuq"); a decision made all the same is written by then.
        await wait_for(pilot, lambda: app.query_one(QueryBar).input.value == "smuq")
        await wait_saved(pilot)
        assert app.is_running
        assert app.query_one(QueryBar).input.value == "smuq"
        assert not any(
            flags.starred or flags.read for flags in app.library.state.snapshot().values()
        )
