"""The corpus: the rows queries run against, with what they need precomputed.

A corpus keeps, per row, a few columns (date, quality, heat, key, whether
it has a body or related articles) and the words of its title, excerpt,
provider and topics (an inverted index, about 0.8 KB a row): at 100,000
rows a query takes milliseconds.  Each index is built on first need, so a
one-off query (the CLI) pays only for what it uses, or all at once by
`Corpus.prepare` in a worker, which pauses every few hundred rows
(`PAUSE_EVERY`, `PACED_PART`, and `reader.search.sorting.gentle_sorted`'s
runs) so the screen keeps getting the interpreter.

A set of rows is a mask: an int whose byte i is 1 when row i is in it, so
terms combine with & | ~ at C speed.  Masks of recent terms are cached, so
the keystrokes of a query being typed mostly reuse the previous one's work;
the triage flags are compared with the previous query's, so marking one
article read costs the next query almost nothing.  Orders (the default,
newest first, and each `sort:` asked for) are kept as well, and as rows
arrive their new rows are merged in rather than everything sorted again.

The corpus answers plain questions (the rows holding this word, with a
value in this range, in this order); `reader.search.evaluate` decides which
to ask for a query.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import partial
from itertools import compress, repeat
from operator import is_not, itemgetter, le

from reader.library.keyrows import KeyRows
from reader.model import Row
from reader.search.context import BodySearch
from reader.search.folding import _fold_value, _words_of, fold, words
from reader.search.sorting import _sort_pass, gentle_sorted
from reader.search.tree import SortKey

PAUSE_EVERY = 127
"""`Corpus.prepare` calls its `pause` every 128 rows (5-7 ms at most here)."""
PHRASE_CHECKS = 4_000
"""Candidate rows of a phrase checked one by one (about 30 us each) before
the corpus keeps every row's words for phrases instead."""
PACED_PART = 16_384
"""Rows a loop of `Corpus.prepare`'s over all rows takes between pauses."""

_LEAF_CACHE = 48
_SPARSE = 16
_ONE = re.compile(b"\x01")


def _set(ba: bytearray, indices: Iterable[int], value: int = 1) -> None:
    deque(map(ba.__setitem__, indices, repeat(value)), maxlen=0)


@dataclass(slots=True)
class _Order:
    order: array[int]
    rank: array[int] | None = None
    getter: Callable[[bytes], tuple[int, ...]] | None = None


Excerpts = Callable[[Sequence[str]], Mapping[str, str]]
"""Where the excerpts of rows that do not hold theirs are (`Row.excerpt` is
None): paths -> excerpt, a path not found left out."""


def _row_text(row: Row, excerpt: str) -> str:
    """A row's words in order, as phrases are looked for in them: title,
    excerpt, provider and topics, each between bars so that a phrase does
    not run from one field into the next."""
    return " ".join(
        (
            "",
            *words(row.title),
            "|",
            *words(excerpt),
            "|",
            *_words_of(row.provider),
            "|",
            " | ".join(" ".join(_words_of(topic)) for topic in row.topics),
            "",
        )
    )


