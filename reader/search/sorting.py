"""Sorting without holding the interpreter, and the passes `sort:` is made of.

A sort is one call into C that holds the interpreter until it is done:
20-60 ms for 100,000 rows, and the screen, in its own thread, waits for it.
`gentle_sorted` sorts runs of `SORT_RUN` items and merges them in a Python
loop that lets the screen in, and that can pause: `Corpus.prepare` passes
its pause (see `reader.pacing`).  `_sort_pass` sorts by one key of a
`sort:` order, stably, with the rows that lack a value last either way:
`Corpus` applies one pass per key, the last key first.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

SORT_RUN = 8192
"""Most items `gentle_sorted` sorts in one call (1-2 ms)."""
MERGE_PAUSE = 2048
"""Items `gentle_sorted` merges between two calls of its `pause` (3-4 ms)."""


def gentle_sorted(
    items: Iterable[int],
    key: Callable[[int], Any],
    reverse: bool = False,
    *,
    pause: Callable[[], object] | None = None,
) -> list[int]:
    """`sorted(items, key=key, reverse=reverse)`, without one long call.

    A sort is one call into C that holds the interpreter until it is done:
    20-60 ms for 100,000 rows, and the screen, in its own thread, waits for
    it. Here runs of `SORT_RUN` items are sorted, then merged by a Python
    loop that lets the screen in every millisecond. It costs about four
    times the CPU of one sort, in a worker. Stable, as `sorted` is.
    `pause`, when given, is called between runs and every `MERGE_PAUSE`
    items merged (see `Corpus.prepare`).
    """
    items = items if isinstance(items, list) else list(items)
    if len(items) <= SORT_RUN:
        return sorted(items, key=key, reverse=reverse)
    runs = []
    for start in range(0, len(items), SORT_RUN):
        if pause is not None:
            pause()
        runs.append(sorted(items[start : start + SORT_RUN], key=key, reverse=reverse))
    merged = heapq.merge(*runs, key=key, reverse=reverse)
    if pause is None:
        return list(merged)
    out: list[int] = []
    append = out.append
    for count, item in enumerate(merged, 1):
        append(item)
        if not count % MERGE_PAUSE:
            pause()
    return out


def _sort_pass(
    order: Sequence[int], column: Sequence[float | str | None], desc: bool, numeric: bool
) -> list[int]:
    """Stable sort of `order` by `column`, rows without a value last."""
    if numeric:
        # Numbers: one sort, with a key that puts missing values last.
        sign = -1.0 if desc else 1.0
        inf = math.inf
        # For mypy: a numeric column holds floats (or None), never text.
        keys = [inf if v is None else sign * v for v in column]  # type: ignore[operator]
        return gentle_sorted(order, key=keys.__getitem__)
    present = [i for i in order if column[i] is not None]
    missing = [i for i in order if column[i] is None]
    present = gentle_sorted(present, key=column.__getitem__, reverse=desc)
    return present + missing
