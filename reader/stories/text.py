"""Text fingerprints of articles for story grouping: words, sketches, keys.

Articles telling the same story reword each other, but they share most of
their names, places, numbers and subject words, above all in their titles. A
*sketch* is a small sample of the shingles of an article's title and excerpt
from which the similarity of two articles is estimated without the text.

Words (`tokens`): NFKD accent fold (``Zürich`` is ``zurich``), case fold,
cut on anything but letters and digits, a crude suffix fold (a final ``s``
is dropped from every word: ``farms`` meets ``farm``, ``Nordwind's`` meets
``Nordwind``), then stop words dropped: English ones, the most common French,
German and Spanish ones, and words that news of any kind repeat (weekdays,
months, number words, "said", "announced", "spokesperson"), folded the same
way; one-letter words too.

Shingles (`shingles`): every distinct word of the title and the excerpt,
and every word of the title a second time, its hash cut to `TITLE_BITS`
bits: below (almost) every other hash, so all of a title's words are in the
sketch. The title weighs twice: it names the event, while an excerpt is
often cut short or padded with context. Word pairs (bigrams) were measured
too: no better (F1 0.952 against 0.96 on the generated stores), and 2 µs
more a sketch.

Sketch (`sketch`): the `K` smallest shingle hashes, sorted (a bottom-k
MinHash with one hash function). The hash is CRC-32 of the folded UTF-8 bytes
(`zlib.crc32`): stable across runs and Python versions, unlike `hash()`, and
the cheapest stable hash of the standard library (80 ns a word here;
`hashlib.blake2b` costs 1.5 µs). Measured on this 2-core machine (where
``sum(range(1000))`` takes 18 µs) on generated articles (290 characters of
title and excerpt, two in three with accents or symbols): about 24 µs a
sketch, a quarter of it folding, a quarter hashing, a sixth sorting.

`similarity` estimates the Jaccard similarity of two shingle sets from their
sketches: the shingles of either with a hash at most the smaller of the two
sketches' largest hashes are a sample of the union, exact when both
sketches hold every shingle. As the title's second shingles are always in
the sample, it is a Jaccard similarity where title words count fully and
twice, and the rest is sampled.

`bands` gives the candidate keys: one for each pair of the `BANDS` smallest
title hashes (6 keys). Two articles are compared when their titles share two
of those words. Measured on generated stores, with every pair of articles
published within 48 h: single-hash keys (the 6 smallest hashes) made two
articles of different stories candidates 13% of the time (80 candidates an
article at 150 articles a day: words every article of a kind repeats),
pairs of the 6 smallest hashes of the sketch 1.6%, pairs of the 4 smallest
title hashes 0.3%, while still pairing 93% of the articles of a story whose
similarity is over the threshold (most of the rest join their story through
another article of it).

Standard library only: a sketch is a few dozen small integers, where the
cost is in the calls, not the arithmetic, so numpy would not help.
"""

from __future__ import annotations

import codecs
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from itertools import repeat
from operator import rshift
from zlib import crc32

K = 24
"""Hashes kept in a sketch."""

BANDS = 4
"""Smallest title hashes of a sketch paired into candidate keys (`bands`)."""

TITLE_BITS = 24
"""A title word's second shingle is its hash cut to this many bits: below
every other shingle's hash (but one in 2 ** (32 - TITLE_BITS)), so it is
always in the sketch."""
_TITLE_RANGE = 1 << TITLE_BITS

_STOP_WORDS = """
a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each
few for from further had has have having he her here hers herself him himself his how
i if in into is it its itself just me more most my myself no nor not now of off on
once only or other our ours out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would
you your yours yourself
says said say told stated added announced confirmed according spokesperson spokesman
spokeswoman new news report reports reported update updated breaking exclusive watch
live latest video photos via amid per also just
monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
january february march april may june july august september october november december
one two three four five six seven eight nine ten hundred thousand million billion
percent day days week weeks month months year years first last next
au aux avec ce ces dans de des du elle en est et il ils je la le les leur lui mais
me mes ne nous on ou par pas plus pour qu que qui sa se ses son sur ta te tes ton tu
un une vos votre vous
aus bei das dass dem den der des die ein eine einem einen einer eines er es fur hat
ich ihr im ist mit nach nicht noch oder sich sie sind uber um und vom von vor war
wie wir zu zum zur
al como con del el ella ellos entre era es esta este esto estos fue ha hay las lo los
mas muy no para pero por se sin sobre su sus tambien una uno unos ya
"""

