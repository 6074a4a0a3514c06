"""Reading a file never blocks and never costs more than `MAX_READ` bytes.

Real FIFOs, sockets, devices and a 50 MB sparse file, made in `tmp_path`.
A read that could hang runs in a thread that must finish within seconds:
a hang guard, so that a regression fails the test instead of blocking it.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reader.search.bodies import fill
from reader.search.fulltext import FullText
from reader.store.files import (
    MAX_READ,
    FileEntry,
    ParseError,
    load_store,
    parse_rows,
    read_article,
    read_file,
    scan,
)
from reader.ui.panes.detail import truncated_note
from tests.conftest import StoreMaker, article_text, finishes

FIFO = "not a regular file (a FIFO)"


@pytest.fixture
def fifo_store(make_store: StoreMaker) -> Iterator[Path]:
    """A store of one article and a FIFO named like one. Whatever a test
    does, a reader left blocked on the FIFO is let go at the end."""
    root = make_store({"good.txt": article_text("Good", body="Some words.")})
    fifo = root / "pipe.txt"
    os.mkfifo(fifo)
    yield root
    # Opening the write end returns at once only if a reader waits on it
    # (else ENXIO: nothing to let go); closing it gives that reader an end.
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_is_refused_at_once_not_read(fifo_store: Path) -> None:
    with pytest.raises(ParseError, match=f"^{re.escape(FIFO)}$"):
        finishes(lambda: read_article(fifo_store, "pipe.txt"))
    entry = FileEntry("pipe.txt", 0, 0)
    with pytest.raises(ParseError, match="a FIFO"):
        finishes(lambda: read_article(fifo_store, entry))
    rows, problems = finishes(lambda: parse_rows(fifo_store, [entry]))
    assert rows == [] and [(p.path, p.reason) for p in problems] == [("pipe.txt", FIFO)]


def test_the_scan_reports_a_fifo_as_a_problem_without_opening_it(fifo_store: Path) -> None:
    problems: list[Any] = []
    paths = [entry.path for entry in finishes(lambda: list(scan(fifo_store, problems)))]
    assert paths == ["good.txt"]
    assert [(p.path, p.reason) for p in problems] == [("pipe.txt", FIFO)]
    # Without a list to report to, it is skipped as before.
    assert [entry.path for entry in scan(fifo_store)] == ["good.txt"]
    result = finishes(lambda: load_store(fifo_store))
    assert [row.title for row in result.rows] == ["Good"]
    assert [(p.path, p.reason) for p in result.problems] == [("pipe.txt", FIFO)]


def test_the_body_index_skips_a_fifo(fifo_store: Path) -> None:
    with FullText() as fulltext:
        done = finishes(lambda: fill(fifo_store, fulltext, ["pipe.txt", "good.txt"]))
        assert done == 1 and fulltext.search("words") == {"good.txt"}


def test_a_link_to_a_file_is_read_and_a_link_to_a_fifo_is_not(fifo_store: Path) -> None:
    os.symlink(fifo_store / "good.txt", fifo_store / "link.txt")
    os.symlink(fifo_store / "pipe.txt", fifo_store / "pipe-link.txt")
    assert read_article(fifo_store, "link.txt").title == "Good"
    with pytest.raises(ParseError, match="a FIFO"):
        finishes(lambda: read_article(fifo_store, "pipe-link.txt"))
    problems: list[Any] = []
    assert sorted(e.path for e in scan(fifo_store, problems)) == ["good.txt", "link.txt"]
    assert sorted(p.path for p in problems) == ["pipe-link.txt", "pipe.txt"]


def test_a_device_is_refused(make_store: StoreMaker) -> None:
    root = make_store({"good.txt": article_text()})
    os.symlink("/dev/zero", root / "zero.txt")  # would never end
    with pytest.raises(ParseError, match=r"not a regular file \(a device\)"):
        finishes(lambda: read_article(root, "zero.txt"))
    problems: list[Any] = []
    list(scan(root, problems))
    assert [(p.path, p.reason) for p in problems] == [("zero.txt", "not a regular file (a device)")]


def test_a_socket_is_refused(tmp_path: Path) -> None:
    root = tmp_path
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(root / "s.md"))
        server.listen()
        with pytest.raises(ParseError, match=r"not a regular file \(a socket\)"):
            finishes(lambda: read_article(root, "s.md"))
        problems: list[Any] = []
        assert list(scan(root, problems)) == []
        assert [(p.path, p.reason) for p in problems] == [("s.md", "not a regular file (a socket)")]
    finally:
        server.close()


def test_a_folder_named_like_an_article_is_not_read_as_one(make_store: StoreMaker) -> None:
    root = make_store({"dir.txt/inner.txt": article_text("Inner")})
    with pytest.raises(ParseError, match=r"not a regular file \(a folder\)"):
        read_article(root, "dir.txt")
    assert [entry.path for entry in scan(root, [])] == ["dir.txt/inner.txt"]


def _large_file(path: Path, size: int, body_unit: str = "Word é € ") -> None:
    """An article whose body runs past `MAX_READ` in multi-byte characters,
    then a sparse hole to `size` bytes."""
    head = article_text("Large", url="https://large.example/a").encode()
    unit = body_unit.encode()
    with path.open("wb") as handle:
        handle.write(head)
        handle.write(unit * ((MAX_READ + 100_000 - len(head)) // len(unit)))
        handle.truncate(size)


def test_a_50_mb_file_gives_its_first_4_mb_marked_truncated(make_store: StoreMaker) -> None:
    root = make_store({"small.txt": article_text("Small")})
    size = 50 << 20
    _large_file(root / "large.txt", size)
    article = finishes(lambda: read_article(root, "large.txt"))
    assert article.title == "Large" and article.truncated == size
    assert article.size == size
    # Cut on a character, never inside one, within the cap.
    assert article.body.startswith("Word é € Word")
    assert len(article.body.encode()) <= MAX_READ
    assert article.body.rstrip()[-1] in "Wordé€" and "\ufffd" not in article.body
    assert truncated_note(article) == "This file is 50 MB; showing its first 4 MB."
    assert read_article(root, "small.txt").truncated == 0
    assert truncated_note(read_article(root, "small.txt")) == ""
    # The load reads the same start of it, and lists it as an article.
    result = finishes(lambda: load_store(root))
    assert result.problems == []
    assert sorted(row.title for row in result.rows) == ["Large", "Small"]
    [large] = [row for row in result.rows if row.title == "Large"]
    assert large.has_body and large.size == size


def test_the_read_stops_at_the_cap(tmp_path: Path) -> None:
    for size, truncated in ((MAX_READ, 0), (MAX_READ + 1, MAX_READ + 1)):
        path = tmp_path / f"{size}.txt"
        path.write_bytes(b"x" * size)
        data, st, seen = read_file(path)
        assert (len(data), st.st_size, seen) == (min(size, MAX_READ), size, truncated)


def test_a_front_matter_past_the_cap_is_a_problem(make_store: StoreMaker) -> None:
    never_closed = "---\ntitle: x\nnotes:\n" + "  - a note of some length\n" * 400_000
    root = make_store(
        {
            "open.txt": never_closed,  # 10 MB, no closing line in the first 4
            "big.txt": never_closed + "---\nbody\n",
            "closed.txt": "---\ntitle: x\nnote: " + "y" * (1_200_000) + "\n---\nbody\n",
            "unclosed.txt": "---\ntitle: x\n" + "z: 1\n" * 100,
        }
    )
    reasons = {p.path: p.reason for p in finishes(lambda: load_store(root), 20).problems}
    assert reasons == {
        "open.txt": "front matter larger than 1 MB",
        "big.txt": "front matter larger than 1 MB",
        "closed.txt": "front matter larger than 1 MB",
        "unclosed.txt": "front matter is not closed by a '---' line",
    }
    for name, reason in reasons.items():
        with pytest.raises(ParseError, match=reason):
            read_article(root, name)


def test_a_file_read_by_name_takes_its_own_time_and_size(make_store: StoreMaker) -> None:
    root = make_store({"a.txt": article_text()})
    st = (root / "a.txt").stat()
    article = read_article(root, "a.txt")
    assert (article.mtime_ns, article.size, article.truncated) == (st.st_mtime_ns, st.st_size, 0)
    with pytest.raises(ParseError, match=r"^unreadable: No such file"):
        read_article(root, "missing.txt")
