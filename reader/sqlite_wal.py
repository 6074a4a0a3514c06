"""What the SQLite files newsdesk keeps (state, index, body index) share."""

from __future__ import annotations

import sqlite3
import time

WAL_WAIT = 5.0
"""Seconds to keep trying to switch a file to the write-ahead log."""


def write_ahead(conn: sqlite3.Connection, wait: float = WAL_WAIT) -> None:
    """Switch `conn`'s file to the write-ahead log.

    Two processes opening a new file at once can find it locked while the
    other switches: SQLite answers "database is locked" at once, without
    its busy timeout. Try again for up to `wait` seconds.
    """
    deadline = time.monotonic() + wait
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            message = str(error).lower()
            if ("locked" not in message and "busy" not in message) or (
                time.monotonic() + delay > deadline
            ):
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)
