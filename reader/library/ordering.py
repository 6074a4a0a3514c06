"""The default ordering of the rows: newest first, kept as rows arrive.

The rows only grow while a store loads, so the order is incremental: each
batch is sorted and merged in (see `_merge`), never sorted again whole.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from reader.model import Row

NO_DATE = float("-inf")


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
