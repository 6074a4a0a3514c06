"""`[ui]` in config.toml: the layout at start, pane widths, the list's columns
and its date format, in the running app."""

from __future__ import annotations

import time
from pathlib import Path

from reader.config import load_config
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import MARKS_WIDTH
from tests.conftest import StoreMaker, article_text, screen_text, wait_for, wait_loaded


def app_with(make_store: StoreMaker, tmp_path: Path, ui: str) -> NewsdeskApp:
    path = tmp_path / "config.toml"
    path.write_text("[ui]\n" + ui, encoding="utf-8")
    config, warnings = load_config(path)
    assert warnings == []
    root = make_store(
        {
            f"{i}.md": article_text(
                f"Story number {i}", provider="Harbour Post", date=f"2026-03-1{i}T09:30:00Z"
            )
            for i in range(3)
        }
    )
    return NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"), config=config)


async def test_columns_and_date_format_shape_the_list(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = app_with(
        make_store, tmp_path, 'columns = ["title", "date"]\ndate_format = "%d %b %H:%M"\n'
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(pilot)
        main = app.main_screen
        header = main.list_header.text
        assert header.startswith(" " * MARKS_WIDTH + "Title")
        assert "Provider" not in header and header.rstrip().endswith("Date")
        row = next(row for row in app.library.rows if row.title == "Story number 2")
        assert row.published is not None
        shown = time.strftime("%d %b %H:%M", time.localtime(row.published))
        await wait_for(pilot, lambda: "Story number 2" in screen_text(app))
        line = next(
            line for line in screen_text(app).splitlines() if "Story number 2" in line.split("▏")[1]
        )
        assert shown in line, (shown, line)
        assert line.index("Story number 2") < line.index(shown)
        assert "Harbour Post" not in line
        # The date sits under its heading.
        assert line.index(shown) - line.index("Story") == header.index("Date") - header.index(
            "Title"
        )


async def test_pane_widths_apply_side_by_side_and_give_way_when_stacked(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = app_with(make_store, tmp_path, 'tree_width = 30\ndetail_width = "40%"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(pilot)
        main = app.main_screen
        await wait_for(pilot, lambda: main.topic_tree.outer_size.width == 30)
        await wait_for(pilot, lambda: main.detail.outer_size.width == 64)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: main.has_class("-narrow"))
        await wait_for(pilot, lambda: main.detail.outer_size.width == 80)
        await pilot.resize_terminal(160, 40)
        await wait_for(pilot, lambda: main.detail.outer_size.width == 64)


async def test_the_layout_at_start(make_store: StoreMaker, tmp_path: Path) -> None:
    app = app_with(make_store, tmp_path, 'layout = "one"\n')
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_loaded(pilot)
        main = app.main_screen
        await wait_for(pilot, lambda: main.layout_name == "one")
        assert not main.detail.display or main.detail.outer_size.width == 0
        await pilot.press("L")
        await wait_for(pilot, lambda: main.layout_name == "three")
