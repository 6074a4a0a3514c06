"""Evaluation: from a query's syntax tree to the set of rows it matches.

`_Evaluator` walks the tree once per query, asks the corpus for a mask
(see `reader.search.corpus`) per leaf and combines them with & | ~.  An AND
evaluates its cheap, selective terms first (`_cost`) and stops as soon as
nothing is left; a leaf met twice in one query is computed once.  Free words
match the corpus's word index and, through the context's `BodySearch`,
bodies.  Date and age terms become ranges of POSIX times on the calendar of
the context's time zone (a month ago is the same day last month; a time
written with a zone, `T20:00Z`, is read in that zone), answered
from the corpus's sorted dates.  Ordering the result is the corpus's
(`Corpus._ordered`): the evaluator only says which rows.

Whatever a leaf fails with (a date the platform cannot reach, a broken body
index) becomes a `QueryError` with the leaf's span: evaluation raises
nothing else.
"""

from __future__ import annotations

import calendar
import math
import re
import time
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta, timezone

from reader.search.context import Context
from reader.search.corpus import Corpus
from reader.search.folding import _fold_value, _words_of
from reader.search.tree import (
    AgeField,
    And,
    DateField,
    DateSpec,
    Duration,
    Everything,
    FlagField,
    Leaf,
    Node,
    Not,
    NumberField,
    Or,
    QueryError,
    TextField,
    Words,
)


