"""A slim SQLite index of a store, kept in the user's cache folder.

Per article file the index holds its path, modification time and size and
exactly the fields of a `Row` (not the whole front matter); per file that
could not be read, its path, time, size and the reason. A warm start loads
the rows from here in a fraction of a second and then re-parses only the
files whose time or size differ.

The index is a cache. It is never trusted blindly: a file that is not a
SQLite database, an index of another schema version, of another store or
with an unexpected schema is deleted and rebuilt, and `StoreIndex.notice`
says why. An index that cannot be written at all (read-only cache folder)
falls back to one held in memory, so newsdesk still opens the store.

Layout (`SCHEMA_VERSION` is kept in `PRAGMA user_version`)::

    meta(key TEXT PRIMARY KEY, value TEXT)    -- 'store': the resolved path
    labels(id INTEGER PRIMARY KEY, value TEXT UNIQUE)
    files(path TEXT UNIQUE, title, provider, domain, published REAL NULL,
          quality INT NULL, heat INT NULL, topics, category, type, web_url,
          excerpt, has_body INT, n_related INT, mtime_ns INT, size INT)
    problems(path TEXT PRIMARY KEY, mtime_ns, size, reason)
    links(path TEXT PRIMARY KEY, urls TEXT)    -- what story grouping matches
    stories(path TEXT PRIMARY KEY, story TEXT) -- members of stories of two or more
    story_state(id INTEGER PRIMARY KEY, at INTEGER, data BLOB) -- the grouping itself
    story_log(path TEXT PRIMARY KEY, at INTEGER) -- files written since it was kept

`links` holds, per article that has any, its AMP addresses and its
related items' (`reader.stories.storage`): what story grouping links on,
which a row does not hold. `stories` keeps the story
of every article grouped with another, so that a warm start shows the
stories at once. `story_state` keeps the grouping's own arrays
(`Stories.to_bytes`, about 300 bytes an article) as of the `written()`
count `at`; once a grouping has started, every path written or removed
goes to `story_log` with the count after its write, so a later start reads
the grouping back and regroups only the files logged since (see
`reader.stories.service`). A first (cold) load logs nothing: no grouping
has started, and the first one reads every file anyway.

`files` has one column per field of `Row`, in its order. The provider,
domain, topics, category and type are ids of `labels` (topics as one label,
joined with `TOPIC_SEP`): they repeat across thousands of rows, and an
integer is read back faster than a string, so loading is faster and the
strings are shared in memory. Dates are indexed, so the newest rows (the
first screen) come straight off the date index.

A path is in at most one of `files` and `problems`. Writes go in batches,
each in its own transaction, with the write-ahead log: a load that is
interrupted (quit, kill -9, power cut) keeps every batch committed before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from reader import gc_pause
from reader.model import Problem, Row
from reader.private import create_private, private_dir, tighten_private
from reader.sqlite_wal import write_ahead

SCHEMA_VERSION = 3
_T = TypeVar("_T")
TOPIC_SEP = "\x1f"
"""Joins a row's topics in one column. Cleaned text never holds it (it is a
control character), so splitting gives the topics back exactly."""
_STRICT = " STRICT" if sqlite3.sqlite_version_info >= (3, 37) else ""

_FILE_COLUMNS = (
    "path, title, provider, domain, published, quality, heat, topics,"
    " category, type, web_url, excerpt, has_body, n_related, mtime_ns, size"
)
_READ_COLUMNS = _FILE_COLUMNS.replace("excerpt", "NULL")
"""The columns rows are read back with: the excerpt stays in the index
(`StoreIndex.excerpts`), where only queries need it."""
EXCERPTS_AT_ONCE = 500
"""Paths looked up per statement by `StoreIndex.excerpts`."""
"""The columns of `files` in the order of `Row`'s fields."""

