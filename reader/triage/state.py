"""Triage state: read, starred, archived and tags per article, with an undo
journal, kept in SQLite.

Nothing here imports Textual: the app, `newsdesk export` and the tests all use
this module the same way.

Keys
    State is kept under `Row.key` (the article's `webUrl`, else
    `path:<relative path>`), an opaque string here. It survives rescans,
    renamed files and moved stores; two files with one URL share their state.
    Only keys with some state are stored: a key that is unread, unstarred,
    not archived and untagged has no row. A key SQLite cannot hold as text
    (a path with a file name that is not UTF-8) is stored escaped and handed
    back as given.

Actions
    Every change is an action: set or toggle read / starred / archived, add,
    remove or toggle one tag, on one key or on many at once. Each action runs
    in one `BEGIN IMMEDIATE` transaction that is committed (WAL,
    `synchronous=FULL`) before the method returns, so a kill -9 right after a
    key press loses nothing the screen showed as done. Each returns a
    `Change` saying exactly which keys changed, which the app applies to its
    in-memory flags (`Change.apply`) instead of reloading. An action that
    changes nothing (every key already read, say) is not journaled.

    A toggle on many keys sets the flag (or adds the tag) unless every key
    already has it, in which case it clears it from all: one key press, one
    predictable result, as in Gmail. Tags keep their case; surrounding and
    repeated white space is removed.

Undo
    The journal is in the database: an `action` row (field, value, tag, a
    description) and one `action_item` row per key the action really changed.
    Because an action is always "set FIELD to VALUE" on keys where FIELD was
    not VALUE before, its exact inverse is "set FIELD to not VALUE" on the
    same keys: the journal needs no before-images, and undo and redo are a
    single set operation each, as fast as the action itself.

    The history is one linear stack per state file, shared by every session
    and every process that uses the file (the newest not-undone action is
    undone first; undone actions are redone oldest first; a new action
    discards what could be redone, as in an editor). This makes the history
    survive a restart, and it makes undo exact even with two instances open:
    every write goes through the journal, so the newest action's keys are
    always in the state that action left them in. The cost is that `u` in one
    instance can undo an action made in another; the returned `Change` (and
    `last_description`) says what was undone. Per-session stacks were
    rejected because undoing an older action of one instance could silently
    overwrite a newer decision made in the other.

    The history is trimmed when a state file is opened, oldest first, to
    `history_actions` actions and `history_keys` journaled keys.

Safety
    A file that is not a SQLite database, is damaged, or belongs to another
    program raises `StateCorruptError`; one written by a newer newsdesk
    (`PRAGMA user_version`) raises `StateVersionError`. Neither is ever
    overwritten: `move_aside` renames it (with its WAL) to
    `state.sqlite3.corrupt-<timestamp>` and `start_clean` does that and opens
    a fresh file, so the caller can say where the copy went (close any
    `State` still open on the file first). `readonly=True` (used by
    `newsdesk export`) never creates, migrates or trims a file. Two processes on
    one file wait for each other (busy timeout, `BEGIN IMMEDIATE`);
    `StateBusyError` is raised only when the other holds the lock for longer
    than the timeout.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reader.sqlite_wal import write_ahead

SCHEMA_VERSION = 1
"""`PRAGMA user_version` of the files this version writes."""
APPLICATION_ID = 0x4E575344  # "NWSD"
"""`PRAGMA application_id`, so a foreign SQLite file is recognised."""
STATE_FILENAME = "state.sqlite3"
HISTORY_ACTIONS = 10_000
"""Default number of actions the undo history keeps."""
HISTORY_KEYS = 2_000_000
"""Default number of journaled keys (summed over actions) the history keeps."""

Field = Literal["read", "starred", "archived", "tag"]
FIELDS: tuple[Field, ...] = ("read", "starred", "archived", "tag")
_FLAG_COLUMNS = ("read", "starred", "archived")

_SCHEMA = f"""
CREATE TABLE article (
    key      TEXT PRIMARY KEY NOT NULL,
    read     INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    starred  INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),
    archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
) WITHOUT ROWID;
CREATE TABLE tag (
    key TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (key, tag)
) WITHOUT ROWID;
-- No index by tag name: it would double the cost of bulk tagging, and
-- listing the tags in use (a scan) is rare and fast enough without it.
CREATE TABLE action (
    id          INTEGER PRIMARY KEY,
    session     TEXT NOT NULL,
    at          REAL NOT NULL,
    field       TEXT NOT NULL CHECK (field IN ('read', 'starred', 'archived', 'tag')),
    value       INTEGER NOT NULL CHECK (value IN (0, 1)),
    tag         TEXT,
    requested   INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    description TEXT NOT NULL,
    undone      INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1))
);
CREATE INDEX action_by_undone ON action (undone, id);
CREATE TABLE action_item (
    action INTEGER NOT NULL,
    key    TEXT NOT NULL,
    PRIMARY KEY (action, key)
) WITHOUT ROWID;
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {SCHEMA_VERSION};
"""
_EXPECTED_COLUMNS = {
    "article": {"key", "read", "starred", "archived"},
    "tag": {"key", "tag"},
    "action": {
        "id",
        "session",
        "at",
        "field",
        "value",
        "tag",
        "requested",
        "n",
        "description",
        "undone",
    },
    "action_item": {"action", "key"},
}

_SQLITE_HEADER = b"SQLite format 3\x00"
# SQLite primary result codes (the low byte of an extended code).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


# -- errors -------------------------------------------------------------------


class StateError(Exception):
    """The state file cannot be used; the message is meant for the user."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class StateCorruptError(StateError):
    """The file is damaged, not a SQLite database, or not a newsdesk state file.

    It has not been touched; `start_clean` moves it aside and starts afresh.
    """


