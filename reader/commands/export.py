"""`newsdesk export`: the articles of a store with their triage state, as JSON,
CSV or Markdown, for scripts and other tools; `newsdesk count`: how many.

Nothing here imports Textual. `export()` writes rows in a format; `main()`
is the command and `count_main()` is `newsdesk count` (argument parsing
lives in `reader.cli`).

Columns, in this order: path, title, webUrl, provider, published, topics,
read, starred, archived, tags, quality, heat, excerpt.

- `published` is ISO 8601 in UTC (`2020-07-08T19:36:00Z`), empty (CSV,
  Markdown) or null (JSON) when unknown.
- `quality` and `heat` are whole numbers, empty (CSV, Markdown) or null
  (JSON) when the article has none.
- `topics` keeps the article's order; `tags` are sorted by name.
- `excerpt` is the article's excerpt as the app shows it (one line in
  Markdown).
- JSON: one array of objects, one object a line; lists are arrays, flags are
  booleans.
- CSV: a header line; `topics` and `tags` joined with `"; "`; flags are
  `true` / `false`.
- Markdown: one table; every character Markdown would interpret is escaped
  so titles show as typed; URLs are autolinks when they can be.

The store is read as the app reads it (`reader.library.Library`): through
the same index file (the one per store in the user cache folder, or
`--cache PATH`; `--rebuild` starts it over), taking from it what did not
change and parsing only new and changed files, which go into it for the
next run, and the app's next start. A query (`--query Q`, or a saved search
with `--saved NAME`) gives the app's results for it: free words are looked
up in bodies too, through the app's body index beside the article index,
brought up to date first as the app does (only when the query has free
words: other queries do not read bodies). Without a query the articles come
as in the app's default view (newest first, equal dates and undated
articles by path, undated last); with one, in the order the query gives.

Files that could not be read are skipped and said in one line on stderr
(how many, and the first); `--quiet` drops that line and the index's
notices. Errors are one line on stderr too, with status 1 (a store or state
file that cannot be read) or 2 (a bad query, an unknown saved search).

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
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from reader.model import Problem, Row
from reader.text import clean_line, shown_path
from reader.triage.state import NO_FLAGS, Flags, State, StateError, default_state_path, flags_of

if TYPE_CHECKING:
    from reader.library.library import Library, Update
    from reader.search.fulltext import FullText
    from reader.search.query import Query
    from reader.search.saved import SavedSearches

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
    "quality",
    "heat",
    "excerpt",
    "story",
)
CSV_LIST_SEPARATOR = "; "

T = TypeVar("T")


def published_iso(timestamp: float | None) -> str | None:
    """A POSIX timestamp as ISO 8601 UTC with a `Z`, or None."""
    if timestamp is None:
        return None
    try:
        moment = datetime.fromtimestamp(timestamp, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.isoformat().replace("+00:00", "Z")


def record(row: Row, flags: Flags, story: str = "") -> dict[str, Any]:
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
        "quality": row.quality,
        "heat": row.heat,
        "excerpt": row.excerpt,
        "story": story,
    }


def export(
    rows: Iterable[Row],
    state: State | Mapping[str, Flags],
    fmt: str,
    out: TextIO,
    stories: Mapping[str, str] | None = None,
) -> int:
    """Write `rows` with their flags to `out` in `fmt` (json, csv, markdown).

    `state` is an open `State` (its snapshot is taken) or a map of flags
    by key; `stories` gives each path its story id. Returns the number of
    articles written; raises `ValueError` for an unknown format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    flags = flags_of(state)
    ids = stories or {}
    records = (record(row, flags.get(row.key, NO_FLAGS), ids.get(row.path, "")) for row in rows)
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


def _md_number(value: int | None) -> str:
    return "" if value is None else str(value)


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
            _md_number(item["quality"]),
            _md_number(item["heat"]),
            _md_text(item["excerpt"]),
            item["story"],
        ]
        out.write("| " + " | ".join(cells) + " |\n")
        count += 1
    return count


# -- the commands ---------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Source:
    """Where the articles come from and which of them: the options that
    `export` and `count` share."""

    store: Path | None = None
    """The store folder (None: the bundled sample store)."""
    state: Path | None = None
    """The triage state file (None: the user's)."""
    query: str | None = None
    saved: str | None = None
    """The name of a saved search to run instead of `query`."""
    cache: Path | None = None
    """The store's index file (None: the app's, in the user cache folder)."""
    rebuild: bool = False
    """Start the index over: every file is read."""
    quiet: bool = False
    """Say nothing on stderr but errors."""


