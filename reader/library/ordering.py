"""The default ordering of the rows: newest first, kept as rows arrive.

The rows only grow while a store loads, so the order is incremental: each
batch is sorted and merged in (see `_merge`), never sorted again whole.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence

from reader.model import Row

NO_DATE = float("-inf")


def _merge(old: list[int], new: list[int], key: Callable[[int], tuple[float, str]]) -> list[int]:
    """Merge `new` into `old`, both in the order of `key`.

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
    for index in new:
        at = bisect_right(old, key(index), lo, end, key=key)
        merged += old[lo:at]
        merged.append(index)
        lo = at
    merged += old[lo:]
    return merged


class Ordering:
    """All row indices, newest first, kept up to date as rows are added.

    Equal dates are ordered by path, and articles without a date come last,
    by path: the order the query engine gives the same rows (its default
    order, `reader.search.corpus`), so that a view looks the same whether
    a query made it or not.
    """

    def __init__(self) -> None:
        self.dates: list[float] = []
        self.paths: list[str] = []
        self.order: list[int] = []

    def _key(self, index: int) -> tuple[float, str]:
        return (-self.dates[index], self.paths[index])

    def add(self, rows: Sequence[Row], skip: Collection[int] = ()) -> None:
        """Number `rows` on from the last, and order them in, but for those
        at the positions `skip` names (numbered, not ordered: hidden)."""
        dates = self.dates
        start = len(dates)
        dates.extend(NO_DATE if row.published is None else row.published for row in rows)
        self.paths.extend(row.path for row in rows)
        new = (
            [start + i for i in range(len(rows)) if i not in skip]
            if skip
            else list(range(start, len(dates)))
        )
        new.sort(key=self._key)
        # A new list each time: a view handed to the UI is never mutated.
        self.order = _merge(self.order, new, self._key)

    def drop(self, indices: set[int]) -> None:
        """Leave rows out of the order (they were replaced or removed)."""
        self.order = [i for i in self.order if i not in indices]
