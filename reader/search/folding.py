"""Folding text for comparison: the one notion of a word the query engine uses.

The parser cuts free text into words with these functions, the corpus
(`reader.search.corpus`) indexes titles, excerpts, providers and topics
with them, and evaluation compares field values with them.  Text is
lowercased and loses its accents (`cafe` finds "Café"), and a word is a run
of letters and digits, as SQLite's FTS5 `unicode61` tokenizer with
`remove_diacritics` cuts text: a word means the same in a title as in a body
searched through `reader.search.fulltext`.

ASCII text, by far the most common, takes a fast path through
`str.translate`.  `_fold_value` and `_words_of` are cached: field values
(providers, topics) repeat from row to row.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ASCII_SEPARATORS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_NON_WORD = re.compile(r"[\W_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Combining marks left by canonical decomposition: the accents of Latin,
# Greek and Cyrillic letters.  (FTS5's remove_diacritics does the same.)
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """`text` lowercased and without accents: `fold("Café")` is `"cafe"`."""
    if text.isascii():
        return text.lower()
    return _MARKS.sub("", unicodedata.normalize("NFD", text.lower()))


def words(text: str) -> list[str]:
    """The folded words of `text`: runs of letters and digits."""
    if text.isascii():
        return text.lower().translate(_ASCII_SEPARATORS).split()
    folded = _MARKS.sub("", unicodedata.normalize("NFD", text.lower()))
    if not folded.isascii():
        if any(c.isalnum() for c in set(_NON_ASCII.findall(folded))):
            return _NON_WORD.sub(" ", folded).split()
        # Only punctuation beyond ASCII (’ “ — …): the fast path below reads
        # the '?' that stands for it as a separator.
        folded = folded.encode("ascii", "replace").decode("ascii")
    return folded.translate(_ASCII_SEPARATORS).split()


@lru_cache(maxsize=8192)
def _fold_value(value: str) -> str:
    """A field value for comparison: folded, with runs of spaces as one."""
    return " ".join(fold(value).split())


@lru_cache(maxsize=8192)
def _words_of(value: str) -> tuple[str, ...]:
    return tuple(words(value))
