"""URLs as story links: one key for every spelling of a page's address.

An article names its own page (`webUrl`), the AMP version of it
(`ampWebUrl`) and a copy of that on the AMP cache (`cdnAmpWebUrl`); its
`related` items name other pages the same ways, and often with tracking
parameters, another scheme or without ``www.``. `url_key` folds all of these
to one string, so that a link names the article whatever form it took:

- the scheme (``http``/``https``, which must be one of them) is dropped, the
  host lowercased, without ``www.``, ``m.`` or ``amp.``, a port and user
  info;
- an AMP cache URL (``https://host-name.cdn.ampproject.org/c/s/host.name/...``)
  stands for the page it copies;
- an ``amp`` path segment at either end of the path (``/amp/story``,
  ``/story/amp``), a trailing ``/`` and the fragment are dropped;
- tracking parameters (``utm_*``, ``fbclid``, ``gclid``, ``amp`` and others
  in `TRACKING`) are dropped from the query; the others are kept, sorted.

Plain string operations, no `urllib.parse`: this runs for every URL of every
article of a store at index time.
"""

from __future__ import annotations

TRACKING = frozenset(
    {
        "amp", "outputtype", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid",
        "igshid", "_ga", "_gl", "ref", "ref_src", "cmpid", "ito", "ocid", "smid",
        "soc_src", "soc_trk", "yclid", "guccounter", "s_cid",
    }
)  # fmt: skip
"""Query parameters (lowercase names) that do not change the page."""

_AMP_CACHE = ".cdn.ampproject.org"
_HOST_PREFIXES = frozenset({"www.", "m.", "amp.", "mobile."})
_HOSTS: dict[str, str] = {}  # host as written -> as keyed ("" for an AMP cache)
_MAX_HOSTS = 20_000


def url_key(url: str) -> str:
    """The key of ``url`` for matching, or "" when it is not an http(s) URL."""
    head = url[:8].lower()
    if head == "https://":
        rest = url[8:]
    elif head[:7] == "http://":
        rest = url[7:]
    else:
        stripped = url.strip()
        return url_key(stripped) if stripped != url else ""
    host, _, path = rest.partition("/")
    if "?" in host or "#" in host:
        host, _, tail = host.partition("?") if "?" in host else host.partition("#")
        path = f"?{tail}" if rest[len(host)] == "?" else ""
    folded = _HOSTS.get(host)
    if folded is None:
        folded = _fold_host(host)
    if "#" in path:
        path = path.partition("#")[0]
    query = ""
    if "?" in path:
        path, _, query = path.partition("?")
    if not folded:
        # An AMP cache: /c/s/host/path is https://host/path, /c/host/path http.
        if path[:2] in ("c/", "v/", "i/"):
            inner = path[4:] if path[2:4] == "s/" else path[2:]
            if inner:
                return url_key(f"https://{inner}?{query}" if query else f"https://{inner}")
        folded = host.lower()
    path = path.strip("/ ")
    if "amp" in path:
        if path == "amp":
            path = ""
        elif path.startswith("amp/"):
            path = path[4:]
        elif path.endswith("/amp"):
            path = path[:-4]
    key = f"{folded}/{path}" if path else folded
    if query:
        kept = [p for p in query.split("&") if p and not _tracking(p)]
        if kept:
            kept.sort()
            key += "?" + "&".join(kept)
    return key if folded != "." else ""


def _fold_host(host: str) -> str:
    """``host`` lowercased, without user info, a default port and a ``www.``
    (or ``m.``, ``amp.``) label; "" for an AMP cache host, "." for no host."""
    folded = host.lower().strip()
    if "@" in folded:
        folded = folded.rpartition("@")[2]
    if ":" in folded and folded.rpartition(":")[2] in ("80", "443", ""):
        folded = folded.rpartition(":")[0]
    if folded.endswith(_AMP_CACHE):
        folded = ""
    else:
        dot = folded.find(".") + 1
        if folded[:dot] in _HOST_PREFIXES and "." in folded[dot:]:
            folded = folded[dot:]
        folded = folded or "."
    if len(_HOSTS) >= _MAX_HOSTS:
        _HOSTS.clear()
    _HOSTS[host] = folded
    return folded


def _tracking(param: str) -> bool:
    name = param.partition("=")[0].lower()
    return name.startswith("utm_") or name in TRACKING
