"""Fetching linked pages for the preview: limits, a disk cache, fallbacks.

`Fetcher.preview()` is the whole pipeline that the preview screen and
`newsdesk preview` share: try each candidate URL in turn (the article's web
page, then its AMP versions), fetch it within hard limits, extract its
readable text in a thread, and say which candidate was shown and why the
others were not.

The limits hold against hostile servers: one deadline covers the whole
fetch, redirects included (a server that drips a byte every 200 ms never
trips a per-read timeout); the body is read in bounded chunks and
decompressed here with a bounded output size, so a small gzip body that
inflates to hundreds of megabytes is stopped at the cap without inflating
the rest; redirects are followed by hand and counted; only http and https
are ever requested.

Addresses are checked by `reader.web.urls.check_url()` before anything is
sent, and so is every redirect's target: an unsupported scheme, a port out
of range or unbalanced brackets end in a `FetchError` of kind `bad-url`,
never in an exception from urllib, httpx or the socket layer (a port of
99999 used to surface as "unhandled errors in a TaskGroup"). Whatever else
the network stack raises while a page is fetched becomes a `FetchError` too.

A user name and password in an address (`https://user:pw@host/`) are
dropped before the request, from the first address and from every redirect:
the preview never sends them, never stores them (cache keys, `final_url`
and the metadata files hold the address without them) and never shows
them; `FetchError.url` and every message are redacted (`reader.web.urls.redact`).
When an address had them, the page's notice (or the error's message) says
they were not sent, so a 401 is not a mystery. A page that needs them is
one to open in the browser.

Pages are cached on disk. The RFC 9111 decisions (may this response be
stored, is the stored copy fresh, which validators to send, how a 304
refreshes it) are hishel's sans-I/O state machine; storage is a small
directory of files here, because hishel's transport would read the body
outside our cap and deadline, its async storage needs a driver newsdesk
does not ship, and neither serves a stored copy while revalidating or
when the network is down, which the preview needs. The cache's folder,
and every folder created on the way to it, is owner-only (0700); its files
are created 0600 (a page and its address can say what a reader reads).
An existing folder is left as it is, except the default one, which is
narrowed to 0700 (it may come from a version that did not).

This module imports nothing from Textual.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import hashlib
import http
import json
import os
import socket
import ssl
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit

from reader.text import clean
from reader.web.extract import SOURCE_PAGE, SOURCE_PLAIN, Extracted, extract
from reader.web.urls import check_url, redact, shown_url, without_credentials

if TYPE_CHECKING:
    import httpx

__all__ = [
    "FailureKind",
    "FetchError",
    "FetchProgress",
    "Fetched",
    "Fetcher",
    "Limits",
    "Page",
    "PageCache",
    "default_cache_dir",
    "describe_age",
    "describe_size",
]

USER_AGENT = "newsdesk/0.1 (terminal news reader; article preview)"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CREDENTIALS_NOTE = "The user name and password in the address were not sent."
"""Said when an address held credentials, which the preview drops."""


def default_cache_dir() -> Path:
    """Where fetched pages are kept: `<user cache dir>/newsdesk/pages`."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("newsdesk", appauthor=False)) / "pages"


# --------------------------------------------------------------------------
# Limits, progress, failures


@dataclass(frozen=True, slots=True)
class Limits:
    """What one fetch may cost."""

    deadline: float = 20.0
    """Seconds for the whole fetch of one URL, redirects and body included."""
    connect_timeout: float = 10.0
    max_bytes: int = 8 * 1024 * 1024
    """Largest body kept, after decompression (and largest compressed body read)."""
    max_redirects: int = 8
    chunk_size: int = 16 * 1024
    """Bytes read from the network (and inflated) at a time."""


Stage = Literal["connecting", "receiving", "extracting"]


@dataclass(frozen=True, slots=True)
class FetchProgress:
    """Where a fetch stands, for the UI's status line."""

    stage: Stage
    url: str
    received: int = 0
    """Bytes received so far (as sent, before decompression)."""
    total: int | None = None
    """Expected bytes (Content-Length), when the server said."""

    def describe(self) -> str:
        host = _host(self.url)
        if self.stage == "connecting":
            return f"Connecting to {host}…"
        if self.stage == "receiving":
            done = describe_size(self.received)
            if self.total:
                return f"Received {done} of {describe_size(self.total)} from {host}…"
            return f"Received {done} from {host}…"
        return "Extracting the text…"


ProgressCallback = Callable[[FetchProgress], None]


class FailureKind(StrEnum):
    BAD_URL = "bad-url"
    DNS = "dns"
    REFUSED = "refused"
    TLS = "tls"
    CONNECT = "connect"
    HTTP = "http"
    TOO_SLOW = "too-slow"
    TOO_LARGE = "too-large"
    REDIRECTS = "redirects"
    EMPTY = "empty"
    NO_TEXT = "no-text"
    NETWORK = "network"


