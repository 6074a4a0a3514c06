"""Keeping a loaded store live: files added, changed or removed show up.

A portable, standard-library watcher that polls (every `INTERVAL` seconds
by default) instead of asking the operating system for change events:

- **folders first**: it keeps the modification time of every folder of the
  store. Adding, removing or renaming a file changes its folder's time
  (so does the usual "write a temporary file, rename it into place"), so
  one `stat` per folder finds the few folders to list again; only their
  files are compared with the index, by modification time and size.
  A new folder is read in full; a vanished one drops all it held.
- **a rolling sweep** for files rewritten in place (which leaves the
  folder's time alone): each check also stats the next `SWEEP` indexed
  files, so a store of up to `SWEEP` files is fully checked every time and
  a larger one every `files / SWEEP` checks.

At 100,000 files a check costs a few hundred folder stats plus `SWEEP`
file stats: about 20 ms, against most of a second for a full walk; a
`pause` callable, called every `PAUSE_EVERY` stats, lets it wait while the
user is at the keys. New and changed files are parsed here, written to the
index and reported with the loader's events (`reader.store.loader`): `Batch` (a row or
problem replaces whatever is held for its path), `Removed`, and `Notice`
when the index fails (watching then stops).

The index is the watcher's memory of the store: it must hold what the
consumer holds, which is the case after `stream_store(root, index=...)`
ran to its end with the same index.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reader.model import Problem
from reader.store.files import ARTICLE_SUFFIXES, FileEntry, parse_rows
from reader.store.index import FileProblem, StoreIndex
from reader.store.loader import CHUNK, Batch, Event, Notice, Removed
from reader.text import shown_path

INTERVAL = 1.0
"""Seconds between two checks: changes show up within about this long,
plus the time to parse them."""
SWEEP = 2000
"""Indexed files stat'ed per check, for files rewritten in place."""
PAUSE_EVERY = 256
"""Folders (recorded or checked) or swept files between two calls of the
watcher's `pause`: a check at 100,000 files takes about 20 ms of the
interpreter, which a key pressed meanwhile would wait for."""
RACY_NS = 2_000_000_000
"""A folder modified less than this long before a check is listed again at
the next check too: on file systems with coarse times (FAT keeps two
seconds), a second change within the same tick leaves the time as it was."""