def main(
    store: Path | None,
    state_path: Path | None,
    fmt: str,
    query: str | None,
    *,
    saved: str | None = None,
    cache: Path | None = None,
    rebuild: bool = False,
    quiet: bool = False,
) -> int:
    """`newsdesk export`: write the store's articles and their state to stdout.

    Returns the exit status: 0 done, 1 the store or state file cannot be
    read, 2 a bad format, query or saved search name. Errors are one line
    on stderr.
    """
    if fmt not in FORMATS:
        return _fail("export", f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})", 2)
    source = Source(store, state_path, query, saved, cache, rebuild, quiet)
    selected = select(source, "export")
    if isinstance(selected, int):
        return selected
    (rows, stories), flags = selected
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        # Lossless on any console or locale; characters a path cannot hold
        # (undecodable file names) come out as backslash escapes.
        with suppress(ValueError, OSError):
            out.reconfigure(encoding="utf-8", errors="backslashreplace")
    try:
        export(rows, flags, fmt, out, stories)
        out.flush()
    except OSError as error:
        # The reader went away (`newsdesk export | head`): not an error; a
        # full disk (`> /dev/full`): one line and status 1.
        return _output_failed(error)
    return 0


def count_main(
    store: Path | None,
    state_path: Path | None,
    query: str | None,
    *,
    saved: str | None = None,
    cache: Path | None = None,
    rebuild: bool = False,
    quiet: bool = False,
    stories: bool = False,
) -> int:
    """`newsdesk count`: print how many articles match the query (all without
    one), or with `stories` how many stories they tell."""
    source = Source(store, state_path, query, saved, cache, rebuild, quiet)
    counted = _session(source, "count", _count_stories if stories else _count)
    if isinstance(counted, int):
        return counted
    try:
        sys.stdout.write(f"{counted[0]}\n")
        sys.stdout.flush()
    except OSError as error:
        return _output_failed(error)
    return 0


def _output_failed(error: OSError) -> int:
    from reader.cli import output_failed

    return output_failed(error)


def select(
    source: Source, command: str
) -> tuple[tuple[list[Row], dict[str, str]], dict[str, Flags]] | int:
    """The rows to print, as the app lists them, with each path's story id,
    and the flags; or an exit status after a one-line error on stderr."""
    return _session(source, command, _view)


def _indices(library: Library, query: Query | None) -> list[int]:
    if query is None:
        return library.order
    return library.evaluate(query, library.query_context())


def _view(library: Library, query: Query | None) -> tuple[list[Row], dict[str, str]]:
    rows = library.rows
    view = _indices(library, query)
    stories = library.stories
    shown = library.with_excerpts([rows[i] for i in view])
    return shown, {rows[i].path: stories.id_of(i, rows) for i in view}


def _count_stories(library: Library, query: Query | None) -> int:
    return library.stories.count(_indices(library, query))


def _count(library: Library, query: Query | None) -> int:
    if query is None:
        return len(library.order)
    # What `evaluate` finds, without putting it in order.
    with library.searching():
        return query.count(library.corpus, library.query_context())


def _session(
    source: Source, command: str, answer: Callable[[Library, Query | None], T]
) -> tuple[T, dict[str, Flags]] | int:
    """Open the store as the app does and `answer` from it, with the flags;
    or an exit status after a one-line error on stderr.

    What can be checked without the store (the saved search, the query, the
    state file) is checked first: a mistake costs no load.
    """
    from reader import gc_pause
    from reader.library.library import Library
    from reader.search.query import QueryError
    from reader.search.saved import SavedSearches
    from reader.store.files import SAMPLE_STORE, StoreError, check_store
    from reader.store.index import StoreIndex
    from reader.triage.counts import TriageCounts

    saved = SavedSearches()
    query = _query(source, saved, command)
    if isinstance(query, int):
        return query
    try:
        root = check_store(source.store if source.store is not None else SAMPLE_STORE)
    except StoreError as error:
        return _fail(command, str(error), 1)
    state_path = source.state if source.state is not None else default_state_path()
    # Rows hold no reference cycles: a collection while 100,000 of them are
    # made would only walk them again and again.
    hold = gc_pause.Hold()
    try:
        # Read-only: these commands never create, migrate or trim a state file.
        with State(state_path, readonly=True) as state:
            flags = state.snapshot()
            with StoreIndex(root, source.cache, rebuild=source.rebuild) as index:
                library = Library(root, index=index, state=state, saved=saved)
                _load(library, command, source.quiet)
                if answer is not _count or (query is not None and query.uses_stories):
                    library.group_now()
                library.set_flags(flags, TriageCounts(), len(library.rows))
                bodies = None
                if query is not None and _reads_bodies(query):
                    bodies = library.bodies = _bodies(library, command, source.quiet)
                else:
                    _forget_changed_bodies(library)
                try:
                    return answer(library, query), flags
                except QueryError as error:
                    return _fail(command, f"bad query: {error}", 2)
                finally:
                    if bodies is not None:
                        bodies.close()
    except StateError as error:
        return _fail(command, f"{error} (nothing printed)", 1)
    finally:
        hold.release()


