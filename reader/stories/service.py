"""Story grouping for an open store, in a process of its own.

Grouping a store is CPU work (at 100,000 articles some ten seconds on this
project's reference machine: sketches, URL keys and the candidate pairs);
in the app's process it would share the interpreter with the screen for
that long. So it runs in a helper process at a lower priority, like the
body index: it reads the rows and their links from the store's index
itself (the loader wrote them), groups them in one go, writes the stories
that changed back to the index, and sends the app what changed. It then
stays, holding the grouping, for the files that change while the app runs:
each costs a fraction of a millisecond there.

The grouping itself is kept in the index too (`Stories.to_bytes`, with
the `written()` count it matches), and the index logs every file written
or removed after that (`StoreIndex.story_log`). A later start reads the
grouping back and regroups only the files logged since: at 100,000
articles, a fraction of a second and a fraction of the memory of grouping
them all. Whatever is wrong with the kept grouping (another version, other
settings, damage) means grouping them all, once.

The app shows the stories the index kept at once (a warm start's are
right unless files changed), so a start waits for none of this.

`group_index` does the same work in the calling process: for `newsdesk
export` and `count`, and for an index held in memory.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from reader.model import Row
from reader.stories.group import Stories, StoryDoc
from reader.stories.storage import split_links
from reader.stories.text import sketch

Changes = dict[str, str | None]
"""Path -> its story id, or None when it is alone (or gone)."""

RowData = tuple[str, float | None, int | None, str, str, str, str]
"""What the helper needs of a row: path, published, quality, title,
excerpt, web_url, links (a `Row` would pickle its every field)."""


def row_data(row: Row) -> RowData:
    """(A row parsed afresh: one read from the index has no excerpt, and the
    helper reads those rows from the index itself.)"""
    excerpt = row.excerpt or ""
    return (row.path, row.published, row.quality, row.title, excerpt, row.web_url, row.links)


def doc_of(data: RowData) -> StoryDoc:
    """A row's story doc."""
    path, published, quality, title, excerpt, web_url, links = data
    own, related = split_links(web_url, links)
    return StoryDoc(path, published, quality, own, related, sketch(title, excerpt))


def changes_of(grouper: Stories, paths: Iterable[str]) -> Changes:
    """Each path's story id now (None: alone, or gone), and every article's
    of the stories they are in (one whose id stayed may have just stopped
    being alone)."""
    changes: Changes = {}
    done: set[str] = set()
    for path in paths:
        if path not in grouper:
            changes[path] = None
            continue
        story = grouper.story_of(path)
        if story in done:
            continue
        done.add(story)
        members = grouper.members(story)
        if len(members) > 1:
            changes.update(dict.fromkeys(members, story))
        else:
            changes[path] = None
    return changes


def settle(grouper: Stories, kept: Mapping[str, str]) -> Changes:
    """Where the grouping differs from the stories `kept` (path -> id of
    the stories of two or more, as the index had them)."""
    now = grouper.stories()
    sizes: dict[str, int] = {}
    for story in now.values():
        sizes[story] = sizes.get(story, 0) + 1
    wanted = {path: story for path, story in now.items() if sizes[story] > 1}
    return {
        path: wanted.get(path)
        for path in wanted.keys() | kept.keys()
        if wanted.get(path) != kept.get(path)
    }


KEEP_AFTER = 2_000
"""Files regrouped at a start, from the kept grouping, past which the
grouping is kept again (the log and the next start's work stay small)."""


def build(index: Any) -> Stories:
    """The grouping of every row of `index` (a `StoreIndex`)."""
    grouper = Stories()
    grouper.add_all(doc_of(data) for data in index.story_inputs())
    return grouper


def kept_grouping(index: Any) -> tuple[Stories, list[str]] | None:
    """The grouping the index kept, and the files logged since it was
    kept; None when there is none that can be used."""
    try:
        kept = index.read_story_state(Stories.read)
    except ValueError:
        return None
    if kept is None:
        return None
    at, grouper = kept
    return grouper, index.story_log(at)


def group_index(index: Any) -> tuple[Stories, Changes]:
    """(any thread) Group the store of `index` here: the grouping the
    index kept with the files logged since regrouped, else every file. The
    grouping, and the changes to the stories the index kept, which are
    written back (with the grouping, when it was made afresh or much
    changed)."""
    index.start_story_log()
    written = index.written()
    found = kept_grouping(index)
    if found is None:
        grouper, redone = build(index), -1
    else:
        grouper, paths = found
        rows = list(index.story_inputs(paths))
        here = {data[0] for data in rows}
        grouper.remove([path for path in paths if path not in here])
        grouper.add(doc_of(data) for data in rows)
        redone = len(paths)
        del rows, here, paths
    changes = settle(grouper, index.stories())
    keep = redone < 0 or redone > KEEP_AFTER
    if redone < 0:
        _give_back_memory()  # the build's texts and pairs, before the grouping is written
    index.set_stories(
        changes, grouped_at=written, state=(written, grouper.pieces()) if keep else None
    )
    return grouper, changes


