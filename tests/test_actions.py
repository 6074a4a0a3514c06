"""The one table of actions (`reader.actions`): every binding of every screen
comes from it, each names an action its widget has, the README's key tables
are made from it, and `[keys]` reaches every screen and pane."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from textual.binding import Binding

from reader.actions import (
    ACTIONS,
    PLACE,
    action_id,
    actions,
    clashes,
    markdown_tables,
    normalize_key,
    split_keys,
)
from reader.cli import main as cli_main
from reader.config import load_config
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.main_screen import MainScreen
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.detail import DetailView
from reader.ui.panes.query_bar import QueryBar
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.help import HelpScreen, HelpText
from reader.ui.screens.links import LinksScreen
from reader.ui.screens.preview import PreviewScreen
from reader.ui.screens.prompts import ConfirmScreen, TextPrompt
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded

README = Path(__file__).resolve().parent.parent / "README.md"

WIDGETS: dict[str, list[type]] = {
    "main": [MainScreen],
    "list": [ArticleList],
    "tree": [TopicTree],
    "detail": [DetailView],
    "query": [QueryBar],
    "preview": [PreviewScreen],
    "links": [LinksScreen],
    "confirm": [ConfirmScreen],
    "prompt": [TextPrompt],
    "help": [HelpScreen],
    "app": [NewsdeskApp],
}


def test_key_names_are_spelt_as_textual_spells_them() -> None:
    for character in string.printable.strip() + "éß€→":
        if character == ",":
            continue
        textual = next(iter(Binding.make_bindings([Binding(character, "x")]))).key
        assert normalize_key(character) == textual, character
    assert normalize_key(",") == "comma"
    assert normalize_key(" ctrl+x ") == "ctrl+x"


def test_ids_are_unique_and_each_binding_runs_an_action_its_widget_has() -> None:
    ids = [action.id for action in ACTIONS]
    assert len(ids) == len(set(ids))
    for action in ACTIONS:
        assert action.place in PLACE, action
        if not action.bound:
            continue
        name = action.action.split("(")[0]
        if name.startswith("app."):
            owners: list[type] = [NewsdeskApp]
            name = name[4:]
        else:
            owners = WIDGETS[action.place]
        for owner in owners:
            assert callable(getattr(owner, f"action_{name}", None)), (action.id, owner)


def test_each_widget_binds_exactly_its_places_keys() -> None:
    for place, owners in WIDGETS.items():
        if place == "main":
            continue
        places = [place, "app"] if PLACE[place].modal else [place]
        wanted = {
            (key, action.action)
            for each in places
            for action in actions(each)
            if action.bound
            for key in split_keys(action.keys)
        }
        for owner in owners:
            bound = {
                (binding.key, binding.action) for binding in Binding.make_bindings(owner.BINDINGS)
            }
            assert bound == wanted, owner


def test_no_place_gives_one_key_to_two_actions() -> None:
    for place in PLACE:
        seen: dict[str, str] = {}
        for action in actions(place):
            for key in split_keys(action.keys) if action.bound else ():
                assert key not in seen, f"{key} is {seen[key]} and {action.id}"
                seen[key] = action.id


def test_the_readme_key_tables_are_the_table() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- keys:start[^>]*-->\n(.*?)<!-- keys:end -->", text, re.S)
    assert found, "the README has no key tables between the keys:start/end markers"
    assert found.group(1) == markdown_tables(), (
        "the README's key tables differ from reader/actions.py: "
        "paste in the output of `newsdesk keys --markdown --defaults`"
    )
    # And every action is in it, by its keys and description.
    for action in ACTIONS:
        assert action.help.replace("|", "\\|") in found.group(1)


def test_the_readme_check_can_fail() -> None:
    doctored = markdown_tables().replace("Star or unstar", "Star")
    assert doctored != markdown_tables()


def test_a_remap_that_clashes_across_live_places_is_named() -> None:
    found = clashes({"toggle_star": ("j",)})
    assert found and all(key == "j" and holders[0] == "toggle_star" for key, holders in found)
    names = {name for _, holders in found for name in holders}
    assert {"toggle_star", "list.down", "tree.down", "detail.down"} <= names
    # Keys of places never live together do not clash: the preview's `r` and the tree's.
    assert clashes({"preview.refetch": ("d",)}) == []
    # Defaults shared on purpose are not the file's doing.
    assert clashes({}) == []


def test_config_takes_any_action_and_names_clashes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[keys]\n"list.down" = "J"\n"preview.refetch" = ["R", "f5"]\n'
        'star = "k"\nbogus_thing = "z"\n',
        encoding="utf-8",
    )
    config, warnings = load_config(path)
    assert config.keys["list.down"] == ("J",)
    assert config.keys["preview.refetch"] == ("R", "f5")
    assert "toggle_star" not in config.keys
    assert any("'k' is given to star and" in w for w in warnings), warnings
    assert any("bogus_thing: unknown action" in w for w in warnings), warnings
    assert action_id("list.cursor_down") == "list.down"
    assert action_id("app.command_palette") is None


def test_newsdesk_keys_prints_the_table_with_remaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\n"list.down" = "J"\n', encoding="utf-8")
    assert cli_main(["keys", "--config", str(path)]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "[list.down]" in line)
    assert line.split()[0] == "J"
    assert cli_main(["keys", "--markdown", "--defaults"]) == 0
    assert capsys.readouterr().out == markdown_tables()


def remapped_app(make_store: StoreMaker, tmp_path: Path, keys: str) -> NewsdeskApp:
    path = tmp_path / "config.toml"
    path.write_text("[keys]\n" + keys, encoding="utf-8")
    config, warnings = load_config(path)
    assert warnings == []
    root = make_store(
        {
            f"{i:03d}.txt": article_text(
                f"Story {i}",
                date=f"2026-03-{10 + i:02d}T10:00:00Z",
                url=f"https://news.example/{i}",
                body=f"Read [the report](https://report.example/{i}) and [more](https://more.example/{i}).",
            )
            for i in range(4)
        }
    )
    return NewsdeskApp(root, state=State(tmp_path / "state.sqlite3"), config=config)


async def test_pane_and_screen_keys_follow_the_remap(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = remapped_app(
        make_store, tmp_path, '"list.down" = "J"\n"help.down" = "ctrl+n"\n"links.close" = "x"\n'
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        articles = app.screen.query_one(ArticleList)
        start = articles.current_row
        await pilot.press("j")  # j is no longer the list's
        await pilot.pause()
        assert articles.current_row == start
        await pilot.press("J")
        await wait_for(pilot, lambda: articles.current_row != start)
        # `?` shows the user's key.
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        await wait_for(pilot, lambda: help_screen.query_one(HelpText).content_region.width > 0)
        widget = help_screen.query_one(HelpText)
        text = widget.text(widget.content_region.width).plain
        line = next(line for line in text.splitlines() if "Move down (a number" in line)
        assert line.split()[0] == "J"
        await wait_for(pilot, lambda: help_screen.scroller.max_scroll_y > 0)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: help_screen.scroller.scroll_y == 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_w_lists_the_articles_links_and_enter_previews_the_first(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    app = remapped_app(make_store, tmp_path, '"links.close" = "x"\n')
    previewed: list[list[str]] = []
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_loaded(pilot)
        main = app.screen
        assert isinstance(main, MainScreen)
        main._preview = previewed.append  # type: ignore[method-assign]
        await wait_for(pilot, lambda: main.detail.article is not None and main.detail._body_links)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, LinksScreen))
        links = app.screen
        assert isinstance(links, LinksScreen)
        assert [href for _, href in links.links] == [
            "https://news.example/3",
            "https://report.example/3",
            "https://more.example/3",
        ]
        assert [text for text, _ in links.links][1:] == ["the report", "more"]
        await pilot.press("escape")  # remapped away: escape no longer closes
        await pilot.pause()
        assert app.screen is links
        await pilot.press("x")
        await wait_for(pilot, lambda: app.screen is main)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, LinksScreen))
        await pilot.press("j", "enter")
        await wait_for(pilot, lambda: previewed == [["https://report.example/3"]])
        assert app.screen is main
