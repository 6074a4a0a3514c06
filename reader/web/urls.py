"""Which addresses may leave newsdesk, and how addresses are shown.

An address read from an article file or a web page is data, like a title.
Before it is fetched, handed to a browser or put on the clipboard it passes
`web_url()`, the one place that decides: only an absolute http or https URL
with a host, and a well-formed one, gets through (a port from 1 to 65535,
brackets only around an IPv6 address, no control characters, nothing in the
host that a browser and Python would split differently, such as a
backslash). What comes out is normalised: scheme and host lower-case, white
space and the characters RFC 3986 never allows percent-encoded. Everything
else is refused with a reason a reader understands (`refusal()`); nothing
here raises on bad input, because `urllib.parse` raises `ValueError` for
several malformed addresses (`http://[::1`, a port of 99999) and every such
call is caught here.

A web address can carry a user name and password (`https://user:pw@host/`).
They are never shown: `redact()` replaces them with `***` in any text that
holds an address, and every message built from an address goes through
`shown_url()` (redacted, escapes removed, one line, bounded). The preview
does not send them either (see `reader.web.fetch`).

Handing an address to the browser is the riskiest exit. `webbrowser` runs
the command named in `$BROWSER` (or a detected browser) with the address as
a command-line argument: `GenericBrowser` substitutes it for `%s` in the
command, or appends it when there is no `%s`, with no `--` before it, so a
string beginning with `-` would be read as an option (`--help`, or worse
ones some browsers have). `open_in_browser()` therefore only ever passes a
string that `web_url()` returned, which begins with `http://` or
`https://`, and checks that once more right before the call (the
`webbrowser` of Python 3.11 does not refuse a leading dash itself).

Nothing here imports Textual or Rich: the app, the preview screen and the
command line call the same functions.
"""

from __future__ import annotations

import ipaddress
import re
import webbrowser
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from reader.text import clean_line

__all__ = [
    "WEB_SCHEMES",
    "CheckedURL",
    "NotWebURL",
    "check_url",
    "is_web_url",
    "open_in_browser",
    "redact",
    "refusal",
    "shown_url",
    "web_url",
    "web_urls",
    "without_credentials",
]

WEB_SCHEMES = frozenset({"http", "https"})
SHOWN_LENGTH = 200
"""Characters of an address kept in a message; longer ones end in `…`."""

Problem = Literal["", "empty", "scheme", "malformed"]

# Control characters (C0, DEL, C1) and the bidi overrides that make text
# render in another order than it is read: never part of an address.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters RFC 3986 never allows in a URL, and white space: percent-encoded
# in the path, query and fragment (browsers do the same).
_UNSAFE = re.compile(r"[\s\"<>\\^`{|}]")
# Characters that cannot be in a host name (WHATWG's forbidden host code
# points, less the ones urlsplit has already split off). A backslash is one:
# browsers read `http://evil.example\@good.example/` as a path on
# evil.example, urlsplit as the host good.example.
_BAD_HOST = re.compile(r"[\s\"#%/:<>?@\[\\\]^`{|}]")
# The user-info part of any address in a text: `scheme://` (or `//`), then
# everything up to the last `@` before the path, query or fragment.
_USERINFO = re.compile(r"(?i)((?:\b[a-z][a-z0-9+.\-]*:)?//)(?:[^/?#\\\s@]*@)+")


@dataclass(frozen=True, slots=True)
class CheckedURL:
    """What `check_url()` found: a normalised address, or why there is none."""

    url: str | None
    """The normalised address when it may leave the app, else None."""
    problem: Problem = ""
    """`empty`, `scheme` (not http or https, or no host), `malformed`, or ''."""
    reason: str = ""
    """Why it was refused: a clause to follow a colon (`the port is ...`)."""
    has_credentials: bool = False
    """The address holds a user name or password (kept in `url`)."""


class NotWebURL(ValueError):
    """An address that may not leave the app; `str()` is `refusal(url)`."""


