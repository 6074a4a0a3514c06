"""`newsdesk export`: the articles of a store with their triage state, as JSON,
CSV or Markdown, for scripts and other tools.

Nothing here imports Textual. `export()` is what the app calls too; `main()`
is the command and `count_main()` is `newsdesk count` (argument parsing
lives in `reader.cli`).

Columns, in this order: path, title, webUrl, provider, published, topics,
read, starred, archived, tags.

- `published` is ISO 8601 in UTC (`2020-07-08T19:36:00Z`), empty (CSV,
  Markdown) or null (JSON) when unknown.
- `topics` keeps the article's order; `tags` are sorted by name.
- JSON: one array of objects, one object a line; lists are arrays, flags are
  booleans.
- CSV: a header line; `topics` and `tags` joined with `"; "`; flags are
  `true` / `false`.
- Markdown: one table; every character Markdown would interpret is escaped
  so titles show as typed; URLs are autolinks when they can be.

Without `--query` the articles come newest first (undated last), as in the
app's default view; with one, in the order the query gives.

File names are data: a name can hold a terminal escape (`ESC ] 0 ; ... BEL`
retitles the terminal) or bytes that are not UTF-8. Where a path is shown
(the CSV and Markdown path columns, the messages on stderr) it is
`reader.text.shown_path()`: escapes and control characters removed,
undecodable bytes as U+FFFD. JSON keeps the exact path, since a script may
want to open the file: every control character in a JSON string is written
as a `\\uXXXX` escape (JSON's own rule covers C0; DEL, C1 and the bidi
overrides are escaped here too), and undecodable bytes come out as
backslash escapes (`\\udce9`), which JSON reads back as the same string.
Files are always read by their real path.

Output that cannot be written ends the command as `reader.cli` says: a
closed pipe quietly, a full disk (`> /dev/full`) with one line and status 1.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from reader.model import Row
from reader.search.query import QueryError, filter_rows
from reader.text import clean_line, shown_path
from reader.triage.counts import FlagSets
from reader.triage.state import NO_FLAGS, Flags, State, StateError, default_state_path, flags_of

FORMATS = ("json", "csv", "markdown")
COLUMNS = (
    "path",
    "title",
    "webUrl",
    "provider",
    "published",
    "topics",
    "read",
    "starred",
    "archived",
    "tags",
)
CSV_LIST_SEPARATOR = "; "
_PROBLEMS_SHOWN = 5


def published_iso(timestamp: float | None) -> str | None:
    """A POSIX timestamp as ISO 8601 UTC with a `Z`, or None."""
    if timestamp is None:
        return None
    try:
        moment = datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat().replace("+00:00", "Z")


def record(row: Row, flags: Flags) -> dict[str, Any]:
    """One article and its state as a plain dict with the export columns."""
    return {
        "path": row.path,
        "title": row.title,
        "webUrl": row.web_url,
        "provider": row.provider,
        "published": published_iso(row.published),
        "topics": list(row.topics),
        "read": flags.read,
        "starred": flags.starred,
        "archived": flags.archived,
        "tags": sorted(flags.tags, key=lambda tag: (tag.casefold(), tag)),
    }


def export(rows: Iterable[Row], state: State | Mapping[str, Flags], fmt: str, out: TextIO) -> int:
    """Write `rows` with their flags to `out` in `fmt` (json, csv, markdown).

    `state` is an open `State` (its snapshot is taken) or the app's
    in-memory map of flags. Returns the number of articles written; raises
    `ValueError` for an unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    flags = flags_of(state)
    records = (record(row, flags.get(row.key, NO_FLAGS)) for row in rows)
    writer = {"json": _write_json, "csv": _write_csv, "markdown": _write_markdown}[fmt]
    return writer(records, out)


# Characters json.dumps(ensure_ascii=False) leaves raw that a terminal may
# act on or that reorder text: DEL, C1 (U+009B is CSI), line and paragraph
# separators, bidi overrides. They only occur inside JSON strings, where a
# \uXXXX escape means the same character.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _json_text(item: Any) -> str:
    text = json.dumps(item, ensure_ascii=False)
    if text.isascii() and text.isprintable():
        return text
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _write_json(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    count = 0
    out.write("[")
    for item in records:
        out.write(",\n  " if count else "\n  ")
        out.write(_json_text(item))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _write_csv(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    # "\n" rather than csv's "\r\n": stdout is a text stream, which gives each
    # platform its own line ending.
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for item in records:
        cells = [_csv_cell(item[column]) for column in COLUMNS]
        cells[0] = shown_path(item["path"])
        writer.writerow(cells)
        count += 1
    return count


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return CSV_LIST_SEPARATOR.join(value)
    return "" if value is None else str(value)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~])")
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>|\\]*")