class StateVersionError(StateError):
    """The file was written by a newer newsdesk (a higher schema version)."""

    def __init__(self, message: str, path: Path, found: int) -> None:
        super().__init__(message, path)
        self.found = found
        self.supported = SCHEMA_VERSION


class StateBusyError(StateError):
    """Another process held the state file's lock for longer than the timeout."""


class StateReadOnlyError(StateError):
    """An action was attempted on a state opened with `readonly=True`."""


# -- values -------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Flags:
    """The triage state of one key. Frozen, so equal values can be shared."""

    read: bool = False
    starred: bool = False
    archived: bool = False
    tags: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        """True when the key has no state at all (the default)."""
        return not (self.read or self.starred or self.archived or self.tags)


NO_FLAGS = Flags()
"""The flags of a key that has no state."""
_FLAGS_BY_BITS = tuple(Flags(bool(b & 1), bool(b & 2), bool(b & 4)) for b in range(8))
_FLAGS_BY_DIGIT = {str(bits): flags for bits, flags in enumerate(_FLAGS_BY_BITS)}


@dataclass(slots=True, frozen=True)
class Change:
    """What one action, undo or redo did: `field` was set to `value` on `keys`.

    Every key in `keys` had the opposite value before (for `tag`: lacked the
    tag when `value` is True, had it when False); keys that already had
    `value` are not listed. For an undo, `field`/`value` are what the undo
    set (the inverse of the original action).
    """

    field: Field
    value: bool
    tag: str | None
    keys: tuple[str, ...]
    """The keys whose state changed (in no promised order)."""
    requested: int
    """How many distinct keys the action was asked to act on."""
    description: str
    """One line for the status line, e.g. `Archived 1 article`."""
    action_id: int | None
    """The journal entry; None when nothing changed (and nothing was journaled)."""
    kind: Literal["do", "undo", "redo"] = "do"

    @property
    def changed(self) -> bool:
        return bool(self.keys)

    def apply(self, view: dict[str, Flags]) -> None:
        """Apply this change to an in-memory map of flags (as from `snapshot`).

        Keys whose flags become empty are removed, so `view` keeps the shape
        `snapshot()` gives it.
        """
        field, value, tag = self.field, self.value, self.tag
        for key in self.keys:
            old = view.get(key, NO_FLAGS)
            if field == "read":
                new = Flags(value, old.starred, old.archived, old.tags)
            elif field == "starred":
                new = Flags(old.read, value, old.archived, old.tags)
            elif field == "archived":
                new = Flags(old.read, old.starred, value, old.tags)
            else:
                assert tag is not None
                tags = old.tags | {tag} if value else old.tags - {tag}
                new = Flags(old.read, old.starred, old.archived, tags)
            if new.is_empty:
                view.pop(key, None)
            else:
                view[key] = new


@dataclass(slots=True, frozen=True)
class SessionSummary:
    """The decisions of one session still in effect, counted in articles."""

    read: int = 0
    unread: int = 0
    starred: int = 0
    unstarred: int = 0
    archived: int = 0
    unarchived: int = 0
    tagged: int = 0
    untagged: int = 0
    actions: int = 0
    """Journaled actions of this session that are not undone."""
    undos: int = 0
    redos: int = 0

    def describe(self) -> str:
        """One line for the quit message."""
        parts = [
            f"{count} {label}"
            for count, label in (
                (self.read, "marked read"),
                (self.unread, "marked unread"),
                (self.starred, "starred"),
                (self.unstarred, "unstarred"),
                (self.archived, "archived"),
                (self.unarchived, "unarchived"),
                (self.tagged, "tagged"),
                (self.untagged, "untagged"),
            )
            if count
        ]
        if self.undos:
            parts.append(f"{self.undos} {'undo' if self.undos == 1 else 'undos'}")
        if self.redos:
            parts.append(f"{self.redos} {'redo' if self.redos == 1 else 'redos'}")
        if not parts:
            return "No changes this session."
        return "This session: " + ", ".join(parts) + "."


