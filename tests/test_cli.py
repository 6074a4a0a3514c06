"""The `newsdesk` command line, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


def newsdesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_help_explains_the_store_argument_and_subcommands() -> None:
    result = newsdesk("--help")
    assert result.returncode == 0
    assert "STORE" in result.stdout and "sample store" in result.stdout
    for word in ("preview", "export", "count"):
        assert f"newsdesk {word}" in result.stdout


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "no such store"),
        (lambda tmp: tmp, "no article files"),
        (lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt", "not a folder"),
    ],
)
def test_a_bad_store_is_one_line_and_status_2(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    result = newsdesk(str(make(tmp_path)))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr and "Traceback" not in result.stderr


def test_the_built_wheel_carries_styles_and_the_sample_store(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = tmp_path.glob("newsdesk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "reader/styles/app.tcss" in names
    assert sum(name.startswith("reader/sample_store/") for name in names) >= 40
    assert any(name.endswith("entry_points.txt") for name in names)


def test_what_start_up_finds_is_said_on_screen_not_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader import cli
    from reader.ui.app import NewsdeskApp

    state = tmp_path / "state.sqlite3"
    state.write_bytes(b"not a database, a damaged one" * 100)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "newsdesk").mkdir()
    (tmp_path / "newsdesk" / "config.toml").write_text("[triage\nbroken", encoding="utf-8")
    shown: list[str] = []

    def run(app: NewsdeskApp) -> None:  # the screen, without a terminal
        shown.extend(app.notices)

    monkeypatch.setattr(NewsdeskApp, "run", run)
    assert cli.main([str(REPO / "reader" / "sample_store"), "--state", str(state)]) == 0
    said = capsys.readouterr()
    assert "kept it as" not in said.err and "kept as" not in said.err
    assert any("could not be read" in notice and "kept as" in notice for notice in shown)
    assert any("config.toml" in notice for notice in shown)
    assert len(list(tmp_path.glob("state.sqlite3.corrupt-*"))) == 1


@pytest.mark.parametrize("command", ["export", "count"])
def test_export_and_count_take_the_apps_index_options(command: str) -> None:
    result = newsdesk(command, "--help")
    assert result.returncode == 0
    for option in ("--query Q", "--saved NAME", "--cache PATH", "--rebuild", "--quiet"):
        assert option in result.stdout
    assert ("--format" in result.stdout) == (command == "export")


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_settings_file_is_chosen_with_config_or_newsdesk_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from reader import cli
    from reader.ui.app import NewsdeskApp

    settings = tmp_path / "mine.toml"
    settings.write_text(
        '[triage]\nmark_read_on_open = "false"\narchive_marks_read = false\n[ui]\ntheme = "nord"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    args = [str(REPO / "reader" / "sample_store"), "--state", str(tmp_path / "s.sqlite3")]
    if how == "option":
        monkeypatch.setenv("NEWSDESK_CONFIG", str(tmp_path / "not-this.toml"))
        args += ["--config", str(settings)]
    else:
        monkeypatch.setenv("NEWSDESK_CONFIG", str(settings))
    seen: list[NewsdeskApp] = []
    monkeypatch.setattr(NewsdeskApp, "run", lambda app: seen.append(app))
    assert cli.main(args) == 0
    [app] = seen
    assert app.config_path == settings
    assert app.config.archive_marks_read is False and app.config.theme == "nord"
    assert app.config.mark_read_on_open is True  # "false" is not a bool: the default
    assert app.notices == [
        f"{settings}:2: mark_read_on_open: Expected `bool`, got `str`; the default (true) applies"
    ]


def test_config_prints_the_settings_in_force_with_their_defaults(tmp_path: Path) -> None:
    settings = tmp_path / "config.toml"
    settings.write_text("[triage]\nmark_read_after = 3\n", encoding="utf-8")
    result = newsdesk("config", "--config", str(settings))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"# {settings}"
    assert any(
        line.split() == ["triage.mark_read_after", "=", "3", "#", "default", "0"] for line in lines
    )
    assert any(line.startswith("ui.theme = ") for line in lines)
    assert result.stderr == ""


def test_config_check_exits_1_with_the_problems_and_0_when_clean(tmp_path: Path) -> None:
    settings = tmp_path / "config.toml"
    settings.write_text("[triage]\nadvance_after_starr = true\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "reader", "config", "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NEWSDESK_CONFIG": str(settings)},
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{settings}:2: advance_after_starr: unknown setting; did you mean advance_after_star?",
        f"1 problem in {settings}",
    ]
    settings.write_text('[triage]\nadvance_after_star = true\n[ui]\ntheme = "nord"\n')
    result = newsdesk("config", "--check", "--config", str(settings))
    assert (result.returncode, result.stdout) == (0, f"no problems in {settings}\n")
