"""`newsdesk export` / `count`: each format, with real store files and a real state file."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import IO

import pytest

from reader.commands.export import (
    COLUMNS,
    FORMATS,
    count_main,
    export,
    main,
    published_iso,
)
from reader.model import Row
from reader.store.files import load_store
from reader.triage.state import State
from tests.conftest import StoreMaker, article_text

ROOT = Path(__file__).resolve().parents[1]

URL_A = "https://www.harbourpost.example/2026/03/a"
URL_B = "https://www.orbitalreview.example/2026/03/b?x=1&y=2"
TRICKY_TITLE = "Pipes | *stars* _under_ [bold]link[/bold] <b>tag</b> & `code`"


@pytest.fixture
def store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            "000_a.txt": article_text(
                "Oldest, read and tagged", url=URL_A, date="2026-03-01T10:00:00Z"
            ),
            "001_b.txt": article_text(
                TRICKY_TITLE,
                url=URL_B,
                topics=["AI", "Policy"],
                provider="Orbital Review",
                date="2026-03-14T08:30:00+02:00",
            ),
            "002_no_url.md": article_text("No URL, starred", date="2026-03-10T00:00:00Z"),
            "sub/003_same_url.txt": article_text(
                "Same URL as the oldest", url=URL_A, date="2026-03-05T12:00:00Z"
            ),
            "004_undated.txt": article_text("Undated", url="https://x.example/u", date=None),
            "broken.txt": "no front matter here\n",
        }
    )


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "state.sqlite3"
    with State(path) as state:
        state.set_read(URL_A)
        state.add_tag(URL_A, "later")
        state.add_tag(URL_A, "Work")
        state.set_starred("path:002_no_url.md")
        state.set_archived(URL_B)
    return path


def newest_first(rows: list[Row]) -> list[Row]:
    """The app's default order: newest first, equal dates by path, undated last."""
    return sorted(
        rows,
        key=lambda row: (float("inf") if row.published is None else -row.published, row.path),
    )


@pytest.fixture
def rows(store: Path) -> list[Row]:
    return newest_first(load_store(store).rows)


def records_by_path(text: str) -> dict[str, dict]:
    return {item["path"]: item for item in json.loads(text)}


# -- the formats -------------------------------------------------------------------


def test_json_has_every_column_and_the_state_of_each_article(
    rows: list[Row], state_path: Path
) -> None:
    out = io.StringIO()
    with State(state_path) as state:
        assert export(rows, state, "json", out) == 5
    items = json.loads(out.getvalue())
    assert [list(item) for item in items] == [list(COLUMNS)] * 5
    by_path = {item["path"]: item for item in items}
    assert by_path["000_a.txt"] == {
        "path": "000_a.txt",
        "title": "Oldest, read and tagged",
        "webUrl": URL_A,
        "provider": "Harbour Post",
        "published": "2026-03-01T10:00:00Z",
        "topics": ["AI"],
        "read": True,
        "starred": False,
        "archived": False,
        "tags": ["later", "Work"],
        "quality": 50,
        "heat": 3,
        "excerpt": "An excerpt.",
        "story": "",
    }
    tricky = by_path["001_b.txt"]
    assert tricky["title"] == TRICKY_TITLE
    assert tricky["published"] == "2026-03-14T06:30:00Z"  # converted to UTC
    assert tricky["topics"] == ["AI", "Policy"]
    assert (tricky["read"], tricky["archived"]) == (False, True)
    assert by_path["002_no_url.md"]["starred"] is True  # state kept under its path
    assert by_path["004_undated.txt"]["published"] is None


def test_two_files_with_one_url_share_their_state(rows: list[Row], state_path: Path) -> None:
    out = io.StringIO()
    with State(state_path) as state:
        export(rows, state, "json", out)
    by_path = records_by_path(out.getvalue())
    same = by_path["sub/003_same_url.txt"]
    assert (same["read"], same["tags"]) == (True, ["later", "Work"])


