"""Reading an article store: finding its files and parsing each one.

A store is a folder searched recursively for `.txt` and `.md` files, each a
YAML front matter block with an optional Markdown body. Parsing is lenient
(numbers given as strings, a single topic given as a string, naive or missing
dates are accepted and normalised; unknown fields are kept) and safe (YAML is
read with the C safe loader only, so tags like `!!python/object` never run).
A file that cannot be read as an article becomes a `Problem` with a reason a
user understands; nothing here raises for a bad file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader.model import Article, Problem, Related, Row
from reader.text import clean, clean_line

SAMPLE_STORE = Path(__file__).resolve().parent / "sample_store"
ARTICLE_SUFFIXES = (".txt", ".md")
_KNOWN_FIELDS = frozenset(
    {
        "category",
        "title",
        "excerpt",
        "publishedDateTime",
        "webUrl",
        "ampWebUrl",
        "cdnAmpWebUrl",
        "type",
        "quality",
        "heat",
        "published",
        "provider",
        "topics",
        "related",
        "secured",
    }
)


class StoreError(Exception):
    """The store itself cannot be opened (missing, not a folder, empty)."""


@dataclass(slots=True, frozen=True)
class FileEntry:
    """A candidate article file found by the scan."""

    path: str
    """Relative to the store root, with `/` separators."""
    mtime_ns: int
    size: int


@dataclass(slots=True)
class LoadResult:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class ParseError(Exception):
    """A file is not a readable article; the message is the reason."""


# -- scanning ---------------------------------------------------------------


def check_store(root: Path) -> Path:
    """Resolve `root` and make sure it is a folder we can list."""
    try:
        resolved = root.expanduser().resolve()
    except (OSError, RuntimeError) as error:
        raise StoreError(f"cannot open store {root}: {error}") from None
    if not resolved.exists():
        raise StoreError(f"no such store: {root}")
    if not resolved.is_dir():
        raise StoreError(f"not a folder: {root}")
    try:
        with os.scandir(resolved) as entries:
            next(iter(entries), None)
    except OSError as error:
        raise StoreError(f"cannot read store {root}: {error.strerror or error}") from None
    return resolved


def scan(root: Path, problems: list[Problem] | None = None) -> Iterator[FileEntry]:
    """Yield the article files under `root`, depth first, in reverse name
    order: in a store of dated folders and files, the newest come first, so
    a cold start shows the newest articles first and the rest of the load
    mostly adds rows below them.

    Hidden files and folders (a leading dot) are skipped. Symbolic links to
    folders are followed once: a folder already visited (by device and
    inode) is not entered again, so link loops cannot hang the scan. Folders
    that cannot be listed are reported to `problems` when it is given.
    """
    root_stat = root.stat()
    seen = {(root_stat.st_dev, root_stat.st_ino)}
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name, reverse=True)
        except OSError as error:
            if problems is not None and prefix:
                problems.append(Problem(prefix.rstrip("/"), _os_reason(error)))
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                st = entry.stat()
            except OSError as error:
                # A dangling link or a file that vanished mid-scan.
                if problems is not None and name.lower().endswith(ARTICLE_SUFFIXES):
                    problems.append(Problem(prefix + name, _os_reason(error)))
                continue
            if stat.S_ISDIR(st.st_mode):
                ident = (st.st_dev, st.st_ino)
                if ident in seen:
                    continue
                seen.add(ident)
                subfolders.append((entry.path, f"{prefix}{name}/"))
            elif stat.S_ISREG(st.st_mode) and name.lower().endswith(ARTICLE_SUFFIXES):
                yield FileEntry(prefix + name, st.st_mtime_ns, st.st_size)
        stack.extend(reversed(subfolders))


# -- parsing ----------------------------------------------------------------


def read_article(root: Path, entry: FileEntry | str) -> Article:
    """Read and parse one file of the store; raises `ParseError`."""
    if isinstance(entry, str):
        rel = entry
        try:
            st = os.stat(root / rel)
        except OSError as error:
            raise ParseError(_os_reason(error)) from None
        entry = FileEntry(rel, st.st_mtime_ns, st.st_size)
    try:
        with open(root / entry.path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ParseError(_os_reason(error)) from None
    article = parse_bytes(data, entry.path)
    article.mtime_ns = entry.mtime_ns
    article.size = entry.size
    return article


def parse_bytes(data: bytes, path: str) -> Article:
    """Parse the bytes of one article file; raises `ParseError`."""
    return parse_text(_decode(data), path)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ParseError("empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex().upper()
        raise ParseError(f"not UTF-8 (byte 0x{bad} at offset {error.start})") from None


def parse_text(text: str, path: str) -> Article:
    """Parse the text of one article file; raises `ParseError`."""
    meta, body = _front_matter(text)
    return _build_article(meta, body, path)


def parse_row_bytes(data: bytes, entry: FileEntry) -> Row:
    """The slim row of one article file, as `parse_bytes(...).to_row()` gives
    it, for less: the load of a large store reads every file this way.

    Only the fields a row holds are built from the YAML (the related items,
    most of a file's nodes, are counted, not built) and the body is not
    cleaned. The rest of the YAML is still checked for tags the safe loader
    would refuse, so such a file is a problem here too; a value that is
    well-formed YAML but not valid data (a 13th month) in a field the row
    does not hold shows up only when the article is opened. Raises
    `ParseError`.
    """
    from reader import frontyaml

    front, body = _split(_decode(data))
    with _bad_yaml():
        meta, n_related = frontyaml.load_some(front, _ROW_FIELDS)
    return _build_row(_fields(meta), body, entry, n_related)


_ROW_FIELDS = frozenset(
    {"title", "excerpt", "publishedDateTime", "webUrl", "type", "category", "quality", "heat"}
    | {"provider", "topics"}
)


def _front_matter(text: str) -> tuple[dict[Any, Any], str]:
    """The front matter's fields and the body; raises `ParseError`."""
    from reader import frontyaml

    front, body = _split(text)
    with _bad_yaml():
        meta = frontyaml.load(front)
    return _fields(meta), body


def _split(text: str) -> tuple[str, str]:
    from reader import frontyaml

    text = text.lstrip("\ufeff").lstrip()
    if not frontyaml.detect(text):
        raise ParseError("no front matter (the file must start with a '---' line)")
    try:
        return frontyaml.split(text)
    except ValueError:
        raise ParseError("front matter is not closed by a '---' line") from None


@contextlib.contextmanager
def _bad_yaml() -> Iterator[None]:
    """YAML that cannot be read becomes a `ParseError` that says why."""
    from reader import frontyaml

    try:
        yield
    except frontyaml.YAMLError as error:
        raise ParseError(f"bad YAML: {clean_line(frontyaml.reason(error))}") from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        raise ParseError(f"bad YAML: {error}") from None


def _fields(meta: Any) -> dict[Any, Any]:
    """The front matter as a set of fields; raises `ParseError` when it is not one."""
    if meta is None:
        raise ParseError("empty front matter")
    if not isinstance(meta, dict):
        raise ParseError(f"front matter is a {_kind(meta)}, not a set of fields")
    return meta


def _build_row(meta: dict[Any, Any], body: str, entry: FileEntry, n_related: int) -> Row:
    provider_name, provider_domain = _provider(meta.get("provider"))
    web_url = _url(meta.get("webUrl"))
    if not provider_domain:
        provider_domain = _domain_of(web_url)
    published = _datetime(meta.get("publishedDateTime"))
    return Row(
        path=entry.path,
        title=clean_line(_text(meta.get("title"))),
        provider=provider_name,
        domain=provider_domain,
        published=published.timestamp() if published else None,
        quality=_int(meta.get("quality")),
        heat=_int(meta.get("heat")),
        topics=_topics(meta.get("topics")),
        category=_label(meta.get("category")),
        type=_label(meta.get("type")),
        web_url=web_url,
        excerpt=clean(_text(meta.get("excerpt"))).strip(),
        has_body=_has_text(body),
        n_related=n_related,
        mtime_ns=entry.mtime_ns,
        size=entry.size,
    )


def _has_text(body: str) -> bool:
    """Whether `clean(body)` keeps anything but white space, cleaning only
    as much of the body as it takes to tell. (A body of over 2,000
    characters of nothing but escape sequences may count as text.)"""
    stripped = body.strip()
    if not stripped:
        return False
    if clean(stripped[:2_000]).strip():
        return True
    return len(stripped) > 2_000 and bool(clean(stripped).strip())


def _build_article(meta: dict[Any, Any], body: str, path: str) -> Article:
    provider_name, provider_domain = _provider(meta.get("provider"))
    web_url = _url(meta.get("webUrl"))
    if not provider_domain:
        provider_domain = _domain_of(web_url)
    related = meta.get("related")
    extra = {
        clean_line(key): _clean_value(value)
        for key, value in meta.items()
        if key not in _KNOWN_FIELDS
    }
    return Article(
        path=path,
        title=clean_line(_text(meta.get("title"))),
        excerpt=clean(_text(meta.get("excerpt"))).strip(),
        published=_datetime(meta.get("publishedDateTime")),
        web_url=web_url,
        amp_url=_url(meta.get("ampWebUrl")),
        cdn_amp_url=_url(meta.get("cdnAmpWebUrl")),
        type=_label(meta.get("type")),
        category=_label(meta.get("category")),
        quality=_int(meta.get("quality")),
        heat=_int(meta.get("heat")),
        published_flag=_bool(meta.get("published")),
        provider=provider_name,
        domain=provider_domain,
        topics=_topics(meta.get("topics")),
        related=tuple(_related(item) for item in related if isinstance(item, dict))
        if isinstance(related, list)
        else (),
        body=clean(body).strip("\n"),
        extra=extra,
        secured=meta["secured"] if isinstance(meta.get("secured"), str) else "",
    )


def _related(item: dict[Any, Any]) -> Related:
    name, domain = _provider(item.get("provider"))
    web_url = _url(item.get("webUrl"))
    return Related(
        title=clean_line(_text(item.get("title"))),
        excerpt=clean(_text(item.get("excerpt"))).strip(),
        published=_datetime(item.get("publishedDateTime")),
        web_url=web_url,
        amp_url=_url(item.get("ampWebUrl")),
        cdn_amp_url=_url(item.get("cdnAmpWebUrl")),
        type=_label(item.get("type")),
        provider=name,
        domain=domain or _domain_of(web_url),
        quality=_int(item.get("quality")),
    )


# -- lenient field conversion -------------------------------------------------


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return value if isinstance(value, str) else str(value)


def _label(value: Any) -> str:
    return sys.intern(clean_line(_text(value)))


def _url(value: Any) -> str:
    url = clean_line(_text(value))
    return url.replace(" ", "%20")


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str):
        try:
            return round(float(value.strip()))
        except (ValueError, OverflowError):
            return None
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"true", "yes", "1"}:
            return True
        if lowered in {"false", "no", "0"}:
            return False
    return None