class _Evaluator:
    def __init__(self, corpus: Corpus, ctx: Context) -> None:
        self.c = corpus
        self.ctx = ctx
        self.now = time.time() if ctx.now is None else ctx.now
        self.tz = ctx.tz
        self.local: dict[object, int] = {}

    def mask(self, node: Node) -> int:
        c = self.c
        if isinstance(node, Everything):
            return c._universe_mask()
        if isinstance(node, And):
            # Cheap, selective terms first; stop as soon as nothing is left.
            children = sorted(node.children, key=_cost)
            acc = self.mask(children[0])
            for child in children[1:]:
                if not acc:
                    return 0
                acc &= self.mask(child)
            return acc
        if isinstance(node, Or):
            acc = 0
            for child in node.children:
                acc |= self.mask(child)
            return acc
        if isinstance(node, Not):
            return c._universe_mask() & ~self.mask(node.child)
        return self.leaf(node)

    def leaf(self, node: Leaf) -> int:
        hit = self.local.get(node)
        if hit is None:
            try:
                hit = self.local[node] = self._leaf(node)
            except QueryError:
                raise
            except (ValueError, OverflowError, TypeError, OSError) as exc:
                raise QueryError(f"cannot evaluate this term: {exc}", *node.span) from exc
        return hit

    def _leaf(self, node: Leaf) -> int:
        c = self.c
        if isinstance(node, Words):
            if not node.tokens:
                return c._universe_mask()
            mask = c._words_mask(node.tokens, node.prefix)
            hook = self.ctx.body_search
            if hook is not None:
                try:
                    mask |= c._body_mask(hook, " ".join(node.tokens), node.prefix)
                except Exception as exc:  # a broken index must not break the query
                    raise QueryError(f"body search failed: {exc}", *node.span) from exc
            return mask
        if isinstance(node, TextField):
            if node.name == "tag":
                return self._tag_mask(node)
            if node.name == "story":
                rows = self.ctx.stories.rows_of(node.value.strip().lower())
                return c._rows_mask(frozenset(rows))
            return c._cached(node, lambda: self._text_mask(node))
        if isinstance(node, FlagField):
            if node.name == "has":
                src = c._has_body if node.value == "body" else c._has_related
                return int.from_bytes(src, "little")
            if node.value == "hidden":
                return c._rows_mask(self.ctx.hidden)
            if node.value == "lead":
                return c._universe_mask() & ~c._rows_mask(self.ctx.stories.followers)
            flags = self.ctx.flags
            if node.value == "unread":
                return c._universe_mask() & ~c._flag_mask("read", flags.read)
            keys: Collection[str] = getattr(flags, node.value)
            return c._flag_mask(node.value, keys)
        if isinstance(node, NumberField):
            if node.name == "sources":
                return self._sources_mask(node)
            return c._cached(
                node, lambda: c._range_mask(node.name, node.lo, node.lo_open, node.hi, node.hi_open)
            )
        if isinstance(node, DateField):
            lo = None if node.lo is None else self._edge(node.lo, node.lo_edge)
            hi = None if node.hi is None else self._edge(node.hi, node.hi_edge)
            # Each edge is a start: on or after lo, strictly before hi.
            key = ("published", lo, hi)
            return c._cached(key, lambda: c._range_mask("published", lo, False, hi, True))
        # AgeField: older than `newest`, newer than `oldest`.
        lo = None if node.oldest is None else self._ago(node.oldest)
        hi = None if node.newest is None else self._ago(node.newest)
        return c._range_mask("published", lo, node.oldest_open, hi, node.newest_open)

    def _sources_mask(self, node: NumberField) -> int:
        """Rows whose story has a number of articles in the range."""
        c = self.c

        def within(size: float) -> bool:
            if node.lo is not None and (size <= node.lo if node.lo_open else size < node.lo):
                return False
            return node.hi is None or (size < node.hi if node.hi_open else size <= node.hi)

        sizes = self.ctx.stories.sizes
        grouped = c._rows_mask(frozenset(sizes))
        mask = c._rows_mask(frozenset(i for i, size in sizes.items() if within(size)))
        if within(1):
            mask |= c._universe_mask() & ~grouped
        return mask

    def _text_mask(self, node: TextField) -> int:
        c = self.c
        c._build_fields()
        if node.name == "url":
            v = node.value.lower()
            if node.mode == "exact":
                pred: Callable[[str], bool] = v.__eq__
            elif node.mode == "glob":
                pred = _glob(v)
            else:
                return c._url_mask(v)
            blob, _ = c._urls()
            return int.from_bytes(bytes(map(pred, blob.split("\n"))), "little")
        index = {
            "topic": c._topics,
            "provider": c._providers,
            "domain": c._domains,
            "category": c._categories,
            "type": c._types,
        }[node.name]
        value = _fold_value(node.value)
        if node.mode == "exact" or (
            node.mode == "default" and node.name not in ("provider", "domain")
        ):
            return c._mask_of((index.get(value, ()),))
        if node.mode == "glob":
            match = _glob(value)
        elif node.name == "provider":
            match = _phrase_matcher(value)
        else:
            match = _label_matcher(value)
        return c._mask_of(rows for name, rows in index.items() if match(name))

    def _tag_mask(self, node: TextField) -> int:
        value = _fold_value(node.value)
        match: Callable[[str], bool] = _glob(value) if node.mode == "glob" else value.__eq__
        keys = {
            key
            for key, tags in self.ctx.flags.tags.items()
            if any(match(_fold_value(t)) for t in tags)
        }
        return self.c._keys_mask(keys)

    # -- time ------------------------------------------------------------------

    def _local(self, ts: float) -> datetime:
        if self.tz is None:
            return datetime.fromtimestamp(ts)
        return datetime.fromtimestamp(ts, self.tz)

    def _midnight(self, d: date) -> float:
        try:
            return datetime(d.year, d.month, d.day, tzinfo=self.tz).timestamp()
        except (OverflowError, ValueError, OSError):
            # Beyond what the platform's clock functions reach.
            return -math.inf if d.year < 1970 else math.inf

    def _instant(self, spec: DateSpec) -> float:
        """The POSIX time at which the time `spec` starts: in its own zone if
        it has one, else in the user's."""
        assert spec.hour is not None and spec.month is not None and spec.day is not None
        tz = self.tz if spec.offset is None else timezone(timedelta(minutes=spec.offset))
        try:
            return datetime(
                spec.year,
                spec.month,
                spec.day,
                spec.hour,
                spec.minute,
                spec.second or 0,
                tzinfo=tz,
            ).timestamp()
        except (OverflowError, ValueError, OSError):
            # Beyond what the platform's clock functions reach.
            return -math.inf if spec.year < 1970 else math.inf

    def _edge(self, spec: DateSpec, edge: str) -> float:
        """The POSIX time at which `spec` starts (or ends) in the time zone."""
        if spec.hour is not None:
            start = self._instant(spec)
            if edge == "end":
                # A time names its minute, or with seconds its second.
                return start + (60.0 if spec.second is None else 1.0)
            return start
        if spec.relative:
            day = self._local(self.now).date()
            if spec.relative == "yesterday":
                day -= timedelta(days=1)
            if edge == "end":
                day += timedelta(days=1)
            return self._midnight(day)
        y, m, d = spec.year, spec.month, spec.day
        if edge == "end":
            if m is None:
                y += 1
            elif d is None:
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            else:
                nxt = date(y, m, d) + timedelta(days=1)
                y, m, d = nxt.year, nxt.month, nxt.day
        return self._midnight(date(y, m or 1, d or 1))

    def _ago(self, dur: Duration) -> float:
        """The POSIX time `dur` before now, on the calendar of the time zone."""
        n = dur.amount
        if dur.unit == "h":
            return self.now - n * 3600.0
        now = self._local(self.now)
        try:
            if dur.unit in ("d", "w"):
                then = now - timedelta(days=n * (7 if dur.unit == "w" else 1))
            else:
                months = now.year * 12 + now.month - 1 - n * (12 if dur.unit == "y" else 1)
                y, m = divmod(months, 12)
                m += 1
                if y < 1:
                    return -math.inf
                then = now.replace(year=y, month=m, day=min(now.day, calendar.monthrange(y, m)[1]))
            return then.timestamp()
        except (OverflowError, ValueError, OSError):
            return -math.inf


def _cost(node: Node) -> int:
    """A rough order for AND: cheap and selective terms first."""
    if isinstance(node, TextField):
        return 0 if node.name in ("topic", "category", "type", "provider", "domain") else 3
    if isinstance(node, NumberField | DateField | AgeField | FlagField):
        return 1
    if isinstance(node, Words):
        return 2
    if isinstance(node, Not):
        return 4 + _cost(node.child)
    return 4


def _glob(pattern: str) -> Callable[[str], bool]:
    rx = re.compile(".*".join(map(re.escape, pattern.split("*"))), re.DOTALL)
    return lambda s: rx.fullmatch(s) is not None


def _phrase_matcher(value: str) -> Callable[[str], bool]:
    toks = _words_of(value)
    if not toks:
        return lambda name: value in name
    needle = " " + " ".join(toks) + " "
    return lambda name: needle in " " + " ".join(_words_of(name)) + " "


def _label_matcher(value: str) -> Callable[[str], bool]:
    v = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].strip(".")
    needle = "." + v + "."
    return lambda name: needle in "." + name + "."