def test_csv_round_trips_through_a_csv_reader(rows: list[Row], state_path: Path) -> None:
    out = io.StringIO()
    with State(state_path) as state:
        assert export(rows, state, "csv", out) == 5
    table = list(csv.reader(io.StringIO(out.getvalue())))
    assert table[0] == list(COLUMNS)
    by_path = {line[0]: dict(zip(COLUMNS, line, strict=True)) for line in table[1:]}
    assert by_path["000_a.txt"]["read"] == "true"
    assert by_path["000_a.txt"]["tags"] == "later; Work"
    assert by_path["001_b.txt"]["title"] == TRICKY_TITLE
    assert by_path["001_b.txt"]["topics"] == "AI; Policy"
    assert by_path["001_b.txt"]["archived"] == "true"
    assert by_path["001_b.txt"]["starred"] == "false"
    assert by_path["004_undated.txt"]["published"] == ""
    assert "\r" not in out.getvalue()


def _cells(line: str) -> list[str]:
    """Split a Markdown table line on its unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def test_markdown_is_one_table_that_shows_titles_as_typed(
    rows: list[Row], state_path: Path
) -> None:
    out = io.StringIO()
    with State(state_path) as state:
        assert export(rows, state, "markdown", out) == 5
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 + 5
    assert _cells(lines[0]) == list(COLUMNS)
    assert all(cell == "---" for cell in _cells(lines[1]))
    table = {_cells(line)[0]: dict(zip(COLUMNS, _cells(line), strict=True)) for line in lines[2:]}
    tricky = table["001\\_b.txt"]
    assert tricky["title"] == (
        r"Pipes \| \*stars\* \_under\_ \[bold\]link\[/bold\] \<b\>tag\</b\> \& \`code\`"
    )
    # Removing the escapes gives back exactly what was typed.
    assert re.sub(r"\\(.)", r"\1", tricky["title"]) == TRICKY_TITLE
    assert tricky["webUrl"] == f"<{URL_B}>"
    assert (tricky["read"], tricky["archived"]) == ("no", "yes")
    assert tricky["topics"] == "AI, Policy"
    assert table["000\\_a.txt"]["tags"] == "later, Work"


def test_markdown_keeps_one_line_per_article_and_a_url_it_cannot_link() -> None:
    row = _row(title="Line one\nline two", web_url="https://x.example/a b|c")
    out = io.StringIO()
    export([row], {}, "markdown", out)
    line = out.getvalue().splitlines()[2]
    cells = _cells(line)
    assert cells[1] == "Line one line two"
    assert cells[2] == r"https://x.example/a b\|c"


def test_every_format_accepts_the_apps_in_memory_flags(rows: list[Row], state_path: Path) -> None:
    with State(state_path) as state:
        snapshot = state.snapshot()
        for fmt in FORMATS:
            from_state, from_map = io.StringIO(), io.StringIO()
            export(rows, state, fmt, from_state)
            export(rows, snapshot, fmt, from_map)
            assert from_state.getvalue() == from_map.getvalue()


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_articles_is_still_well_formed(fmt: str) -> None:
    out = io.StringIO()
    assert export([], {}, fmt, out) == 0
    if fmt == "json":
        assert json.loads(out.getvalue()) == []
    elif fmt == "csv":
        assert list(csv.reader(io.StringIO(out.getvalue()))) == [list(COLUMNS)]
    else:
        assert len(out.getvalue().splitlines()) == 2


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export([], {}, "xml", io.StringIO())


def test_published_is_iso_8601_utc() -> None:
    assert published_iso(1594237000.0) == "2020-07-08T19:36:40Z"
    assert published_iso(0.5) == "1970-01-01T00:00:00.500000Z"
    assert published_iso(None) is None
    assert published_iso(1e20) is None


def test_without_a_query_articles_come_newest_first_undated_last(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(store, state_path, "json", None) == 0
    assert [item["path"] for item in json.loads(capsys.readouterr().out)] == [
        "001_b.txt",
        "002_no_url.md",
        "sub/003_same_url.txt",
        "000_a.txt",
        "004_undated.txt",
    ]


# -- the command -------------------------------------------------------------------


def test_main_prints_the_export_and_reports_unreadable_files(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(store, state_path, "json", None) == 0
    captured = capsys.readouterr()
    items = json.loads(captured.out)
    assert items[0]["path"] == "001_b.txt"
    assert records_by_path(captured.out)["000_a.txt"]["read"] is True
    assert captured.err == (
        "newsdesk export: 1 file skipped (could not be read): broken.txt: no front matter"
        " (the file must start with a '---' line)\n"
    )


def test_main_never_creates_a_state_file(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere" / "state.sqlite3"
    assert main(store, missing, "csv", "") == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(table) == 6
    assert all(line[6:9] == ["false", "false", "false"] for line in table[1:])
    assert not missing.parent.exists()


def test_main_refuses_a_damaged_state_file_and_leaves_it_alone(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "state.sqlite3"
    bad.write_bytes(b"not a database" * 100)
    assert main(store, bad, "json", None) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "not a SQLite database" in captured.err
    assert captured.err.count("\n") == 1  # the state is read before the store: one line
    assert bad.read_bytes() == b"not a database" * 100


def test_main_reports_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(tmp_path / "missing", tmp_path / "s.sqlite3", "json", None) == 1
    assert "no such store" in capsys.readouterr().err


def test_main_refuses_an_unknown_format(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(store, None, "xml", None) == 2
    assert "unknown format 'xml'" in capsys.readouterr().err


def test_main_defaults_to_the_sample_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.store.files import SAMPLE_STORE

    assert main(None, tmp_path / "s.sqlite3", "json", None) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(load_store(SAMPLE_STORE).rows)


def test_count_prints_the_number_of_articles(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert count_main(store, state_path, None) == 0
    assert capsys.readouterr().out == "5\n"


def test_a_query_selects_the_rows_using_the_state(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(store, state_path, "json", "is:starred") == 0
    assert [item["path"] for item in json.loads(capsys.readouterr().out)] == ["002_no_url.md"]
    assert count_main(store, state_path, "is:archived") == 0
    assert capsys.readouterr().out == "1\n"


# -- end to end, through the real command line ----------------------------------------


def run_cli(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "ascii"}
    return subprocess.Popen(
        [sys.executable, "-m", "reader", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


@pytest.mark.skipif(sys.platform != "linux", reason="needs a file name that is not UTF-8")
def test_cli_writes_utf8_even_to_an_ascii_stream_and_escapes_odd_file_names(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = make_store({"000_é.txt": article_text("Café ☕ 日本")})
    odd = os.path.join(os.fsencode(root), b"001_caf\xe9.txt")
    with open(odd, "wb") as handle:
        handle.write(article_text("Odd name").encode())
    state_path = tmp_path / "state.sqlite3"
    with State(state_path) as state:
        state.set_starred("path:001_caf\udce9.txt")
    proc = run_cli("export", str(root), "--state", str(state_path))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    items = json.loads(out.decode("utf-8"))
    by_title = {item["title"]: item for item in items}
    assert by_title["Café ☕ 日本"]["path"] == "000_é.txt"
    assert by_title["Odd name"]["path"] == "001_caf\udce9.txt"
    assert by_title["Odd name"]["starred"] is True


def test_cli_stops_quietly_when_the_reader_goes_away(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    root = make_store({f"{i:03d}_x.txt": article_text(f"Article {i} " * 20) for i in range(400)})
    proc = run_cli("export", str(root), "--state", str(tmp_path / "s.sqlite3"))
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().strip() == b"["
    proc.stdout.close()  # like `newsdesk export | head -1`
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 0
    assert b"Traceback" not in err


def _row(**changes: object) -> Row:
    values: dict[str, object] = {
        "path": "x.txt",
        "title": "T",
        "provider": "P",
        "domain": "p.example",
        "published": None,
        "quality": None,
        "heat": None,
        "topics": (),
        "category": "news",
        "type": "article",
        "web_url": "",
        "excerpt": "",
        "has_body": False,
        "n_related": 0,
    }
    values.update(changes)
    return Row(**values)  # type: ignore[arg-type]


# -- hostile file names, output that cannot be written --------------------------------

ESCAPE = "\x1b]0;pwned\x07"
"""Retitles the terminal when printed raw."""


def raw_controls(text: str) -> set[str]:
    return {ch for ch in text if ch in "\x1b\x07\x9b\x9d\u202e" or (ord(ch) < 0x20 and ch != "\n")}


@pytest.fixture
def hostile_store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            f"001_{ESCAPE}good.txt": article_text("Escaped name", url=URL_A),
            f"002_{ESCAPE}bad.txt": "no front matter here\n",
            "003_\x9b31m\u202eevil.txt": article_text("C1 name", date="2026-03-01T00:00:00Z"),
        }
    )


@pytest.mark.parametrize("command", ["export", "count"])
def test_file_names_in_messages_are_cleaned(
    hostile_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    state = tmp_path / "none.sqlite3"
    if command == "export":
        assert main(hostile_store, state, "json", None) == 0
    else:
        assert count_main(hostile_store, state, None) == 0
    err = capsys.readouterr().err
    assert err == (
        f"newsdesk {command}: 1 file skipped (could not be read): 002_bad.txt: no front matter"
        " (the file must start with a '---' line)\n"
    )
    assert not raw_controls(err)


@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_file_names_in_csv_and_markdown_are_cleaned(hostile_store: Path, fmt: str) -> None:
    out = io.StringIO()
    export(newest_first(load_store(hostile_store).rows), {}, fmt, out)
    text = out.getvalue()
    assert not raw_controls(text)
    underscore = "_" if fmt == "csv" else "\\_"
    for shown in ("001_good.txt", "003_evil.txt"):  # as the app shows them
        assert shown.replace("_", underscore) in text
    assert "pwned" not in text


def test_json_keeps_the_exact_file_name_with_every_control_escaped(hostile_store: Path) -> None:
    out = io.StringIO()
    export(newest_first(load_store(hostile_store).rows), {}, "json", out)
    text = out.getvalue()
    assert not raw_controls(text)
    assert "\\u001b]0;pwned\\u0007" in text and "\\u009b31m\\u202eevil" in text
    paths = {item["path"] for item in json.loads(text)}
    assert paths == {f"001_{ESCAPE}good.txt", "003_\x9b31m\u202eevil.txt"}


def run_to(stdout: IO[bytes], *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "reader", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=60,
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [("export",), ("export", "--format", "csv"), ("export", "--format", "markdown"), ("count",)],
)
def test_a_full_disk_is_one_line_and_status_1(
    make_store: StoreMaker, tmp_path: Path, args: tuple[str, ...]
) -> None:
    root = make_store({f"{i:03d}_x.txt": article_text(f"Article {i}") for i in range(3)})
    state = str(tmp_path / "s.sqlite3")
    with open("/dev/full", "wb") as full:
        result = run_to(full, *args, str(root), "--state", state)
    assert result.returncode == 1
    assert result.stderr == b"newsdesk: cannot write output: No space left on device\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_with_a_large_export_is_one_line_too(
    make_store: StoreMaker, tmp_path: Path
) -> None:
    # More than a buffer's worth: the failure comes from a write, not the flush.
    root = make_store({f"{i:03d}_x.txt": article_text(f"Article {i} " * 20) for i in range(300)})
    with open("/dev/full", "wb") as full:
        result = run_to(full, "export", str(root), "--state", str(tmp_path / "s.sqlite3"))
    assert result.returncode == 1
    assert result.stderr == b"newsdesk: cannot write output: No space left on device\n"
