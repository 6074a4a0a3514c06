"""Switching a file to the write-ahead log while another holds it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from reader.sqlite_wal import write_ahead


def locked_for(path: Path, seconds: float) -> threading.Thread:
    ready = threading.Event()

    def hold() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        ready.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    return thread


def try_switch(tmp_path: Path, locked: float, wait: float) -> str:
    """Lock a new file for `locked` seconds, switch it with `wait`."""
    path = tmp_path / "x.sqlite3"
    sqlite3.connect(path).close()
    holder = locked_for(path, locked)
    conn = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        write_ahead(conn, wait=wait)
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()
        holder.join()


def test_the_switch_waits_for_a_lock_to_go(tmp_path: Path) -> None:
    assert try_switch(tmp_path, locked=0.2, wait=5) == "wal"


def test_a_lock_that_stays_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        try_switch(tmp_path, locked=0.5, wait=0.05)
