"""Stories: the articles of a store grouped by the event they tell.

Two articles are linked (an edge) when

- a ``related`` item of one names the page of the other (`url_key` of a
  related ``webUrl``/``ampWebUrl``/``cdnAmpWebUrl`` equals the key of one of
  the other's own URLs), either way round;
- both are the same page: a URL key in common among their own URLs (the
  same article stored twice);
- their texts are near duplicates: they share a candidate key
  (`reader.stories.text.bands`), their estimated similarity is at least
  `THRESHOLD`, and they were published at most `WINDOW` apart (articles
  without a date get no text edges).

A story is a connected component of these edges: a partition of the store
that does not depend on the order articles were added in. Its id is ten hex
digits of a stable hash of its smallest member path (CRC-32 and Adler-32,
not ``hash()``: the same on every run whatever ``PYTHONHASHSEED``); its lead
is the member with the highest quality (no quality is the lowest), then the
earliest published, then the smallest path. Ten hex digits are 40 bits: two
of 100,000 stories share an id about once in 200 stores.

THRESHOLD and WINDOW were chosen on stores made by
``benchmarks/generate_stories.py`` (events told by 1 to 12 providers in their
own words; follow-ups 2.5 to 10 days later and look-alikes within a day about
the same place and subject as decoys), from B-cubed precision and recall
(``benchmarks/bench_stories.py``, 5,000 articles, seed 1):

=========  ======  =========  ======  ======
threshold  window  precision  recall  F1
=========  ======  =========  ======  ======
0.20       48 h    0.787      0.977   0.872
0.25       48 h    0.910      0.972   0.940
0.28       48 h    0.952      0.965   0.959
**0.30**   48 h    0.966      0.961   0.964
0.32       48 h    0.977      0.952   0.964
0.35       48 h    0.983      0.928   0.955
0.40       48 h    0.998      0.867   0.928
0.30       12 h    0.981      0.932   0.956
0.30       24 h    0.970      0.950   0.960
0.30       36 h    0.969      0.954   0.962
0.30       72 h    0.950      0.965   0.958
0.30       120 h   0.917      0.965   0.940
=========  ======  =========  ======  ======

0.3 and 48 h keep both figures above 0.95 with the best F1 (0.32 ties, with
recall closer to the edge; seeds 2 and 3 and a 20,000-article store agree
within 0.01). Below 0.3 look-alikes and unrelated articles of the same kind
chain stories together; a shorter window loses the articles a provider
publishes a day or more after the event, a longer one starts to merge the
follow-ups.

Memory: nothing per article but compact arrays. Sketches sit in one
``array('I')`` (`K` hashes an article), times, qualities and story numbers
in typed arrays, URL keys as 64-bit hashes; the indexes (band key and
minute, URL hash, path hash) are sorted ``array('Q')``/``array('I')`` pairs
cut into 256 buckets by the key's top byte, so that an insertion moves a
few kilobytes and a bulk load sorts a bucket at a time. Only stories of two
articles or more have a Python list of members. A removed article leaves a
dead slot, reclaimed by a rebuild once dead slots outnumber live ones.
Measured at 100,000 generated articles: 35 MB kept, 42 MB at the peak of a
bulk `add`, the returned set of 100,000 paths included (tracemalloc).

Cost: a bulk `add` (a first load) sorts the indexes and finds the edges in
one pass over them: about 6.5 s for 100,000 generated articles on this
2-core machine, of which 1.8 s is URL keys (not spent when the documents
bring their hashes), 1.5 s storing, 0.5 s sorting, 2.2 s finding edges
(1.2 similarity checks an article). A small `add` (files changed) looks
each new article's keys up: 0.25 ms an article at 100,000, a removal
0.35 ms. A band key shared by many articles
in a window (a word pair every article of a kind repeats) is capped: an
article is compared with at most `BUCKET_CAP` neighbours in time under one
key (the later ones in a bulk pass, on each side in a lookup). Below that
cap, incremental `add` and `remove` give exactly the partition of a bulk
`add` of the same articles.
"""

from __future__ import annotations

import io
import math
import struct
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, count, islice, repeat
from operator import and_, eq, le, lshift, or_, rshift, sub
from typing import Any, Protocol
from zlib import adler32, crc32

from reader.stories.links import url_key
from reader.stories.text import FINGERPRINT, K, bands, similarity

THRESHOLD = 0.3
"""Least estimated Jaccard similarity of a text edge."""

WINDOW = 48 * 3600
"""Largest time between the two articles of a text edge, in seconds."""