def _md_text(value: str) -> str:
    """Table-cell text that Markdown shows as typed: one line, specials escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def _md_url(url: str) -> str:
    if url and _AUTOLINK.fullmatch(url):
        return f"<{url}>"
    return _md_text(url)


def _write_markdown(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    out.write("| " + " | ".join(COLUMNS) + " |\n")
    out.write("|" + "|".join(" --- " for _ in COLUMNS) + "|\n")
    count = 0
    for item in records:
        cells = [
            _md_text(shown_path(item["path"])),
            _md_text(item["title"]),
            _md_url(item["webUrl"]),
            _md_text(item["provider"]),
            item["published"] or "",
            ", ".join(_md_text(topic) for topic in item["topics"]),
            "yes" if item["read"] else "no",
            "yes" if item["starred"] else "no",
            "yes" if item["archived"] else "no",
            ", ".join(_md_text(tag) for tag in item["tags"]),
        ]
        out.write("| " + " | ".join(cells) + " |\n")
        count += 1
    return count


def newest_first(rows: Iterable[Row]) -> list[Row]:
    """The app's default order: newest first, undated last, ties in load order."""
    return sorted(
        rows,
        key=lambda row: float("-inf") if row.published is None else row.published,
        reverse=True,
    )


def main(store: Path | None, state_path: Path | None, fmt: str, query: str | None) -> int:
    """`newsdesk export`: write the store's articles and their state to stdout.

    Returns the exit status: 0 done, 1 the store or state file cannot be
    read, 2 a bad format or query. Errors are one line on stderr.
    """
    if fmt not in FORMATS:
        return _fail("export", f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})", 2)
    selected = select(store, state_path, query, "export")
    if isinstance(selected, int):
        return selected
    rows, flags = selected
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        # Lossless on any console or locale; characters a path cannot hold
        # (undecodable file names) come out as backslash escapes.
        with suppress(ValueError, OSError):
            out.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        export(rows, flags, fmt, out)
        out.flush()
    except OSError as error:
        # The reader went away (`newsdesk export | head`): not an error; a
        # full disk (`> /dev/full`): one line and status 1.
        return _output_failed(error)
    return 0


def count_main(store: Path | None, state_path: Path | None, query: str | None) -> int:
    """`newsdesk count`: print how many articles match the query (all without one)."""
    selected = select(store, state_path, query, "count")
    if isinstance(selected, int):
        return selected
    try:
        sys.stdout.write(f"{len(selected[0])}\n")
        sys.stdout.flush()
    except OSError as error:
        return _output_failed(error)
    return 0


def _output_failed(error: OSError) -> int:
    from reader.cli import output_failed

    return output_failed(error)


def select(
    store: Path | None, state_path: Path | None, query: str | None, command: str
) -> tuple[list[Row], dict[str, Flags]] | int:
    """Load the store and the state and apply the query: the rows and flags
    to print, or an exit status after a one-line error on stderr."""
    from reader.store.files import SAMPLE_STORE, StoreError, load_store

    root = store if store is not None else SAMPLE_STORE
    try:
        loaded = load_store(root)
    except StoreError as error:
        return _fail(command, str(error), 1)
    _report_problems(command, [(p.path, p.reason) for p in loaded.problems])

    path = state_path if state_path is not None else default_state_path()
    try:
        # Read-only: these commands never create, migrate or trim a state file.
        with State(path, readonly=True) as state:
            flags = state.snapshot()
    except StateError as error:
        return _fail(command, f"{error} (nothing printed)", 1)

    if not (query and query.strip()):
        return newest_first(loaded.rows), flags
    try:
        return filter_rows(loaded.rows, query, FlagSets(flags).query_flags()), flags
    except QueryError as error:
        return _fail(command, f"bad query: {error}", 2)


def _report_problems(command: str, problems: list[tuple[str, str]]) -> None:
    for path, reason in problems[:_PROBLEMS_SHOWN]:
        print(
            f"newsdesk {command}: skipped {shown_path(path)}: {clean_line(reason)}",
            file=sys.stderr,
        )
    if len(problems) > _PROBLEMS_SHOWN:
        more = len(problems) - _PROBLEMS_SHOWN
        print(f"newsdesk {command}: skipped {more} more unreadable files", file=sys.stderr)


def _fail(command: str, message: str, status: int) -> int:
    # Messages can quote a path or a query: one clean line.
    print(f"newsdesk {command}: {clean_line(message)}", file=sys.stderr)
    return status
