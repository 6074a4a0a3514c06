"""The article model: a slim `Row` per article for lists, counts and queries,
and a full `Article` read from its file when it is opened.

Every string held here has already been cleaned by `reader.text` (control and
escape sequences stripped, mojibake repaired): whatever reaches a widget from
these objects is plain data, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Row:
    """What the list, the tree, the counts and the queries need of one article.

    Kept small (well under 1 KB an article) so that 100,000 of them fit in
    memory; the body, the related items and unknown fields stay on disk.
    A row read back from the index leaves its excerpt there too (`excerpt`
    is None): a third of a row's memory, and only queries read it.
    """

    path: str
    """Path of the file inside the store, with `/` separators."""
    title: str
    provider: str
    domain: str
    published: float | None
    """Publication time as a UTC POSIX timestamp, or None when unknown."""
    quality: int | None
    heat: int | None
    topics: tuple[str, ...]
    category: str
    type: str
    web_url: str
    excerpt: str | None
    """The excerpt, or None when it stays in the index (a row read from
    it): `StoreIndex.excerpts` has it, and the query corpus asks there."""
    has_body: bool
    n_related: int
    mtime_ns: int = 0
    size: int = 0
    links: str = field(default="", compare=False, repr=False)
    """The article's AMP addresses and its related items', one a line
    (`reader.stories.storage`): what story grouping links on. Held only on the way from the
    parser to the index and the grouping (then emptied); rows read from
    the index have none (the index keeps them)."""

    @property
    def key(self) -> str:
        """The identity that triage state is kept under.

        The article's `webUrl` when it has one (two files with the same URL
        share their state), otherwise its path inside the store.
        """
        return self.web_url or f"path:{self.path}"


@dataclass(slots=True, frozen=True)
class Related:
    """One item of an article's related coverage."""

    title: str
    excerpt: str
    published: datetime | None
    web_url: str
    amp_url: str
    cdn_amp_url: str
    type: str
    provider: str
    domain: str
    quality: int | None


@dataclass(slots=True)
class Article:
    """A whole article, parsed from its file."""

    path: str
    title: str
    excerpt: str
    published: datetime | None
    """Timezone-aware (UTC) publication time; naive dates are taken as UTC."""
    web_url: str
    amp_url: str
    cdn_amp_url: str
    type: str
    category: str
    quality: int | None
    heat: int | None
    published_flag: bool | None
    provider: str
    domain: str
    topics: tuple[str, ...]
    related: tuple[Related, ...]
    body: str
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields this version does not know, kept as read (cleaned strings)."""
    secured: str = field(default="", repr=False)
    """The pipeline's signature: kept, never shown, never altered."""
    mtime_ns: int = 0
    size: int = 0
    truncated: int = 0
    """The file's size when it is larger than what was read of it
    (`reader.store.files.MAX_READ`): the body is only its start. 0 when whole."""

    @property
    def key(self) -> str:
        return self.web_url or f"path:{self.path}"

    @property
    def urls(self) -> tuple[str, ...]:
        """The page and its fallbacks, in the order a preview tries them."""
        return tuple(u for u in (self.web_url, self.amp_url, self.cdn_amp_url) if u)

    def to_row(self) -> Row:
        return Row(
            path=self.path,
            title=self.title,
            provider=self.provider,
            domain=self.domain,
            published=self.published.timestamp() if self.published else None,
            quality=self.quality,
            heat=self.heat,
            topics=self.topics,
            category=self.category,
            type=self.type,
            web_url=self.web_url,
            excerpt=self.excerpt,
            has_body=bool(self.body.strip()),
            n_related=len(self.related),
            mtime_ns=self.mtime_ns,
            size=self.size,
            links=_links(self),
        )


def _links(article: Article) -> str:
    """`Row.links` of an article (see `reader.stories.storage`)."""
    related = [
        item.web_url or item.amp_url or item.cdn_amp_url
        for item in article.related
        if item.web_url or item.amp_url or item.cdn_amp_url
    ]
    if not related and not article.amp_url and not article.cdn_amp_url:
        return ""
    from reader.stories.storage import join_links

    return join_links([article.amp_url, article.cdn_amp_url, *related])


@dataclass(slots=True, frozen=True)
class Problem:
    """A file of the store that could not be read as an article."""

    path: str
    reason: str