# -- paths --------------------------------------------------------------------


def default_state_path() -> Path:
    """`state.sqlite3` in the user's data folder (platformdirs)."""
    import platformdirs  # imported here: only needed without an explicit path

    return Path(platformdirs.user_data_dir("newsdesk", appauthor=False)) / STATE_FILENAME


def move_aside(path: Path | str, reason: str = "corrupt") -> Path:
    """Rename a bad state file (and its `-wal`/`-shm`) to `<name>.<reason>-<UTC time>`.

    Returns the new path of the main file. The WAL moves with it under the
    matching name, so opening the copy with SQLite still sees every commit.
    Call it only for a file that failed to open (no other process should be
    using it).
    """
    path = Path(path)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.{reason}-{stamp}")
    counter = 1
    while _exists_any(target):
        target = path.with_name(f"{path.name}.{reason}-{stamp}-{counter}")
        counter += 1
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.replace(side, Path(f"{target}{suffix}"))
    return target


def _exists_any(path: Path) -> bool:
    return any(Path(f"{path}{s}").exists() for s in ("", "-wal", "-shm"))


def start_clean(path: Path | str | None = None, reason: str = "corrupt") -> tuple[State, Path]:
    """Move the (bad) state file aside and open a fresh one in its place.

    Returns the new state and where the old file went, for a message such as
    "state file was damaged; kept a copy at …; starting clean". Close any
    `State` still open on the file first.
    """
    path = Path(path) if path is not None else default_state_path()
    backup = move_aside(path, reason)
    return State(path), backup


# -- the state ----------------------------------------------------------------


