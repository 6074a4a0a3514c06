"""Facets of the topic tree, the default ordering and the tree's counts.

A view is an ordered list of indices into the app's list of rows; any view
other than the default one comes from the query language (`reader.query`).
The rows only grow while a store loads, so ordering and counting are
incremental: each batch is sorted and merged in, and counts are added,
never recomputed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from reader.model import Row

NO_DATE = float("-inf")


@dataclass(slots=True, frozen=True)
class Facet:
    """What a node of the topic tree selects."""

    kind: str
    """One of: all, inbox, unread, starred, archived, tag, topic, provider,
    category, saved, query, problems, problem (and group:* for headings)."""
    value: str = ""


ALL = Facet("all")


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


def _merge(old: list[int], new: list[int], dates: list[float]) -> list[int]:
    """Merge `new` into `old`, both newest first; a row goes after the rows
    of `old` with the same date (they came first).

    Each new row's place is found by bisection, and `old` is copied in
    slices between them. (Sorting the two runs together is one call into C
    that holds the interpreter: 30-50 ms at 100,000 rows, during which the
    screen's thread cannot draw a frame. This takes a few milliseconds, in
    steps that hand the interpreter over.)
    """
    if not old:
        return new
    merged: list[int] = []
    lo, end = 0, len(old)

    def later(index: int) -> float:
        return -dates[index]

    for index in new:
        at = bisect_right(old, -dates[index], lo, end, key=later)
        merged += old[lo:at]
        merged.append(index)
        lo = at
    merged += old[lo:]
    return merged


class Ordering:
    """All row indices, newest first, kept up to date as rows are added.

    Articles without a date come last; equal dates keep file order.
    """

    def __init__(self) -> None:
        self.dates: list[float] = []
        self.order: list[int] = []

    def add(self, rows: Sequence[Row]) -> None:
        dates = self.dates
        start = len(dates)
        dates.extend(NO_DATE if row.published is None else row.published for row in rows)
        new = list(range(start, len(dates)))
        new.sort(key=dates.__getitem__, reverse=True)
        # A new list each time: a view handed to the UI is never mutated.
        self.order = _merge(self.order, new, dates)

    def drop(self, indices: set[int]) -> None:
        """Leave rows out of the order (they were replaced or removed)."""
        self.order = [i for i in self.order if i not in indices]
