"""Filling the full-text index of article bodies, in a process of its own.

Reading and parsing thousands of files is CPU work; done in the app's
process it would compete with the screen for the interpreter. The app
sends the list of paths here and waits for the count.
"""

from __future__ import annotations

from pathlib import Path

from reader.fulltext import FullText
from reader.store import ParseError, read_article

BATCH = 200


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


def fill_file(root: str, fulltext_path: str, paths: list[str], clear: bool) -> int:
    """`fill` for a worker process: opens the index file itself."""
    with FullText(fulltext_path) as fulltext:
        return fill(Path(root), fulltext, paths, clear=clear)