# Bytes of folded text to words: letters and digits, lower case; every other
# ASCII byte separates words. Bytes of non-Latin letters (above 0x7f, left by
# the fold below) are part of words.
_TABLE = bytes(
    c + 32 if 65 <= c <= 90 else c if (48 <= c <= 57 or 97 <= c <= 122 or c > 127) else 32
    for c in range(256)
)
_SPECIAL = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th", "ı": "i"}


class _Fold(dict[str, bytes]):
    """A character beyond ASCII to the bytes it stands for in folded text:
    accents dropped (``ü`` is ``u``), a few letters spelled out (``ß`` is
    ``ss``), other letters and digits case-folded and kept (as UTF-8),
    anything else (punctuation, symbols, spaces) a space."""

    def __missing__(self, char: str) -> bytes:
        value = b""
        for c in unicodedata.normalize("NFKD", char.casefold()):
            if c.isascii():
                value += c.encode()
            elif c in _SPECIAL:
                value += _SPECIAL[c].encode()
            elif unicodedata.combining(c):
                continue
            elif c.isalnum():
                value += c.encode()
            else:
                value += b" "
        self[char] = value
        return value


_FOLD = _Fold()
_ERRORS = "newsdesk.stories.fold"


def _fold_error(error: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return b"".join(map(_FOLD.__getitem__, run)), error.end


codecs.register_error(_ERRORS, _fold_error)


def _words(text: str) -> list[bytes]:
    """The folded words of ``text`` (before stop words are dropped)."""
    data = text.encode("ascii", _ERRORS).translate(_TABLE)
    # The suffix fold: a final "s" off every word.
    return (data + b" ").replace(b"s ", b" ").split()


FINGERPRINT = crc32(repr((K, BANDS, TITLE_BITS, _STOP_WORDS, _SPECIAL)).encode())
"""Changes whenever a sketch or a band key of the same text would: a
grouping kept by an older version is not reused (`Stories.from_bytes`)."""

_STOP = frozenset(_words(_STOP_WORDS)) | frozenset(bytes([c]) for c in range(256))


def _content_words(text: str) -> list[bytes]:
    return [w for w in _words(text) if w not in _STOP]


def tokens(text: str) -> list[str]:
    """The words of ``text`` that count for story grouping, folded."""
    return [w.decode("utf-8", "replace") for w in _content_words(text)]


_STOP_HASHES = frozenset(map(crc32, _STOP))


def shingles(title: str, excerpt: str) -> set[int]:
    """The hashes of the shingles of an article: its words', and its title
    words' second ones (in the lowest ``2 ** TITLE_BITS`` hashes)."""
    t = set(map(crc32, _words(title))) - _STOP_HASHES
    hashes = t.union(map(crc32, _words(excerpt))) - _STOP_HASHES
    hashes.update(map(rshift, t, repeat(32 - TITLE_BITS)))
    return hashes


def sketch(title: str, excerpt: str) -> tuple[int, ...]:
    """The `K` smallest shingle hashes of an article, ascending (fewer when
    the article has fewer shingles; empty for no words)."""
    return tuple(sorted(shingles(title, excerpt))[:K])


def bands(sketch: Sequence[int]) -> tuple[int, ...]:
    """Candidate keys of a sketch: a 32-bit key for every pair of its
    `BANDS` smallest title hashes (6 keys for 4), or of its `BANDS` smallest
    other hashes when the title has fewer than two words."""
    low = [h for h in sketch[:BANDS] if h < _TITLE_RANGE]
    if len(low) < 2:
        low = [h for h in sketch if h >= _TITLE_RANGE][:BANDS]
    return tuple((a ^ b * 0x9E3779B1) & 0xFFFFFFFF for i, a in enumerate(low) for b in low[i + 1 :])


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """The Jaccard similarity of two articles' shingle sets, estimated from
    their sketches (ascending, as `sketch` makes them)."""
    if not a or not b:
        return 0.0
    if len(a) < K and len(b) < K:
        # Both sketches hold every shingle: exact.
        shared = len(set(a).intersection(b))
        return shared / (len(a) + len(b) - shared)
    top = min(a[-1], b[-1])
    sa = a[: bisect_right(a, top)]
    sb = b[: bisect_right(b, top)]
    shared = len(set(sa).intersection(sb))
    return shared / (len(sa) + len(sb) - shared)
