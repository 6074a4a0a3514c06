"""Reading an article store: finding its files and parsing each one.

A store is a folder searched recursively for `.txt` and `.md` files, each a
YAML front matter block with an optional Markdown body. Parsing is lenient
(numbers given as strings, a single topic given as a string, naive or missing
dates are accepted and normalised; unknown fields are kept) and safe (YAML is
read with the C safe loader only, so tags like `!!python/object` never run).
A file that cannot be read as an article becomes a `Problem` with a reason a
user understands; nothing here raises for a bad file.

Nothing blocks on a file, and no file costs more than a fixed budget. A
file is opened non-blocking and checked on its descriptor before a byte is
read: a FIFO, a device or a socket under an article's name is a problem,
never read (a FIFO would hang the reading thread until a writer came; a
device may never end). Links to files are followed, as the scan follows
links to folders. At most `MAX_READ` bytes of a file are read: a larger
one gives its front matter and the start of its body, and the article says
it was cut (`Article.truncated`). Its front matter is held to the budget of
`reader.store.frontyaml` (1 MiB of text, 50,000 values with aliases expanded, 64
levels), so a "billion laughs" of nested aliases is a problem found in a
millisecond, not gigabytes of memory.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reader.model import Article, Problem, Related, Row
from reader.stories.storage import join_links
from reader.text import clean, clean_line

SAMPLE_STORE = Path(__file__).resolve().parents[1] / "sample_store"
ARTICLE_SUFFIXES = (".txt", ".md")
MAX_READ = 4 << 20
"""Bytes of a file read at most (4 MiB): the rest of a larger one is left
on disk, and its article marked `truncated`."""
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
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
    that cannot be listed, and entries under an article's name that are not
    files (a FIFO, a device, a socket: never opened here) are reported to
    `problems` when it is given.
    """
    root_stat = root.stat()
    seen = {(root_stat.st_dev, root_stat.st_ino)}
    stack: list[tuple[str, str]] = [(str(root), "")]
    found_any = False
    while stack:
        folder, prefix = stack.pop()
        early: set[str] = set()
        try:
            with os.scandir(folder) as it:
                head = list(islice(it, LISTED_FIRST))
                if len(head) == LISTED_FIRST and not found_any:
                    # A large folder, and nothing found yet: its first
                    # articles listed come out now, not after the whole
                    # listing (a million names) is read and sorted.
                    for entry in sorted(head, key=_name, reverse=True):
                        found = _article(entry, prefix)
                        if found is not None:
                            early.add(entry.name)
                            found_any = True
                            yield found
                entries = sorted(chain(head, it), key=_name, reverse=True)
        except OSError as error:
            if problems is not None and prefix:
                problems.append(Problem(prefix.rstrip("/"), _os_reason(error)))
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name in early:
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
            elif name.lower().endswith(ARTICLE_SUFFIXES):
                if stat.S_ISREG(st.st_mode):
                    found_any = True
                    yield FileEntry(prefix + name, st.st_mtime_ns, st.st_size)
                elif problems is not None:
                    problems.append(Problem(prefix + name, _not_regular(st.st_mode)))
        stack.extend(reversed(subfolders))


LISTED_FIRST = 4096
"""Entries of a folder listed before its first articles come out of `scan`
when it has more (and none came out yet)."""


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _article(entry: os.DirEntry[str], prefix: str) -> FileEntry | None:
    """The entry when it is an article file (a regular file with an
    article's suffix, not hidden); anything else is left to the full pass."""
    name = entry.name
    if name.startswith(".") or not name.lower().endswith(ARTICLE_SUFFIXES):
        return None
    try:
        st = entry.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return FileEntry(prefix + name, st.st_mtime_ns, st.st_size)


# -- parsing ----------------------------------------------------------------


def read_article(root: Path, entry: FileEntry | str) -> Article:
    """Read and parse one file of the store; raises `ParseError`.

    The modification time and size are the scan's for a `FileEntry`, the
    file's own (as opened) for a path. A file over `MAX_READ` bytes is read
    in part: see `parse_bytes`.
    """
    rel = entry if isinstance(entry, str) else entry.path
    data, st, size = read_file(root / rel)
    article = parse_bytes(data, rel, truncated=size)
    if isinstance(entry, str):
        article.mtime_ns, article.size = st.st_mtime_ns, st.st_size
    else:
        article.mtime_ns, article.size = entry.mtime_ns, entry.size
    return article