def _query(source: Source, saved: SavedSearches, command: str) -> Query | int | None:
    """The query to run (None: every article, in the default order), or an
    exit status after a one-line error."""
    from reader.search.query import QueryError, parse

    text, what = source.query, "bad query"
    if source.saved is not None:
        items = saved.items
        if source.saved not in items:
            names = ", ".join(_quoted(name) for name in items)
            known = (
                f"saved searches: {names}"
                if names
                else saved.warning or "there are no saved searches"
            )
            return _fail(command, f"no saved search named {_quoted(source.saved)} ({known})", 2)
        text, what = items[source.saved], f"bad query in saved search {_quoted(source.saved)}"
    if text is None or not text.strip():
        return None
    try:
        query = parse(text)
    except QueryError as error:
        return _fail(command, f"{what}: {error}", 2)
    # As the app: a query of nothing (and no sort) is the default view.
    return None if query.is_empty else query


def _quoted(name: str) -> str:
    return json.dumps(clean_line(name), ensure_ascii=False)


def _load(library: Library, command: str, quiet: bool) -> None:
    """Read the store into `library` as the app's load does, in this thread:
    from the index, then what changed on disk since it was written."""
    notices: list[str] = []

    def changed(updates: list[Update]) -> None:
        library.apply_updates(updates)

    library.load(
        [],
        deliver=library.add,
        changed=changed,
        progress=lambda progress: None,
        notice=notices.append,
        cancelled=lambda: False,
    )
    library.load_finished()
    if quiet:
        return
    for notice in dict.fromkeys(notices):
        _say(command, notice)
    _report_problems(command, library.problems)


def _reads_bodies(query: Query) -> bool:
    """Whether `query` looks in bodies: it has free words or phrases."""
    from reader.search.tree import And, Not, Or, Words

    todo = [query.root]
    while todo:
        node = todo.pop()
        if isinstance(node, Words) and node.tokens:
            return True
        if isinstance(node, And | Or):
            todo.extend(node.children)
        elif isinstance(node, Not):
            todo.append(node.child)
    return False


def _bodies(library: Library, command: str, quiet: bool) -> FullText:
    """The body index, brought up to date with the store as the app does it
    after a load (`Library.bodies_todo`, then `reader.search.bodies.fill`):
    the same file beside the article index, so each keeps the other's work."""
    from reader.search.bodies import fill
    from reader.search.fulltext import FullText, FullTextError

    bodies: FullText | None = None
    try:
        bodies = FullText(library.bodies_path())
        clear, todo = library.bodies_todo(bodies, None)
        fill(library.root, bodies, todo, clear=clear)
        return bodies
    except (FullTextError, sqlite3.Error) as error:
        if bodies is not None:
            bodies.close()
        # Searched all the same, from a body index held in memory.
        if not quiet:
            _say(command, f"the body index cannot be used ({error}); reading every body")
    bodies = FullText()
    clear, todo = library.bodies_todo(bodies, None)
    fill(library.root, bodies, todo, clear=clear)
    return bodies


def _forget_changed_bodies(library: Library) -> None:
    """Without a query that reads bodies, the body index is not brought up
    to date: the bodies of the files that changed since the article index
    was written (every body when the index was made afresh) are dropped
    instead. Otherwise the next update of the body index, which reads only
    files the article index sees change, would keep their old bodies."""
    from reader.search.fulltext import FullText, FullTextError

    path = library.bodies_path()
    if path == ":memory:" or not os.path.exists(path):
        return
    if library.warm and not library.changed_on_start:
        return
    with suppress(FullTextError, sqlite3.Error), FullText(path) as bodies:
        if library.warm:
            bodies.remove(library.changed_on_start)
        else:
            bodies.clear()


def _report_problems(command: str, problems: list[Problem]) -> None:
    """One line for the files that could not be read: how many, and the first."""
    if not problems:
        return
    first = min(problems, key=lambda problem: problem.path)
    example = f"{shown_path(first.path)}: {clean_line(first.reason)}"
    if len(problems) == 1:
        _say(command, f"1 file skipped (could not be read): {example}")
    else:
        _say(
            command,
            f"{len(problems):,} files skipped (could not be read), the first {example};"
            " the app lists them under Problems",
        )


def _say(command: str, message: str) -> None:
    # Messages can quote a path or a query: one clean line.
    print(f"newsdesk {command}: {clean_line(message)}", file=sys.stderr)


def _fail(command: str, message: str, status: int) -> int:
    _say(command, message)
    return status
