"""Shared fixtures: a pinned time zone, the real sample article, store builders."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_SAMPLE = REPO.parent / "shared" / "sample-store"
"""The real article a user gave us: read in place, never shipped."""
needs_shared = pytest.mark.skipif(
    not SHARED_SAMPLE.is_dir(),
    reason="needs ../shared/sample-store beside the clone (CI has it)",
)
"""For tests that read the real article: a clone on its own skips them."""


@pytest.fixture(autouse=True, scope="session")
def _utc() -> Iterator[None]:
    """Dates are shown in local time: pin it so screens and snapshots agree."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()


def article_text(
    title: str = "A title",
    *,
    topics: list[str] | str | None = None,
    provider: str = "Harbour Post",
    domain: str = "harbourpost.example",
    date: str | None = "2026-03-14T08:30:00Z",
    url: str | None = None,
    quality: object = 50,
    body: str = "",
    extra: str = "",
) -> str:
    """The text of an article file in the store's format."""
    topics = ["AI"] if topics is None else topics
    lines = ["---", "category: news", f"title: {_yaml_str(title)}", 'excerpt: "An excerpt."']
    if date is not None:
        lines.append(f"publishedDateTime: {date}")
    if url is not None:
        lines.append(f'webUrl: "{url}"')
    lines += ["type: article", f"quality: {quality}", "heat: 3", "published: true"]
    lines += ["provider:", f"  name: {_yaml_str(provider)}", f"  domain: {domain}"]
    if isinstance(topics, str):
        lines.append(f"topics: {_yaml_str(topics)}")
    else:
        lines.append("topics:")
        lines += [f"  - {_yaml_str(topic)}" for topic in topics]
    if extra:
        lines.append(extra)
    lines += ['secured: "c2VjcmV0"', "---", body]
    return "\n".join(lines)


def _yaml_str(value: str) -> str:
    escaped = (
        value.replace("\\", "\\\\").replace('"', '\\"').replace("\x1b", "\\e").replace("\n", "\\n")
    )
    return f'"{escaped}"'


StoreMaker = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_store(tmp_path: Path) -> StoreMaker:
    """Write files (name -> text or bytes) into a fresh store folder."""

    counter = iter(range(1_000_000))

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / f"store{next(counter)}"
        root.mkdir()
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return root

    return make


def screen_text(app: object) -> str:
    """The characters on the app's screen right now, one line per row."""
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join(strip.text for strip in strips)


def held_after(events: Iterable[object], held: dict[str, Any] | None = None) -> dict[str, Any]:
    """What a consumer of loader events holds after applying `events` (to
    `held`, else to nothing), by path: rows and problems. A path appears at
    most once in a batch."""
    from reader.store.loader import Batch, Removed

    held = {} if held is None else held
    for event in events:
        if isinstance(event, Batch):
            items = (*event.rows, *event.problems)
            paths = [item.path for item in items]
            assert len(paths) == len(set(paths)), "a path appears once in a batch"
            for item in items:
                held[item.path] = item
        elif isinstance(event, Removed):
            for path in event.paths:
                held.pop(path, None)
    return held


def held_in(root: Path) -> dict[str, Any]:
    """What the store at `root` holds, read in full, by path."""
    from reader.store.files import load_store

    result = load_store(root)
    return {item.path: item for item in (*result.rows, *result.problems)}


async def wait_loaded(pilot: object, timeout: float = 30.0) -> None:
    """Wait until the app has been idle for a moment: no worker running and
    every message they posted handled."""
    from textual.worker import WorkerState

    app = pilot.app  # type: ignore[attr-defined]
    quiet = 0
    for _ in range(int(timeout / 0.03)):
        await pilot.pause(0.03)  # type: ignore[attr-defined]
        busy = any(
            worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            and worker.group not in {"prepare", "saved", "watch"}
            for worker in app.workers
        )
        busy = busy or getattr(app, "loading", False)
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
    raise AssertionError("the app never became idle")


async def wait_for(pilot: object, ready: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `ready()` holds (work done by its threads comes
    back as messages); fail when it never does."""
    for _ in range(int(timeout / 0.01)):
        if ready():
            return
        await pilot.pause(0.01)  # type: ignore[attr-defined]
    raise AssertionError(f"never ready: {ready}")


async def wait_saved(pilot: object, timeout: float = 10.0) -> None:
    """Wait until the app's state writer has done every job, and the app has
    handled what it said."""
    app = pilot.app  # type: ignore[attr-defined]
    await wait_for(
        pilot, lambda: app.library.writer is None or not app.library.writer.pending(), timeout
    )
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _private_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """State, cache and settings go to a fresh folder, never the user's."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real $BROWSER command that writes its arguments, one a line, to a file.

    webbrowser reads $BROWSER once: its registry is reset so it reads ours.
    """
    record = tmp_path / "argv.txt"
    script = tmp_path / "fake-browser"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"with open({str(record)!r}, 'a', encoding='utf-8') as out:\n"
        "    out.write('\\n'.join(sys.argv[1:]) + '\\n')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BROWSER", str(script))
    monkeypatch.setattr(webbrowser, "_tryorder", None)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    monkeypatch.setattr(webbrowser, "_os_preferred_browser", None, raising=False)
    return record


def finishes(call: Callable[[], Any], seconds: float = 20.0) -> Any:
    """`call()`, run in a thread that must finish within `seconds`: a guard
    against a hang (a regression fails the test, never blocks the run), not
    a timing assertion."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # handed back to the test
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]