_TABLES = {
    "meta": f"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL){_STRICT}",
    "labels": (
        f"CREATE TABLE labels (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE){_STRICT}"
    ),
    "files": (
        "CREATE TABLE files ("
        "path TEXT NOT NULL UNIQUE, "
        "title TEXT NOT NULL, "
        "provider INTEGER NOT NULL, "
        "domain INTEGER NOT NULL, "
        "published REAL, "
        "quality INTEGER, "
        "heat INTEGER, "
        "topics INTEGER NOT NULL, "
        "category INTEGER NOT NULL, "
        "type INTEGER NOT NULL, "
        "web_url TEXT NOT NULL, "
        "excerpt TEXT NOT NULL, "
        "has_body INTEGER NOT NULL, "
        "n_related INTEGER NOT NULL, "
        "mtime_ns INTEGER NOT NULL, "
        f"size INTEGER NOT NULL){_STRICT}"
    ),
    "problems": (
        "CREATE TABLE problems ("
        "path TEXT PRIMARY KEY, "
        "mtime_ns INTEGER NOT NULL, "
        "size INTEGER NOT NULL, "
        f"reason TEXT NOT NULL){_STRICT}"
    ),
    "files_by_date": "CREATE INDEX files_by_date ON files (published DESC)",
    "links": f"CREATE TABLE links (path TEXT PRIMARY KEY, urls TEXT NOT NULL){_STRICT}",
    "stories": f"CREATE TABLE stories (path TEXT PRIMARY KEY, story TEXT NOT NULL){_STRICT}",
    "story_state": (
        "CREATE TABLE story_state (id INTEGER PRIMARY KEY, at INTEGER NOT NULL,"
        f" data BLOB NOT NULL){_STRICT}"
    ),
    "story_log": (f"CREATE TABLE story_log (path TEXT PRIMARY KEY, at INTEGER NOT NULL){_STRICT}"),
}
_ADDED_IN_3 = ("story_state", "story_log")
"""Tables format 3 added to format 2: an index of format 2 gets them, and
keeps its rows."""

_NEWEST = (
    "SELECT f.path, f.title, p.value, d.value, f.published, f.quality, f.heat, t.value,"
    " c.value, k.value, f.web_url, NULL, f.has_body, f.n_related, f.mtime_ns, f.size"
    " FROM files AS f"
    " LEFT JOIN labels AS p ON p.id = f.provider LEFT JOIN labels AS d ON d.id = f.domain"
    " LEFT JOIN labels AS t ON t.id = f.topics LEFT JOIN labels AS c ON c.id = f.category"
    " LEFT JOIN labels AS k ON k.id = f.type"
    " ORDER BY f.published DESC LIMIT ?"
)
"""The newest rows with their labels, through the date index."""
_TEXT = "CAST(? AS TEXT)"
_INSERT_FILE = (
    f"INSERT OR REPLACE INTO files ({_FILE_COLUMNS}) VALUES"
    f" ({_TEXT}, {_TEXT}, ?, ?, ?, ?, ?, ?, ?, ?, {_TEXT}, {_TEXT}, ?, ?, ?, ?)"
)
"""Path, title, URL and excerpt are bound as UTF-8 bytes (see `_utf8`)."""
_INSERT_PROBLEM = (
    "INSERT OR REPLACE INTO problems (path, mtime_ns, size, reason) VALUES (?, ?, ?, ?)"
)
_BAD_VALUES = (OverflowError, UnicodeEncodeError, ValueError, TypeError)
"""What one row can raise on the way in (an integer beyond 64 bits, a lone
surrogate): that row is left out of the index and parsed again next time."""


@dataclass(slots=True, frozen=True)
class FileProblem:
    """A file that could not be read as an article, with the stat it had."""

    path: str
    mtime_ns: int
    size: int
    reason: str

    def problem(self) -> Problem:
        return Problem(self.path, self.reason)


class _Unusable(Exception):
    """Raised inside this module when an index must be discarded."""


def default_index_path(store: Path) -> Path:
    """Where the index of `store` (a resolved path) lives by default."""
    import platformdirs

    digest = hashlib.sha256(os.fsencode(store)).hexdigest()[:32]
    return Path(platformdirs.user_cache_dir("newsdesk")) / "index" / f"{digest}.sqlite3"


def _labels_of(row: Row) -> tuple[str, ...]:
    """The row's values kept as labels, in the order of their columns."""
    return (row.provider, row.domain, TOPIC_SEP.join(row.topics), row.category, row.type)


def _utf8(text: str) -> str | bytes:
    """`text` to bind to a `CAST(? AS TEXT)`: as UTF-8 bytes unless ASCII.

    Binding a `str` makes Python keep its UTF-8 form inside the string for
    as long as it lives, and the rows written to the index are the rows the
    app holds: at 100,000 articles that was 20 MB of excerpts and titles
    kept twice. Raises `UnicodeEncodeError` for a lone surrogate, as
    binding it would.
    """
    return text if text.isascii() else text.encode()