# Failures after which a stored copy is shown instead (stale-if-error),
# and the subset that means "we are offline".
_STALE_OK = frozenset(
    {
        FailureKind.DNS,
        FailureKind.REFUSED,
        FailureKind.TLS,
        FailureKind.CONNECT,
        FailureKind.TOO_SLOW,
        FailureKind.NETWORK,
    }
)
_OFFLINE = frozenset(
    {FailureKind.DNS, FailureKind.REFUSED, FailureKind.CONNECT, FailureKind.TOO_SLOW}
)


class FetchError(Exception):
    """A page that could not be shown, with a message a reader understands."""

    def __init__(
        self,
        kind: FailureKind,
        url: str,
        detail: str = "",
        *,
        status: int | None = None,
        attempts: Sequence[FetchError] = (),
        credentials_dropped: bool = False,
    ) -> None:
        self.kind = kind
        self.url = redact(url)
        """The address, without its password: safe to show (once cleaned)."""
        self.detail = detail
        self.status = status
        self.attempts: tuple[FetchError, ...] = tuple(attempts)
        """Every candidate's failure, in order, when all candidates failed."""
        self.credentials_dropped = credentials_dropped
        """The address held a user name and password, which were not sent."""
        super().__init__(self.message)

    def noting_credentials(self) -> FetchError:
        """This failure, saying that the address's credentials were not sent."""
        return FetchError(
            self.kind,
            self.url,
            self.detail,
            status=self.status,
            attempts=self.attempts,
            credentials_dropped=True,
        )

    @property
    def offline(self) -> bool:
        """True when the failure looks like no network (rather than a bad page)."""
        return self.kind in _OFFLINE

    @property
    def stale_ok(self) -> bool:
        """True when a stored copy may stand in for the page."""
        return self.kind in _STALE_OK or (
            self.kind is FailureKind.HTTP and self.status is not None and self.status >= 500
        )

    @property
    def message(self) -> str:
        # Details can come from the server (a Location header) or from the
        # network stack (which may quote an address): clean and redact them.
        text = self._message()
        if self.credentials_dropped:
            text += " " + CREDENTIALS_NOTE
        return " ".join(redact(clean(text)).split())

    def _message(self) -> str:
        url = shown_url(self.url) or "the page"
        host = _host(self.url) or url
        detail = self.detail
        kind = self.kind
        if kind is FailureKind.BAD_URL:
            if detail:
                return detail
            checked = check_url(self.url)
            reason = (
                checked.reason
                if checked.problem in ("scheme", "malformed")
                else "only http and https addresses can be opened"
            )
            return f"Can't preview {url}: {reason}."
        if kind is FailureKind.DNS:
            return f"Can't reach {url}: the name {host} could not be found (DNS lookup failed)."
        if kind is FailureKind.REFUSED:
            return f"Can't reach {url}: {host} refused the connection."
        if kind is FailureKind.TLS:
            why = f" ({detail})" if detail else ""
            return f"Can't reach {url}: the secure (TLS) connection failed{why}."
        if kind is FailureKind.CONNECT:
            why = f": {detail}" if detail else ""
            return f"Can't reach {url}{why}."
        if kind is FailureKind.HTTP:
            phrase = _reason(self.status)
            return f"{url} answered HTTP {self.status}{' ' + phrase if phrase else ''}."
        if kind is FailureKind.TOO_SLOW:
            return f"{url} is too slow: {detail or 'no complete answer in time'}."
        if kind is FailureKind.TOO_LARGE:
            return f"{url} is too large: {detail or 'over the size limit for a preview'}."
        if kind is FailureKind.REDIRECTS:
            return f"{url} {detail or 'redirects too many times'}."
        if kind is FailureKind.EMPTY:
            return f"{url} is an empty page."
        if kind is FailureKind.NO_TEXT:
            return f"Found no main text on {url}."
        why = f": {detail}" if detail else ""
        return f"Couldn't load {url}{why}."

    def __str__(self) -> str:
        return self.message