class Corpus:
    """Rows with the indexes that make queries fast at 100,000 of them.

    Build it once in a worker thread and reuse it for every query:
    `prepare()` builds every index (a few seconds at 100,000 rows);
    otherwise each is built on first need, so that a one-off query (the
    CLI) pays only for what it uses.  `extend` appends rows as the store
    loads, updating the built indexes; `discard` and `replace` keep indices
    stable (a replaced row gets a new index).  Row indices are positions in
    `rows`.  Every method holds a lock: a worker may extend while another
    evaluates.
    """

    def __init__(self, rows: Iterable[Row] = (), excerpts: Excerpts | None = None) -> None:
        self._lock = threading.RLock()
        self.excerpts = excerpts
        """Where the excerpts of rows read from the index are (none: such a
        row's excerpt counts as empty)."""
        self._pause: Callable[[], object] | None = None
        """`prepare`'s pause while it sorts (see `gentle_sorted`)."""
        self.rows: list[Row] = []
        self._n = 0
        self._alive = bytearray()
        self._kept_rows_mask: tuple[frozenset[int], int, int] | None = None
        self._keys: list[str] = []
        # The first live row of each key, and the others where several rows
        # share a key (the same webUrl): most keys have one row.
        self._key_rows = KeyRows()
        self._path_row: dict[str, int] = {}
        self._published: list[float | None] = []
        self._quality: list[float | None] = []
        self._heat: list[float | None] = []
        self._has_body = bytearray()
        self._has_related = bytearray()
        # Field indexes, built on first need: folded value -> rows.
        self._fields_built = 0
        self._topics: dict[str, array[int]] = {}
        self._providers: dict[str, array[int]] = {}
        self._domains: dict[str, array[int]] = {}
        self._categories: dict[str, array[int]] = {}
        self._types: dict[str, array[int]] = {}
        # Every URL, lowercased, one a line: built on the first url: query.
        self._url_blob = ""
        self._url_starts = array("i")
        self._url_rows = 0
        # Word index, built on first need: word -> rows whose title, excerpt,
        # provider or topics hold it; the words, sorted, for prefixes; and
        # each row's words in order, to check phrases.
        self._words_built = 0
        self._postings: dict[str, array[int]] = {}
        self._vocab: list[str] = []
        self._vocab_sorted = True
        # Each row's words, UTF-8, one after the other in one buffer, and
        # where each row's end: 100,000 strings of their own cost as much
        # again in memory the interpreter can no longer give back.
        self._texts = bytearray()
        self._text_ends = array("q")
        # Sorted structures survive appends: the rows added are sorted on
        # their own and merged in, or re-sorted with the run they follow.
        self._sorted_nums: dict[str, tuple[array[float], array[int], bytes]] = {}
        self._stale_nums: dict[str, array[int]] = {}
        self._orders: dict[tuple[SortKey, ...], _Order] = {}
        self._stale_order = array("i")
        self._provider_keys: list[str | None] = []
        self._cache: OrderedDict[object, int] = OrderedDict()
        self._body_cache: OrderedDict[tuple[str, bool], tuple[object, int]] = OrderedDict()
        # For a body index that numbers its documents (reader.search.fulltext): its
        # generation and a table from document id to row.
        self._doc_table: tuple[object, object, array[int]] | None = None
        self._universe: int | None = None
        # Flag sets seen last (a frozen copy) and their masks: the next query
        # pays only for what changed.
        self._flag_masks: dict[str, tuple[frozenset[str], int]] = {}
        self.extend(rows)

    # -- building ------------------------------------------------------------

    def __len__(self) -> int:
        """How many rows are live (not discarded)."""
        return self._alive.count(1)

    def extend(self, rows: Iterable[Row]) -> range:
        """Append `rows`; returns their indices."""
        with self._lock:
            first = self._n
            try:
                for row in rows:
                    # Everything read off the row first: a bad row leaves no
                    # column longer than another.
                    key, path = row.key, row.path
                    values = (_finite(row.published), _finite(row.quality), _finite(row.heat))
                    flags = (1 if row.has_body else 0, 1 if row.n_related > 0 else 0)
                    i = self._n
                    self.rows.append(row)
                    self._n += 1
                    self._alive.append(1)
                    self._keys.append(key)
                    self._key_rows.add(key, i)
                    self._path_row[path] = i
                    self._published.append(values[0])
                    self._quality.append(values[1])
                    self._heat.append(values[2])
                    self._has_body.append(flags[0])
                    self._has_related.append(flags[1])
            finally:
                if self._n != first:
                    self._appended(first)
            return range(first, self._n)

    def _appended(self, first: int) -> None:
        self._cache.clear()
        self._body_cache.clear()
        self._doc_table = None
        self._universe = None
        keys = self._keys
        for name, (snapshot, mask) in self._flag_masks.items():
            new = [i for i in range(first, self._n) if keys[i] in snapshot]
            self._flag_masks[name] = (snapshot, mask | self._mask_of((new,)))
        for name, (_, idx, _) in self._sorted_nums.items():
            self._stale_nums[name] = idx
        self._sorted_nums.clear()
        default = self._orders.get(())
        if default is not None:
            self._stale_order = default.order
        self._orders.clear()
        if self._fields_built:
            self._build_fields()
        if self._words_built:
            self._build_words()

    def discard(self, indices: Iterable[int]) -> None:
        """Drop rows from every result; their indices are not reused."""
        with self._lock:
            for i in indices:
                if not 0 <= i < self._n or not self._alive[i]:
                    continue
                self._alive[i] = 0
                row = self.rows[i]
                self._key_rows.remove(self._keys[i], i)
                if self._path_row.get(row.path) == i:
                    del self._path_row[row.path]
            # Cached masks may keep discarded rows: results are always cut
            # down to the live ones.
            self._universe = None
            self._body_cache.clear()
            self._doc_table = None

    def replace(self, index: int, row: Row) -> int:
        """Swap in a changed row; returns its new index."""
        with self._lock:
            self.discard([index])
            return self.extend([row]).start

    def index_of(self, path: str) -> int | None:
        """The live row of `path`, if any."""
        return self._path_row.get(path)

    def prepare(self, pause: Callable[[], object] | None = None) -> None:
        """Build every index now (in a worker) rather than on first query.

        `pause` is called every few hundred rows: a worker can wait there
        while the screen needs the interpreter (see `reader.pacing`), or
        raise to stop; what was built by then is kept and not built again.
        """
        with self._lock:
            self._build_fields(pause)
            self._build_words(pause)
            # The sorts pause too (in `gentle_sorted`), and each step waits
            # its turn: together they take about a second at 100,000 rows.
            self._pause = pause
            try:
                steps: list[Callable[[], object]] = [
                    self._sorted_vocab,
                    *(partial(self._sorted_num, name) for name in ("published", "quality", "heat")),
                    lambda: self._rank(self._order(())),
                    partial(self._sort_column, "provider"),
                ]
                for step in steps:
                    if pause is not None:
                        pause()
                    step()
            finally:
                self._pause = None

    def _build_fields(self, pause: Callable[[], object] | None = None) -> None:
        rows = self.rows
        topics, providers, domains = self._topics, self._providers, self._domains
        categories, types = self._categories, self._types
        for i in range(self._fields_built, self._n):
            if pause is not None and not i & PAUSE_EVERY:
                self._fields_built = i  # what is built stays if pause() raises
                pause()
            r = rows[i]
            for t in set(r.topics):
                _post(topics, _fold_value(t), i)
            _post(providers, _fold_value(r.provider), i)
            _post(domains, _fold_value(r.domain), i)
            _post(categories, _fold_value(r.category), i)
            _post(types, _fold_value(r.type), i)
        self._fields_built = self._n

    def _build_words(self, pause: Callable[[], object] | None = None) -> None:
        postings = self._postings
        get = postings.get
        vocab = self._vocab
        rows = self.rows
        # In parts of PAUSE_EVERY + 1 rows: a pause between two, and the
        # excerpts a part's rows do not hold looked up at once.
        for start in range(self._words_built, self._n, PAUSE_EVERY + 1):
            if pause is not None:
                self._words_built = start  # what is built stays if pause() raises
                pause()
            part = rows[start : min(start + PAUSE_EVERY + 1, self._n)]
            for i, r, excerpt in zip(
                range(start, start + len(part)), part, self._excerpts_of(part), strict=True
            ):
                toks = set(words(r.title))
                toks.update(words(excerpt))
                toks.update(_words_of(r.provider))
                for topic in r.topics:
                    toks.update(_words_of(topic))
                for tok in toks:
                    p = get(tok)
                    if p is None:
                        postings[tok] = array("i", (i,))
                        vocab.append(tok)
                        self._vocab_sorted = False
                    else:
                        p.append(i)
        self._words_built = self._n

    def _excerpts_of(self, rows: Sequence[Row]) -> list[str]:
        """The excerpts of `rows`: their own, else the index's (`excerpts`)."""
        missing = [row.path for row in rows if row.excerpt is None]
        found: Mapping[str, str] = {}
        if missing and self.excerpts is not None:
            found = self.excerpts(missing)
        return [row.excerpt if row.excerpt is not None else found.get(row.path, "") for row in rows]

    def _build_texts(self) -> None:
        """Each row's words in order, for phrases: built when a phrase has
        more candidate rows than are quick to check one by one (about three
        seconds at 100,000 rows), as most sessions never need them and they
        take 35 MB there."""
        texts = self._texts
        ends = self._text_ends
        rows = self.rows
        for start in range(len(ends), self._n, PACED_PART):
            part = rows[start : min(start + PACED_PART, self._n)]
            for row, excerpt in zip(part, self._excerpts_of(part), strict=True):
                texts += _row_text(row, excerpt).encode()
                ends.append(len(texts))

    def _sorted_vocab(self) -> list[str]:
        if not self._vocab_sorted:
            self._vocab.sort()
            self._vocab_sorted = True
        return self._vocab

    def _sorted_num(self, name: str) -> tuple[array[float], array[int], bytes]:
        """The rows with a value, ordered by it, and the sorted values."""
        hit = self._sorted_nums.get(name)
        if hit is None:
            column = self._column(name)
            stale = self._stale_nums.pop(name, array("i"))
            start = max(stale, default=-1) + 1
            for part in self._paced(start, self._n):
                stale.extend(i for i in part if column[i] is not None)
            idx = array("i", gentle_sorted(stale, column.__getitem__, pause=self._pause))
            vals = array("d")
            for part in self._paced(0, len(idx)):
                # For mypy: `idx` holds only rows with a value, never None.
                vals.extend([column[i] for i in idx[part.start : part.stop]])  # type: ignore[misc]
            present = bytearray()
            for part in self._paced(0, self._n):
                present += bytes(column[i] is not None for i in part)
            hit = self._sorted_nums[name] = (vals, idx, bytes(present))
        return hit

    def _paced(self, start: int, stop: int) -> Iterator[range]:
        """`range(start, stop)` in parts of `PACED_PART`, with a pause before
        each while `prepare` runs: a loop over every row takes 10-15 ms."""
        for low in range(start, stop, PACED_PART):
            if self._pause is not None:
                self._pause()
            yield range(low, min(low + PACED_PART, stop))

    def _column(self, name: str) -> list[float | None]:
        if name == "published":
            return self._published
        return self._quality if name == "quality" else self._heat

    # -- masks ---------------------------------------------------------------
    #
    # A set of rows is an int whose byte i (little-endian) is 1 when row i is
    # in it: sets combine with & | ~ at C speed, and convert to and from
    # bytes in microseconds.  Masks may hold discarded rows; results never do.

    def _universe_mask(self) -> int:
        if self._universe is None:
            self._universe = int.from_bytes(self._alive, "little")
        return self._universe

    def _rows_mask(self, rows: frozenset[int]) -> int:
        """The mask of `rows` (row indices), kept while the same set is asked for."""
        kept = self._kept_rows_mask
        if kept is not None and kept[0] is rows and kept[1] == self._n:
            return kept[2]
        ba = bytearray(self._n)
        _set(ba, (i for i in rows if i < self._n))
        mask = int.from_bytes(ba, "little")
        self._kept_rows_mask = (rows, self._n, mask)
        return mask

    def _mask_of(self, parts: Iterable[Iterable[int]]) -> int:
        ba = bytearray(self._n)
        for p in parts:
            _set(ba, p)
        return int.from_bytes(ba, "little")

    def _cached(self, key: object, build: Callable[[], int]) -> int:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        mask = build()
        self._cache[key] = mask
        if len(self._cache) > _LEAF_CACHE:
            self._cache.popitem(last=False)
        return mask

    def _range_mask(
        self, name: str, lo: float | None, lo_open: bool, hi: float | None, hi_open: bool
    ) -> int:
        vals, idx, present = self._sorted_num(name)
        a = 0 if lo is None else (bisect_right if lo_open else bisect_left)(vals, lo)
        b = len(vals) if hi is None else (bisect_left if hi_open else bisect_right)(vals, hi)
        if b <= a:
            return 0
        if b - a <= len(vals) // 2:
            return self._mask_of((idx[a:b],))
        # Most rows match: start from all that have a value, clear the rest.
        ba = bytearray(present)
        _set(ba, idx[:a], 0)
        _set(ba, idx[b:], 0)
        return int.from_bytes(ba, "little")

    def _words_mask(self, tokens: tuple[str, ...], prefix: bool) -> int:
        """Rows whose title, excerpt, provider or topics hold the phrase."""
        self._build_words()
        last = len(tokens) - 1
        if not last:
            return self._token_mask(tokens[0], prefix)

        def build() -> int:
            both = self._universe_mask()
            for k, t in enumerate(tokens):
                both &= self._token_mask(t, prefix and k == last)
                if not both:
                    return 0
            needle = " " + " ".join(tokens) + ("" if prefix else " ")
            hits = [m.start() for m in _ONE.finditer(both.to_bytes(self._n, "little"))]
            if len(self._text_ends) < self._n and len(hits) <= PHRASE_CHECKS:
                rows = [self.rows[i] for i in hits]
                texts = map(_row_text, rows, self._excerpts_of(rows))
                return self._mask_of(
                    ([i for i, text in zip(hits, texts, strict=True) if needle in text],)
                )
            self._build_texts()
            find, ends, encoded = self._texts.find, self._text_ends, needle.encode()
            return self._mask_of(
                ([i for i in hits if find(encoded, ends[i - 1] if i else 0, ends[i]) >= 0],)
            )

        return self._cached(("phrase", tokens, prefix), build)

    def _token_mask(self, token: str, prefix: bool) -> int:
        def build() -> int:
            if not prefix:
                return self._mask_of((self._postings.get(token, ()),))
            vocab = self._sorted_vocab()
            lo = bisect_left(vocab, token)
            hi = bisect_left(vocab, token + "\U0010ffff", lo)
            return self._mask_of(self._postings[w] for w in vocab[lo:hi])

        return self._cached(("word", token, prefix), build)

    def _paths_mask(self, paths: Iterable[str]) -> int:
        get = self._path_row.get
        return self._mask_of(([i for i in map(get, paths) if i is not None],))

    def _body_mask(self, hook: BodySearch, text: str, prefix: bool) -> int:
        search_ids: Callable[[str, bool], Collection[int]] | None
        search_ids = getattr(hook, "search_ids", None)
        table = self._doc_ids_table(hook) if search_ids is not None else None
        if search_ids is None or table is None:
            paths = hook(text, prefix)
            return self._body_cached(text, prefix, paths, lambda: self._paths_mask(paths))
        ids = search_ids(text, prefix)
        return self._body_cached(text, prefix, ids, lambda: self._ids_mask(ids, table))

    def _body_cached(self, text: str, prefix: bool, found: object, build: Callable[[], int]) -> int:
        """The mask `build` makes of a body search's answer `found`, kept
        while the hook answers with the same object (from its own cache)."""
        key = (text, prefix)
        hit = self._body_cache.get(key)
        if hit is not None and hit[0] is found:
            return hit[1]
        mask = build()
        self._body_cache[key] = (found, mask)
        if len(self._body_cache) > _LEAF_CACHE:
            self._body_cache.popitem(last=False)
        return mask

    def _ids_mask(self, found: Collection[int], table: array[int]) -> int:
        """The rows of the document ids `found`, through `table` (see
        `_doc_ids_table`); ids past its end are left out."""
        ids: Collection[int] = (
            [i for i in found if i < len(table)] if max(found, default=0) >= len(table) else found
        )
        picked = itemgetter(*ids)(table) if len(ids) > 1 else tuple(table[i] for i in ids)
        return self._mask_of((filter(_is_row, picked),))

    def _doc_ids_table(self, hook: object) -> array[int] | None:
        """Row of each document id of a body index that has ids (`search_ids`,
        `doc_ids`, `generation`): numbers are cheaper to map than paths."""
        doc_ids = getattr(hook, "doc_ids", None)
        generation = getattr(hook, "generation", None)
        if doc_ids is None or generation is None:
            return None
        if self._doc_table is not None:
            known, gen, table = self._doc_table
            if known is hook and gen == generation:
                return table
        mapping: Mapping[str, int] = doc_ids()
        table = array("i", [-1]) * (max(mapping.values(), default=-1) + 1)
        get = self._path_row.get
        for path, doc in mapping.items():
            i = get(path)
            if i is not None:
                table[doc] = i
        self._doc_table = (hook, generation, table)
        return table

    def _keys_mask(self, keys: AbstractSet[str]) -> int:
        ba = bytearray(self._n)
        key_rows = self._key_rows
        # For mypy: `_is_not_none` drops the keys without a row, which it
        # cannot see through `partial`; a typed guard would cost a Python call a key.
        _set(ba, filter(_is_not_none, map(key_rows.one.get, keys)))  # type: ignore[arg-type]
        for key, more in key_rows.more.items():
            if key in keys:
                _set(ba, more)
        return int.from_bytes(ba, "little")

    def _flag_mask(self, name: str, keys: Collection[str]) -> int:
        """Rows whose key is in `keys`, updated from the last query's mask.

        Comparing two sets of 100,000 keys is fast (their hashes are stored
        in the sets); looking each key up again is not.
        """
        current = keys if isinstance(keys, frozenset) else frozenset(keys)
        last = self._flag_masks.get(name)
        if last is None:
            mask = self._keys_mask(current)
        else:
            before, mask = last
            if before is current:
                return mask
            added, removed = current - before, before - current
            if not added and not removed:
                self._flag_masks[name] = (current, mask)
                return mask
            if len(added) + len(removed) > len(current):
                mask = self._keys_mask(current)
            else:
                ba = bytearray(mask.to_bytes(self._n, "little"))
                for k in added:
                    _set(ba, self._key_rows.get(k))
                for k in removed:
                    _set(ba, self._key_rows.get(k), 0)
                mask = int.from_bytes(ba, "little")
        self._flag_masks[name] = (current, mask)
        return mask

    def _urls(self) -> tuple[str, array[int]]:
        if self._url_rows < self._n:
            urls = [r.web_url.lower().replace("\n", " ") for r in self.rows[self._url_rows :]]
            pos = len(self._url_blob) + 1 if self._url_rows else 0
            for u in urls:
                self._url_starts.append(pos)
                pos += len(u) + 1
            self._url_blob = "\n".join([self._url_blob, *urls] if self._url_rows else urls)
            self._url_rows = self._n
        return self._url_blob, self._url_starts

    def _url_mask(self, needle: str) -> int:
        """Rows whose URL (lowercased) contains `needle`."""
        if "\n" in needle:
            return 0
        blob, starts = self._urls()
        rx = re.compile(re.escape(needle))
        return self._mask_of(([bisect_right(starts, m.start()) - 1 for m in rx.finditer(blob)],))

    # -- ordering ------------------------------------------------------------

    def _sort_column(self, name: str) -> Sequence[float | str | None]:
        if name == "date":
            return self._published
        if name in ("quality", "heat"):
            return self._column(name)
        if name == "title":
            # Not kept: only the orders built from it are.
            return [fold(r.title).strip() or None for r in self.rows]
        col = self._provider_keys
        if len(col) < self._n:
            seen: dict[str, str | None] = {}
            rows = self.rows
            for part in self._paced(len(col), self._n):
                for i in part:
                    provider = rows[i].provider
                    v = seen.get(provider, "")
                    if v == "":
                        v = seen[provider] = _fold_value(provider) or None
                    col.append(v)
        return col

    def _order(self, keys: tuple[SortKey, ...]) -> _Order:
        hit = self._orders.get(keys)
        if hit is not None:
            return hit
        if keys:
            # Stable passes, last key first, over the default order: ties
            # keep it.
            order: Sequence[int] = self._order(()).order
            for key in reversed(keys):
                column = self._sort_column(key.field)
                numeric = key.field in ("date", "quality", "heat")
                order = _sort_pass(order, column, key.descending, numeric)
        else:
            # Newest first, then by path; undated rows last, by path.
            stale, self._stale_order = self._stale_order, array("i")
            rows, published = self.rows, self._published
            pause = self._pause
            if stale:
                # After an append: the rows added, sorted on their own, merged
                # into the order they follow (in linear time).
                def newest_first(i: int) -> tuple[float, str]:
                    t = published[i]
                    return (math.inf if t is None else -t, rows[i].path)

                added = gentle_sorted(range(len(stale), self._n), newest_first, pause=pause)
                order = list(heapq.merge(stale, added, key=newest_first))
            else:
                # Two stable sorts whose keys are values the rows hold
                # already: a key tuple per row took 10 MB more at 100,000
                # rows, and longer.
                order = gentle_sorted(range(self._n), lambda i: rows[i].path, pause=pause)
                undated = [i for i in order if published[i] is None]
                order = [i for i in order if published[i] is not None]
                order = gentle_sorted(order, published.__getitem__, True, pause=pause)
                order += undated
        hit = self._orders[keys] = _Order(array("i", order))
        return hit

    def _rank(self, o: _Order) -> array[int]:
        """Position of each row in the order `o`."""
        if o.rank is None:
            rank = array("i", bytes(4 * self._n))
            order = o.order
            for part in self._paced(0, len(order)):
                for pos in part:
                    rank[order[pos]] = pos
            o.rank = rank
        return o.rank

    def _ordered(self, mask: int, keys: tuple[SortKey, ...]) -> list[int]:
        mask &= self._universe_mask()
        if not mask:
            return []
        bits = mask.to_bytes(self._n, "little")
        found = bits.count(1)
        o = self._order(keys)
        if found * _SPARSE < self._n:
            hits = [m.start() for m in _ONE.finditer(bits)]
            hits.sort(key=self._rank(o).__getitem__)
            return hits
        if self._n == 1:
            return [0]
        if o.getter is None:
            o.getter = itemgetter(*o.order)
        return list(compress(o.order, o.getter(bits)))


_is_not_none = partial(is_not, None)
_is_row = partial(le, 0)


def _finite(x: float | None) -> float | None:
    if x is None or isinstance(x, bool):
        return None
    if type(x) is int and -(2**53) <= x <= 2**53:
        return x  # kept as is: small ints are shared, floats would not be
    try:
        f = float(x)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None


def _post(index: dict[str, array[int]], key: str, i: int) -> None:
    p = index.get(key)
    if p is None:
        index[key] = array("i", (i,))
    else:
        p.append(i)
