"""Filling the full-text index of article bodies, in a process of its own.

Reading and parsing thousands of files is CPU work; done in the app's
process it would compete with the screen for the interpreter. The app
sends the paths here through a pipe and waits for the process to end.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from pathlib import Path

from reader.search.fulltext import FullText
from reader.store.files import ParseError, read_article
from reader.store.processes import run_below_the_app

BATCH = 200
SEND_PART = 2_000
"""Paths sent to the helper process at once (a millisecond to pickle)."""


def fill(root: Path, fulltext: FullText, paths: list[str], *, clear: bool = False) -> int:
    """Read the bodies of `paths` into `fulltext`; returns how many were read."""
    if clear:
        fulltext.clear()
    done = 0
    for start in range(0, len(paths), BATCH):
        docs = []
        for path in paths[start : start + BATCH]:
            try:
                docs.append((path, read_article(root, path).body))
            except ParseError:
                continue
        fulltext.upsert(docs)
        done += len(docs)
    return done


def fill_file(root: str, fulltext_path: str, paths: Connection, clear: bool) -> int:
    """`fill` for a worker process: opens the index file itself, and takes
    the paths from `paths`, in parts, until an empty one (see `send_paths`)."""
    run_below_the_app()
    todo: list[str] = []
    while part := paths.recv():
        todo.extend(part)
    paths.close()
    with FullText(fulltext_path) as fulltext:
        return fill(Path(root), fulltext, todo, clear=clear)


def send_paths(connection: Connection, paths: list[str]) -> None:
    """Send `paths` to `fill_file` in parts: pickled at once, 100,000 paths
    are one call of some 45 ms that holds the interpreter (and the screen)."""
    try:
        for start in range(0, len(paths), SEND_PART):
            connection.send(paths[start : start + SEND_PART])
        connection.send([])
    finally:
        connection.close()
