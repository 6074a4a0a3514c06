"""A full-text index of article bodies: SQLite FTS5, keyed by store path.

The in-memory query evaluator (`reader.search.query`) matches free words against
titles, excerpts, providers and topics itself; bodies are too big to hold in
memory at 100,000 articles, so they live here.  The index is a cache, like the
slim row index: it can be deleted and rebuilt from the store at any time.

Tokens follow FTS5's `unicode61 remove_diacritics 2` tokenizer: runs of
letters and digits, lowercased, accents removed (`Café` is `cafe`).  The query
module folds text the same way, so a word means the same in a title as in a
body.

A `FullText` is a `reader.search.query.BodySearch`: calling it with folded text and a
prefix flag returns the paths whose body contains that phrase.  It may be used
from several threads; calls are serialised on one connection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from types import TracebackType

from reader.private import create_private, private_dir, tighten_private
from reader.sqlite_wal import write_ahead

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS doc(id INTEGER PRIMARY KEY AUTOINCREMENT, path TEXT NOT NULL UNIQUE);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    body,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '3'
);
"""

_CACHE_SIZE = 128


class FullTextError(Exception):
    """The body index cannot be used (corrupt, foreign or newer file)."""


class FullText:
    """An FTS5 index of bodies at `path` (`":memory:"` for a throwaway one).

    Writes come in batches (`upsert`, `remove`), one transaction each, so that
    indexing a store of 100,000 files is a few hundred commits, not 100,000.
    Search results are cached until the next write.
    """

    def __init__(self, path: str | PathLike[str] = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._cache: OrderedDict[tuple[str, bool], array[int]] = OrderedDict()
        self._path_cache: OrderedDict[tuple[str, bool], tuple[array[int], frozenset[str]]] = (
            OrderedDict()
        )
        # Path of each document id (None for gaps), loaded on the first
        # search: joining the doc table in SQL costs a B-tree lookup per match.
        self._paths: list[str | None] | None = None
        self._data_version = -1
        self._generation = 0
        try:
            if self.path != ":memory:":
                # Owner-only before SQLite opens it, so its -wal and -shm are too.
                private_dir(Path(self.path).parent)
                create_private(Path(self.path))
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._setup()
            if self.path != ":memory:":
                tighten_private(Path(self.path))  # ours for sure now: older ones were 0644
        except (sqlite3.DatabaseError, OSError) as exc:
            raise FullTextError(f"cannot open body index {self.path}: {exc}") from exc

    def _setup(self) -> None:
        db = self._db
        if self.path != ":memory:":
            write_ahead(db)
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=5000")
        tables = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if tables and "meta" not in tables:
            raise FullTextError(f"{self.path} is not a newsdesk body index")
        db.executescript(_SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            db.execute("INSERT INTO meta(key, value) VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row[0] != str(SCHEMA_VERSION):
            raise FullTextError(
                f"{self.path} is a body index of version {row[0]}, this newsdesk reads "
                f"version {SCHEMA_VERSION}"
            )

    # -- writing -------------------------------------------------------------

    def upsert(self, docs: Iterable[tuple[str, str]]) -> int:
        """Add or replace bodies, given as `(path, body)` pairs; returns how many.

        An empty body removes the path: there is nothing to find in it.
        """
        n = 0
        with self._writing() as db:
            for path, text in docs:
                n += 1
                old = db.execute("SELECT id FROM doc WHERE path=?", (path,)).fetchone()
                if old is not None:
                    db.execute("DELETE FROM fts WHERE rowid=?", old)
                    if not text.strip():
                        db.execute("DELETE FROM doc WHERE id=?", old)
                        continue
                    db.execute("INSERT INTO fts(rowid, body) VALUES (?, ?)", (old[0], text))
                elif text.strip():
                    cur = db.execute("INSERT INTO doc(path) VALUES (?)", (path,))
                    db.execute("INSERT INTO fts(rowid, body) VALUES (?, ?)", (cur.lastrowid, text))
        return n

    def remove(self, paths: Iterable[str]) -> int:
        """Forget the bodies of `paths`; returns how many were indexed."""
        n = 0
        with self._writing() as db:
            for path in paths:
                old = db.execute("SELECT id FROM doc WHERE path=?", (path,)).fetchone()
                if old is None:
                    continue
                db.execute("DELETE FROM fts WHERE rowid=?", old)
                db.execute("DELETE FROM doc WHERE id=?", old)
                n += 1
        return n

    def clear(self) -> None:
        """Forget every body."""
        with self._writing() as db:
            db.execute("DELETE FROM fts")
            db.execute("DELETE FROM doc")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under the lock: committed, or rolled back
        when anything goes wrong; cached searches are dropped either way."""
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            finally:
                self._changed()

    def optimize(self) -> None:
        """Merge the index's segments: worth it after a bulk load."""
        with self._lock:
            self._db.execute("INSERT INTO fts(fts) VALUES ('optimize')")

    # -- reading -------------------------------------------------------------

    @property
    def generation(self) -> int:
        """A number that changes whenever the indexed bodies change."""
        with self._lock:
            self._check_version()
            return self._generation

    def search(self, text: str, prefix: bool = False) -> frozenset[str]:
        """Paths whose body contains the words of `text` in a row (a phrase).

        With `prefix`, the last word matches any word it begins
        (`search("clim", prefix=True)` finds "climate").  Text without
        letters or digits matches nothing.  The same question gets the same
        (cached) object until the index changes.
        """
        key = (text, prefix)
        with self._lock:
            ids = self.search_ids(text, prefix)
            hit = self._path_cache.get(key)
            if hit is not None and hit[0] is ids:
                return hit[1]
            paths = self._id_paths()
            found = [paths[i] for i in ids if i < len(paths)]
            result = frozenset(filter(None, found))
            self._path_cache[key] = (ids, result)
            if len(self._path_cache) > _CACHE_SIZE:
                self._path_cache.popitem(last=False)
            return result

    __call__ = search

    def search_ids(self, text: str, prefix: bool = False) -> array[int]:
        """Like `search`, as document ids (see `doc_ids`): no strings to
        build or look up, for callers that keep their own id table."""
        key = (text, prefix)
        with self._lock:
            self._check_version()
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            result = self._search(text, prefix)
            self._cache[key] = result
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return result

    def doc_ids(self) -> dict[str, int]:
        """Path to document id, for every indexed body (see `generation`)."""
        with self._lock:
            return dict(self._db.execute("SELECT path, id FROM doc"))

    def _check_version(self) -> None:
        """Drop what is cached when another connection changed the file."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._data_version = version
            self._changed()

    def _changed(self) -> None:
        self._cache.clear()
        self._path_cache.clear()
        self._paths = None
        self._generation += 1

    def _search(self, text: str, prefix: bool) -> array[int]:
        if not any(ch.isalnum() for ch in text):
            return array("i")
        # A quoted FTS5 string is tokenized by the table's tokenizer and read as
        # a phrase; doubling quotes is the only escaping it needs.
        expr = '"' + text.replace('"', '""') + '"' + (" *" if prefix else "")
        try:
            # One string of ids, not a row per match: tens of thousands of
            # matches cross from SQLite to Python in a few milliseconds.
            (ids,) = self._db.execute(
                "SELECT group_concat(rowid) FROM fts WHERE fts MATCH ?", (expr,)
            ).fetchone()
        except sqlite3.OperationalError:
            # Text the tokenizer reduces to nothing (e.g. lone marks) is not a
            # valid expression: it matches nothing.
            return array("i")
        return array("i", json.loads(f"[{ids}]")) if ids else array("i")

    def _id_paths(self) -> list[str | None]:
        """The path of each document id (None for unused ids)."""
        if self._paths is None:
            pairs = self._db.execute("SELECT id, path FROM doc").fetchall()
            paths: list[str | None] = [None] * (max((i for i, _ in pairs), default=0) + 1)
            for i, path in pairs:
                paths[i] = path
            self._paths = paths
        return self._paths

    def paths(self) -> set[str]:
        """Every path that has an indexed body."""
        with self._lock:
            return {path for (path,) in self._db.execute("SELECT path FROM doc")}

    def __contains__(self, path: object) -> bool:
        with self._lock:
            return (
                self._db.execute("SELECT 1 FROM doc WHERE path=?", (path,)).fetchone() is not None
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM doc").fetchone()[0])

    # -- lifetime ------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> FullText:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
