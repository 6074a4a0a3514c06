"""A row's story links as the index keeps them: its own addresses and its
related items', hashed (`reader.stories.group`), packed into bytes.

`Row.links` holds, as parsed, the article's AMP and AMP cache addresses
(each "" when it has none) and then its related items' addresses; its
`webUrl` is the row's own `web_url`.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from reader.stories.group import _url_hashes

OWN_LINKS = 2
"""`Row.links` starts with the article's AMP and AMP cache addresses."""


def split_links(web_url: str, links: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(own addresses, related items' addresses) of a row."""
    own = tuple(url for url in (web_url, *links[:OWN_LINKS]) if url)
    return own, tuple(url for url in links[OWN_LINKS:] if url)


def pack(web_url: str, links: Sequence[str]) -> bytes:
    """The hashes of a row's own and related addresses: the count of its
    own first, then those, then the related ones (not its own)."""
    own_urls, related_urls = split_links(web_url, links)
    own = sorted(_url_hashes(own_urls))
    related = sorted(_url_hashes(related_urls) - set(own))
    return array("Q", [len(own), *own, *related]).tobytes()


def unpack(blob: bytes) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(own hashes, related hashes) of a packed blob; empty ones for a bad blob."""
    if len(blob) % 8 or not blob:
        return (), ()
    values = array("Q")
    values.frombytes(blob)
    count = values[0]
    if count > len(values) - 1:
        return (), ()
    return tuple(values[1 : 1 + count]), tuple(values[1 + count :])