class StoreWatcher:
    """Finds what changed in a store since the last check.

    `since` is the wall-clock time (`time.time()`) at which the consumer's
    view of the store was taken, normally when the load began: folders
    modified after it are listed again at the first check, so that changes
    made during the load are not missed. Without it, the first check takes
    the folders as they are.
    """

    def __init__(
        self,
        root: Path,
        index: StoreIndex,
        *,
        since: float | None = None,
        sweep: int = SWEEP,
        pause: Callable[[], object] | None = None,
    ) -> None:
        self.root = root
        self.pause = pause
        """Called every `PAUSE_EVERY` stats: the app waits there while keys
        come in (see `reader.pacing`)."""
        self.index = index
        self._prefix = os.path.join(root, "")
        """The store's folder with a trailing separator: store paths joined
        to it as strings (a `Path` per file costs more than the stat)."""
        self.since_ns = None if since is None else int(since * 1e9)
        self.sweep = sweep
        self.folders: dict[str, int] | None = None
        """Store folder ('' for the top, else ending in '/') -> mtime_ns."""
        self._ids: dict[tuple[int, int], str] = {}
        """(device, inode) -> folder: a folder reached twice (a link loop)
        is entered once, as in `reader.store.files.scan`."""
        self._swept_to = ""
        self.stopped = False
        self.gone = False
        """The store's folder has disappeared (moved, unmounted): what was
        read stays on screen, and nothing counts as removed until it is back."""

    # -- one check --------------------------------------------------------------------

    def poll(self) -> list[Event]:
        """Check the store once; return the events for what changed."""
        if self.stopped:
            return []
        try:
            return self._poll()
        except sqlite3.Error as error:
            self.stopped = True
            return [Notice(f"Watching the store stopped: the article index failed ({error}).")]

    def _poll(self) -> list[Event]:
        notices: list[Event] = []
        if not _is_dir(self._prefix):
            if self.gone:
                return []
            self.gone = True
            return [
                Notice(
                    f"The store's folder {shown_path(self.root)} is gone: showing what was"
                    " read. It is read again if it comes back."
                )
            ]
        if self.gone:
            # Back (perhaps another folder under the same name): every folder
            # is listed again and its files compared with the index.
            self.gone = False
            self.folders = None
            self._ids.clear()
            self._snapshot()
            assert self.folders is not None
            self.folders = dict.fromkeys(self.folders, -1)
            notices.append(Notice(f"The store's folder {shown_path(self.root)} is back."))
        if self.folders is None:
            self._snapshot()
        assert self.folders is not None
        changed: dict[str, FileEntry] = {}
        removed: set[str] = set()
        problems: list[Problem] = []
        now = time.time_ns()
        for count, (folder, seen_mtime) in enumerate(list(self.folders.items()), 1):
            self._maybe_pause(count)
            if folder not in self.folders:
                continue  # dropped with a parent folder below
            try:
                mtime = os.stat(self._abs(folder)).st_mtime_ns
            except OSError:
                if folder:
                    removed.update(self._drop(folder))
                continue
            if mtime == seen_mtime and not 0 <= now - mtime <= RACY_NS:
                continue
            self.folders[folder] = mtime
            self._relist(folder, changed, removed, problems)
        self._sweep_files(changed, removed)
        if not _is_dir(self._prefix):
            return notices  # it went while being checked: nothing is removed
        events: list[Event] = notices
        removed.difference_update(changed)
        if removed:
            paths = sorted(removed)
            self.index.remove(paths)
            events.append(Removed(paths))
        if problems:
            events.append(Batch([], problems))
        entries = sorted(changed.values(), key=lambda entry: entry.path)
        for start in range(0, len(entries), CHUNK):
            chunk = entries[start : start + CHUNK]
            rows, bad = parse_rows(self.root, chunk)
            stats = {entry.path: entry for entry in chunk}
            self.index.put(
                rows,
                [
                    FileProblem(p.path, stats[p.path].mtime_ns, stats[p.path].size, p.reason)
                    for p in bad
                ],
            )
            events.append(Batch(rows, bad))
        return events

    def watch(
        self,
        cancelled: Callable[[], bool] = lambda: False,
        interval: float = INTERVAL,
    ) -> Iterator[Event]:
        """Check every `interval` seconds until `cancelled()` (or the index
        fails), yielding the events of each check."""
        while not cancelled() and not self.stopped:
            started = time.monotonic()
            for event in self.poll():
                if cancelled():
                    return
                yield event
            while not cancelled() and time.monotonic() - started < interval:
                time.sleep(min(0.05, interval))

    def _maybe_pause(self, count: int) -> None:
        if self.pause is not None and not count % PAUSE_EVERY:
            self.pause()

    # -- folders ------------------------------------------------------------------------

    def _abs(self, folder: str) -> str:
        return self._prefix + folder

    def _snapshot(self) -> None:
        """Record every folder's time (listing names only, no file stats)."""
        self.folders = {}
        stack = [""]
        count = 0
        while stack:
            count += 1
            self._maybe_pause(count)
            folder = stack.pop()
            try:
                st = os.stat(self._abs(folder))
            except OSError:
                continue
            ident = (st.st_dev, st.st_ino)
            if ident in self._ids:
                continue
            self._ids[ident] = folder
            mtime = st.st_mtime_ns
            # The change time as well: a folder renamed keeps its mtime.
            latest = max(mtime, st.st_ctime_ns)
            if self.since_ns is not None and latest >= self.since_ns - RACY_NS:
                mtime = -1  # changed during the load: list it at the first check
            self.folders[folder] = mtime
            try:
                with os.scandir(self._abs(folder)) as it:
                    for entry in it:
                        if not entry.name.startswith(".") and _is_folder(entry):
                            stack.append(f"{folder}{entry.name}/")
            except OSError:
                continue

    def _relist(
        self,
        folder: str,
        changed: dict[str, FileEntry],
        removed: set[str],
        problems: list[Problem],
    ) -> None:
        """List one folder again and compare its files with the index.

        New subfolders are read in full (recursively); subfolders that went
        away are dropped.
        """
        assert self.folders is not None
        try:
            with os.scandir(self._abs(folder)) as it:
                entries = list(it)
        except OSError:
            if folder:
                removed.update(self._drop(folder))
            return
        known = self.index.stats(folder, direct=True)
        subfolders: dict[str, tuple[int, int, int]] = {}
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = folder + name
            try:
                st = entry.stat()
            except OSError as error:
                if name.lower().endswith(ARTICLE_SUFFIXES):
                    problems.append(Problem(path, f"unreadable: {error.strerror or error}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                subfolders[path + "/"] = (st.st_dev, st.st_ino, st.st_mtime_ns)
            elif (
                stat.S_ISREG(st.st_mode)
                and name.lower().endswith(ARTICLE_SUFFIXES)
                and known.pop(path, None) != (st.st_mtime_ns, st.st_size)
            ):
                changed[path] = FileEntry(path, st.st_mtime_ns, st.st_size)
        removed.update(known)
        # Folders that went away first: one renamed keeps its inode, and
        # must not pass for a link loop under its new name.
        # Indexed folders too: one may have gone before the first check.
        held = {f for f in self.folders if f and _parent(f) == folder}
        for gone in sorted((held | self.index.subfolders(folder)) - subfolders.keys()):
            removed.update(self._drop(gone))
        for sub, (device, inode, mtime) in sorted(subfolders.items()):
            if sub in self.folders:
                continue
            owner = self._ids.get((device, inode))
            if owner is not None and owner != sub:
                continue  # reached before by another way: a link loop
            self._ids[(device, inode)] = sub
            self.folders[sub] = mtime
            self._relist(sub, changed, removed, problems)

    def _drop(self, folder: str) -> set[str]:
        """Forget a folder that went away, and everything under it."""
        assert self.folders is not None
        for sub in [f for f in self.folders if f.startswith(folder)]:
            del self.folders[sub]
        for ident in [i for i, f in self._ids.items() if f.startswith(folder)]:
            del self._ids[ident]
        return set(self.index.stats(folder))

    # -- files rewritten in place -------------------------------------------------------

    def _sweep_files(self, changed: dict[str, FileEntry], removed: set[str]) -> None:
        if self.sweep <= 0:
            return
        batch = self.index.stats_after(self._swept_to, self.sweep)
        prefix = self._prefix
        self._swept_to = batch[-1][0] if len(batch) == self.sweep else ""
        for count, (path, mtime, size) in enumerate(batch, 1):
            self._maybe_pause(count)
            if path in changed or path in removed:
                continue
            try:
                st = os.stat(prefix + path)
            except FileNotFoundError:
                removed.add(path)
                continue
            except OSError:
                continue
            if (st.st_mtime_ns, st.st_size) != (mtime, size) and stat.S_ISREG(st.st_mode):
                changed[path] = FileEntry(path, st.st_mtime_ns, st.st_size)


def _is_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _parent(folder: str) -> str:
    """'a/b/' -> 'a/', 'a/' -> ''."""
    cut = folder.rstrip("/").rfind("/")
    return folder[: cut + 1] if cut >= 0 else ""
