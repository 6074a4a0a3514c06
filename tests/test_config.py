"""Settings: checked with strict types, one key at a time, and said."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from reader.config import Config, config_path, describe, load_config, save_theme
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from tests.conftest import StoreMaker, article_text

THEMES = ["textual-dark", "textual-light", "nord", "gruvbox"]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_file_is_the_defaults_and_no_warning(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == (Config(), [])


def test_good_settings_apply(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[triage]\nmark_read_on_open = false\nmark_read_after = 2\n"
        'advance_after_star = true\narchive_marks_read = false\n[ui]\ntheme = "nord"\n',
    )
    config, warnings = load_config(path, THEMES)
    assert warnings == []
    assert config == Config(
        mark_read_on_open=False,
        mark_read_after=2.0,
        advance_after_star=True,
        archive_marks_read=False,
        theme="nord",
    )


@pytest.mark.parametrize("value", ['"false"', "0", "1", '"no"'])
def test_bools_are_strict(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"[triage]\nmark_read_on_open = {value}\n")
    config, [warning] = load_config(path)
    assert config.mark_read_on_open is True  # the default, not bool("false")
    assert warning.startswith(f"{path}:2: mark_read_on_open: Expected `bool`")
    assert "the default (true) applies" in warning


def test_an_unknown_key_names_its_line_and_the_closest_known_key(tmp_path: Path) -> None:
    path = write(tmp_path, "# mine\n[triage]\nadvance_after_starr = true\n")
    config, warnings = load_config(path)
    assert config == Config()
    assert warnings == [
        f"{path}:3: advance_after_starr: unknown setting; did you mean advance_after_star?"
    ]


def test_unknown_tables_and_keys_out_of_their_table_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\n[tirage]\nx = 1\n')
    _, warnings = load_config(path)
    assert warnings == [
        f"{path}:1: theme: unknown setting; did you mean [ui] theme?",
        f"{path}:2: [tirage]: unknown table; did you mean [triage]?",
    ]


def test_a_bad_value_falls_back_while_the_good_ones_apply(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[triage]\nmark_read_on_open = false  # kept\nmark_read_after = -3\n"
        'archive_marks_read = "yes"\nadvance_after_star = true\n',
    )
    config, warnings = load_config(path)
    assert config == Config(mark_read_on_open=False, advance_after_star=True)
    assert [w.split(": ")[1] for w in warnings] == ["mark_read_after", "archive_marks_read"]
    assert warnings[0].startswith(f"{path}:3: ")
    assert warnings[1].startswith(f"{path}:4: ")


def test_a_file_that_is_not_toml_is_one_warning_and_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "[triage\nbroken")
    config, [warning] = load_config(path)
    assert config == Config()
    assert warning.startswith(f"{path}: settings not read: ")


def test_an_unknown_theme_is_named_with_some_valid_ones(tmp_path: Path) -> None:
    path = write(tmp_path, '[ui]\ntheme = "nordd"\n')
    config, [warning] = load_config(path, THEMES)
    assert config.theme is None
    assert warning.startswith(f"{path}:2: theme: unknown theme 'nordd'; did you mean nord?")
    assert "textual-dark" in warning


def test_the_file_is_chosen_by_option_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_CONFIG", str(tmp_path / "env.toml"))
    assert config_path(tmp_path / "opt.toml") == tmp_path / "opt.toml"
    assert config_path() == tmp_path / "env.toml"
    monkeypatch.delenv("NEWSDESK_CONFIG")
    assert config_path().name == "config.toml"


def test_describe_gives_each_setting_with_its_default() -> None:
    lines = describe(Config(mark_read_on_open=False, theme="nord"))
    assert lines[0].split() == ["triage.mark_read_on_open", "=", "false", "#", "default", "true"]
    assert any(line.startswith('ui.theme = "nord"') for line in lines)


def test_saving_a_theme_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    text = '# my settings\n[triage]\nmark_read_after = 2  # seconds\n\n[ui]\ntheme = "nord"\n'
    path = write(tmp_path, text)
    save_theme(path, "gruvbox")
    assert path.read_text(encoding="utf-8") == text.replace('"nord"', '"gruvbox"')
    fresh = tmp_path / "sub" / "new.toml"
    save_theme(fresh, "nord")
    assert load_config(fresh)[0].theme == "nord"


def test_saving_a_theme_leaves_a_broken_file_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "[triage\nbroken")
    with pytest.raises(ValueError):
        save_theme(path, "nord")
    assert path.read_text(encoding="utf-8") == "[triage\nbroken"


def one_store(make_store: StoreMaker) -> Path:
    return make_store({"a.txt": article_text("Story", topics=["AI"])})


async def test_the_theme_is_applied_at_start_and_not_written_back(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = write(tmp_path, '[ui]\ntheme = "nord"\n')
    config, _ = load_config(path, THEMES)
    app = NewsdeskApp(
        one_store(make_store),
        state=State(tmp_path / "state.sqlite3"),
        config=config,
        config_path=path,
    )
    before = path.stat().st_mtime_ns
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        await app.workers.wait_for_complete()
    assert path.stat().st_mtime_ns == before


async def test_a_theme_chosen_is_written_back_keeping_the_rest(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    text = '# mine\n[triage]\nmark_read_after = 2  # seconds\n\n[ui]\ntheme = "nord"\n'
    path = write(tmp_path, text)
    config, _ = load_config(path, THEMES)
    app = NewsdeskApp(
        one_store(make_store),
        state=State(tmp_path / "state.sqlite3"),
        config=config,
        config_path=path,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "gruvbox"
        deadline = time.monotonic() + 10
        while path.read_text(encoding="utf-8") == text and time.monotonic() < deadline:
            await pilot.pause()
            await app.workers.wait_for_complete()
    assert path.read_text(encoding="utf-8") == text.replace('"nord"', '"gruvbox"')


async def test_a_theme_that_cannot_be_written_is_said(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    path = write(tmp_path, "[triage\nbroken")
    app = NewsdeskApp(
        one_store(make_store), state=State(tmp_path / "state.sqlite3"), config_path=path
    )
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "gruvbox"
        deadline = time.monotonic() + 10
        while not app._notifications and time.monotonic() < deadline:
            await pilot.pause()
            await app.workers.wait_for_complete()
        assert any("not saved" in n.message for n in app._notifications)
    assert path.read_text(encoding="utf-8") == "[triage\nbroken"


# -- [keys] --------------------------------------------------------------------------


def test_keys_remap_actions_by_id_or_alias_to_a_key_or_a_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[keys]\nstar = "f"\narchive = ["Z", "delete"]\n'
        '"app.quit" = "ctrl+q"\nhelp = ["?", "f1"]\n',
    )
    config, warnings = load_config(path)
    assert warnings == []
    assert config.keys == {
        "toggle_star": ("f",),
        "archive": ("Z", "delete"),
        "app.quit": ("ctrl+q",),
        "app.help": ("question_mark", "f1"),
    }


def test_an_unknown_action_is_named_with_the_closest_one(tmp_path: Path) -> None:
    path = write(tmp_path, '[keys]\nstr = "f"\ntoggle_stra = "g"\nread = "r"\n')
    config, warnings = load_config(path)
    assert config.keys == {"toggle_read": ("r",)}
    assert warnings == [
        f"{path}:2: keys.str: unknown action; did you mean star?",
        f"{path}:3: keys.toggle_stra: unknown action; did you mean toggle_star?",
    ]


@pytest.mark.parametrize("value", ["3", "[]", '["f", 2]', '""', '"a,b"'])
def test_a_key_must_be_a_string_or_a_list_of_strings(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f'[keys]\nstar = {value}\ntag = "W"\n')
    config, warnings = load_config(path)
    assert config.keys == {"tag": ("W",)}
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}:2: keys.star")


def test_a_key_given_to_two_actions_is_named_and_neither_remap_applies(tmp_path: Path) -> None:
    path = write(tmp_path, '[keys]\nstar = "e"\ntag = "W"\nread = "W"\nundo = "K"\nredo = "k"\n')
    config, warnings = load_config(path)
    # `e` is archive's by default: star keeps `s`; `W` twice: tag and read keep
    # theirs; `k` moves up in every pane, so it would never reach redo.
    assert config.keys == {"undo": ("K",)}
    assert warnings == [
        f"{path}:2: keys.star: key 'e' is given to star and archive; the default keys apply",
        f"{path}:3: keys.tag: key 'W' is given to tag and read; the default keys apply",
        f"{path}:6: keys.redo: key 'k' is given to redo and list.up and tree.up and detail.up;"
        " the default keys apply",
    ]


def test_a_pane_may_keep_a_main_screen_key_for_itself(tmp_path: Path) -> None:
    # The tree's `delete` deletes a saved search; elsewhere it archives.
    config, warnings = load_config(write(tmp_path, '[keys]\narchive = ["e", "delete"]\n'))
    assert warnings == [] and config.keys == {"archive": ("e", "delete")}


def test_describe_gives_the_remapped_keys_with_their_defaults(tmp_path: Path) -> None:
    config, _ = load_config(write(tmp_path, '[keys]\nstar = "f"\narchive = ["Z", "delete"]\n'))
    lines = describe(config)
    star = next(line for line in lines if line.startswith("keys.toggle_star"))
    assert star.split() == ["keys.toggle_star", "=", '"f"', "#", "default", '"s"']
    assert any(line.startswith('keys.archive = ["Z", "delete"]') for line in lines)
    assert not any(line.startswith("keys.") for line in describe(Config()))