def _reason(status: int | None) -> str:
    if status is None:
        return ""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _host(url: str) -> str:
    """The host of `url` for a message, or '' (never raises on a malformed one)."""
    try:
        return clean(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def _exception_chain(exc: BaseException) -> Iterable[BaseException]:
    """`exc`, its causes and contexts, and the members of exception groups
    (anyio's task groups wrap what a connection attempt raised)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current: BaseException | None = pending.pop(0)
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            yield current
            if isinstance(current, BaseExceptionGroup):
                pending.extend(current.exceptions)
            current = current.__cause__ or current.__context__


_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "no address associated",
    "temporary failure in name resolution",
    "name resolution",
)


def classify_error(exc: BaseException, url: str, limits: Limits | None = None) -> FetchError:
    """Turn an httpx (or socket) exception into a `FetchError` for `url`."""
    import httpx

    chain = list(_exception_chain(exc))
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, httpx.TimeoutException):
        if isinstance(exc, httpx.ConnectTimeout):
            within = f" within {limits.connect_timeout:g} s" if limits else ""
            return FetchError(FailureKind.TOO_SLOW, url, f"the server did not answer{within}")
        return FetchError(FailureKind.TOO_SLOW, url, "the server stopped sending")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return FetchError(FailureKind.BAD_URL, url)
    if any(isinstance(e, socket.gaierror) for e in chain) or any(w in text for w in _DNS_WORDS):
        return FetchError(FailureKind.DNS, url)
    if any(isinstance(e, ssl.SSLError | ssl.CertificateError) for e in chain) or "[ssl" in text:
        tls = next((e for e in chain if isinstance(e, ssl.SSLError | ssl.CertificateError)), exc)
        reason = getattr(tls, "reason", None) or str(tls)
        return FetchError(FailureKind.TLS, url, str(reason).replace("_", " ").lower())
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or "connection refused" in text:
        return FetchError(FailureKind.REFUSED, url)
    if isinstance(exc, httpx.ConnectError):
        return FetchError(FailureKind.CONNECT, url, _short(exc) or "could not connect")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(FailureKind.NETWORK, url, "the server broke off the answer")
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return FetchError(FailureKind.NETWORK, url, "the connection was lost")
    return FetchError(FailureKind.NETWORK, url, _short(exc) or type(exc).__name__)


def _short(exc: BaseException) -> str:
    # A group's own text ("unhandled errors in a TaskGroup") says nothing:
    # the first thing it holds does.
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return redact(" ".join(str(exc).split())[:160])


# --------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class Fetched:
    """One URL's answer: from the network or from the disk cache."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where the body came from, after redirects."""
    status: int
    media_type: str
    """Lower-case media type without parameters (`text/html`), or '' if not given."""
    content_type: str
    """The Content-Type header as received (with its charset), or ''."""
    body: bytes | None
    """The body, decompressed; None for types that are not read (PDF, images, ...)."""
    size: int | None
    """Body size, or the announced Content-Length when the body was not read."""
    stored_at: float | None = None
    """When this copy was fetched or last confirmed current (POSIX time)."""
    from_cache: bool = False
    revalidated: bool = False
    """A stored copy that the server has just confirmed (304)."""
    offline: bool = False
    """A stored copy shown because the network could not be reached."""
    error: FetchError | None = None
    """Why a stored copy stands in for the page (offline, server error)."""
    body_id: str = ""

    def age(self, now: float | None = None) -> float | None:
        if self.stored_at is None:
            return None
        return max(0.0, (time.time() if now is None else now) - self.stored_at)


PageKind = Literal["article", "text", "other"]


@dataclass(frozen=True, slots=True)
class Page:
    """What the preview shows for a list of candidate URLs."""

    url: str
    """The candidate shown."""
    candidate: int
    """Its index in the candidate list (0 = the web page, then the AMP versions)."""
    kind: PageKind
    """`article` (HTML), `text` (plain text) or `other` (PDF, image, ...: not shown)."""
    fetched: Fetched
    extracted: Extracted | None
    failures: tuple[FetchError, ...] = ()
    """Why earlier candidates were not shown."""
    notice: str = ""
    """Something the reader should know about the text (no main text found, ...)."""
    provisional: bool = False
    """A stored copy shown at once, before it is revalidated."""

    @property
    def final_url(self) -> str:
        return self.fetched.final_url

    @property
    def title(self) -> str:
        return self.extracted.title if self.extracted else ""

    def describe_other(self) -> str:
        """One line for a page that can't be shown as text."""
        kind = _describe_type(self.fetched.media_type)
        size = describe_size(self.fetched.size) if self.fetched.size is not None else "size unknown"
        return f"{self.url} is {kind} ({size}); it can't be shown as text. Open it in a browser."


def _describe_type(media_type: str) -> str:
    if not media_type:
        return "a file of unknown type"
    major = media_type.partition("/")[0]
    if media_type == "application/pdf":
        return "a PDF document"
    if major in ("image", "audio", "video"):
        return f"{'an' if major in ('image', 'audio') else 'a'} {major} ({media_type})"
    return f"a file of type {media_type}"


def describe_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes" if size != 1 else "1 byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def describe_age(seconds: float | None) -> str:
    """`just now`, `5 min ago`, `3 h ago`, `2 days ago`."""
    if seconds is None:
        return "at an unknown time"
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400 * 2:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} days ago"


# --------------------------------------------------------------------------
# The disk cache


