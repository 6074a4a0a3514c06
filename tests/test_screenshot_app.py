"""The palette's "Screenshot": saved in a folder that exists, and said where
(Textual's default, `~/Downloads`, is often missing: it then said only
"Failed to save screenshot")."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest
from textual.command import CommandPalette

from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from tests.conftest import StoreMaker, article_text, wait_for, wait_loaded


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of our own, without `Downloads`, where the pictures folder is
    `~/Pictures` (no user-dirs.dirs, no XDG_PICTURES_DIR); the current
    folder is another fresh one."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("XDG_PICTURES_DIR", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert platformdirs.user_pictures_dir() == str(home / "Pictures")
    return home


def messages(app: NewsdeskApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


def make_app(make_store: StoreMaker, tmp_path: Path) -> NewsdeskApp:
    root = make_store({"a.txt": article_text("Harbour wall repairs approved")})
    return NewsdeskApp(root, state=State(tmp_path / "s.db"))


async def test_palette_screenshot_goes_to_the_pictures_folder(
    make_store: StoreMaker, tmp_path: Path, home: Path
) -> None:
    pictures = home / "Pictures"
    pictures.mkdir()
    app = make_app(make_store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("screenshot" in m.lower() for m, _ in messages(app)))

        saved = list(pictures.glob("*.svg"))
        assert len(saved) == 1
        assert messages(app)[-1] == (f"Screenshot saved to {saved[0]}", "information")
        assert saved[0].read_text(encoding="utf-8").startswith("<svg")
        assert not (home / "Downloads").exists()
        assert not list((tmp_path / "work").iterdir())


async def test_without_a_pictures_folder_the_screenshot_goes_to_the_current_one(
    make_store: StoreMaker, tmp_path: Path, home: Path
) -> None:
    app = make_app(make_store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        path = app.deliver_screenshot()
        await pilot.pause()

        work = tmp_path / "work"
        saved = list(work.glob("*.svg"))
        assert len(saved) == 1 and path == str(saved[0])
        assert messages(app)[-1] == (f"Screenshot saved to {saved[0]}", "information")
        assert not (home / "Pictures").exists()


async def test_a_screenshot_that_cannot_be_saved_says_why(
    make_store: StoreMaker, tmp_path: Path, home: Path
) -> None:
    app = make_app(make_store, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        missing = tmp_path / "gone"
        assert app.deliver_screenshot("shot.svg", str(missing)) is None
        await pilot.pause()

        message, severity = messages(app)[-1]
        assert severity == "error"
        assert message.startswith("Could not save the screenshot: [Errno 2]")
        assert str(missing / "shot.svg") in message
        assert not missing.exists()