def _bump(conn: sqlite3.Connection) -> None:
    """Count one more write of files (see `StoreIndex.stories_current`)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('written', '1') ON CONFLICT (key)"
        " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
    )


def _log_stories(conn: sqlite3.Connection, paths: Sequence[object]) -> None:
    """Log paths just written or removed for the grouping, once one has
    started (`StoreIndex.start_story_log`), with the write count after."""
    if not paths or not _meta_int(conn, "story_log"):
        return
    at = _meta_int(conn, "written")
    StoreIndex._insert(
        conn,
        f"INSERT OR REPLACE INTO story_log (path, at) VALUES ({_TEXT}, ?)",
        [(path, at) for path in paths],
    )


def _delete_paths(
    conn: sqlite3.Connection, table: str, paths: Sequence[tuple[object, ...]]
) -> None:
    """Delete these paths (bound as `_utf8` gives them) from `table`, unless
    it is empty: a cold index has nothing to look up, 100,000 times."""
    if paths and conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
        conn.executemany(f"DELETE FROM {table} WHERE path = {_TEXT}", paths)


def _meta_int(conn: sqlite3.Connection, key: str) -> int:
    found = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    try:
        return int(found[0]) if found is not None else 0
    except ValueError:
        return -1


def _excerpt_to_write(row: Row) -> str:
    """A parsed row's excerpt. (A row read back from the index has none:
    writing it again would lose the excerpt the index holds.)"""
    if row.excerpt is None:
        raise ValueError(f"no excerpt to write for {row.path!r}: a row read from the index")
    return row.excerpt


def _utf8_or_none(text: str) -> str | bytes | None:
    """`_utf8`, or None for a path that cannot be written (a lone surrogate)."""
    try:
        return _utf8(text)
    except UnicodeEncodeError:
        return None


class StoreIndex:
    """The index of one store. Thread-safe: one connection behind a lock.

    `StoreIndex(store)` opens (or creates) the index at the default place,
    `StoreIndex(store, path)` the one at `path` (the `--cache PATH` option);
    `rebuild=True` starts from an empty index. Opening never raises for a
    bad index: see `notice`.
    """

    def __init__(
        self,
        store: Path,
        path: Path | None = None,
        *,
        rebuild: bool = False,
        memory: bool = False,
    ) -> None:
        self.store = store
        self.path: Path | None = path if path is not None else default_index_path(store)
        """The index file; None for an index held in memory."""
        self._explicit = path is not None
        self.notice: str | None = None
        """Why an existing index was discarded, or why there is no index on
        disk; None when the index was opened as it was (or made afresh)."""
        self._lock = threading.RLock()
        self._label_ids: dict[str, int] | None = None
        """Label -> id, as committed to the index (None until needed)."""
        if memory:
            self.path = None
            self._conn = self._connect(None)
            self._check(self._conn)
        else:
            try:
                self._conn = self._open(rebuild)
            except (sqlite3.Error, OSError) as error:  # pragma: no cover - belt and braces
                self._conn = self._in_memory(str(error))

    # -- opening ----------------------------------------------------------------

    def _open(self, rebuild: bool) -> sqlite3.Connection:
        assert self.path is not None
        try:
            private_dir(self.path.parent)
        except OSError as error:
            return self._in_memory(f"cannot create {self.path.parent}: {_os_reason(error)}")
        if rebuild and self._ours():
            self._delete_files()
        reason = None
        conn: sqlite3.Connection | None = None
        try:
            conn = self._connect(self.path)
            reason = self._check(conn)
        except sqlite3.DatabaseError as error:
            if error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                # Another newsdesk is busy with it: fine, but not for us now.
                return self._in_memory(f"{self.path} is in use ({error})")
            reason = f"it is damaged ({error})"
        except OSError as error:
            reason = f"it cannot be read ({_os_reason(error)})"
        if reason is None and conn is not None:
            tighten_private(self.path)  # ours for sure now (an older newsdesk made it 0644)
            try:
                return _write_ahead(conn)
            except sqlite3.Error as error:
                conn.close()
                return self._in_memory(f"{self.path} cannot be used now ({error})")
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
        if not self._ours():
            return self._in_memory(f"{self.path} is not a newsdesk index; it was left alone")
        self._delete_files()
        self.notice = f"The article index was rebuilt: {reason}."
        try:
            conn = self._connect(self.path)
            if self._check(conn) is not None:
                raise _Unusable("a new index failed its own check")
            return _write_ahead(conn)
        except (sqlite3.Error, OSError, _Unusable) as error:
            return self._in_memory(f"cannot write {self.path}: {error}")

    def _ours(self) -> bool:
        """Whether the file at `path` may be deleted: it is at the default
        place, empty, or a newsdesk index (of any version or store). A file
        given with `--cache` that is none of these is not ours to delete."""
        assert self.path is not None
        if not self._explicit:
            return True
        try:
            if self.path.stat().st_size == 0:
                return True
        except FileNotFoundError:
            return True
        except OSError:
            return False
        try:
            uri = f"{Path(os.path.abspath(self.path)).as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, timeout=1.0)
            try:
                found = conn.execute("SELECT value FROM meta WHERE key = 'store'").fetchone()
            finally:
                conn.close()
        except (sqlite3.Error, ValueError):
            return False
        return found is not None

    def _in_memory(self, why: str) -> sqlite3.Connection:
        self.path = None
        self.notice = f"The article index is not kept ({why}); the store is read in full."
        conn = self._connect(None)
        self._check(conn)
        return conn

    def _connect(self, path: Path | None) -> sqlite3.Connection:
        if path is not None:
            create_private(path)  # a new index is owner-only, and so its -wal and -shm
        conn = sqlite3.connect(
            ":memory:" if path is None else str(path),
            timeout=10.0,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-8000")
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def _check(self, conn: sqlite3.Connection) -> str | None:
        """Why `conn` is not a usable index of this store, or None.

        An empty database gets the schema; anything else must be exactly
        what this version writes.
        """
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        schema = dict(
            conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
        )
        if version == 0 and not schema:
            self._create(conn)
            return None
        if version == 2 and schema == {
            name: sql for name, sql in _TABLES.items() if name not in _ADDED_IN_3
        }:
            self._upgrade(conn)
            return self._check(conn)
        if version != SCHEMA_VERSION:
            return f"it was written by another version of newsdesk (format {version})"
        if schema != _TABLES:
            return "its tables are not the ones newsdesk writes"
        store = conn.execute("SELECT value FROM meta WHERE key = 'store'").fetchone()
        if store is None or store[0] != str(self.store):
            other = "no store" if store is None else store[0]
            return f"it belongs to another store ({other})"
        return None

    def _create(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another newsdesk may have made it since we looked.
            if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
                for sql in _TABLES.values():
                    conn.execute(sql)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('store', ?)", (str(self.store),)
                )
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @staticmethod
    def _upgrade(conn: sqlite3.Connection) -> None:
        """Format 2 to 3: the new tables, the rows kept."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] == 2:
                for name in _ADDED_IN_3:
                    conn.execute(_TABLES[name])
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _delete_files(self) -> None:
        if self.path is None:
            return
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def shrink(self) -> None:
        """Give back the page cache (8 MB at most) once a load is over: the
        later reads and writes are few and small."""
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA shrink_memory")

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()

    def __enter__(self) -> StoreIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def discard(self, reason: str) -> None:
        """Empty the index after it failed while in use (a damaged page).

        Sets `notice`; the caller reads the store in full.
        """
        with self._lock:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._delete_files()
            self._label_ids = None
            self.notice = f"The article index was rebuilt: {reason}."
            path = self.path
            try:
                if path is None:
                    raise sqlite3.OperationalError("in memory")
                self._conn = self._connect(path)
                if self._check(self._conn) is not None:
                    raise _Unusable("a new index failed its own check")
                _write_ahead(self._conn)
            except (sqlite3.Error, OSError, _Unusable) as error:
                notice = self.notice
                self._conn = self._in_memory(str(error))
                self.notice = notice

    # -- reading ----------------------------------------------------------------

    def count(self) -> int:
        """Indexed files: articles and problems."""
        with self._lock:
            conn = self._conn
            files = conn.execute("SELECT count(*) FROM files").fetchone()[0]
            return int(files + conn.execute("SELECT count(*) FROM problems").fetchone()[0])

    def rows(self) -> list[Row]:
        """Every indexed row, in no particular order."""
        return [row for batch in self.iter_rows() for row in batch]

    def excerpts(self, paths: Sequence[str]) -> dict[str, str]:
        """The excerpts of the articles at `paths` (a path the index does not
        hold is left out). Any thread; raises `sqlite3.Error`."""
        found: dict[str, str] = {}
        for start in range(0, len(paths), EXCERPTS_AT_ONCE):
            part = [p for p in map(_utf8_or_none, paths[start : start + EXCERPTS_AT_ONCE]) if p]
            if not part:
                continue
            marks = ",".join(_TEXT for _ in part)
            with self._lock:
                found.update(
                    self._conn.execute(
                        f"SELECT path, excerpt FROM files WHERE path IN ({marks})", part
                    ).fetchall()
                )
        return found

    def newest(self, count: int) -> list[Row]:
        """The `count` newest rows, labels joined in: a first screen, in a
        few milliseconds. Raises `sqlite3.DatabaseError` for a damaged index."""
        with self._lock:
            return _decode_joined(self._conn.execute(_NEWEST, (count,)).fetchall())

    def iter_rows(
        self, first: int = 0, chunk: int = 5_000, *, skip: int = 0
    ) -> Iterator[list[Row]]:
        """Every indexed row in batches, all read from one snapshot.

        With `first`, the first batch is the `first` newest rows (read
        through the date index, a few milliseconds) and the rest follow in
        table order, `chunk` at a time: the first screen does not wait for
        the whole table. With `skip`, the `skip` newest rows are left out
        (the caller read them with `newest`). Raises `sqlite3.DatabaseError`
        for a damaged index.
        """
        if self.path is None:
            # One connection only: read it all at once, under the lock.
            with self._lock:
                decode = _RowDecoder(self._conn)
                records = self._conn.execute(
                    f"SELECT {_READ_COLUMNS} FROM files ORDER BY published DESC"
                ).fetchall()[skip:]
            for start in range(0, len(records), chunk):
                yield decode(records[start : start + chunk])
            return
        # A connection of its own, so that no lock is held between batches
        # and writers (other threads, another newsdesk) are not held up.
        conn = self._connect(self.path)
        try:
            conn.execute("BEGIN")
            if first > 0 and not skip:
                # The first screen: labels joined in, so that it does not
                # wait for every label to be read.
                batch = _decode_joined(conn.execute(_NEWEST, (first,)).fetchall())
                if batch:
                    yield batch
                if len(batch) < first:
                    return
                skip = first
            if skip > 0:
                decode = _RowDecoder(conn)
                cursor = conn.execute(
                    f"SELECT {_READ_COLUMNS} FROM files WHERE rowid NOT IN"
                    " (SELECT rowid FROM files ORDER BY published DESC LIMIT ?)",
                    (skip,),
                )
            else:
                decode = _RowDecoder(conn)
                cursor = conn.execute(f"SELECT {_READ_COLUMNS} FROM files")
            while batch := decode(cursor.fetchmany(chunk)):
                yield batch
        finally:
            conn.close()

    def problems(self) -> list[FileProblem]:
        with self._lock:
            return [
                FileProblem(*values)
                for values in self._conn.execute(
                    "SELECT path, mtime_ns, size, reason FROM problems ORDER BY path"
                )
            ]

    def stats(self, folder: str = "", *, direct: bool = False) -> dict[str, tuple[int, int]]:
        """Path -> (mtime_ns, size) of the indexed files, articles and problems.

        With `folder` (a store path ending in `/`), only the files under it;
        with `direct`, only those right in it (or right in the store's top
        folder when `folder` is empty), not in its subfolders.
        """
        clauses: list[str] = []
        params: list[object] = []
        if folder:
            clauses.append("path >= ? AND path < ?")
            params += [folder, _after_folder(folder)]
        if direct:
            clauses.append("instr(substr(path, ?), '/') = 0")
            params.append(len(folder) + 1)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            conn = self._conn
            return {
                path: (mtime, size)
                for table in ("files", "problems")
                for path, mtime, size in conn.execute(
                    f"SELECT path, mtime_ns, size FROM {table}{where}", params
                )
            }

    def written_since(self, mtime_ns: int) -> set[str]:
        """Paths of the indexed articles whose file was written after
        `mtime_ns` (the tree's New node: what arrived since a time)."""
        with self._lock:
            return {
                path
                for (path,) in self._conn.execute(
                    "SELECT path FROM files WHERE mtime_ns > ?", (mtime_ns,)
                )
            }

    def subfolders(self, folder: str = "") -> set[str]:
        """The folders right under `folder` ('' for the top) that hold
        indexed files, each ending in '/'."""
        start = len(folder) + 1
        clauses = ["instr(substr(path, ?1), '/') > 0"]
        params: list[object] = [start]
        if folder:
            clauses.append("path >= ?2 AND path < ?3")
            params += [folder, _after_folder(folder)]
        where = " AND ".join(clauses)
        sql = " UNION ".join(
            f"SELECT DISTINCT substr(path, 1, ?1 + instr(substr(path, ?1), '/') - 1)"
            f" FROM {table} WHERE {where}"
            for table in ("files", "problems")
        )
        with self._lock:
            return {name for (name,) in self._conn.execute(sql, params)}

    def stats_after(self, after: str, limit: int) -> list[tuple[str, int, int]]:
        """(path, mtime_ns, size) of up to `limit` files whose path sorts
        after `after`, in path order: for sweeping the index a slice at a
        time."""
        with self._lock:
            return self._conn.execute(
                "SELECT path, mtime_ns, size FROM ("
                " SELECT path, mtime_ns, size FROM files WHERE path > ?1"
                " UNION ALL SELECT path, mtime_ns, size FROM problems WHERE path > ?1"
                ") ORDER BY path LIMIT ?2",
                (after, limit),
            ).fetchall()

    # -- writing ----------------------------------------------------------------

    def put(self, rows: Sequence[Row], problems: Sequence[FileProblem] = ()) -> int:
        """Add or replace these files in one transaction.

        A path written as a row stops being a problem and the other way
        round. Returns how many were written: a row whose values SQLite
        cannot hold is skipped (it is parsed again on the next start).
        """
        if not rows and not problems:
            return 0
        problem_values = [(p.path, p.mtime_ns, p.size, p.reason) for p in problems]
        labelled = [(row, _labels_of(row)) for row in rows]
        with self._lock, self._transaction() as conn:
            self._add_labels(conn, labelled)
            row_values: list[tuple[object, ...]] = []
            for row, labels in labelled:
                try:
                    row_values.append(self._row_values(conn, row, labels))
                except _BAD_VALUES:
                    continue
            written = self._insert(conn, _INSERT_FILE, row_values)
            written += self._insert(conn, _INSERT_PROBLEM, problem_values)
            self._put_links(conn, rows)
            _bump(conn)
            _log_stories(conn, [v[0] for v in row_values] + [v[0] for v in problem_values])
            written_paths = [(v[0],) for v in row_values]
            _delete_paths(conn, "problems", written_paths)
            # A file written leaves its story until it is grouped again, as
            # the app shows it (`Library`): the two agree on what changed.
            _delete_paths(conn, "stories", written_paths)
            if problem_values:
                for table in ("files", "links", "stories"):
                    conn.executemany(
                        f"DELETE FROM {table} WHERE path = ?", [(v[0],) for v in problem_values]
                    )
            return written

    def _labels(self, conn: sqlite3.Connection) -> dict[str, int]:
        ids = self._label_ids
        if ids is None:
            ids = self._label_ids = dict(conn.execute("SELECT value, id FROM labels"))
        return ids

    def _add_labels(
        self, conn: sqlite3.Connection, labelled: Sequence[tuple[Row, tuple[str, ...]]]
    ) -> None:
        """Give the labels of these rows that have no id yet one, in two
        statements per batch rather than two per label (a store has
        thousands of topic combinations). A label SQLite cannot hold is left
        to `_row_values`, which skips its row."""
        ids = self._labels(conn)
        missing = {label for _, labels in labelled for label in labels if label not in ids}
        if not missing:
            return
        try:
            # Another newsdesk may have added some since the labels were read.
            conn.executemany(
                "INSERT OR IGNORE INTO labels (value) VALUES (?)", [(label,) for label in missing]
            )
            wanted = list(missing)
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                ids.update(
                    conn.execute(f"SELECT value, id FROM labels WHERE value IN ({marks})", chunk)
                )
        except _BAD_VALUES:
            return

    def _row_values(
        self, conn: sqlite3.Connection, row: Row, labels: tuple[str, ...]
    ) -> tuple[object, ...]:
        ids = self._labels(conn)
        provider, domain, topics, category, kind = (
            ids.get(label) or self._new_label(conn, ids, label) for label in labels
        )
        return (
            _utf8(row.path),
            _utf8(row.title),
            provider,
            domain,
            row.published,
            row.quality,
            row.heat,
            topics,
            category,
            kind,
            _utf8(row.web_url),
            _utf8(_excerpt_to_write(row)),
            1 if row.has_body else 0,
            row.n_related,
            row.mtime_ns,
            row.size,
        )

    @staticmethod
    def _new_label(conn: sqlite3.Connection, ids: dict[str, int], label: str) -> int:
        # Another newsdesk may have added it since the labels were read.
        found = conn.execute("SELECT id FROM labels WHERE value = ?", (label,)).fetchone()
        if found is not None:
            ids[label] = found[0]
            return int(found[0])
        label_id = conn.execute("INSERT INTO labels (value) VALUES (?)", (label,)).lastrowid
        assert label_id is not None
        ids[label] = label_id
        return label_id

    def remove(self, paths: Iterable[str]) -> None:
        """Forget these files (they vanished from the store)."""
        keys = [(path,) for path in paths]
        if not keys:
            return
        with self._lock, self._transaction() as conn:
            for table in ("files", "problems", "links", "stories"):
                conn.executemany(f"DELETE FROM {table} WHERE path = ?", keys)
            _bump(conn)
            _log_stories(conn, [key[0] for key in keys])

    def _put_links(self, conn: sqlite3.Connection, rows: Sequence[Row]) -> None:
        """Each row's `links` (a row without any has none kept)."""
        keep: list[tuple[object, ...]] = []
        drop: list[tuple[object, ...]] = []
        for row in rows:
            path = _utf8_or_none(row.path)
            if path is None:
                continue  # not in `files` either
            links = _utf8_or_none(row.links) if row.links else None
            if links:
                keep.append((path, links))
            else:
                drop.append((path,))
        self._insert(
            conn, f"INSERT OR REPLACE INTO links (path, urls) VALUES ({_TEXT}, {_TEXT})", keep
        )
        _delete_paths(conn, "links", drop)

    def story_inputs(
        self, paths: Iterable[str] | None = None, chunk: int = 5_000
    ) -> Iterator[tuple[Any, ...]]:
        """What story grouping reads of every file (or of those of `paths`
        that are here): path, published, quality, title, excerpt, web_url
        and its links ("" when none), without making rows, a few thousand at
        a time (their texts are let go as they are read). Holds the index's
        lock until it is read to the end."""
        sql = (
            "SELECT f.path, f.published, f.quality, f.title, f.excerpt, f.web_url,"
            " coalesce(l.urls, '') FROM files AS f LEFT JOIN links AS l ON l.path = f.path"
        )
        with self._lock:
            if paths is None:
                cursor = self._conn.execute(sql)
                while part := cursor.fetchmany(chunk):
                    yield from part
                return
            wanted = [p for p in map(_utf8_or_none, paths) if p is not None]
            for start in range(0, len(wanted), 500):
                some = wanted[start : start + 500]
                marks = ", ".join([_TEXT] * len(some))
                yield from self._conn.execute(f"{sql} WHERE f.path IN ({marks})", some)

    def start_story_log(self) -> None:
        """Log every path written or removed from now on (`story_log`)."""
        with self._lock, self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('story_log', '1')")

    def story_state(self) -> tuple[int, bytes] | None:
        """(the `written()` count it was kept at, the grouping's bytes), or
        None when no grouping was kept."""
        return self.read_story_state(lambda blob: blob.read())

    def read_story_state(self, read: Callable[[Any], _T]) -> tuple[int, _T] | None:
        """(the `written()` count the grouping was kept at, `read` of its
        bytes as a file, read a piece at a time), or None when no grouping
        was kept."""
        with self._lock:
            found = self._conn.execute("SELECT at FROM story_state WHERE id = 0").fetchone()
            if found is None:
                return None
            with self._conn.blobopen("story_state", "data", 0, readonly=True) as blob:
                return int(found[0]), read(blob)

    def story_log(self, since: int) -> list[str]:
        """The paths written or removed after the `written()` count `since`,
        as far as the log knows (see `start_story_log`)."""
        with self._lock:
            return [
                path
                for (path,) in self._conn.execute(
                    "SELECT path FROM story_log WHERE at > ?", (since,)
                )
            ]

    def written(self) -> int:
        """A number that grows whenever files are written or removed."""
        with self._lock:
            return _meta_int(self._conn, "written")

    def stories_current(self) -> bool:
        """Whether the stories kept were grouped from the files as they are
        now (nothing written or removed since)."""
        with self._lock:
            grouped = self._conn.execute("SELECT value FROM meta WHERE key = 'grouped'").fetchone()
            return grouped is not None and int(grouped[0]) == _meta_int(self._conn, "written")

    def stories(self) -> dict[str, str]:
        """Path -> story id, for the articles grouped with others."""
        with self._lock:
            return dict(self._conn.execute("SELECT path, story FROM stories").fetchall())

    def set_stories(
        self,
        changed: Mapping[str, str | None],
        *,
        grouped_at: int | None = None,
        state: tuple[int, Sequence[bytes | memoryview]] | None = None,
    ) -> None:
        """Keep each path's story id (None: alone in its story); with
        `grouped_at`, the stories kept are those of the files as they were at
        that `written()` count (see `stories_current`); with `state`, the
        grouping itself as of a `written()` count, in pieces written one
        after the other (see `story_state`), and the log up to that count is
        dropped."""
        if not changed and grouped_at is None and state is None:
            return
        with self._lock, self._transaction() as conn:
            if state is not None:
                at, pieces = state
                conn.execute(
                    "INSERT OR REPLACE INTO story_state (id, at, data) VALUES (0, ?, zeroblob(?))",
                    (at, sum(memoryview(piece).nbytes for piece in pieces)),
                )
                with conn.blobopen("story_state", "data", 0) as blob:
                    for piece in pieces:
                        blob.write(piece)
                conn.execute("DELETE FROM story_log WHERE at <= ?", (at,))
            if grouped_at is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('grouped', ?)",
                    (str(grouped_at),),
                )
            known = [(_utf8_or_none(path), story) for path, story in changed.items()]
            self._insert(
                conn,
                f"INSERT OR REPLACE INTO stories (path, story) VALUES ({_TEXT}, ?)",
                [(path, story) for path, story in known if path is not None and story is not None],
            )
            self._insert(
                conn,
                f"DELETE FROM stories WHERE path = {_TEXT}",
                [(path,) for path, story in known if path is not None and story is None],
            )

    @staticmethod
    def _insert(conn: sqlite3.Connection, sql: str, values: Sequence[tuple[object, ...]]) -> int:
        if not values:
            return 0
        try:
            conn.executemany(sql, values)
            return len(values)
        except _BAD_VALUES:
            pass
        written = 0
        for value in values:
            try:
                conn.execute(sql, value)
                written += 1
            except _BAD_VALUES:
                continue
        return written

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            # Labels added in this transaction are gone with it.
            self._label_ids = None
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            self._label_ids = None
            raise