BUCKET_CAP = 32
"""Most neighbours in time compared, on each side, under one band key."""

MAX_STORY = 1_000
"""Most articles in a story: an edge that would join two stories into a
larger one is not followed. Stories of real news stay far below it; what it
stops is a chain of look-alike articles running through a dense store (a
generated store of 1,000,000 articles made one of 575,038), which would
fold the list into one row and make every change to it cost seconds."""

BULK = 512
"""An `add` of more articles than this (and than a quarter of those already
here) sorts the indexes in bulk instead of inserting entry by entry."""

STATE_VERSION = 2
"""The layout of `Stories.to_bytes`; with the grouping's constants and the
text fold's (`FINGERPRINT`), what a kept state must match to be used."""

_NO_QUALITY = -(2**31)
_MAX_MINUTE = 2**32 - 1
_LOW32 = 0xFFFFFFFF
_AMP_CACHE = ".cdn.ampproject.org/"


@dataclass(frozen=True, slots=True)
class StoryDoc:
    """What story grouping needs of an article."""

    path: str
    published: float | None
    """UTC POSIX seconds."""
    quality: int | None
    urls: tuple[str, ...]
    """The article's own ``webUrl``, ``ampWebUrl``, ``cdnAmpWebUrl``, as found."""
    related: tuple[str, ...]
    """The URLs of its related items (web, AMP, CDN), as found."""
    sketch: tuple[int, ...]
    """`reader.stories.text.sketch` of its title and excerpt."""


def hash64(text: str) -> int:
    """A stable 64-bit hash of ``text``: CRC-32 and Adler-32 of its UTF-8."""
    data = text.encode("utf-8", "surrogatepass")
    return crc32(data) << 32 | adler32(data)


def story_id(path: str) -> str:
    """The id of the story whose smallest member path is ``path``."""
    return f"{hash64(path) >> 24:010x}"


def _url_hashes(urls: Iterable[str]) -> set[int]:
    """Hashes of the keys of ``urls``. An AMP cache URL names the page of the
    AMP URL it copies: it is only read when nothing else is given."""
    urls = tuple(urls)
    plain = [u for u in urls if _AMP_CACHE not in u]
    keys = set(map(url_key, plain or urls))
    keys.discard("")
    return set(map(hash64, keys))


