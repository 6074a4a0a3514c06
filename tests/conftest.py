"""Shared fixtures: a pinned time zone, the real sample article, store builders."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import stat
import sys
import threading
import time
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest
from textual._context import active_message_pump
from textual.message import Message

if TYPE_CHECKING:
    from reader.ui.messages import ArticleRead

M = TypeVar("M", bound=Message)

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
    most once in a batch. Rows are held without their excerpts, as those
    read from the index are (`test_index` checks the excerpts kept there)."""
    from reader.store.loader import Batch, Removed

    held = {} if held is None else held
    for event in events:
        if isinstance(event, Batch):
            items = (*event.rows, *event.problems)
            paths = [item.path for item in items]
            assert len(paths) == len(set(paths)), "a path appears once in a batch"
            for item in items:
                held[item.path] = _without_excerpt(item)
        elif isinstance(event, Removed):
            for path in event.paths:
                held.pop(path, None)
    return held


def held_in(root: Path) -> dict[str, Any]:
    """What the store at `root` holds, read in full, by path."""
    from reader.store.files import load_store

    result = load_store(root)
    return {item.path: _without_excerpt(item) for item in (*result.rows, *result.problems)}


def _without_excerpt(item: Any) -> Any:
    from reader.model import Row

    return dataclasses.replace(item, excerpt=None) if isinstance(item, Row) else item


class Messages:
    """A record of the messages an app handles, for `run_test(message_hook=...)`.

    Textual calls the hook as a message is dispatched, just before its
    handler runs; the recorder then asks that message pump to call it back
    once the handler has returned (`call_next`: the pump is Textual's
    private `active_message_pump`, the one way to it from the hook), and
    keeps the message in `handled`. A message that bubbles on to the app is
    recorded once, when the first pump (the screen that posted it) has
    handled it. By default it follows the messages of `reader.ui.messages`
    (what the background work reports); pass message types to follow those
    instead.
    """

    def __init__(self, *kinds: type[Message]) -> None:
        from reader.ui import messages

        self.kinds: tuple[type[Message], ...] = kinds or tuple(
            getattr(messages, name) for name in messages.__all__
        )
        self.handled: list[Message] = []
        """The messages followed, in the order their handlers returned."""
        self._seen: set[int] = set()
        self._arrived: asyncio.Event | None = None

    def __call__(self, message: Message) -> None:
        if not isinstance(message, self.kinds) or id(message) in self._seen:
            return
        self._seen.add(id(message))  # `handled` keeps it alive: the id stays its own
        active_message_pump.get().call_next(self._handled, message)

    def _handled(self, message: Message) -> None:
        self.handled.append(message)
        if self._arrived is not None:
            self._arrived.set()

    def mark(self) -> int:
        """A mark for `wait_message(after=...)`: what is handled from now on."""
        return len(self.handled)

    def of(self, kind: type[M], after: int = 0) -> list[M]:
        """The messages of `kind` handled since `after`, in order."""
        return [message for message in self.handled[after:] if isinstance(message, kind)]

    def mark_after(self, *kinds: type[Message]) -> int:
        """A mark just after the last message of any of `kinds` handled so far."""
        marks = [
            max((i + 1 for i, m in enumerate(self.handled) if isinstance(m, kind)), default=0)
            for kind in kinds
        ]
        return max(marks, default=0)

    async def _next(self, seconds: float) -> None:
        """Wait (letting the app run) until another message is handled, at most `seconds`."""
        if self._arrived is None:
            self._arrived = asyncio.Event()
        self._arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), seconds)


async def wait_message(
    pilot: object,
    recorder: Messages,
    kind: type[M],
    after: int = 0,
    timeout: float = 10.0,
    where: Callable[[M], object] | None = None,
) -> M:
    """Let the app run until it has handled a message of `kind` (one for
    which `where` holds, if given) since the mark `after`; return it. What
    its handler set going (a refresh, a notification) is done too."""
    app = pilot.app  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while True:
        for message in recorder.of(kind, after):
            if where is None or where(message):
                await pilot.pause()  # type: ignore[attr-defined]
                return message
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {kind.__name__} was handled in {timeout} s")
        if not app.is_running:
            raise AssertionError(f"the app stopped before a {kind.__name__} was handled")
        # Woken by the next message handled; the bound only notices an app
        # that stopped.
        await recorder._next(min(left, 0.25))


async def wait_article(
    pilot: object, recorder: Messages, after: int = 0, timeout: float = 10.0
) -> ArticleRead:
    """Let the app run until the article under the list's cursor has been
    read for the detail pane (since the mark `after`), and shown."""
    from reader.ui.messages import ArticleRead

    app = pilot.app  # type: ignore[attr-defined]

    def under_cursor(message: ArticleRead) -> bool:
        row = app.main_screen.articles.current_row
        return row is not None and app.library.rows[row].path == message.path

    return await wait_message(pilot, recorder, ArticleRead, after, timeout, under_cursor)


async def wait_loaded(pilot: object, timeout: float = 30.0) -> None:
    """Wait until the store is loaded and the app is idle: the load over
    (`LoadFinished` handled), no worker running and every message they
    posted handled, for a few turns of the app in a row."""
    from textual.worker import WorkerState

    app = pilot.app  # type: ignore[attr-defined]
    library = getattr(app, "library", None)
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3:
        if time.monotonic() > deadline:
            raise AssertionError("the app never became idle")
        # Without a delay: returns once the screen has handled what was
        # queued and the process is idle (at least one 20 ms turn).
        await pilot.pause()  # type: ignore[attr-defined]
        busy = any(
            worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            and worker.group not in {"prepare", "saved", "watch"}
            for worker in app.workers
        )
        busy = busy or (library is not None and library.loading)
        quiet = 0 if busy else quiet + 1


async def wait_for(pilot: object, ready: Callable[[], object], timeout: float = 10.0) -> None:
    """Let the app run until `ready()` holds (work done by its threads comes
    back as messages); fail when it never does."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"never ready: {ready}")
        await pilot.pause()  # type: ignore[attr-defined]


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