class _RowDecoder:
    """Turns `files` records into rows, with the labels of one snapshot.

    Each label is one shared string (or tuple of topics) for all the rows
    that carry it. A record that names a label the index does not hold
    means a damaged index: `sqlite3.DatabaseError`.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        records = conn.execute("SELECT id, value FROM labels").fetchall()
        top = max((label_id for label_id, _ in records), default=0)
        if top > 4 * len(records) + 1024 or any(label_id < 0 for label_id, _ in records):
            raise sqlite3.DatabaseError("label ids out of range")
        intern = sys.intern
        self.values: list[str] = [""] * (top + 1)
        self.topics: list[tuple[str, ...]] = [()] * (top + 1)
        for label_id, value in records:
            self.values[label_id] = intern(value)
            if value:
                self.topics[label_id] = tuple(intern(t) for t in value.split(TOPIC_SEP))

    def __call__(self, records: list[Any]) -> list[Row]:
        try:
            with gc_pause.paused():
                return self._rows(records)
        except (IndexError, TypeError, ValueError) as error:
            raise sqlite3.DatabaseError(f"inconsistent records ({error})") from None

    def _rows(self, records: list[Any]) -> list[Row]:
        values = self.values
        topics_of = self.topics
        make = Row
        return [
            make(
                path,
                title,
                values[provider],
                values[domain],
                published,
                quality,
                heat,
                topics_of[topics],
                values[category],
                values[kind],
                web_url,
                excerpt,
                has_body == 1,
                n_related,
                mtime_ns,
                size,
            )
            for (
                path,
                title,
                provider,
                domain,
                published,
                quality,
                heat,
                topics,
                category,
                kind,
                web_url,
                excerpt,
                has_body,
                n_related,
                mtime_ns,
                size,
            ) in records
        ]


def _decode_joined(records: list[Any]) -> list[Row]:
    """Rows from records that carry their labels' values (see `_NEWEST`)."""
    intern = sys.intern
    try:
        return [
            Row(
                path,
                title,
                intern(provider),
                intern(domain),
                published,
                quality,
                heat,
                tuple(intern(t) for t in topics.split(TOPIC_SEP)) if topics != "" else (),
                intern(category),
                intern(kind),
                web_url,
                excerpt,
                has_body == 1,
                n_related,
                mtime_ns,
                size,
            )
            for (
                path,
                title,
                provider,
                domain,
                published,
                quality,
                heat,
                topics,
                category,
                kind,
                web_url,
                excerpt,
                has_body,
                n_related,
                mtime_ns,
                size,
            ) in records
        ]
    except (TypeError, AttributeError, ValueError) as error:
        raise sqlite3.DatabaseError(f"inconsistent records ({error})") from None


def _write_ahead(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Switch an index file to the write-ahead log (only once it is known
    to be ours: the switch rewrites the file's header)."""
    write_ahead(conn)
    return conn


def _after_folder(folder: str) -> str:
    """The first string after every path under `folder` ('a/b/' -> 'a/b0')."""
    return folder[:-1] + chr(ord(folder[-1]) + 1)


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)