def update(grouper: Stories, index: Any, rows: Iterable[RowData], gone: Iterable[str]) -> Changes:
    """Files that changed, appeared (`rows`) or vanished (`gone`).

    The stories they touch are written to the index, but neither the
    grouping nor the count it is current at: the app writes a file to the
    index before it sends it here, so the index may already hold writes
    this grouping has not seen. The log keeps them (`StoreIndex.story_log`)
    and the next start regroups them from the kept grouping."""
    gone, rows = list(gone), list(rows)
    changed = grouper.remove(gone) if gone else set()
    changed |= grouper.add(doc_of(data) for data in rows)
    # A file written left its story in the app even when its id stayed.
    changes = changes_of(grouper, changed.union(data[0] for data in rows))
    if index is not None:
        with contextlib.suppress(sqlite3.Error):
            index.set_stories(changes)
    return changes


# -- the helper process --------------------------------------------------------------


def serve(store: str, index_path: str, connection: Connection) -> None:
    """The helper process: group the store from its index, send the
    changes, then take updates (`("update", rows, gone)`) until the pipe
    closes or says `("stop",)`."""
    from reader.store.index import StoreIndex
    from reader.store.processes import run_below_the_app

    run_below_the_app()
    with StoreIndex(Path(store), Path(index_path)) as index, contextlib.closing(connection):
        try:
            grouper, changes = group_index(index)
        except Exception as error:  # a damaged index, or a bug: said, not hidden
            connection.send(("failed", f"{type(error).__name__}: {error}"))
            return
        connection.send(("changes", changes))
        del changes
        _give_back_memory()  # what settling freed: the grouping is 35 MB at 100k
        while True:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                return
            if message[0] != "update":
                return
            _, rows, gone = message
            try:
                changes = update(grouper, index, rows, gone)
            except Exception as error:
                connection.send(("failed", f"{type(error).__name__}: {error}"))
                return
            connection.send(("changes", changes))


def _give_back_memory() -> None:
    """Return what the build freed to the system (glibc keeps freed memory
    for the process otherwise): this process lives as long as the app."""
    import gc
    import sys

    gc.collect()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).malloc_trim(0)


class StoryService:
    """(app) The helper process, seen from the app: `update` sends it the
    files that changed; `on_changes` gets each answer, on a thread of its
    own. Without an index file, the work is done on that thread instead."""

    def __init__(
        self,
        index: Any,
        on_changes: Callable[[Changes], object],
        on_failure: Callable[[str], object],
    ) -> None:
        self._index = index
        self._on_changes = on_changes
        self._on_failure = on_failure
        self._connection: Connection | None = None
        self._process: Any = None
        self._grouper: Stories | None = None
        """Held here instead when the index is in memory."""
        self._lock = threading.Lock()
        self._queue: list[tuple[list[RowData], list[str]]] = []
        self._closed = False
        self._started = False

    def start(self) -> None:
        """Group the store now (in the helper process, or on a thread when
        the index is in memory). Without a call, the first `update` does."""
        with self._lock:
            if self._started:
                return
            self._started = True
        path = self._index.path
        if path is None:
            threading.Thread(target=self._here, name="stories", daemon=True).start()
            return
        from multiprocessing import Pipe

        from reader.store.processes import mp_context

        mine, theirs = Pipe()
        context = mp_context()
        process = context.Process(  # type: ignore[attr-defined]
            target=serve, args=(str(self._index.store), str(path), theirs), daemon=True
        )
        process.start()
        theirs.close()
        self._connection, self._process = mine, process
        threading.Thread(target=self._listen, name="stories", daemon=True).start()

    def _here(self) -> None:
        try:
            grouper, changes = group_index(self._index)
        except sqlite3.Error as error:
            self._on_failure(str(error))
            return
        with self._lock:
            self._grouper = grouper
            queued, self._queue = self._queue, []
        self._on_changes(changes)
        for rows, gone in queued:
            self.update(rows, gone)

    def _listen(self) -> None:
        connection = self._connection
        assert connection is not None
        while True:
            try:
                kind, payload = connection.recv()
            except (EOFError, OSError, ValueError, TypeError):
                return  # the pipe closed (the app is quitting)
            if kind == "failed":
                self._on_failure(payload)
                return
            if not self._closed:
                self._on_changes(payload)

    def update(self, rows: list[RowData], gone: list[str]) -> None:
        """(any thread) Files that changed: their stories come to `on_changes`."""
        if self._closed or (not rows and not gone):
            return
        if not self._started:
            self.start()
        if self._connection is not None:
            with contextlib.suppress(OSError, ValueError):
                self._connection.send(("update", rows, gone))
            return
        with self._lock:
            grouper = self._grouper
            if grouper is None:
                self._queue.append((rows, gone))
                return
            changes = update(grouper, self._index, rows, gone)
        self._on_changes(changes)

    def close(self) -> None:
        self._closed = True
        if self._connection is not None:
            with contextlib.suppress(OSError, ValueError):
                self._connection.send(("stop",))
            self._connection.close()
        if self._process is not None:
            self._process.join(timeout=1)
            if self._process.is_alive():
                self._process.terminate()