def check_url(text: object) -> CheckedURL:
    """Decide whether `text` is a web address that may leave the app.

    Accepts an absolute http or https URL with a host, well formed; returns
    it normalised in `url`. Never raises: a refused address has `url` None
    and a `problem` and `reason`.
    """
    raw = "" if text is None else text if isinstance(text, str) else str(text)
    raw = raw.strip()
    if not raw:
        return CheckedURL(None, "empty", "there is no address")
    try:
        parts = urlsplit(raw)
    except ValueError:
        # urlsplit refuses unbalanced brackets, a bracketed host that is not
        # an IP address, and a host whose characters NFKC-normalise to one
        # of `/?#@:` (a look-alike that would move the host elsewhere).
        if _scheme(raw) not in WEB_SCHEMES:
            return _not_web()
        authority = re.split(r"[/?#]", raw.partition("//")[2], maxsplit=1)[0]
        if authority.count("[") != authority.count("]"):
            return _malformed("the brackets around its host are unbalanced")
        if "[" in authority:
            return _malformed("the brackets around its host are not a valid IPv6 address")
        return _malformed("its host name holds characters a host name cannot have")
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        return _not_web()
    if _CONTROLS.search(raw):
        return _malformed("it contains control characters")
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if re.search(r"[\s\\]", parts.netloc):
        return _malformed("its host part holds white space or a backslash")
    if not hostport or not parts.hostname:
        return CheckedURL(
            None, "scheme", "only http and https addresses with a host name can be opened"
        )
    host = parts.hostname
    if hostport.startswith("["):
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return _malformed("the brackets around its host are not a valid IPv6 address")
        if not re.fullmatch(r"\[[^\]]*\](:[0-9]*)?", hostport):
            return _malformed("the brackets around its host are not a valid IPv6 address")
        host_text = f"[{host}]"
    else:
        if _BAD_HOST.search(host) or "[" in hostport or "]" in hostport:
            return _malformed("its host name holds characters a host name cannot have")
        host_text = host
    try:
        port = parts.port
    except ValueError:
        return _malformed("the port is not a number from 1 to 65535")
    if port == 0:
        return _malformed("the port is not a number from 1 to 65535")
    netloc = (userinfo + "@" if at else "") + host_text + (f":{port}" if port is not None else "")
    normal = SplitResult(
        scheme,
        netloc,
        _encode_unsafe(parts.path),
        _encode_unsafe(parts.query),
        _encode_unsafe(parts.fragment),
    )
    return CheckedURL(urlunsplit(normal), has_credentials=bool(at))


def web_url(text: object) -> str | None:
    """The normalised http(s) address in `text`, or None when it may not leave
    the app (see `check_url()`). What `o`, `y` and `p` act on."""
    return check_url(text).url


def is_web_url(text: object) -> bool:
    """True when `text` is an address that may leave the app."""
    return check_url(text).url is not None


def web_urls(texts: Iterable[object]) -> list[str]:
    """The addresses of `texts` that may leave the app, normalised, each once,
    in order (for the preview's candidates: web page, then AMP versions)."""
    kept = (web_url(text) for text in texts)
    return list(dict.fromkeys(url for url in kept if url is not None))


def without_credentials(url: str) -> str:
    """`url` without its user name and password (`https://u:pw@host/x` ->
    `https://host/x`). For an address `web_url()` accepted; any other text
    has them replaced by `***` instead (`redact()`)."""
    try:
        parts = urlsplit(url)
        if "@" not in parts.netloc:
            return url
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    except ValueError:
        return redact(url)


def redact(text: object) -> str:
    """`text` with the user name and password of every address in it replaced
    by `***` (`https://user:pw@host/x` -> `https://***@host/x`). Works on
    malformed addresses and on messages that quote addresses."""
    value = "" if text is None else text if isinstance(text, str) else str(text)
    if "@" not in value:
        return value
    return _USERINFO.sub(r"\1***@", value)


def shown_url(text: object, limit: int = SHOWN_LENGTH) -> str:
    """An address fit for a message: credentials redacted, escape sequences and
    control characters removed, one line, at most `limit` characters."""
    shown = clean_line(redact(text))
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return shown


def refusal(text: object) -> str:
    """Why `text` may not leave the app, as one line for the reader:
    `Not a web address: file:///etc/passwd`. Empty for an address that may."""
    checked = check_url(text)
    if checked.url is not None:
        return ""
    if checked.problem == "empty":
        return "There is no web address."
    shown = shown_url(text)
    if checked.problem == "malformed":
        return f"Not a valid web address ({checked.reason}): {shown}"
    return f"Not a web address: {shown}"


def open_in_browser(url: object, opener: Callable[[str], bool] | None = None) -> bool:
    """Open `url` in the reader's browser; True when a browser took it.

    Only an address `web_url()` accepts is handed over (normalised); any
    other raises `NotWebURL` (a `ValueError` whose message is
    `refusal(url)`), so check with `web_url()` first to say so without the
    exception. False when no browser could be started. Blocks until the
    browser command returns: call it in a thread. `opener` defaults to
    `webbrowser.open`, which honours `$BROWSER`.
    """
    target = web_url(url)
    if target is None:
        raise NotWebURL(refusal(url))
    # The browser gets the address as a command-line argument, with no `--`
    # before it (see the module's notes): only a string that begins with the
    # scheme may go, so it can never be read as an option.
    if not target.startswith(("http://", "https://")):
        raise NotWebURL(refusal(url))
    try:
        return bool((opener or webbrowser.open)(target))
    except NotWebURL:
        raise
    except (OSError, ValueError, webbrowser.Error):
        # A $BROWSER with unbalanced quotes, a command that cannot be run.
        return False


def _scheme(raw: str) -> str:
    match = re.match(r"([A-Za-z][A-Za-z0-9+.\-]*):", raw)
    return match.group(1).lower() if match else ""


def _not_web() -> CheckedURL:
    return CheckedURL(None, "scheme", "only http and https addresses can be opened")


def _malformed(reason: str) -> CheckedURL:
    return CheckedURL(None, "malformed", reason)


def _encode_unsafe(part: str) -> str:
    if not _UNSAFE.search(part):
        return part
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), part)
