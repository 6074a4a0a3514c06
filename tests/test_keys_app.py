"""`[keys]` in config.toml: the main screen's keys remapped, in the keys
themselves, the key bar, `?` and the command palette."""

from __future__ import annotations

from pathlib import Path

from reader.config import load_config
from reader.triage.state import NO_FLAGS, State
from reader.ui.app import NewsdeskApp
from reader.ui.keys import main_bindings
from reader.ui.main_screen import MainScreen
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.key_bar import KeyBar
from reader.ui.screens.help import HelpScreen, HelpText
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded


def store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            f"{i:03d}_x.txt": article_text(f"Story {i}", date=f"2026-03-{10 + i:02d}T10:00:00Z")
            for i in range(4)
        }
    )


def app_with(make_store: StoreMaker, tmp_path: Path, keys: str) -> NewsdeskApp:
    path = tmp_path / "config.toml"
    path.write_text("[keys]\n" + keys, encoding="utf-8")
    config, warnings = load_config(path)
    assert warnings == []
    return NewsdeskApp(store(make_store), state=State(tmp_path / "state.sqlite3"), config=config)


def flags_of(app: NewsdeskApp, title: str):  # type: ignore[no-untyped-def]
    row = next(r for r in app.library.rows if r.title == title)
    return app.library.flags.get(row.key, NO_FLAGS)


def current_title(app: NewsdeskApp) -> str:
    row = app.query_one(ArticleList).current_row
    assert row is not None
    return app.library.rows[row].title


def key_bar_text(app: NewsdeskApp) -> str:
    bar = app.screen.query_one(KeyBar)
    return "\n".join(strip.text for strip in bar.render_lines(bar.region.reset_offset))


async def test_a_remapped_key_runs_its_action_and_the_old_key_does_not(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = app_with(make_store, tmp_path, 'star = "f"\n')
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        assert current_title(app) == "Story 3"
        await pilot.press("s")
        await pilot.pause()
        assert not flags_of(app, "Story 3").starred
        await pilot.press("f")
        await wait_for(pilot, lambda: flags_of(app, "Story 3").starred)


async def test_a_list_of_keys_each_run_the_action(make_store: StoreMaker, tmp_path: Path) -> None:
    app = app_with(make_store, tmp_path, 'archive = ["Z", "delete"]\n')
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert not flags_of(app, "Story 3").archived
        await pilot.press("Z")
        await wait_for(pilot, lambda: flags_of(app, "Story 3").archived)
        await wait_for(pilot, lambda: current_title(app) != "Story 3")
        title = current_title(app)
        await pilot.press("delete")
        await wait_for(pilot, lambda: flags_of(app, title).archived)


async def test_the_key_bar_help_and_palette_show_the_new_keys(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = app_with(make_store, tmp_path, 'star = "f"\n"app.help" = "f1"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(pilot)
        bar = key_bar_text(app)
        assert "f Star" in bar and "s Star" not in bar
        assert "f1 Keys" in bar
        screen = app.screen
        assert isinstance(screen, MainScreen)
        palette = {c.title: c.help for c in app.get_system_commands(screen)}
        assert palette["Toggle star"].endswith("(f)")
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        widget = app.screen.query_one(HelpText)
        text = widget.text(200).plain
        star = next(line for line in text.split("\n") if "Star" in line.split())
        assert star.split()[0] == "f"


def test_the_defaults_are_unchanged_without_keys() -> None:
    assert [(b.key, b.action) for b in main_bindings({})] == [
        (b.key, b.action) for b in main_bindings()
    ]
    assert ("s", "toggle_star") in [(b.key, b.action) for b in main_bindings()]