def read_file(path: Path | str) -> tuple[bytes, os.stat_result, int]:
    """The first `MAX_READ` bytes of the regular file at `path`, its status,
    and its size when there was more to it (0 when read whole); raises
    `ParseError`.

    Opened non-blocking, so that opening a FIFO returns at once, and refused
    on its descriptor's status (no race with a file replaced in between)
    when it is not a regular file: nothing is read from it.
    """
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise ParseError(_open_reason(path, error)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ParseError(_not_regular(st.st_mode))
        # One read for a file of the size the status gives, and one more to
        # see its end (or that it has grown).
        want = min(st.st_size, MAX_READ) + 1
        parts: list[bytes] = []
        got = 0
        while got < MAX_READ + 1:
            part = os.read(fd, max(want - got, 1 << 16))
            if not part:
                break
            parts.append(part)
            got += len(part)
    except OSError as error:
        raise ParseError(_os_reason(error)) from None
    finally:
        os.close(fd)
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    if len(data) <= MAX_READ:
        return data, st, 0
    return data[:MAX_READ], st, max(st.st_size, len(data))


def _not_regular(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "not a regular file (a FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    if stat.S_ISDIR(mode):
        return "not a regular file (a folder)"
    return "not a regular file"


def _open_reason(path: Path | str, error: OSError) -> str:
    """Why a file could not be opened; a socket cannot be opened at all, so
    it is told by the status of its name."""
    if error.errno == errno.ENXIO:
        with contextlib.suppress(OSError):
            mode = os.stat(path).st_mode
            if not stat.S_ISREG(mode):
                return _not_regular(mode)
    return _os_reason(error)


def parse_bytes(data: bytes, path: str, *, truncated: int = 0) -> Article:
    """Parse the bytes of one article file; raises `ParseError`.

    `truncated` is the size of a file of which `data` is only the start
    (0 when it is all of it): the start may end inside a character, and a
    front matter that does not close in it is too large rather than not
    closed.
    """
    text = _decode(data, cut=bool(truncated))
    meta, body = _front_matter(text, cut=bool(truncated))
    article = _build_article(meta, body, path)
    article.truncated = truncated
    return article


def _decode(data: bytes, *, cut: bool = False) -> str:
    if not data.strip():
        raise ParseError("empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if cut and error.end == len(data) and error.reason == "unexpected end of data":
            # The read stopped inside a character: leave it out.
            return _decode(data[: error.start])
        bad = data[error.start : error.start + 1].hex().upper()
        raise ParseError(f"not UTF-8 (byte 0x{bad} at offset {error.start})") from None


def parse_text(text: str, path: str) -> Article:
    """Parse the text of one article file; raises `ParseError`."""
    meta, body = _front_matter(text)
    return _build_article(meta, body, path)


def parse_row_bytes(data: bytes, entry: FileEntry, *, truncated: bool = False) -> Row:
    """The slim row of one article file, as `parse_bytes(...).to_row()` gives
    it, for less: the load of a large store reads every file this way.

    Only the fields a row holds are built from the YAML (the related items,
    most of a file's nodes, are counted, not built) and the body is not
    cleaned. The rest of the YAML is still checked for tags the safe loader
    would refuse, so such a file is a problem here too; a value that is
    well-formed YAML but not valid data (a 13th month) in a field the row
    does not hold shows up only when the article is opened. `truncated`
    says `data` is only the start of the file (see `parse_bytes`). Raises
    `ParseError`.
    """
    from reader.store import frontyaml

    front, body = _split(_decode(data, cut=truncated), cut=truncated)
    with _bad_yaml():
        meta, n_related, related_urls = frontyaml.load_some(front, _ROW_FIELDS)
    row = _build_row(_fields(meta), body, entry, n_related)
    fields = meta if isinstance(meta, dict) else {}
    own = [fields.get("ampWebUrl"), fields.get("cdnAmpWebUrl")]
    if related_urls or any(isinstance(url, str) and url for url in own):
        # Only matched, never shown (see `reader.stories.storage`).
        links = [url if isinstance(url, str) else "" for url in own]
        row.links = join_links([*links, *related_urls])
    return row


_ROW_FIELDS = frozenset(
    {"title", "excerpt", "publishedDateTime", "webUrl", "type", "category", "quality", "heat"}
    | {"provider", "topics", "ampWebUrl", "cdnAmpWebUrl"}
)


def _front_matter(text: str, *, cut: bool = False) -> tuple[dict[Any, Any], str]:
    """The front matter's fields and the body; raises `ParseError`."""
    from reader.store import frontyaml

    front, body = _split(text, cut=cut)
    with _bad_yaml():
        meta = frontyaml.load(front)
    return _fields(meta), body


def _split(text: str, *, cut: bool = False) -> tuple[str, str]:
    """The front matter and the body of `text` (`cut`: only the start of its
    file); raises `ParseError`."""
    from reader.store import frontyaml

    text = text.lstrip("\ufeff").lstrip()
    if not frontyaml.detect(text):
        raise ParseError("no front matter (the file must start with a '---' line)")
    too_large = f"front matter larger than {frontyaml.MAX_CHARS >> 20} MB"
    try:
        front, body = frontyaml.split(text)
    except ValueError:
        if cut:
            # Not closed in the first MAX_READ bytes (4 MiB): past the cap.
            raise ParseError(too_large) from None
        raise ParseError("front matter is not closed by a '---' line") from None
    if len(front) > frontyaml.MAX_CHARS:
        raise ParseError(too_large)
    return front, body


@contextlib.contextmanager
def _bad_yaml() -> Iterator[None]:
    """YAML that cannot be read becomes a `ParseError` that says why."""
    from reader.store import frontyaml

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
    memo: dict[int, Any] = {}
    extra = {
        clean_line(key): _clean_value(value, memo)
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


def _clean_value(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """Unknown fields are kept as read, with every string in them cleaned.

    A value the YAML gives more than once (an alias: one object, shared) is
    cleaned once and stays shared, memoised by its id. The parse budget
    already bounds the expansion (50,000 values, 4 MiB of text, 64 levels,
    so the recursion here is at most 64 deep); with the memo, a front matter
    costs here what its distinct values hold, not what they expand to, and a
    shared value is not copied once per reference.
    """
    if memo is None:
        memo = {}
    done = memo.get(id(value))
    if done is not None:
        return done
    cleaned: Any
    if isinstance(value, str):
        cleaned = clean(value)
    elif isinstance(value, list):
        cleaned = memo[id(value)] = []
        cleaned.extend(_clean_value(item, memo) for item in value)
    elif isinstance(value, dict):
        cleaned = memo[id(value)] = {}
        for key, item in value.items():
            cleaned[clean_line(str(key))] = _clean_value(item, memo)
    elif isinstance(value, (bytes, bytearray)):
        cleaned = f"<{len(value)} bytes>"
    else:
        return value
    memo[id(value)] = cleaned
    return cleaned


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
    data, _st, size = read_file(root / entry.path)
    return parse_row_bytes(data, entry, truncated=bool(size))


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