def _datetime(value: Any) -> datetime | None:
    """A timezone-aware UTC datetime from whatever the file holds.

    YAML timestamps arrive as datetimes (aware or naive), bare dates as
    dates, quoted values as strings; naive values are taken as UTC.
    """
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = datetime.fromisoformat(value.replace(" UTC", "+00:00"))
        except ValueError:
            return None
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _provider(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        name = _label(value.get("name"))
        domain = _label(value.get("domain")).lower()
        return name, domain
    return _label(value), ""


def _topics(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Iterable[Any] = [value]
    elif isinstance(value, list):
        items = value
    else:
        return ()
    topics: dict[str, None] = {}
    for item in items:
        if isinstance(item, (dict, list)) or item is None:
            continue
        topic = _label(item)
        if topic:
            topics[topic] = None
    return tuple(topics)


def _domain_of(url: str) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    host = host.removeprefix("www.")
    return sys.intern(host)


def _clean_value(value: Any) -> Any:
    """Unknown fields are kept as read, with every string in them cleaned."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return [_clean_value(item) for item in value]
    if isinstance(value, dict):
        return {clean_line(str(k)): _clean_value(v) for k, v in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "plain text"
    return type(value).__name__


def _os_reason(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"unreadable: {reason}"


# -- loading ----------------------------------------------------------------


def _read_row(root: Path, entry: FileEntry) -> Row:
    try:
        with open(root / entry.path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ParseError(_os_reason(error)) from None
    return parse_row_bytes(data, entry)


def parse_rows(root: Path, entries: Iterable[FileEntry]) -> tuple[list[Row], list[Problem]]:
    """Parse a batch of files into slim rows; bad files become problems.

    Runs in worker processes for large stores, so it takes and returns only
    picklable values.
    """
    rows: list[Row] = []
    problems: list[Problem] = []
    for entry in entries:
        try:
            rows.append(_read_row(root, entry))
        except ParseError as error:
            problems.append(Problem(entry.path, str(error)))
        except Exception as error:
            problems.append(Problem(entry.path, f"could not be read: {error!r}"[:200]))
    return rows, problems


def load_store(root: Path) -> LoadResult:
    """Read a whole store in this thread (for commands and tests).

    Raises `StoreError` when the store is missing or holds no article files.
    """
    root = check_store(root)
    result = LoadResult()
    entries = list(scan(root, result.problems))
    if not entries and not result.problems:
        raise StoreError(f"no article files (.txt or .md) in {root}")
    rows, problems = parse_rows(root, entries)
    result.rows = rows
    result.problems.extend(problems)
    return result
