"""A row's story links as the row and the index carry them: the article's
AMP and AMP cache addresses (each "" when it has none), then one address
of each related item (its page, else an AMP copy), one a line. They are
only matched (by the grouping, in its helper process,
`reader.stories.group`), never shown, so they are kept as the file gives
them: the parse, on the path of every cold load, only joins them.
"""

from __future__ import annotations

from collections.abc import Sequence

OWN_LINKS = 2
"""The links start with the article's AMP and AMP cache addresses."""


def join_links(links: Sequence[str]) -> str:
    """The links as one string (a line break cannot be in an address)."""
    return "\n".join(" ".join(url.split()) for url in links)


def split_links(web_url: str, links: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(own addresses, related items' addresses) of an article whose page
    is `web_url`, from its joined links."""
    parts = links.split("\n")
    own = tuple(url for url in (web_url, *parts[:OWN_LINKS]) if url)
    return own, tuple(url for url in parts[OWN_LINKS:] if url)