def _minute(t: float) -> int:
    return min(max(int(t // 60), 0), _MAX_MINUTE)


class _Postings:
    """A multimap from 64-bit keys to 32-bit values, sorted by key in 256
    buckets (by the key's top byte): two typed arrays a bucket, 12 bytes an
    entry. Keys are hashes (or start with one), so buckets fill evenly."""

    __slots__ = ("keys", "vals")

    def __init__(self) -> None:
        self.keys = [array("Q") for _ in range(256)]
        self.vals = [array("I") for _ in range(256)]

    def __len__(self) -> int:
        return sum(map(len, self.keys))

    def insert(self, key: int, val: int) -> None:
        """Add an entry, keeping its bucket sorted."""
        b = key >> 56
        keys = self.keys[b]
        i = bisect_right(keys, key)
        keys.insert(i, key)
        self.vals[b].insert(i, val)

    def sort(self) -> None:
        """Sort every bucket (after entries were appended unsorted)."""
        for b in range(256):
            packed = sorted(map(or_, map(lshift, self.keys[b], repeat(32)), self.vals[b]))
            self.keys[b] = array("Q", map(rshift, packed, repeat(32)))
            self.vals[b] = array("I", map(and_, packed, repeat(_LOW32)))

    def find(self, lo: int, hi: int) -> tuple[array[int], array[int]]:
        """Keys and values of the entries with ``lo <= key <= hi`` (one bucket)."""
        b = lo >> 56
        keys = self.keys[b]
        i = bisect_left(keys, lo)
        j = bisect_right(keys, hi, i)
        return keys[i:j], self.vals[b][i:j]

    def near(self, lo: int, mid: int, hi: int, cap: int) -> array[int]:
        """Values of the entries with ``lo <= key <= hi``, at most ``cap``
        on each side of ``mid``."""
        b = lo >> 56
        keys = self.keys[b]
        i = bisect_left(keys, lo)
        j = bisect_right(keys, hi, i)
        if j - i > 2 * cap:
            m = bisect_left(keys, mid, i, j)
            i, j = max(i, m - cap), min(j, m + cap + 1)
        return self.vals[b][i:j]


_MAGIC = b"newsdesk-stories"
_HEADER = struct.Struct("<16sIIQQQQQ")
"""Magic, fingerprint, CRC-32 of all that follows, slots, live articles,
stories, next story number, number of arrays."""
_ARRAY = struct.Struct("<cQ")
"""An array's type code and its length in bytes."""


def _finite_or_nan(t: float) -> bool:
    return t != t or math.isfinite(t)


def _fingerprint() -> int:
    """Whatever a grouping depends on besides its articles."""
    params = (
        STATE_VERSION,
        K,
        THRESHOLD,
        WINDOW,
        BUCKET_CAP,
        MAX_STORY,
        sys.byteorder,
        FINGERPRINT,
    )
    return crc32(repr(params).encode())


class Readable(Protocol):
    """Where a kept grouping is read from: a file, a SQLite blob, a `BytesIO`."""

    def read(self, size: int, /) -> bytes: ...


def _pack(arrays: Sequence[Sequence[array[Any] | bytes]]) -> list[memoryview]:
    """Each array (given as pieces of one type code) with its type code and
    length, as views of the arrays: no copy."""
    out = []
    for pieces in arrays:
        views = [memoryview(piece).cast("B") for piece in pieces]
        code = pieces[0].typecode if isinstance(pieces[0], array) else "B"
        out.append(memoryview(_ARRAY.pack(code.encode(), sum(map(len, views)))))
        out.extend(views)
    return out


class _Checked:
    """A stream that keeps the CRC-32 of what was read from it."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self.crc = 0

    def read(self, size: int, /) -> bytes:
        data = self._stream.read(size)
        self.crc = crc32(data, self.crc)
        return data


def _read_exactly(stream: Readable, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise ValueError("stories state cut short")
    return data


def _unpack(stream: Readable, count: int) -> list[array[Any]]:
    """``count`` arrays packed by `_pack`, read one at a time; ValueError
    when the data is cut short, damaged or followed by more."""
    out: list[array[Any]] = []
    for _ in range(count):
        code, size = _ARRAY.unpack(_read_exactly(stream, _ARRAY.size))
        try:
            a = array(code.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("stories state damaged") from None
        if size % a.itemsize or size > 1 << 40:
            raise ValueError("stories state damaged")
        a.frombytes(_read_exactly(stream, size))
        out.append(a)
    if stream.read(1):
        raise ValueError("stories state has trailing bytes")
    return out


def _runs(groups: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(start, end) of every run of two or more equal neighbours in ``groups``."""
    same = compress(range(len(groups) - 1), map(eq, groups, islice(groups, 1, None)))
    start = end = -2
    for i in same:
        if i != end:
            if start >= 0:
                yield start, end + 1
            start = i
        end = i + 1
    if start >= 0:
        yield start, end + 1


class _Union:
    """Union-find over slots, where a slot already in a story stands for its
    whole story (node ``-(number + 1)``). A union that would make a story
    of more than `MAX_STORY` articles is not made."""

    __slots__ = ("_comp_of", "_comps", "parent", "size")

    def __init__(self, comp_of: array[int], comps: dict[int, list[int]]) -> None:
        self._comp_of = comp_of
        self._comps = comps
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}
        """Root -> articles in its group."""

    def find(self, x: int) -> int:
        """The root of node ``x``."""
        parent = self.parent
        root = x
        while (up := parent.get(root, root)) != root:
            root = up
        while x != root:
            parent[x], x = root, parent[x]
        return root

    def _size(self, root: int) -> int:
        size = self.size.get(root)
        if size is None:
            size = 1 if root >= 0 else len(self._comps[-root - 1])
        return size

    def union(self, a: int, b: int) -> None:
        comp_of = self._comp_of
        ca, cb = comp_of[a], comp_of[b]
        ra = self.find(a if ca < 0 else -ca - 1)
        rb = self.find(b if cb < 0 else -cb - 1)
        if ra != rb:
            size = self._size(ra) + self._size(rb)
            if size > MAX_STORY:
                return
            low, high = min(ra, rb), max(ra, rb)
            self.parent[high] = low
            self.parent.setdefault(low, low)
            self.size.pop(high, None)
            self.size[low] = size

    def groups(self) -> list[list[int]]:
        """The nodes of every group of two or more."""
        out: dict[int, list[int]] = {}
        for node in list(self.parent):
            out.setdefault(self.find(node), []).append(node)
        return list(out.values())


class Stories:
    """The stories of a set of articles, kept up to date as articles come and go."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._paths: list[str] = []  # slot -> path
        self._alive = bytearray()  # slot -> 1 while the article is here
        self._time = array("d")  # NaN: no date
        self._quality = array("i")
        self._sketch = array("I")  # K a slot, zero-padded
        self._sketch_len = bytearray()
        self._url_start = array("Q", [0])  # slot -> its URL hashes in _url_hashes
        self._url_own = bytearray()  # how many of them are its own (the rest: related)
        self._url_hashes = array("Q")
        self._comp_of = array("i")  # slot -> story number, -1 alone
        self._comps: dict[int, list[int]] = {}  # story number -> slots, smallest path first
        self._next_comp = 0
        self._live = 0
        self._stories = 0
        self._by_path = _Postings()  # hash64(path) -> slot
        self._by_url = _Postings()  # URL hash -> slot << 1 | related
        self._by_band = _Postings()  # band key << 32 | minute -> slot

    # -- kept between runs ----------------------------------------------------

    def to_bytes(self) -> bytes:
        """The whole grouping as bytes (`from_bytes` reads it back): its
        arrays as they are, so reading it costs a copy, not a regrouping.
        About 300 bytes an article."""
        return b"".join(self.pieces())

    def pieces(self) -> list[memoryview]:
        """`to_bytes` in pieces, views of the grouping's own arrays (valid
        while it is not changed): to be written out without a copy."""
        paths = "\0".join(self._paths).encode("utf-8", "surrogatepass")
        arrays: list[Sequence[array[Any] | bytes]] = [
            [paths],
            [bytes(self._alive)],
            [self._time],
            [self._quality],
            [self._sketch],
            [bytes(self._sketch_len)],
            [self._url_start],
            [bytes(self._url_own)],
            [self._url_hashes],
            [self._comp_of],
        ]
        for index in (self._by_path, self._by_url, self._by_band):
            arrays += [[array("Q", map(len, index.keys))], index.keys, index.vals]
        body = _pack(arrays)
        crc = 0
        for piece in body:
            crc = crc32(piece, crc)
        header = _HEADER.pack(
            _MAGIC,
            _fingerprint(),
            crc,
            len(self._paths),
            self._live,
            self._stories,
            self._next_comp,
            len(arrays),
        )
        return [memoryview(header), *body]

    @classmethod
    def from_bytes(cls, data: bytes) -> Stories:
        """A grouping kept by `to_bytes`. ValueError when it was kept by
        another version or with other settings, or does not hold together
        (a damaged file): the caller groups afresh."""
        return cls.read(io.BytesIO(data))

    @classmethod
    def read(cls, stream: Readable) -> Stories:
        """`from_bytes`, reading from ``stream`` an array at a time."""
        header = _read_exactly(stream, _HEADER.size)
        magic, fingerprint, crc, n, live, stories, next_comp, count = _HEADER.unpack(header)
        if magic != _MAGIC or fingerprint != _fingerprint():
            raise ValueError("stories state of another version")
        if count != 19:
            raise ValueError("stories state damaged")
        checked = _Checked(stream)
        arrays = _unpack(checked, count)
        if checked.crc != crc:
            raise ValueError("stories state damaged (its checksum differs)")
        self = cls()
        try:
            self._load(arrays, n, live, stories, next_comp)
        except (IndexError, OverflowError, UnicodeDecodeError, TypeError) as error:
            raise ValueError(f"stories state damaged: {error}") from None
        return self

    def _load(self, arrays: list[array[Any]], n: int, live: int, stories: int, nxt: int) -> None:
        def check(ok: bool) -> None:
            if not ok:
                raise ValueError("stories state does not hold together")

        paths_b, alive, time, quality, sketch, sketch_len = arrays[:6]
        url_start, url_own, url_hashes, comp_of = arrays[6:10]
        codes = "BBdiIBQBQi"
        check(all(a.typecode == c for a, c in zip(arrays[:10], codes, strict=True)))
        paths = paths_b.tobytes().decode("utf-8", "surrogatepass").split("\0") if n else []
        check(len(paths) == n and all(len(a) == n for a in (alive, time, quality)))
        check(len(sketch_len) == n and len(url_own) == n and len(comp_of) == n)
        check(len(sketch) == n * K and len(url_start) == n + 1)
        check(url_start[0] == 0 and url_start[-1] == len(url_hashes))
        check(all(map(le, url_start, islice(url_start, 1, None))))
        check(not n or (max(sketch_len) <= K and max(alive) <= 1))
        check(sum(alive) == live and nxt < 2**31 and (not n or max(comp_of) < nxt))
        # A time is a date or NaN (none); an article's own URLs are among its URLs.
        check(all(map(_finite_or_nan, time)))
        check(all(map(le, url_own, map(sub, islice(url_start, 1, None), url_start))))
        comps: dict[int, list[int]] = {}
        for slot in compress(range(n), map(le, repeat(0), comp_of)):
            check(bool(alive[slot]))
            comps.setdefault(comp_of[slot], []).append(slot)
        for members in comps.values():
            check(len(members) > 1)
            smallest = min(members, key=paths.__getitem__)
            members.remove(smallest)
            members.insert(0, smallest)
        check(stories == live - sum(map(len, comps.values())) + len(comps))
        postings = []
        for i, limit in ((10, n), (13, 2 * n), (16, n)):
            lengths, keys, vals = arrays[i : i + 3]
            check(lengths.typecode == "Q" and keys.typecode == "Q" and vals.typecode == "I")
            check(len(lengths) == 256 and sum(lengths) == len(keys) == len(vals))
            check(not vals or max(vals) < limit)
            index = _Postings()
            at = 0
            for b, size in enumerate(lengths):
                k = keys[at : at + size]
                check(not k or (k[0] >> 56 == b and k[-1] >> 56 == b))
                check(all(map(le, k, islice(k, 1, None))))
                index.keys[b], index.vals[b] = k, vals[at : at + size]
                at += size
            postings.append(index)
        self._paths = paths
        self._alive = bytearray(alive)
        self._time, self._quality, self._sketch = time, quality, sketch
        self._sketch_len = bytearray(sketch_len)
        self._url_start, self._url_own = url_start, bytearray(url_own)
        self._url_hashes, self._comp_of = url_hashes, comp_of
        self._comps, self._next_comp = comps, nxt
        self._live, self._stories = live, stories
        self._by_path, self._by_url, self._by_band = postings

    # -- queries ------------------------------------------------------------

    def __len__(self) -> int:
        return self._stories

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._slot(path) >= 0

    def story_of(self, path: str) -> str:
        """The story id of an article; KeyError when it is not here."""
        slot = self._slot(path)
        if slot < 0:
            raise KeyError(path)
        return self._sid(slot)

    def members(self, story_id: str) -> list[str]:
        """The paths of a story, its lead first; KeyError for an unknown id."""
        comp, slot = self._story(story_id)
        if comp < 0:
            return [self._paths[slot]]
        paths = self._paths
        return [paths[s] for s in sorted(self._comps[comp], key=self._rank)]

    def lead_of(self, story_id: str) -> str:
        """The path of a story's lead article."""
        comp, slot = self._story(story_id)
        if comp < 0:
            return self._paths[slot]
        return self._paths[min(self._comps[comp], key=self._rank)]

    def stories(self) -> dict[str, str]:
        """path -> story id, for every article."""
        out: dict[str, str] = {}
        ids: dict[int, str] = {}
        comp_of = self._comp_of
        for slot, path in enumerate(self._paths):
            if self._alive[slot]:
                comp = comp_of[slot]
                if comp < 0:
                    out[path] = story_id(path)
                else:
                    sid = ids.get(comp)
                    if sid is None:
                        sid = ids[comp] = story_id(self._paths[self._comps[comp][0]])
                    out[path] = sid
        return out

    def _rank(self, slot: int) -> tuple[int, float, str]:
        t = self._time[slot]
        return -self._quality[slot], math.inf if t != t else t, self._paths[slot]

    def _slot(self, path: str) -> int:
        h = hash64(path)
        for slot in self._by_path.find(h, h)[1]:
            if self._alive[slot] and self._paths[slot] == path:
                return slot
        return -1

    def _sid(self, slot: int) -> str:
        comp = self._comp_of[slot]
        return story_id(self._paths[self._comps[comp][0] if comp >= 0 else slot])

    def _story(self, story_id: str) -> tuple[int, int]:
        """(story number or -1, slot of its smallest path) of a story id."""
        if len(story_id) != 10:
            raise KeyError(story_id)
        try:
            prefix = int(story_id, 16)
        except ValueError:
            raise KeyError(story_id) from None
        for slot in self._by_path.find(prefix << 24, prefix << 24 | 0xFFFFFF)[1]:
            if not self._alive[slot]:
                continue
            comp = self._comp_of[slot]
            if comp < 0:
                return -1, slot
            if self._comps[comp][0] == slot:
                return comp, slot
        raise KeyError(story_id)

    # -- changes ------------------------------------------------------------

    def add_all(self, docs: Iterable[StoryDoc]) -> None:
        """Group articles into an empty grouping, as one `add` would, but
        taking them one at a time from ``docs``: a first grouping holds the
        grouping's arrays, never the articles (at 1,000,000 articles, a list
        of them was some 2 GB)."""
        if self._paths:
            self.add(docs)
            return
        for doc in docs:
            self._append(doc, True)
        if not self._paths:
            return
        union = _Union(self._comp_of, self._comps)
        self._group_bulk(0, union)
        self._apply(union, range(len(self._paths)), {})
        del union
        self._maybe_compact()

    def add(self, docs: Iterable[StoryDoc]) -> set[str]:
        """Add articles (or replace those already here by path); return the
        paths whose story id changed, the new ones included."""
        batch = list(docs)
        if not batch:
            return set()
        bulk = len(batch) > max(BULK, self._live // 4)
        if not bulk:
            batch = list({doc.path: doc for doc in batch}.values())  # the last one wins
        before: dict[int, str] = {}  # slot -> story id before (old slots only)
        replaced: list[int] = []
        if self._live:
            replaced = sorted({s for s in map(self._slot, (d.path for d in batch)) if s >= 0})
        old_ids = {self._paths[s]: self._sid(s) for s in replaced}
        changed = self._remove_slots(replaced, before) if replaced else set()
        first = len(self._paths)
        for doc in batch:
            self._append(doc, bulk)
        new = range(first, len(self._paths))
        union = _Union(self._comp_of, self._comps)
        if bulk:
            self._group_bulk(first, union)
        else:
            for slot in new:
                for other in self._neighbours(slot):
                    union.union(slot, other)
        self._apply(union, new, before)
        del union
        for slot, sid in before.items():
            if self._alive[slot] and self._sid(slot) != sid:
                changed.add(self._paths[slot])
        for slot in new:
            if not self._alive[slot]:
                continue
            path = self._paths[slot]
            if old_ids.get(path) != self._sid(slot):
                changed.add(path)
            else:
                changed.discard(path)
        self._maybe_compact()
        return changed

    def _group_bulk(self, first: int, union: _Union) -> None:
        """After slots from ``first`` on were appended in bulk: sort the
        indexes, keep the last of a path given twice, join every edge."""
        self._sort_indexes()
        self._drop_repeats(first)
        self._bulk_edges(first, union)

    def _sort_indexes(self) -> None:
        for index in (self._by_path, self._by_url, self._by_band):
            index.sort()

    def _drop_repeats(self, first: int) -> None:
        """Of the slots from ``first`` on with the same path, keep the last."""
        for b in range(256):
            keys, vals = self._by_path.keys[b], self._by_path.vals[b]
            for start, end in _runs(keys):
                slots = sorted(s for s in vals[start:end] if s >= first and self._alive[s])
                by_path: dict[str, int] = {}
                for s in slots:
                    path = self._paths[s]
                    if path in by_path:
                        self._alive[by_path[path]] = 0
                        self._live -= 1
                        self._stories -= 1
                    by_path[path] = s

    def remove(self, paths: Iterable[str]) -> set[str]:
        """Remove articles; return the paths whose story id changed, the
        removed ones included."""
        slots = sorted({s for s in map(self._slot, paths) if s >= 0})
        if not slots:
            return set()
        before: dict[int, str] = {}
        changed = self._remove_slots(slots, before)
        for slot, sid in before.items():
            if self._alive[slot] and self._sid(slot) != sid:
                changed.add(self._paths[slot])
        self._maybe_compact()
        return changed

    def _append(self, doc: StoryDoc, bulk: bool) -> None:
        own = _url_hashes(doc.urls)
        rel = _url_hashes(doc.related) - own
        self._store(doc.path, doc.published, doc.quality, own, rel, doc.sketch, bulk)

    def _store(
        self,
        path: str,
        published: float | None,
        quality: int | None,
        own: Iterable[int],
        rel: Iterable[int],
        sketch: Sequence[int],
        bulk: bool,
    ) -> None:
        slot = len(self._paths)
        self._paths.append(path)
        self._alive.append(1)
        t = math.nan if published is None or not math.isfinite(published) else published
        self._time.append(t)
        self._quality.append(
            _NO_QUALITY if quality is None else max(_NO_QUALITY + 1, min(quality, 2**31 - 1))
        )
        sk = sketch[:K]
        self._sketch.extend(sk)
        if len(sk) < K:
            self._sketch.extend(repeat(0, K - len(sk)))
        self._sketch_len.append(len(sk))
        hashes = self._url_hashes
        n_own = len(hashes)
        hashes.extend(own)
        n_own = len(hashes) - n_own
        hashes.extend(rel)
        self._url_start.append(len(hashes))
        self._url_own.append(min(n_own, 255))
        self._comp_of.append(-1)
        self._live += 1
        self._stories += 1
        start = self._url_start[slot]
        entries = [(self._by_path, hash64(path), slot)]
        entries += [
            (self._by_url, hashes[i], slot << 1 | (i >= start + n_own))
            for i in range(start, len(hashes))
        ]
        if t == t and sk:
            minute = _minute(t)
            entries += [(self._by_band, key << 32 | minute, slot) for key in bands(sk)]
        if bulk:
            for index, key, val in entries:
                b = key >> 56
                index.keys[b].append(key)
                index.vals[b].append(val)
        else:
            for index, key, val in entries:
                index.insert(key, val)

    def _sketch_of(self, slot: int) -> array[int]:
        at = slot * K
        return self._sketch[at : at + self._sketch_len[slot]]

    def _text_edge(self, a: int, b: int) -> bool:
        return abs(self._time[a] - self._time[b]) <= WINDOW and (
            similarity(self._sketch_of(a), self._sketch_of(b)) >= THRESHOLD
        )

    def _neighbours(self, slot: int, within: set[int] | None = None) -> set[int]:
        """The slots linked to ``slot`` (only those in ``within`` if given)."""
        alive = self._alive
        out: set[int] = set()
        start, end = self._url_start[slot], self._url_start[slot + 1]
        own_end = start + self._url_own[slot]
        for i in range(start, end):
            h = self._url_hashes[i]
            for val in self._by_url.find(h, h)[1]:
                other = val >> 1
                # own-own: the same page; own-related and related-own: a link.
                if (i < own_end or not val & 1) and other != slot and alive[other]:
                    out.add(other)
        t = self._time[slot]
        if t == t and self._sketch_len[slot]:
            minute = _minute(t)
            lo, hi = max(minute - WINDOW // 60, 0), min(minute + WINDOW // 60, _MAX_MINUTE)
            candidates: set[int] = set()
            for key in bands(self._sketch_of(slot)):
                base = key << 32
                candidates.update(
                    self._by_band.near(base | lo, base | minute, base | hi, BUCKET_CAP)
                )
            candidates -= out
            candidates.discard(slot)
            for other in candidates:
                if (
                    alive[other]
                    and (within is None or other in within)
                    and self._text_edge(slot, other)
                ):
                    out.add(other)
        if within is not None:
            out &= within
        return out

    def _bulk_edges(self, first: int, union: _Union) -> None:
        """Join the ends of every edge with a slot >= ``first``, from one pass
        over the sorted indexes. A text candidate already joined through
        other edges is not checked again: the stories are the same."""
        alive = self._alive
        for b in range(256):
            keys, vals = self._by_url.keys[b], self._by_url.vals[b]
            for start, end in _runs(keys):
                run = vals[start:end]
                if max(run) >> 1 < first:
                    continue
                owners = [v >> 1 for v in run if not v & 1 and alive[v >> 1]]
                if not owners:
                    continue
                head = owners[0]
                for v in run:
                    if alive[v >> 1] and (not v & 1 or v >> 1 != head):
                        union.union(head, v >> 1)
        window, threshold = WINDOW // 60, THRESHOLD
        sketch, sketch_len, times = self._sketch, self._sketch_len, self._time
        comp_of, parent, find, join = self._comp_of, union.parent, union.find, union.union
        for b in range(256):
            keys, vals = self._by_band.keys[b], self._by_band.vals[b]
            tried: set[int] = set()
            for start, end in _runs(list(map(rshift, keys, repeat(32)))):
                if max(vals[start:end]) < first:
                    continue
                for i in range(start, end - 1):
                    a = vals[i]
                    limit = (keys[i] & _LOW32) + window
                    for j in range(i + 1, min(end, i + 1 + BUCKET_CAP)):
                        if keys[j] & _LOW32 > limit:
                            break
                        c = vals[j]
                        if a < first and c < first:
                            continue
                        pair = a << 32 | c
                        if pair in tried or not (alive[a] and alive[c]):
                            continue
                        tried.add(pair)
                        # Already joined (through other edges)? Then no need to look.
                        na = a if comp_of[a] < 0 else -comp_of[a] - 1
                        nc = c if comp_of[c] < 0 else -comp_of[c] - 1
                        if na in parent and nc in parent and find(na) == find(nc):
                            continue
                        if abs(times[a] - times[c]) <= WINDOW and (
                            similarity(
                                sketch[a * K : a * K + sketch_len[a]],
                                sketch[c * K : c * K + sketch_len[c]],
                            )
                            >= threshold
                        ):
                            join(a, c)

    def _apply(self, union: _Union, new: range, before: dict[int, str]) -> None:
        """Make a story of every group of ``union``."""
        for nodes in union.groups():
            members: list[int] = []
            for node in nodes:
                if node >= 0:
                    if node not in new:
                        before.setdefault(node, self._sid(node))
                    members.append(node)
                else:
                    old = self._comps.pop(-node - 1)
                    sid = story_id(self._paths[old[0]])
                    for s in old:
                        before.setdefault(s, sid)
                    members.extend(old)
                self._stories -= 1
            self._make_story(members)

    def _make_story(self, members: list[int]) -> None:
        """Record ``members`` (slots) as one story."""
        self._stories += 1
        if len(members) == 1:
            self._comp_of[members[0]] = -1
            return
        paths = self._paths
        smallest = min(members, key=paths.__getitem__)
        members.remove(smallest)
        members.insert(0, smallest)
        number = self._next_comp
        self._next_comp += 1
        self._comps[number] = members
        for s in members:
            self._comp_of[s] = number

    def _remove_slots(self, slots: Sequence[int], before: dict[int, str]) -> set[str]:
        """Remove live slots; recompute the stories they were in."""
        touched: set[int] = set()
        for slot in slots:
            comp = self._comp_of[slot]
            if comp >= 0 and comp not in touched:
                touched.add(comp)
                members = self._comps[comp]
                sid = story_id(self._paths[members[0]])
                for s in members:
                    before.setdefault(s, sid)
        changed = {self._paths[s] for s in slots}
        for slot in slots:
            self._alive[slot] = 0
            self._live -= 1
            if self._comp_of[slot] < 0:
                self._stories -= 1
            self._comp_of[slot] = -1
        for comp in touched:
            members = [s for s in self._comps.pop(comp) if self._alive[s]]
            self._stories -= 1
            for s in members:
                self._comp_of[s] = -1
            self._split(members)
        return changed

    def _split(self, members: list[int]) -> None:
        """Make the stories of ``members`` (slots of one former story)."""
        within = set(members)
        seen: set[int] = set()
        for start in members:
            if start in seen:
                continue
            part = [start]
            seen.add(start)
            stack = [start]
            while stack:
                for other in self._neighbours(stack.pop(), within):
                    if other not in seen:
                        seen.add(other)
                        part.append(other)
                        stack.append(other)
            self._make_story(part)

    def _maybe_compact(self) -> None:
        """Rebuild without dead slots once they outnumber the live ones,
        keeping every story as it is."""
        dead = len(self._paths) - self._live
        if dead <= max(BULK, self._live):
            return
        rows = []
        for s in range(len(self._paths)):
            if self._alive[s]:
                start, end = self._url_start[s], self._url_start[s + 1]
                t, q = self._time[s], self._quality[s]
                rows.append(
                    (
                        self._paths[s],
                        None if t != t else t,
                        None if q == _NO_QUALITY else q,
                        self._url_hashes[start : start + self._url_own[s]],
                        self._url_hashes[start + self._url_own[s] : end],
                        self._sketch_of(s),
                    )
                )
        # The stories are carried over slot by slot, not found again: with
        # `MAX_STORY` reached, a regrouping could draw other stories.
        moved = {old: new for new, old in enumerate(compress(count(), self._alive))}
        comps = {
            number: [moved[s] for s in members if s in moved]
            for number, members in self._comps.items()
        }
        next_comp, stories = self._next_comp, self._stories
        self._reset()
        for row in rows:
            self._store(*row, bulk=True)
        self._sort_indexes()
        for number, members in comps.items():
            self._comps[number] = members
            for s in members:
                self._comp_of[s] = number
        self._next_comp, self._stories = next_comp, stories


def group(docs: Iterable[StoryDoc]) -> dict[str, str]:
    """path -> story id of ``docs`` grouped in one go."""
    stories = Stories()
    stories.add(docs)
    return stories.stories()
