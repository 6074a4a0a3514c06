"""Facets of the topic tree and the tree's counts.

A view is an ordered list of indices into the app's list of rows; any view
other than the default one comes from the query language (`reader.search.query`).
The rows only grow while a store loads, so ordering and counting are
incremental: each batch is sorted and merged in, and counts are added,
never recomputed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reader.model import Row


@dataclass(slots=True, frozen=True)
class Facet:
    """What a node of the topic tree selects."""

    kind: str
    """One of: all, inbox, unread, starred, archived, tag, topic, provider,
    category, saved, query, problems, problem (and group:* for headings)."""
    value: str = ""


ALL = Facet("all")
INBOX = Facet("inbox")
"""The start view: every article not archived."""
NEW = Facet("new")
"""Articles written since the last session ended."""
FLAG_QUERIES = {
    "inbox": "-is:archived",
    "unread": "is:unread",
    "starred": "is:starred",
    "archived": "is:archived",
    "hidden": "is:hidden",
    "stories": "is:lead",
}
"""The query text of the triage nodes (written here: the first screen shows
the Inbox's without importing the query engine)."""


@dataclass(slots=True)
class Counts:
    total: int = 0
    topics: Counter[str] = field(default_factory=Counter)
    providers: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)

    def add(self, rows: Sequence[Row]) -> None:
        self.total += len(rows)
        topics = self.topics
        for row in rows:
            for topic in row.topics:
                topics[topic] += 1
        self.providers.update(row.provider for row in rows)
        self.categories.update(row.category for row in rows)

    def merge(self, other: Counts) -> None:
        """Add counts made elsewhere (of a batch counted off the UI thread)."""
        self.total += other.total
        self.topics.update(other.topics)
        self.providers.update(other.providers)
        self.categories.update(other.categories)

    def remove(self, row: Row) -> None:
        """Forget one row (a file that changed or vanished)."""
        self.total -= 1
        for topic in row.topics:
            self.topics[topic] -= 1
        self.providers[row.provider] -= 1
        self.categories[row.category] -= 1
        for counter in (self.topics, self.providers, self.categories):
            for name in [name for name, count in counter.items() if count <= 0]:
                del counter[name]

    def of(self, facet: Facet) -> int:
        if facet.kind == "all":
            return self.total
        table = {"topic": self.topics, "provider": self.providers, "category": self.categories}
        counter = table.get(facet.kind)
        return counter.get(facet.value, 0) if counter is not None else 0


FACET_NAMES = {
    "all": "All articles",
    "inbox": "Inbox",
    "new": "New",
    "unread": "Unread",
    "starred": "Starred",
    "archived": "Archived",
    "hidden": "Hidden",
    "stories": "Stories",
    "tag": "Tag",
    "topic": "Topic",
    "provider": "Provider",
    "category": "Category",
    "problems": "Problems",
    "problem": "Problem",
    "saved": "Saved",
    "query": "Search",
}


def facet_title(facet: Facet) -> str:
    """What the status line calls a view."""
    from reader.text import shown_path

    name = FACET_NAMES.get(facet.kind, facet.kind)
    if facet.kind == "query":
        return name
    if facet.kind == "problem":
        return f"{name}: {shown_path(facet.value)}"
    return f"{name}: {facet.value}" if facet.value else name


def facet_query(facet: Facet, saved: Mapping[str, str]) -> str:
    """The query text a tree node stands for (shown in the query bar);
    `saved` are the saved searches by name."""
    kind, value = facet.kind, facet.value
    if kind in FLAG_QUERIES:
        return FLAG_QUERIES[kind]
    from reader.search.query import category_query, provider_query, tag_query, topic_query

    builders = {
        "topic": topic_query,
        "provider": provider_query,
        "category": category_query,
        "tag": tag_query,
    }
    if kind in builders:
        return builders[kind](value)
    if kind == "saved":
        return saved.get(value, "")
    if kind == "query":
        return value
    return ""