class State:
    """Triage state in one SQLite file; see the module docstring.

    Thread-safe (one connection behind a lock), so the app may call it from
    worker threads. Use as a context manager or call `close()`.
    """

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        readonly: bool = False,
        timeout: float = 10.0,
        history_actions: int = HISTORY_ACTIONS,
        history_keys: int = HISTORY_KEYS,
    ) -> None:
        self.path = Path(path) if path is not None else default_state_path()
        self.readonly = readonly
        self.session = uuid.uuid4().hex
        self.last_description: str | None = None
        """The description of the last action, undo or redo of this instance."""
        self._lock = threading.Lock()
        self._undos = 0
        self._redos = 0
        self._empty = False  # readonly on a missing or blank file: no tables
        self._conn = self._connect(timeout)
        self._json = _has_json(self._conn)
        try:
            with self._translate():
                self._prepare(history_actions, history_keys)
        except BaseException:
            self._conn.close()
            raise

    # -- opening --

    def _connect(self, timeout: float) -> sqlite3.Connection:
        self._check_header()
        try:
            if self.readonly:
                if not self.path.exists():
                    self._empty = True
                    return sqlite3.connect(
                        ":memory:", isolation_level=None, check_same_thread=False
                    )
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                conn = sqlite3.connect(
                    uri,
                    uri=True,
                    timeout=timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
            else:
                from reader.private import create_private, private_dir, tighten_private

                # Owner-only before SQLite opens it: its -wal and -shm take
                # the file's mode (see reader.private).
                private_dir(self.path.parent)
                create_private(self.path)
                tighten_private(self.path, application_id=APPLICATION_ID)
                conn = sqlite3.connect(
                    self.path, timeout=timeout, isolation_level=None, check_same_thread=False
                )
        except sqlite3.Error as error:
            raise _wrap(error, self.path) from error
        except OSError as error:
            raise StateError(f"cannot open state file {self.path}: {error}", self.path) from error
        return conn

    def _check_header(self) -> None:
        """Refuse a file that is not SQLite before SQLite opens it.

        Closing a connection to such a file makes SQLite delete a `-wal`
        beside it, which may be the only copy of recent decisions.
        """
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(len(_SQLITE_HEADER))
        except FileNotFoundError:
            return
        except IsADirectoryError:
            raise StateError(f"state file {self.path} is a folder", self.path) from None
        except OSError as error:
            raise StateError(f"cannot read state file {self.path}: {error}", self.path) from None
        if head and head != _SQLITE_HEADER:
            raise StateCorruptError(
                f"state file {self.path} is not a SQLite database (damaged or replaced)",
                self.path,
            )

    def _prepare(self, history_actions: int, history_keys: int) -> None:
        conn = self._conn
        if self._empty:
            return
        # Reading the header first: a file that is not a database fails here,
        # before anything could be written to it. One read transaction, so
        # that another process creating the file meanwhile is seen whole.
        conn.execute("BEGIN")
        try:
            app_id, version = self._header()
            has_tables = self._has_tables()
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
        if version > SCHEMA_VERSION:
            raise StateVersionError(
                f"state file {self.path} was written by a newer newsdesk "
                f"(schema version {version}; this version reads up to {SCHEMA_VERSION})",
                self.path,
                version,
            )
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and has_tables):
            raise StateCorruptError(f"{self.path} is not a newsdesk state file", self.path)
        if not self.readonly:
            write_ahead(conn)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA temp_store = MEMORY")
            if app_id == 0:
                self._create()
        elif app_id == 0:
            self._empty = True  # a blank file opened read-only: no state yet
            return
        self._check_schema()
        if not self.readonly:
            self._trim_history(history_actions, history_keys)

    def _header(self) -> tuple[int, int]:
        app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        return int(app_id), int(version)

    def _has_tables(self) -> bool:
        row = self._conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        return bool(row[0])

    def _create(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created it while we waited for the lock.
            app_id, _ = self._header()
            if app_id == 0:
                if self._has_tables():
                    raise StateCorruptError(f"{self.path} is not a newsdesk state file", self.path)
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _check_schema(self) -> None:
        for table, expected in _EXPECTED_COLUMNS.items():
            columns = {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if not expected <= columns:
                raise StateCorruptError(
                    f"state file {self.path} is damaged (table {table!r} is missing or incomplete)",
                    self.path,
                )

    def _trim_history(self, max_actions: int, max_keys: int) -> None:
        count, total = self._conn.execute("SELECT count(*), total(n) FROM action").fetchone()
        if count <= max_actions and total <= max_keys:
            return
        with self._write() as conn:
            row = conn.execute(
                """
                SELECT id FROM (
                    SELECT id,
                           sum(n) OVER (ORDER BY id DESC) AS kept,
                           row_number() OVER (ORDER BY id DESC) AS rank
                    FROM action
                ) WHERE kept > ? OR rank > ? ORDER BY id DESC LIMIT 1
                """,
                (max_keys, max_actions),
            ).fetchone()
            if row is not None:
                conn.execute("DELETE FROM action_item WHERE action <= ?", (row[0],))
                conn.execute("DELETE FROM action WHERE id <= ?", (row[0],))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing --

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise _wrap(error, self.path) from error

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed before the caller returns."""
        if self.readonly:
            raise StateReadOnlyError(f"state file {self.path} is open read-only", self.path)
        conn = self._conn
        with self._translate():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if conn.in_transaction:  # the body may have rolled back a no-op
                conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction, so that several queries see one moment."""
        conn = self._conn
        with self._lock, self._translate():
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _select(self, conn: sqlite3.Connection, keys: list[str]) -> None:
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS sel (key TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID"
        )
        conn.execute("DELETE FROM temp.sel")
        if self._json:
            # One JSON array instead of one statement per key: several times faster.
            conn.execute(
                "INSERT OR IGNORE INTO temp.sel (key) SELECT value FROM json_each(?)",
                (json.dumps(keys, ensure_ascii=False),),
            )
        else:
            conn.executemany(
                "INSERT OR IGNORE INTO temp.sel (key) VALUES (?)", ((k,) for k in keys)
            )

    # -- reading --

    def snapshot(self) -> dict[str, Flags]:
        """The flags of every key that has state, for the app's in-memory view.

        Equal flags are one shared object, so 100,000 keys cost little more
        than the dict.
        """
        if self._empty:
            return {}
        with self._read() as conn:
            out, tag_rows = self._snapshot_json(conn) if self._json else self._snapshot_rows(conn)
            # Escaped keys (see `_to_db`) sort before every other key.
            escaped = [r[0] for r in conn.execute("SELECT key FROM article WHERE key < char(2)")]
        for key in escaped:
            if key in out and key.startswith(_ESCAPE):
                out[_from_db(key)] = out.pop(key)
        tags_of: dict[str, list[str]] = {}
        for key, tag in tag_rows:
            tags_of.setdefault(_from_db(key), []).append(tag)
        shared: dict[tuple[Flags, frozenset[str]], Flags] = {}
        for key, names in tags_of.items():
            base = out.get(key, NO_FLAGS)
            ident = (base, frozenset(names))
            flags = shared.get(ident)
            if flags is None:
                flags = shared[ident] = Flags(base.read, base.starred, base.archived, ident[1])
            out[key] = flags
        return out

    @staticmethod
    def _snapshot_json(
        conn: sqlite3.Connection,
    ) -> tuple[dict[str, Flags], Iterable[tuple[str, str]]]:
        # Three times faster than fetching rows: SQLite builds one JSON array
        # of keys and one string of flag digits (read + 2*starred + 4*archived,
        # in the same row order), which json.loads and zip turn into the dict.
        keys_json, digits = conn.execute(
            "SELECT json_group_array(key), group_concat(bits, '') FROM ("
            "  SELECT key, read + 2 * starred + 4 * archived AS bits FROM article"
            "  WHERE read OR starred OR archived)"
        ).fetchone()
        out = dict(
            zip(json.loads(keys_json), map(_FLAGS_BY_DIGIT.__getitem__, digits or ""), strict=True)
        )
        tag_keys, tags = conn.execute(
            "SELECT json_group_array(key), json_group_array(tag) FROM tag"
        ).fetchone()
        return out, zip(json.loads(tag_keys), json.loads(tags), strict=True)

    @staticmethod
    def _snapshot_rows(
        conn: sqlite3.Connection,
    ) -> tuple[dict[str, Flags], Iterable[tuple[str, str]]]:
        out = {
            key: _FLAGS_BY_BITS[bits]
            for key, bits in conn.execute(
                "SELECT key, read + 2 * starred + 4 * archived FROM article "
                "WHERE read OR starred OR archived"
            )
        }
        return out, conn.execute("SELECT key, tag FROM tag").fetchall()

    def get(self, key: str) -> Flags:
        """The flags of one key."""
        if self._empty:
            return NO_FLAGS
        with self._read() as conn:
            db_key = _to_db(key)
            row = conn.execute(
                "SELECT read, starred, archived FROM article WHERE key = ?", (db_key,)
            ).fetchone()
            tags = frozenset(
                r[0] for r in conn.execute("SELECT tag FROM tag WHERE key = ?", (db_key,))
            )
        if row is None and not tags:
            return NO_FLAGS
        read, starred, archived = row if row is not None else (0, 0, 0)
        return Flags(bool(read), bool(starred), bool(archived), tags)

    def tags(self) -> dict[str, int]:
        """Tag names in use with how many keys carry each, by name (for completion)."""
        if self._empty:
            return {}
        with self._read() as conn:
            rows = conn.execute("SELECT tag, count(*) FROM tag GROUP BY tag").fetchall()
        return dict(sorted(rows, key=lambda r: (r[0].casefold(), r[0])))

    def peek_undo(self) -> str | None:
        """The description of what `undo()` would undo, or None."""
        return self._peek(undone=0, order="DESC")

    def peek_redo(self) -> str | None:
        """The description of what `redo()` would redo, or None."""
        return self._peek(undone=1, order="ASC")

    def _peek(self, undone: int, order: str) -> str | None:
        if self._empty:
            return None
        with self._read() as conn:
            row = conn.execute(
                f"SELECT description FROM action WHERE undone = ? ORDER BY id {order} LIMIT 1",
                (undone,),
            ).fetchone()
        return row[0] if row else None

    def session_summary(self, files: Callable[[str], int] | None = None) -> SessionSummary:
        """Counts of this session's decisions still in effect, for the quit
        message; `files` (a key -> how many files share it) counts articles
        as the app's counts do, rather than keys."""
        counts: dict[str, int] = {}
        actions = 0
        if not self._empty:
            with self._read() as conn:
                rows = conn.execute(
                    "SELECT field, value, total(n), count(*) FROM action "
                    "WHERE session = ? AND undone = 0 GROUP BY field, value",
                    (self.session,),
                ).fetchall()
                if files is not None:
                    weighted: dict[tuple[str, int], int] = {}
                    for field, value, key in conn.execute(
                        "SELECT a.field, a.value, i.key FROM action AS a"
                        " JOIN action_item AS i ON i.action = a.id"
                        " WHERE a.session = ? AND a.undone = 0",
                        (self.session,),
                    ):
                        weighted[(field, value)] = weighted.get((field, value), 0) + files(key)
                    rows = [(f, v, weighted.get((f, v), 0), number) for f, v, _, number in rows]
            names = {
                ("read", 1): "read",
                ("read", 0): "unread",
                ("starred", 1): "starred",
                ("starred", 0): "unstarred",
                ("archived", 1): "archived",
                ("archived", 0): "unarchived",
                ("tag", 1): "tagged",
                ("tag", 0): "untagged",
            }
            for field, value, total, number in rows:
                counts[names[(field, value)]] = int(total)
                actions += number
        return SessionSummary(**counts, actions=actions, undos=self._undos, redos=self._redos)

    def check(self) -> None:
        """Run SQLite's `quick_check` (reads the whole file); raise `StateCorruptError`."""
        if self._empty:
            return
        with self._lock, self._translate():
            rows = self._conn.execute("PRAGMA quick_check").fetchall()
        if [r[0] for r in rows] != ["ok"]:
            detail = "; ".join(str(r[0]) for r in rows[:3])
            raise StateCorruptError(f"state file {self.path} is damaged: {detail}", self.path)

    def set_busy_timeout(self, seconds: float) -> None:
        """How long a write waits for another process's lock before
        `StateBusyError` (the writer thread keeps it short and tries again)."""
        with self._lock, self._translate():
            self._conn.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

    def data_version(self) -> int:
        """SQLite's `data_version`: it changes when another connection (another
        newsdesk) commits to the file, never for this one's own commits."""
        with self._lock, self._translate():
            return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def restore(self, flags: Mapping[str, Flags]) -> int:
        """Write `flags` (what a screen holds) over the file's state, without
        journaling: used to refill a fresh file after a damaged one was moved
        aside. Returns how many keys were written."""
        rows = [
            (_to_db(key), int(f.read), int(f.starred), int(f.archived))
            for key, f in flags.items()
            if f.read or f.starred or f.archived
        ]
        tags = [(_to_db(key), tag) for key, f in flags.items() for tag in f.tags]
        with self._lock, self._write() as conn:
            conn.execute("DELETE FROM article")
            conn.execute("DELETE FROM tag")
            conn.executemany(
                "INSERT INTO article (key, read, starred, archived) VALUES (?, ?, ?, ?)", rows
            )
            conn.executemany("INSERT OR IGNORE INTO tag (key, tag) VALUES (?, ?)", tags)
        return len(flags)

    # -- actions --

    def set_read(self, keys: str | Iterable[str], value: bool = True) -> Change:
        """Mark the keys read (or unread with `value=False`)."""
        return self._flag("read", keys, value)

    def toggle_read(self, keys: str | Iterable[str]) -> Change:
        """Mark read, or unread when every key is already read."""
        return self._flag("read", keys, None)

    def set_starred(self, keys: str | Iterable[str], value: bool = True) -> Change:
        """Star the keys (or unstar with `value=False`)."""
        return self._flag("starred", keys, value)

    def toggle_starred(self, keys: str | Iterable[str]) -> Change:
        """Star, or unstar when every key is already starred."""
        return self._flag("starred", keys, None)

    def set_archived(self, keys: str | Iterable[str], value: bool = True) -> Change:
        """Archive the keys (or move them back to the inbox with `value=False`)."""
        return self._flag("archived", keys, value)

    def toggle_archived(self, keys: str | Iterable[str]) -> Change:
        """Archive, or unarchive when every key is already archived."""
        return self._flag("archived", keys, None)

    def add_tag(self, keys: str | Iterable[str], tag: str) -> Change:
        """Add `tag` to the keys that lack it."""
        return self._tag(keys, _clean_tag(tag), True)

    def remove_tag(self, keys: str | Iterable[str], tag: str) -> Change:
        """Remove `tag` from the keys that have it."""
        return self._tag(keys, _clean_tag(tag), False)

    def toggle_tag(self, keys: str | Iterable[str], tag: str) -> Change:
        """Add `tag`, or remove it when every key already has it."""
        return self._tag(keys, _clean_tag(tag), None)

    def _flag(self, field: Field, keys: str | Iterable[str], value: bool | None) -> Change:
        wanted = _distinct(keys)
        if not wanted:
            return self._noop(field, None, bool(value), 0)
        with self._lock, self._write() as conn:
            self._select(conn, wanted)
            if value is None:
                (have,) = conn.execute(
                    # CROSS JOIN keeps the selection as the outer loop (the
                    # planner has no statistics for the temp table).
                    f"SELECT count(*) FROM temp.sel s CROSS JOIN article a ON a.key = s.key "
                    f"WHERE a.{field} = 1"
                ).fetchone()
                value = have != len(wanted)
            changed_sql = (
                f"FROM temp.sel s LEFT JOIN article a ON a.key = s.key "
                f"WHERE coalesce(a.{field}, 0) != {int(value)}"
            )
            return self._journal(conn, field, value, None, len(wanted), changed_sql)

    def _tag(self, keys: str | Iterable[str], tag: str, value: bool | None) -> Change:
        wanted = _distinct(keys)
        if not wanted:
            return self._noop("tag", tag, bool(value), 0)
        with self._lock, self._write() as conn:
            self._select(conn, wanted)
            if value is None:
                (have,) = conn.execute(
                    "SELECT count(*) FROM temp.sel s "
                    "CROSS JOIN tag t ON t.key = s.key AND t.tag = ?",
                    (tag,),
                ).fetchone()
                value = have != len(wanted)
            has = "EXISTS (SELECT 1 FROM tag t WHERE t.key = s.key AND t.tag = :tag)"
            changed_sql = f"FROM temp.sel s WHERE {'NOT ' if value else ''}{has}"
            return self._journal(conn, "tag", value, tag, len(wanted), changed_sql)

    def _journal(
        self,
        conn: sqlite3.Connection,
        field: Field,
        value: bool,
        tag: str | None,
        requested: int,
        changed_sql: str,
    ) -> Change:
        """Record and apply an action on the keys `changed_sql` selects (`s.key`)."""
        cursor = conn.execute(
            "INSERT INTO action (session, at, field, value, tag, requested, n, description) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, '')",
            (self.session, time.time(), field, int(value), tag, requested),
        )
        action_id = cursor.lastrowid
        assert action_id is not None
        n = conn.execute(
            f"INSERT INTO action_item (action, key) SELECT :action, s.key {changed_sql}",
            {"tag": tag, "action": action_id},
        ).rowcount
        if n == 0:
            # Nothing to change: not journaled, and the redo branch stays.
            conn.execute("ROLLBACK")
            return self._noop(field, tag, value, requested)
        # A new action ends the redo branch.
        conn.execute(
            "DELETE FROM action_item WHERE action IN (SELECT id FROM action WHERE undone = 1)"
        )
        conn.execute("DELETE FROM action WHERE undone = 1")
        description = _describe(field, value, tag, n, requested)
        conn.execute(
            "UPDATE action SET n = ?, description = ? WHERE id = ?", (n, description, action_id)
        )
        keys = self._apply(conn, field, value, tag, action_id)
        self.last_description = description
        return Change(field, value, tag, keys, requested, description, action_id)

    def _apply(
        self, conn: sqlite3.Connection, field: str, value: bool, tag: str | None, action_id: int
    ) -> tuple[str, ...]:
        """Set `field` to `value` on the keys journaled under `action_id`; return them."""
        keys = tuple(
            r[0] for r in conn.execute("SELECT key FROM action_item WHERE action = ?", (action_id,))
        )
        if keys and keys[0].startswith(_ESCAPE):  # in key order, escaped keys come first
            keys = tuple(_from_db(key) for key in keys)
        if field == "tag":
            if value:
                conn.execute(
                    "INSERT OR IGNORE INTO tag (key, tag) "
                    "SELECT key, ? FROM action_item WHERE action = ?",
                    (tag, action_id),
                )
            else:
                conn.execute(
                    "DELETE FROM tag WHERE tag = ? AND key IN "
                    "(SELECT key FROM action_item WHERE action = ?)",
                    (tag, action_id),
                )
            return keys
        assert field in _FLAG_COLUMNS
        conn.execute(
            f"INSERT INTO article (key, {field}) "
            f"SELECT key, ? FROM action_item WHERE action = ? "
            f"ON CONFLICT (key) DO UPDATE SET {field} = excluded.{field}",
            (int(value), action_id),
        )
        if not value:
            # Keep only keys that have some state.
            conn.execute(
                "DELETE FROM article WHERE read = 0 AND starred = 0 AND archived = 0 "
                "AND key IN (SELECT key FROM action_item WHERE action = ?)",
                (action_id,),
            )
        return keys

    def _noop(self, field: Field, tag: str | None, value: bool, requested: int) -> Change:
        description = _describe_noop(field, value, tag, requested)
        self.last_description = description
        return Change(field, value, tag, (), requested, description, None)

    # -- undo --

    def undo(self) -> Change | None:
        """Undo the newest action not yet undone (of any session); None if there is none."""
        with self._lock, self._write() as conn:
            row = conn.execute(
                "SELECT id, field, value, tag, requested, description FROM action "
                "WHERE undone = 0 ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if row is None:
                self.last_description = "Nothing to undo"
                return None
            action_id, field, value, tag, requested, description = row
            keys = self._apply(conn, field, not value, tag, action_id)
            conn.execute("UPDATE action SET undone = 1 WHERE id = ?", (action_id,))
        self._undos += 1
        self.last_description = f"Undid: {description}"
        return Change(
            field, not value, tag, keys, requested, self.last_description, action_id, "undo"
        )

    def redo(self) -> Change | None:
        """Redo the oldest undone action; None if there is none."""
        with self._lock, self._write() as conn:
            row = conn.execute(
                "SELECT id, field, value, tag, requested, description FROM action "
                "WHERE undone = 1 ORDER BY id ASC LIMIT 1"
            ).fetchone()
            if row is None:
                self.last_description = "Nothing to redo"
                return None
            action_id, field, value, tag, requested, description = row
            keys = self._apply(conn, field, bool(value), tag, action_id)
            conn.execute("UPDATE action SET undone = 0 WHERE id = ?", (action_id,))
        self._redos += 1
        self.last_description = f"Redid: {description}"
        return Change(
            field, bool(value), tag, keys, requested, self.last_description, action_id, "redo"
        )


# -- helpers ------------------------------------------------------------------


def _distinct(keys: str | Iterable[str]) -> list[str]:
    """The distinct keys, in order, in their stored form (see `_to_db`)."""
    wanted = [keys] if isinstance(keys, str) else list(dict.fromkeys(keys))
    joined = "".join(wanted)
    if not joined.isascii() or _ESCAPE in joined:
        wanted = [_to_db(key) for key in wanted]
    return wanted


_ESCAPE = "\x01"  # control characters never start a real key


def _to_db(key: str) -> str:
    """The stored form of a key.

    A key that SQLite cannot hold as UTF-8 text (a path with a file name that
    is not UTF-8 carries lone surrogates) is stored as U+0001 plus the hex of its
    bytes; so is a key that starts with U+0001, so that the escape is reversible.
    """
    if key.startswith(_ESCAPE):
        return _ESCAPE + key.encode("utf-8", "surrogatepass").hex()
    if key.isascii():
        return key
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        pass
    else:
        return key
    return _ESCAPE + key.encode("utf-8", "surrogatepass").hex()


def _from_db(key: str) -> str:
    if not key.startswith(_ESCAPE):
        return key
    try:
        return bytes.fromhex(key[1:]).decode("utf-8", "surrogatepass")
    except ValueError:
        return key


def _has_json(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("SELECT json_valid('[]')").fetchone()
    except sqlite3.Error:
        return False
    return True


def _clean_tag(tag: str) -> str:
    cleaned = " ".join(tag.split())
    if not cleaned:
        raise ValueError("a tag cannot be empty")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a tag must be valid text") from None
    return cleaned


def _articles(n: int) -> str:
    return f"{n} article" if n == 1 else f"{n} articles"


def plan(
    flags: Mapping[str, Flags],
    field: Field,
    keys: Iterable[str],
    value: bool | None,
    tag: str | None = None,
) -> Change:
    """The change an action would make, worked out from `flags` (the flags a
    screen shows) as `State` works it out from the file: `value` None toggles
    (sets, unless every key already has it). The screen applies it at once
    and has the file set `field` to the resolved value, so a toggle acts on
    what the user sees. Raises ValueError for an empty tag."""
    wanted = list(dict.fromkeys(keys))
    if field == "tag":
        tag = _clean_tag(tag or "")
        has = [tag in flags.get(key, NO_FLAGS).tags for key in wanted]
    else:
        has = [getattr(flags.get(key, NO_FLAGS), field) for key in wanted]
    if value is None:
        value = not all(has) if wanted else True
    changed = tuple(key for key, had in zip(wanted, has, strict=True) if had != value)
    description = (
        _describe(field, value, tag, len(changed), len(wanted))
        if changed
        else _describe_noop(field, value, tag, len(wanted))
    )
    return Change(field, value, tag, changed, len(wanted), description, None)


def setter(change: Change) -> Callable[[State], Change]:
    """The write that makes `change` (a `plan`) in a state file."""
    keys = list(change.keys)
    field, value, tag = change.field, change.value, change.tag
    if field == "tag":
        assert tag is not None
        if value:
            return lambda state: state.add_tag(keys, tag)
        return lambda state: state.remove_tag(keys, tag)
    return lambda state: state._flag(field, keys, value)


def _describe(field: str, value: bool, tag: str | None, n: int, requested: int) -> str:
    what = _articles(requested)
    if field == "read":
        text = f"Marked {what} {'read' if value else 'unread'}"
    elif field == "starred":
        text = f"{'Starred' if value else 'Unstarred'} {what}"
    elif field == "archived":
        text = f"{'Archived' if value else 'Unarchived'} {what}"
    elif value:
        text = f"Tagged {what} {tag!r}"
    else:
        text = f"Removed tag {tag!r} from {what}"
    if n != requested:
        text += f" ({requested - n} unchanged)"
    return text


def _describe_noop(field: str, value: bool, tag: str | None, requested: int) -> str:
    if requested == 0:
        return "No articles to change"
    state = {
        ("read", True): "read",
        ("read", False): "unread",
        ("starred", True): "starred",
        ("starred", False): "not starred",
        ("archived", True): "archived",
        ("archived", False): "in the inbox",
        ("tag", True): f"tagged {tag!r}",
        ("tag", False): f"not tagged {tag!r}",
    }[(field, value)]
    every = "The article is" if requested == 1 else f"All {requested} articles are"
    return f"{every} already {state}"


def _wrap(error: sqlite3.Error, path: Path) -> StateError:
    code = getattr(error, "sqlite_errorcode", None)
    base = code & 0xFF if isinstance(code, int) else None
    if base in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StateCorruptError(f"state file {path} is damaged or not a database: {error}", path)
    if base in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StateBusyError(f"state file {path} is locked by another newsdesk: {error}", path)
    if base is None and type(error) is sqlite3.DatabaseError:
        return StateCorruptError(f"state file {path} is damaged or not a database: {error}", path)
    return StateError(f"state file {path}: {error}", path)


def flags_of(state: State | Mapping[str, Flags]) -> Mapping[str, Flags]:
    """The flags map of a `State` (a snapshot) or a map already in memory."""
    return state.snapshot() if isinstance(state, State) else state
