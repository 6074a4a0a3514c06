"""Snapshots of the main screens (update with `pytest --snapshot-update`)."""

from __future__ import annotations

from pathlib import Path

from reader.ui.app import NewsdeskApp
from reader.ui.screens.help import HelpScreen
from tests.conftest import SHARED_SAMPLE, article_text, needs_shared, wait_for, wait_loaded

STORE = {
    "001_a.txt": article_text(
        "Robots learn to fold laundry",
        topics=["AI", "Robotics"],
        date="2026-03-01T10:00:00Z",
        quality=61,
    ),
    "002_b.txt": article_text(
        "Comet seen over the harbour",
        topics=["Space"],
        date="2026-03-02T10:00:00Z",
        provider="Orbit Daily",
        quality=44,
    ),
    "003_c.md": article_text(
        "Satellites map the glaciers",
        topics=["Space", "Climate"],
        date="2026-03-03T10:00:00Z",
        body="## What they found\n\n- Ice loss doubled\n- Two new lakes\n\nRead the "
        "[report](https://glaciers.example/report).",
    ),
    "004_d.txt": article_text(
        "[@click=app.quit]Heat[/] records fall \x1b[31magain",
        topics=["Climate"],
        date="2026-03-04T10:00:00Z",
        quality=80,
    ),
    "broken.txt": "---\ntitle: [unclosed\n---\n",
}


def _store(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    for name, text in STORE.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


async def _loaded(pilot) -> None:  # type: ignore[no-untyped-def]
    # (`snap_compare` runs the app itself: no message hook, so conditions.)
    await wait_loaded(pilot)
    app = pilot.app
    await wait_for(
        pilot, lambda: app.library.flags_loaded and app.main_screen.detail.article is not None
    )


def test_main_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(NewsdeskApp(_store(tmp_path)), terminal_size=(140, 40), run_before=_loaded)


def test_main_screen_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(NewsdeskApp(_store(tmp_path)), terminal_size=(80, 24), run_before=_loaded)


def test_main_screen_at_120x32(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The tree gives way below 140 columns: the title keeps 60 cells.
    assert snap_compare(NewsdeskApp(_store(tmp_path)), terminal_size=(120, 32), run_before=_loaded)


def test_main_screen_at_200x60(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(NewsdeskApp(_store(tmp_path)), terminal_size=(200, 60), run_before=_loaded)


def test_main_screen_list_alone(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def list_alone(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press("L")  # from list and detail (the tree hides below 140 columns)
        await pilot.pause()

    assert snap_compare(
        NewsdeskApp(_store(tmp_path)), terminal_size=(120, 32), run_before=list_alone
    )


@needs_shared
def test_real_article_with_related(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def open_it(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press("enter")  # reads the article again, for the detail pane
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()  # what the read posted is handled

    assert snap_compare(NewsdeskApp(SHARED_SAMPLE), terminal_size=(120, 36), run_before=open_it)


def test_help_screen(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def help_(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(NewsdeskApp(_store(tmp_path)), terminal_size=(100, 40), run_before=help_)


def test_our_article_with_related(snap_compare) -> None:  # type: ignore[no-untyped-def]
    # test_real_article_with_related on our own store (tests/data/shapes-store),
    # which a clone on its own has too: the newest article, opened, with its
    # related items; the other two rows carry a repaired title and a +05:30 date.
    store = Path(__file__).resolve().parent / "data" / "shapes-store"

    async def open_it(pilot) -> None:  # type: ignore[no-untyped-def]
        await _loaded(pilot)
        await pilot.press("enter")  # reads the article again, for the detail pane
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()  # what the read posted is handled

    assert snap_compare(NewsdeskApp(store), terminal_size=(120, 32), run_before=open_it)