@dataclass(slots=True)
class CachedEntry:
    url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    request_headers: dict[str, str]
    stored_at: float
    body: bytes
    body_id: str
    key: str = ""

    def header(self, name: str) -> str:
        name = name.lower()
        return ", ".join(v for k, v in self.headers if k == name)

    def to_hishel(self) -> Any:
        from hishel import Entry, Headers, Request, Response

        grouped: dict[str, list[str]] = {}
        for key, value in self.headers:
            grouped.setdefault(key, []).append(value)
        return Entry(
            id=uuid.UUID(self.key[:32].ljust(32, "0")) if self.key else uuid.uuid4(),
            request=Request(method="GET", url=self.url, headers=Headers(self.request_headers)),
            response=Response(status_code=self.status, headers=Headers(grouped)),
        )


# Not kept: headers about this one transfer, and cookies (never written to disk).
_UNSTORED_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "transfer-encoding",
        "content-encoding",
        "content-length",
        "set-cookie",
        "set-cookie2",
        "proxy-authenticate",
        "upgrade",
        "trailer",
    }
)


class PageCache:
    """Fetched pages on disk: `<key>.json` (metadata) and `<key>.body` per URL.

    Files are replaced atomically; a body whose checksum does not match its
    metadata (two processes writing at once) reads as missing. When the
    bodies exceed `max_bytes`, the least recently stored are removed.

    Only the owner can read it: folders this creates are 0700 (the missing
    parents too), files 0600. `own_directory` says the folder is newsdesk's
    own (the default one), so an existing one is narrowed to 0700 as well;
    a folder the user named is never changed.
    """

    VERSION = 1

    def __init__(
        self,
        directory: Path,
        max_bytes: int = 256 * 1024 * 1024,
        *,
        own_directory: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self._own_directory = own_directory

    @staticmethod
    def key(url: str) -> str:
        return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.json", self.directory / f"{key}.body"

    def load(self, url: str) -> CachedEntry | None:
        key = self.key(url)
        meta_path, body_path = self._paths(key)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        try:
            if meta.get("version") != self.VERSION or meta["url"] != url:
                return None
            body_id = str(meta["body_id"])
            if hashlib.sha1(body, usedforsecurity=False).hexdigest() != body_id:
                return None
            return CachedEntry(
                url=url,
                final_url=str(meta["final_url"]),
                status=int(meta["status"]),
                headers=[(str(k), str(v)) for k, v in meta["headers"]],
                request_headers={str(k): str(v) for k, v in meta["request_headers"].items()},
                stored_at=float(meta["stored_at"]),
                body=body,
                body_id=body_id,
                key=key,
            )
        except (KeyError, TypeError, ValueError):
            return None

    def store(
        self,
        url: str,
        final_url: str,
        status: int,
        headers: Iterable[tuple[str, str]],
        request_headers: dict[str, str],
        body: bytes,
        stored_at: float | None = None,
    ) -> CachedEntry:
        key = self.key(url)
        entry = CachedEntry(
            url=url,
            final_url=final_url,
            status=status,
            headers=_storable_headers(headers, len(body)),
            request_headers=dict(request_headers),
            stored_at=time.time() if stored_at is None else stored_at,
            body=body,
            body_id=hashlib.sha1(body, usedforsecurity=False).hexdigest(),
            key=key,
        )
        self._make_directory()
        _write_atomic(self._paths(key)[1], body)
        self._write_meta(entry)
        self._prune(keep=key)
        return entry

    def refresh(self, entry: CachedEntry, headers: Iterable[tuple[str, str]]) -> CachedEntry:
        """Record that the server confirmed `entry` (a 304), with its new headers."""
        updated = replace(
            entry,
            headers=_storable_headers(headers, len(entry.body)),
            stored_at=time.time(),
        )
        with contextlib.suppress(OSError):
            self._write_meta(updated)
        return updated

    def _make_directory(self) -> None:
        make_private_directory(self.directory)
        if self._own_directory:
            with contextlib.suppress(OSError):
                if self.directory.stat().st_mode & 0o077:
                    os.chmod(self.directory, 0o700)

    def remove(self, url: str) -> None:
        for path in self._paths(self.key(url)):
            with contextlib.suppress(OSError):
                path.unlink()

    def _write_meta(self, entry: CachedEntry) -> None:
        meta = {
            "version": self.VERSION,
            "url": entry.url,
            "final_url": entry.final_url,
            "status": entry.status,
            "headers": entry.headers,
            "request_headers": entry.request_headers,
            "stored_at": entry.stored_at,
            "body_id": entry.body_id,
        }
        meta_path, _ = self._paths(entry.key)
        _write_atomic(meta_path, json.dumps(meta, ensure_ascii=False).encode("utf-8"))

    def _prune(self, keep: str) -> None:
        bodies: list[tuple[float, int, str]] = []
        total = 0
        try:
            with os.scandir(self.directory) as it:
                for item in it:
                    if not item.name.endswith(".body"):
                        continue
                    with contextlib.suppress(OSError):
                        stat = item.stat()
                        bodies.append((stat.st_mtime, stat.st_size, item.name[:-5]))
                        total += stat.st_size
        except OSError:
            return
        if total <= self.max_bytes:
            return
        for _mtime, size, key in sorted(bodies):
            if total <= self.max_bytes * 0.8:
                break
            if key == keep:
                continue
            for path in self._paths(key):
                with contextlib.suppress(OSError):
                    path.unlink()
            total -= size


def _storable_headers(headers: Iterable[tuple[str, str]], size: int) -> list[tuple[str, str]]:
    kept = [(k.lower(), v) for k, v in headers if k.lower() not in _UNSTORED_HEADERS]
    if not any(k == "date" for k, _ in kept):
        # Age is reckoned from Date; a response without one is dated on arrival.
        kept.append(("date", email.utils.formatdate(usegmt=True)))
    kept.append(("content-length", str(size)))
    return kept


def make_private_directory(path: Path) -> None:
    """Create `path` and whichever of its parents are missing, each 0700.

    (`Path.mkdir(mode=..., parents=True)` gives the parents the default
    mode.) Folders that exist already are left as they are.
    """
    missing: list[Path] = []
    current = Path(path)
    while not current.is_dir():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            if not folder.is_dir():
                raise


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file created 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


# --------------------------------------------------------------------------
# Decompression with a bounded output


class _Inflater:
    """gzip/deflate decoding that never produces more than asked for."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._first = True
        if encoding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        else:
            self._obj = zlib.decompressobj()

    def feed(self, data: bytes, limit: int) -> bytes:
        """Inflate `data`, returning at most `limit` bytes.

        Returning exactly `limit` bytes means there may be more: the caller
        asks for one byte over its cap and stops when it gets it.
        """
        try:
            out = self._obj.decompress(data, limit)
        except zlib.error:
            if self._first and self.encoding == "deflate":
                # "deflate" is often sent without its zlib header.
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self.feed(data, limit)
            raise
        self._first = False
        return out

    def flush(self, limit: int) -> bytes:
        if self._obj.unconsumed_tail:
            return self._obj.decompress(self._obj.unconsumed_tail, limit)
        return self._obj.flush()[:limit]


# --------------------------------------------------------------------------
# The fetcher


@dataclass(slots=True)
class _Raw:
    url: str
    final_url: str
    status: int
    headers: list[tuple[str, str]]
    request_headers: dict[str, str]
    media_type: str
    content_type: str
    body: bytes | None
    size: int | None

    def grouped(self) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for key, value in self.headers:
            grouped.setdefault(key.lower(), []).append(value)
        return grouped


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_readable(media_type: str) -> bool:
    """Types whose body is read: HTML and text (and unknown, which is sniffed)."""
    return not media_type or media_type in HTML_TYPES or media_type.startswith("text/")


class Fetcher:
    """Fetches pages within `limits`, through a disk cache.

    One instance holds one HTTP connection pool; close it with `aclose()`
    (or use it as an async context manager).
    """

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        limits: Limits | None = None,
        use_cache: bool = True,
        trust_env: bool = True,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.limits = limits or Limits()
        self.cache: PageCache | None = None
        if use_cache:
            if cache_dir is None:
                self.cache = PageCache(default_cache_dir(), own_directory=True)
            else:
                self.cache = PageCache(cache_dir)
        self._trust_env = trust_env
        self._request_headers = {
            "user-agent": user_agent,
            "accept": ACCEPT,
            "accept-encoding": "gzip, deflate",
        }
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx

            limits = self.limits
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(limits.deadline, connect=limits.connect_timeout),
                follow_redirects=False,
                trust_env=self._trust_env,
            )
        return self._client

    # -- cache -----------------------------------------------------------

    @staticmethod
    def _cache_options() -> Any:
        from hishel import CacheOptions

        # A private cache: one reader's pages.
        return CacheOptions(shared=False)

    def _hishel_request(self, url: str) -> Any:
        from hishel import Headers, Request

        return Request(method="GET", url=url, headers=Headers(dict(self._request_headers)))

    async def cached(self, url: str) -> Fetched | None:
        """The stored copy of `url`, fresh or not, without touching the network."""
        target, _dropped = _prepare(url)
        if self.cache is None or target is None:
            return None
        entry = await asyncio.to_thread(self.cache.load, target)
        return _from_entry(entry) if entry is not None else None

    # -- fetching one URL ------------------------------------------------

    async def fetch(
        self, url: str, *, force: bool = False, progress: ProgressCallback | None = None
    ) -> Fetched:
        """Fetch one URL, through the cache.

        A fresh stored copy is returned without a request; a stale one is
        revalidated (conditional request); `force` skips the stored copy
        but still falls back to it when the network fails. Raises
        `FetchError`, and nothing else, whatever `url` holds: a user name
        and password in it are not sent (the error says so).
        """
        target, dropped = _prepare(url)
        if target is None:
            raise FetchError(FailureKind.BAD_URL, url.strip())
        try:
            return await self._fetch(target, force, progress)
        except FetchError as error:
            raise error.noting_credentials() if dropped else error from None

    async def _fetch(self, url: str, force: bool, progress: ProgressCallback | None) -> Fetched:
        """`fetch()` for a checked address without credentials."""
        entry: CachedEntry | None = None
        if self.cache is not None:
            entry = await asyncio.to_thread(self.cache.load, url)

        revalidation: Any = None
        conditional: tuple[str, dict[str, str]] | None = None
        if entry is not None and not force:
            from hishel import FromCache, IdleClient, NeedRevalidation

            state = IdleClient(options=self._cache_options()).next(
                self._hishel_request(url), [entry.to_hishel()]
            )
            if isinstance(state, FromCache):
                return _from_entry(entry)
            if isinstance(state, NeedRevalidation):
                revalidation = state
                wanted = {
                    name: state.request.headers[name]
                    for name in ("if-none-match", "if-modified-since")
                    if name in state.request.headers
                }
                if wanted:
                    conditional = (entry.final_url, wanted)

        try:
            raw = await self._download(url, conditional, progress)
            if raw.status == 304:
                refreshed = await self._refresh(entry, revalidation, raw)
                if refreshed is not None:
                    return refreshed
                # The 304 matched nothing stored: ask again, unconditionally.
                raw = await self._download(url, None, progress)
                if raw.status == 304:
                    raise FetchError(FailureKind.HTTP, url, status=304)
        except FetchError as error:
            if entry is not None and error.stale_ok:
                return _from_entry(entry, offline=error.offline, error=error)
            raise

        fetched = Fetched(
            url=url,
            final_url=raw.final_url,
            status=raw.status,
            media_type=raw.media_type,
            content_type=raw.content_type,
            body=raw.body,
            size=raw.size,
            stored_at=time.time(),
        )
        if self.cache is not None and raw.body is not None:
            fetched = await asyncio.to_thread(self._maybe_store, raw, fetched)
        return fetched

    def _maybe_store(self, raw: _Raw, fetched: Fetched) -> Fetched:
        from hishel import CacheMiss, Headers, InvalidateEntries, Response, StoreAndUse

        assert self.cache is not None and raw.body is not None
        state: Any = CacheMiss(request=self._hishel_request(raw.url), options=self._cache_options())
        state = state.next(Response(status_code=raw.status, headers=Headers(raw.grouped())))
        while isinstance(state, InvalidateEntries):
            state = state.next()
        try:
            if isinstance(state, StoreAndUse):
                entry = self.cache.store(
                    raw.url, raw.final_url, raw.status, raw.headers, raw.request_headers, raw.body
                )
                return replace(fetched, stored_at=entry.stored_at, body_id=entry.body_id)
            # no-store and the like: an older copy must not linger either.
            self.cache.remove(raw.url)
        except OSError:
            pass  # A cache that can't be written is no reason to fail the preview.
        return fetched

    async def _refresh(
        self, entry: CachedEntry | None, revalidation: Any, raw: _Raw
    ) -> Fetched | None:
        from hishel import Headers, InvalidateEntries, NeedToBeUpdated, Response

        if entry is None or revalidation is None or self.cache is None:
            return None
        state = revalidation.next(Response(status_code=304, headers=Headers(raw.grouped())))
        while isinstance(state, InvalidateEntries):
            state = state.next()
        if not isinstance(state, NeedToBeUpdated) or not state.updating_entries:
            return None
        headers = state.updating_entries[-1].response.headers
        pairs = [(key, value) for key in headers for value in headers.get_list(key) or []]
        updated = await asyncio.to_thread(self.cache.refresh, entry, pairs)
        return _from_entry(updated, revalidated=True)

    async def _download(
        self,
        url: str,
        conditional: tuple[str, dict[str, str]] | None,
        progress: ProgressCallback | None,
    ) -> _Raw:
        deadline = self.limits.deadline
        try:
            async with asyncio.timeout(deadline):
                return await self._follow(url, conditional, progress)
        except TimeoutError:
            raise FetchError(
                FailureKind.TOO_SLOW, url, f"no complete answer within {deadline:g} s"
            ) from None
        except FetchError:
            raise
        except Exception as exc:  # the client's set-up (a bad proxy setting), ...
            raise classify_error(exc, url, self.limits) from None

    async def _follow(
        self,
        url: str,
        conditional: tuple[str, dict[str, str]] | None,
        progress: ProgressCallback | None,
    ) -> _Raw:
        import httpx

        client = self._http()
        limits = self.limits
        hop_url = url
        seen: set[str] = set()
        for _hop in range(limits.max_redirects + 1):
            seen.add(hop_url)
            if progress is not None:
                progress(FetchProgress("connecting", hop_url))
            headers = dict(self._request_headers)
            if conditional is not None and conditional[0] == hop_url:
                headers.update(conditional[1])
            try:
                request = client.build_request("GET", hop_url, headers=headers)
                response = await client.send(request, stream=True, follow_redirects=False)
            except httpx.InvalidURL:
                raise FetchError(FailureKind.BAD_URL, url) from None
            except Exception as exc:  # httpx, anyio, socket: every failure ends here
                raise classify_error(exc, url, limits) from None
            try:
                status = response.status_code
                location = response.headers.get("location")
                if status in REDIRECT_CODES and location:
                    try:
                        target = urljoin(hop_url, location.strip())
                    except ValueError:
                        target = location
                    checked = check_url(target)
                    if checked.url is None:
                        why = (
                            f"which is not a valid web address ({checked.reason})"
                            if checked.problem == "malformed"
                            else "which is not an http or https address"
                        )
                        raise FetchError(
                            FailureKind.BAD_URL,
                            url,
                            f"Can't preview {shown_url(url)}: it redirects to "
                            f"{shown_url(target)}, {why}.",
                        )
                    # Credentials in a Location are dropped like the reader's own.
                    target = without_credentials(checked.url)
                    if target in seen:
                        raise FetchError(FailureKind.REDIRECTS, url, "redirects in a loop")
                    hop_url = target
                    continue
                if status == 304:
                    return self._raw(url, hop_url, response, headers, None, None)
                if status >= 400 or not 200 <= status < 300:
                    raise FetchError(FailureKind.HTTP, url, status=status)
                content_type = response.headers.get("content-type", "")
                media_type = _media_type(content_type)
                length = _content_length(response)
                if not _is_readable(media_type):
                    return self._raw(url, hop_url, response, headers, None, length)
                body = await self._read_body(url, response, progress)
                return self._raw(url, hop_url, response, headers, body, len(body))
            except FetchError:
                raise
            except Exception as exc:  # httpx, anyio, socket: every failure ends here
                raise classify_error(exc, url, limits) from None
            finally:
                with contextlib.suppress(Exception):
                    await response.aclose()
        raise FetchError(
            FailureKind.REDIRECTS,
            url,
            f"redirects too many times (more than {limits.max_redirects})",
        )

    @staticmethod
    def _raw(
        url: str,
        final_url: str,
        response: httpx.Response,
        request_headers: dict[str, str],
        body: bytes | None,
        size: int | None,
    ) -> _Raw:
        content_type = response.headers.get("content-type", "")
        return _Raw(
            url=url,
            final_url=final_url,
            status=response.status_code,
            headers=[(k.lower(), v) for k, v in response.headers.multi_items()],
            request_headers={k: v for k, v in request_headers.items() if not k.startswith("if-")},
            media_type=_media_type(content_type),
            content_type=content_type,
            body=body,
            size=size,
        )

    async def _read_body(
        self, url: str, response: httpx.Response, progress: ProgressCallback | None
    ) -> bytes:
        limits = self.limits
        cap = limits.max_bytes
        codings = [
            c.strip().lower()
            for c in response.headers.get("content-encoding", "").split(",")
            if c.strip() and c.strip().lower() != "identity"
        ]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise FetchError(
                FailureKind.NETWORK,
                url,
                f"the server used a compression newsdesk can't read ({', '.join(codings)})",
            )
        inflater = _Inflater(codings[0]) if codings else None
        total = _content_length(response)
        too_large = f"over {describe_size(cap)}, the limit for a preview"
        if total is not None and total > cap:
            raise FetchError(FailureKind.TOO_LARGE, url, too_large)

        out = bytearray()
        received = 0
        last_report = 0.0
        try:
            # Whatever the network delivers (so progress shows even for a
            # trickle), inflated at most `chunk_size` input bytes at a time.
            async for received_bytes in response.aiter_raw():
                received += len(received_bytes)
                if received > cap:
                    raise FetchError(FailureKind.TOO_LARGE, url, too_large)
                step = limits.chunk_size
                for start in range(0, len(received_bytes), step):
                    raw = received_bytes[start : start + step]
                    out += inflater.feed(raw, cap - len(out) + 1) if inflater else raw
                    if len(out) > cap:
                        raise FetchError(FailureKind.TOO_LARGE, url, too_large)
                now = time.monotonic()
                if progress is not None and now - last_report >= 0.1:
                    last_report = now
                    progress(FetchProgress("receiving", url, received, total))
            if inflater is not None:
                out += inflater.flush(cap - len(out) + 1)
                if len(out) > cap:
                    raise FetchError(FailureKind.TOO_LARGE, url, too_large)
        except zlib.error:
            raise FetchError(FailureKind.NETWORK, url, "the compressed answer is damaged") from None
        if progress is not None:
            progress(FetchProgress("receiving", url, received, total))
        return bytes(out)

    # -- the preview pipeline ---------------------------------------------

    async def preview(
        self,
        urls: Sequence[str],
        *,
        force: bool = False,
        progress: ProgressCallback | None = None,
        on_cached: Callable[[Page], None] | None = None,
    ) -> Page:
        """Fetch and extract the first candidate of `urls` that works.

        Candidates are tried in order; one that fails, or holds no main
        text, gives way to the next (a page without main text is still
        shown if nothing better turns up). When a stored copy of a
        candidate exists and `force` is false, `on_cached` receives it at
        once (`provisional=True`) before the network is asked. Raises
        `FetchError` (with `attempts`) when every candidate failed.
        """
        # Each candidate checked, without its credentials; a refused one is
        # kept as given, for fetch() to refuse with its reason.
        prepared: dict[str, bool] = {}
        for given in urls:
            if not given or not given.strip():
                continue
            target, dropped = _prepare(given)
            key = target if target is not None else given.strip()
            prepared[key] = prepared.get(key, False) or dropped
        candidates = list(prepared)
        if not candidates:
            raise FetchError(FailureKind.BAD_URL, "", "There is no address to preview.")
        memo: dict[tuple[str, str], Extracted] = {}

        def noted(page: Page) -> Page:
            if not prepared[page.url]:
                return page
            notice = f"{page.notice} {CREDENTIALS_NOTE}" if page.notice else CREDENTIALS_NOTE
            return replace(page, notice=notice)

        if on_cached is not None and not force:
            for index, url in enumerate(candidates):
                stored = await self.cached(url)
                if stored is None:
                    continue
                try:
                    page = await self._page(url, index, stored, (), None, memo)
                except FetchError:
                    break
                on_cached(noted(replace(page, provisional=True)))
                break

        failures: list[FetchError] = []
        fallback: Page | None = None
        for index, url in enumerate(candidates):
            try:
                fetched = await self.fetch(url, force=force, progress=progress)
                page = noted(await self._page(url, index, fetched, tuple(failures), progress, memo))
            except FetchError as error:
                failures.append(error.noting_credentials() if prepared[url] else error)
                continue
            if page.kind == "article" and page.extracted and not page.extracted.found_main_text:
                fallback = fallback or page
                failures.append(FetchError(FailureKind.NO_TEXT, url))
                continue
            return page
        if fallback is not None:
            others = tuple(f for f in failures if f.url != fallback.url)
            return replace(fallback, failures=others)
        first = failures[0]
        raise FetchError(
            first.kind,
            first.url,
            first.detail,
            status=first.status,
            attempts=failures,
            credentials_dropped=first.credentials_dropped,
        )

    async def _page(
        self,
        url: str,
        index: int,
        fetched: Fetched,
        failures: tuple[FetchError, ...],
        progress: ProgressCallback | None,
        memo: dict[tuple[str, str], Extracted],
    ) -> Page:
        if fetched.body is None:
            return Page(url, index, "other", fetched, None, failures)
        if not fetched.body.strip():
            raise FetchError(FailureKind.EMPTY, url)
        key = (fetched.final_url, fetched.body_id)
        extracted = memo.get(key) if fetched.body_id else None
        if extracted is None:
            if progress is not None:
                progress(FetchProgress("extracting", url, len(fetched.body)))
            extracted = await asyncio.to_thread(
                extract, fetched.body, fetched.final_url, fetched.content_type or None
            )
            if fetched.body_id:
                memo[key] = extracted
        if extracted.is_empty:
            raise FetchError(FailureKind.EMPTY, url)
        notice = ""
        if extracted.source == SOURCE_PAGE:
            notice = (
                "No main text found on this page; showing all of its text."
                if extracted.text.strip()
                else "This page has no text."
            )
        kind: PageKind = "text" if extracted.source == SOURCE_PLAIN else "article"
        return Page(url, index, kind, fetched, extracted, failures, notice)


def _prepare(url: str) -> tuple[str | None, bool]:
    """The address to request for `url` (checked, normalised, without user
    name and password) or None when it may not be fetched; and whether
    credentials were dropped."""
    checked = check_url(url)
    if checked.url is None:
        return None, False
    return without_credentials(checked.url), checked.has_credentials


def _content_length(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    if value is None:
        return None
    try:
        size = int(value.split(",")[0].strip())
    except ValueError:
        return None
    return size if size >= 0 else None


def _from_entry(
    entry: CachedEntry,
    *,
    revalidated: bool = False,
    offline: bool = False,
    error: FetchError | None = None,
) -> Fetched:
    content_type = entry.header("content-type")
    return Fetched(
        url=entry.url,
        final_url=entry.final_url,
        status=entry.status,
        media_type=_media_type(content_type),
        content_type=content_type,
        body=entry.body,
        size=len(entry.body),
        stored_at=entry.stored_at,
        from_cache=True,
        revalidated=revalidated,
        offline=offline,
        error=error,
        body_id=entry.body_id,
    )
