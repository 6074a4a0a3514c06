"""The query language of newsdesk: one language for the filter bar, tree nodes,
saved searches, bulk actions and `newsdesk export/count --query`.

This module imports nothing from Textual: it parses text into a `Query`
and evaluates it against a `Corpus` of slim rows in memory.

Grammar
-------
::

    query   := and?
    and     := or (["AND"] or)*            terms side by side must all match
    or      := unary ("OR" unary)*         OR binds tighter than AND
    unary   := ("-" | "NOT") unary | primary
    primary := "(" and ")" | field | phrase | word
    field   := NAME ":" ["="] (bare | phrase)
    phrase  := '"' chars '"'               \\" and \\\\ escape inside quotes

So `a OR b c` is `(a OR b) c`, as in web and mail search: `topic:AI OR
topic:ML is:unread` is the unread articles of either topic.  `AND`, `OR`
and `NOT` are keywords only in capitals; `or` is a word.

Free text
---------
A word matches titles, excerpts, providers, topics and (through a
`BodySearch` hook, see `reader.search.fulltext`) bodies, ignoring case and accents
(`cafe` finds "Café").  Text is cut into words at anything that is not a
letter or digit, as SQLite's FTS5 `unicode61` tokenizer does, so a word means
the same in a title and in a body.  A word of three or more letters also
matches longer words it begins (`clim` finds "climate"), so results narrow as
the user types; shorter words match whole words only (`ai` does not find
"aim"), and a trailing `*` asks for a prefix at any length (`a*`).  A word
that holds several (`covid-19`) matches them in a row.  A `"quoted phrase"`
matches its words in a row, whole words only.  All terms must match.

Fields
------
=================  =========================================================
`topic:AI`         one of the article's topics is "AI" (whole value)
`category:news`    the category is "news" (whole value)
`type:article`     the type is "article" (whole value)
`tag:later`        the user gave the article the tag "later" (whole value)
`provider:times`   the provider's name contains these words in a row:
                   `provider:"New York Times"` finds "The New York Times"
`domain:bbc.co.uk` the domain is, or ends with, these labels:
                   `domain:nytimes.com` finds "www.nytimes.com"
`url:/2020/07/`    the page URL contains this text
`is:unread`        also `read`, `starred`, `archived`, `selected`
`has:body`         also `related`
=================  =========================================================

Every text comparison ignores case and accents.  `field:=value` asks for the
whole value instead (`provider:="The Verge"` is not "The Verge Podcast"):
the topic tree uses it.  An unquoted value with `*` is a wildcard over the
whole value (`topic:comp*`, `provider:*times*`); in quotes `*` is literal.

Numbers: `quality:50`, `quality:>=50`, `heat:<0`, `quality:20..80` (both ends
included), `quality:50..`, `quality:..80`.  Articles without the number never
match a comparison (but do match its negation).

Dates are days, months or years of the user's time zone (store times are
UTC; the zone is `Context.tz`, the machine's local zone by default):

- `date:2020-07-08`, `date:2020-07`, `date:2020`: within that day, month, year;
  `date:<2020-07`, `date:>=2020-07-08`, `date:2020-07-01..2020-07-15` (both
  days included); `today` and `yesterday` work wherever a date does.
- `after:2020-07-01` is on or after that day; `before:2020-08` is before
  August began: `after:2020-07 before:2020-08` is July, as in Gmail.
- `age:<7d` is newer than seven days, `age:>1y` older than a year;
  `age:1d..7d` between.  Units: `h` hours, `d` days, `w` weeks, `m` months,
  `y` years (calendar days, months and years of the time zone).
  Articles without a date match no date term.

Order: `sort:date|quality|heat|provider|title`, ascending; `sort:-quality`
descending.  Several `sort:` terms sort by the first, then the next.  The
default is newest first.  Missing values (no date, no quality, no provider)
come last either way; ties are broken newest first, then by path.  `sort:`
applies to the whole query, so it cannot sit inside parentheses, OR or a
negation.

Errors
------
Anything wrong raises `QueryError(message, start, end)`, with the span of the
text at fault.  An unclosed quote is not an error: it runs to the end (the
user is still typing the phrase).  Nothing else is ever raised by `parse`,
`Query.evaluate` or `Query.count` (a failing body index included).

Use
---
::

    corpus = Corpus(rows)          # in a worker; corpus.prepare() builds it all
    corpus.extend(more_rows)       # as the store loads
    q = parse("topic:AI is:unread sort:-quality")       # QueryError
    ctx = Context(Flags(read=..., starred=..., tags=...), body_search=fulltext)
    ids = q.evaluate(corpus, ctx)  # indices into corpus.rows, in order
    n = q.count(corpus, ctx)       # for live counts: no ordering
    q.to_string()                  # canonical text; parses back to q

    filter_rows(rows, "topic:AI", flags)    # one-off: the CLI's export/count

A corpus keeps, per row, a few columns and the words of its title, excerpt,
provider and topics (an inverted index, about 0.8 KB a row): at 100,000 rows
a query takes milliseconds.  Masks of recent terms are cached, so the
keystrokes of a query being typed mostly reuse the previous one's work; the
triage flags are compared with the previous query's, so marking one article
read costs the next query almost nothing.
"""

from __future__ import annotations

import calendar
import difflib
import heapq
import math
import re
import threading
import time
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict, deque
from collections.abc import (
    Callable,
    Collection,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache, partial
from itertools import compress, repeat
from operator import is_not, itemgetter, le
from typing import Any, Literal, Protocol, TypeAlias

from reader.library.keyrows import KeyRows
from reader.model import Row

__all__ = [
    "FIELDS",
    "BodySearch",
    "Context",
    "Corpus",
    "Flags",
    "Query",
    "QueryError",
    "SortKey",
    "category_query",
    "field_query",
    "filter_rows",
    "flag_query",
    "fold",
    "parse",
    "provider_query",
    "quote",
    "tag_query",
    "topic_query",
    "words",
]


# ---------------------------------------------------------------------------
# Folding and words


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


# ---------------------------------------------------------------------------
# Errors


class QueryError(ValueError):
    """A query that cannot be read or run; `start:end` is the bad span."""

    def __init__(self, message: str, start: int, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = max(end, start)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"QueryError({self.message!r}, {self.start}, {self.end})"


# ---------------------------------------------------------------------------
# The syntax tree


TEXT_FIELDS = ("topic", "provider", "domain", "category", "type", "tag", "url")
NUMBER_FIELDS = ("quality", "heat")
DATE_FIELDS = ("date", "after", "before")
SORT_FIELDS = ("date", "quality", "heat", "provider", "title")
IS_VALUES = ("unread", "read", "starred", "archived", "selected")
HAS_VALUES = ("body", "related")
PAUSE_EVERY = 127
"""`Corpus.prepare` calls its `pause` every 128 rows (5-7 ms at most here)."""
PHRASE_CHECKS = 4_000
"""Candidate rows of a phrase checked one by one (about 30 us each) before
the corpus keeps every row's words for phrases instead."""
FIELDS = (*TEXT_FIELDS, "is", "has", *NUMBER_FIELDS, *DATE_FIELDS, "age", "sort")
"""Every field name the language knows."""

_KEYWORDS = frozenset({"OR", "AND", "NOT"})


def _span() -> tuple[int, int]:
    return (0, 0)


@dataclass(frozen=True, slots=True)
class Everything:
    """The empty query: every article."""

    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class Words:
    """Free text: a word or a quoted phrase."""

    raw: str
    """The text as typed (without the quotes of a phrase)."""
    quoted: bool
    tokens: tuple[str, ...]
    prefix: bool
    """Whether the last token also matches longer words it begins."""
    span: tuple[int, int] = field(default_factory=_span, compare=False)


TextMode: TypeAlias = Literal["default", "exact", "glob"]


@dataclass(frozen=True, slots=True)
class TextField:
    name: str
    value: str
    mode: TextMode
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class FlagField:
    """`is:` or `has:`."""

    name: str
    value: str
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class NumberField:
    name: str
    text: str
    """The value as written canonically (`>=50`, `20..80`)."""
    lo: float | None
    lo_open: bool
    hi: float | None
    hi_open: bool
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class DateSpec:
    """A calendar day, month or year, or a day relative to now."""

    year: int = 0
    month: int | None = None
    day: int | None = None
    relative: str | None = None
    """`today` or `yesterday`."""

    def __str__(self) -> str:
        if self.relative:
            return self.relative
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class DateField:
    """A date range: `lo`'s start (or end) to `hi`'s start (or end)."""

    name: str
    text: str
    lo: DateSpec | None
    lo_edge: Literal["start", "end"]
    hi: DateSpec | None
    hi_edge: Literal["start", "end"]
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class Duration:
    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True, slots=True)
class AgeField:
    """Published between `now - oldest` and `now - newest`."""

    text: str
    oldest: Duration | None
    oldest_open: bool
    newest: Duration | None
    newest_open: bool
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]
    span: tuple[int, int] = field(default_factory=_span, compare=False)


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False

    def __str__(self) -> str:
        return f"sort:{'-' if self.descending else ''}{self.field}"


@dataclass(frozen=True, slots=True)
class _SortTerm:
    key: SortKey
    span: tuple[int, int] = field(default_factory=_span, compare=False)


Leaf: TypeAlias = Words | TextField | FlagField | NumberField | DateField | AgeField
Node: TypeAlias = Everything | Leaf | Not | And | Or


# ---------------------------------------------------------------------------
# Quoting


_BARE_UNSAFE = re.compile(r'[\s"()\\*]')


def quote(value: str) -> str:
    """`value` as a field value that reads back as exactly `value`.

    Bare when that is safe (`AI`), else in double quotes with `"` and `\\`
    escaped (`"Computer Vision"`).
    """
    if value and not _BARE_UNSAFE.search(value) and value[0] not in "-=":
        return value
    return _quoted(value)


def field_query(name: str, value: str, *, exact: bool = False) -> str:
    """The query text for `name:value`, quoted as needed.

    With `exact`, `name:=value`: the whole value, as tree nodes want it.
    """
    if name not in FIELDS:
        raise ValueError(f"unknown field {name!r}")
    return f"{name}:{'=' if exact else ''}{quote(value)}"


def topic_query(topic: str) -> str:
    """`topic_query("Computer Vision")` is `topic:"Computer Vision"`."""
    return field_query("topic", topic)


def provider_query(provider: str) -> str:
    """The articles of exactly this provider: `provider:="The Verge"`."""
    return field_query("provider", provider, exact=True)


def category_query(category: str) -> str:
    return field_query("category", category)


def tag_query(tag: str) -> str:
    return field_query("tag", tag)


def flag_query(flag: str) -> str:
    """`is:unread`, `is:starred`...; `inbox` is `-is:archived`."""
    if flag == "inbox":
        return "-is:archived"
    if flag not in IS_VALUES:
        raise ValueError(f"unknown flag {flag!r}")
    return f"is:{flag}"


# ---------------------------------------------------------------------------
# Lexing


@dataclass(slots=True)
class _Token:
    kind: Literal["(", ")", "OR", "AND", "NOT", "-", "word", "field"]
    start: int
    end: int
    text: str = ""
    quoted: bool = False
    name: str = ""
    name_end: int = 0
    value_start: int = 0
    exact: bool = False


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    """The string of the quote at `text[i]` and the index after it."""
    out: list[str] = []
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if c == "\\" and j + 1 < n and text[j + 1] in '"\\':
            out.append(text[j + 1])
            j += 2
        elif c == '"':
            return "".join(out), j + 1
        else:
            out.append(c)
            j += 1
    return "".join(out), n


_FIELD_NAME = re.compile(r"([A-Za-z]+):")
_BARE_END = re.compile(r'[\s()"]')


def _bare_end(text: str, i: int) -> int:
    m = _BARE_END.search(text, i)
    return m.start() if m else len(text)


def _lex(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token(c, i, i + 1))  # type: ignore[arg-type]
            i += 1
        elif c == "-":
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError("'-' needs a term right after it, e.g. -topic:Sports", i, i + 1)
            tokens.append(_Token("-", i, i + 1))
            i += 1
        elif c == '"':
            s, j = _read_quoted(text, i)
            tokens.append(_Token("word", i, j, text=s, quoted=True))
            i = j
        else:
            m = _FIELD_NAME.match(text, i)
            if m:
                tokens.append(_lex_field(text, i, m))
                i = tokens[-1].end
                continue
            j = _bare_end(text, i)
            word = text[i:j]
            if word in _KEYWORDS:
                tokens.append(_Token(word, i, j))  # type: ignore[arg-type]
            else:
                tokens.append(_Token("word", i, j, text=word))
            i = j
    return tokens


def _lex_field(text: str, i: int, m: re.Match[str]) -> _Token:
    name = m.group(1)
    j = m.end()
    n = len(text)
    exact = False
    if j + 1 < n and text[j] == "=" and text[j + 1] == '"':
        exact = True
        j += 1
    if j < n and text[j] == '"':
        value, end = _read_quoted(text, j)
        return _Token(
            "field",
            i,
            end,
            text=value,
            quoted=True,
            name=name,
            name_end=m.end(),
            value_start=j,
            exact=exact,
        )
    end = _bare_end(text, j)
    return _Token("field", i, end, text=text[j:end], name=name, name_end=m.end(), value_start=j)


# ---------------------------------------------------------------------------
# Parsing


_MAX_DEPTH = 64


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _one_of(what: str, value: str, choices: Sequence[str], start: int, end: int) -> QueryError:
    hint = _suggest(value, choices)
    listed = ", ".join(choices)
    if hint:
        return QueryError(f"unknown {what} '{value}' — did you mean '{hint}'?", start, end)
    return QueryError(f"unknown {what} '{value}' — use one of {listed}", start, end)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _lex(text)
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def next(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> tuple[Node, tuple[SortKey, ...]]:
        node = self.parse_and(0)
        tok = self.peek()
        if tok is not None:  # only a stray ')' stops parse_and early
            raise QueryError("unmatched ')'", tok.start, tok.end)
        keys: list[SortKey] = []
        items = node.children if isinstance(node, And) else (node,)
        rest: list[Node] = []
        for item in items:
            if isinstance(item, _SortTerm):
                keys.append(item.key)
            else:
                rest.append(item)
        if len(rest) != len(items):
            node = _make_and(rest, node.span)
        return node, tuple(keys)

    def parse_and(self, depth: int) -> Node:
        items: list[Node] = []
        start = self.tokens[self.i].start if self.peek() else len(self.text)
        while (tok := self.peek()) is not None and tok.kind != ")":
            if tok.kind == "AND":
                self.next()
                after = self.peek()
                if not items:
                    raise QueryError("AND needs a term before it", tok.start, tok.end)
                if after is None or after.kind in (")", "AND", "OR"):
                    raise QueryError("AND needs a term after it", tok.start, tok.end)
                continue
            items.append(self.parse_or(depth))
        end = self.tokens[self.i - 1].end if self.i else start
        return _make_and(items, (start, end))

    def parse_or(self, depth: int) -> Node:
        first = self.peek()
        assert first is not None
        if first.kind == "OR":
            raise QueryError("OR needs a term before it", first.start, first.end)
        items = [self.parse_unary(depth)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.next()
            after = self.peek()
            if after is None or after.kind in (")", "AND", "OR"):
                raise QueryError("OR needs a term after it", tok.start, tok.end)
            items.append(self.parse_unary(depth))
        if len(items) == 1:
            return items[0]
        for item in items:
            if isinstance(item, _SortTerm):
                raise _misplaced_sort(item)
        flat: list[Node] = []
        for item in items:
            flat.extend(item.children if isinstance(item, Or) else (item,))
        return Or(tuple(flat), (first.start, self.tokens[self.i - 1].end))

    def parse_unary(self, depth: int) -> Node:
        if depth > _MAX_DEPTH:
            tok = self.peek()
            assert tok is not None
            raise QueryError("the query is nested too deeply", tok.start, tok.end)
        tok = self.next()
        if tok.kind in ("-", "NOT"):
            after = self.peek()
            if after is None or after.kind in (")", "AND", "OR"):
                raise QueryError(f"'{tok.kind}' needs a term after it", tok.start, tok.end)
            child = self.parse_unary(depth + 1)
            if isinstance(child, _SortTerm):
                raise _misplaced_sort(child)
            return Not(child, (tok.start, child.span[1]))
        if tok.kind == "(":
            inner = self.parse_and(depth + 1)
            close = self.peek()
            if close is None:
                raise QueryError("unclosed '('", tok.start, tok.end)
            self.next()
            if isinstance(inner, Everything):
                raise QueryError("empty parentheses", tok.start, close.end)
            for item in inner.children if isinstance(inner, And) else (inner,):
                if isinstance(item, _SortTerm):
                    raise _misplaced_sort(item)
            return _respan(inner, (tok.start, close.end))
        if tok.kind == ")":
            raise QueryError("unmatched ')'", tok.start, tok.end)
        if tok.kind in ("OR", "AND"):
            raise QueryError(f"{tok.kind} needs a term before it", tok.start, tok.end)
        if tok.kind == "word":
            return _words_node(tok.text, tok.quoted, (tok.start, tok.end))
        return _field_node(tok)


def _misplaced_sort(term: _SortTerm) -> QueryError:
    return QueryError(
        "sort: applies to the whole query — it cannot be inside parentheses, OR or a negation",
        *term.span,
    )


def _respan(node: Node, span: tuple[int, int]) -> Node:
    if isinstance(node, And):
        return And(node.children, span)
    if isinstance(node, Or):
        return Or(node.children, span)
    return node


def _make_and(items: Sequence[Node], span: tuple[int, int]) -> Node:
    flat: list[Node] = []
    for item in items:
        if isinstance(item, And):
            flat.extend(item.children)
        elif not isinstance(item, Everything):
            flat.append(item)
    if not flat:
        return Everything(span)
    if len(flat) == 1:
        return flat[0]
    return And(tuple(flat), span)


def _words_node(raw: str, quoted: bool, span: tuple[int, int]) -> Words:
    tokens = _words_of(raw)
    prefix = False
    if tokens and not quoted:
        prefix = raw.endswith("*") or len(tokens[-1]) >= 3
    return Words(raw, quoted, tokens, prefix, span)


def _field_node(tok: _Token) -> Node:
    name = tok.name.lower()
    vstart, vend = tok.value_start, tok.end
    value = tok.text
    if name in ("http", "https") and not tok.quoted and value.startswith("//"):
        return TextField("url", f"{tok.name}:{value}", "default", (tok.start, tok.end))
    if name not in FIELDS:
        hint = _suggest(name, FIELDS)
        if hint:
            msg = f"unknown field '{tok.name}' — did you mean '{hint}'?"
        else:
            msg = (
                f"unknown field '{tok.name}' — fields are {', '.join(FIELDS)}; "
                "put text with a colon in quotes"
            )
        raise QueryError(msg, tok.start, tok.name_end - 1)
    span = (tok.start, tok.end)
    if not value and not tok.quoted:
        raise QueryError(f"'{name}:' needs a value", tok.start, tok.end)
    if name in TEXT_FIELDS:
        mode: TextMode = "default"
        if tok.exact:
            mode = "exact"
        elif not tok.quoted:
            if value.startswith("="):
                mode = "exact"
                value = value[1:]
            if "*" in value:
                mode = "glob"
        if not value.strip():
            raise QueryError(f"'{name}:' needs a value", tok.start, tok.end)
        return TextField(name, value, mode, span)
    if tok.exact:
        raise QueryError(f"'{name}:' takes no '='", vstart - 1, vstart)
    if name == "is":
        if value.lower() not in IS_VALUES:
            raise _one_of("state", value, IS_VALUES, vstart, vend)
        return FlagField("is", value.lower(), span)
    if name == "has":
        if value.lower() not in HAS_VALUES:
            raise _one_of("value for has:", value, HAS_VALUES, vstart, vend)
        return FlagField("has", value.lower(), span)
    if name == "sort":
        desc = value.startswith("-")
        key = value[1:] if desc else value
        if key.lower() not in SORT_FIELDS:
            raise _one_of("sort order", key, SORT_FIELDS, vstart, vend)
        return _SortTerm(SortKey(key.lower(), desc), span)  # type: ignore[return-value]
    if name in NUMBER_FIELDS:
        return _number_node(name, value, vstart, vend, span)
    if name == "age":
        return _age_node(value, vstart, vend, span)
    return _date_node(name, value, vstart, vend, span)


_NUMBER = r"-?\d+(?:\.\d+)?"
_CMP = re.compile(rf"(>=|<=|>|<|=)?({_NUMBER})")
_RANGE = re.compile(rf"({_NUMBER})?\.\.({_NUMBER})?")


def _num(s: str) -> float:
    x = float(s)
    if not math.isfinite(x):
        raise ValueError(s)
    return x


def _fmt_num(x: float) -> str:
    return str(int(x)) if x.is_integer() else repr(x)


def _number_node(
    name: str, value: str, vstart: int, vend: int, span: tuple[int, int]
) -> NumberField:
    v = value.strip()
    try:
        m = _RANGE.fullmatch(v)
        if m and (m.group(1) or m.group(2)):
            lo = _num(m.group(1)) if m.group(1) else None
            hi = _num(m.group(2)) if m.group(2) else None
            if lo is not None and hi is not None and lo > hi:
                raise QueryError(
                    f"empty range: {_fmt_num(lo)} is above {_fmt_num(hi)}", vstart, vend
                )
            text = "..".join("" if x is None else _fmt_num(x) for x in (lo, hi))
            return NumberField(name, text, lo, False, hi, False, span)
        m = _CMP.fullmatch(v)
        if m:
            op, x = m.group(1) or "=", _num(m.group(2))
            text = ("" if op == "=" else op) + _fmt_num(x)
            if op == "=":
                return NumberField(name, text, x, False, x, False, span)
            if op in (">", ">="):
                return NumberField(name, text, x, op == ">", None, False, span)
            return NumberField(name, text, None, False, x, op == "<", span)
    except QueryError:
        raise
    except (ValueError, OverflowError):
        pass
    raise QueryError(f"'{name}:' needs a number, e.g. {name}:>=50 or {name}:20..80", vstart, vend)


_DATE = re.compile(r"(\d{4})(?:[-/](\d{1,2})(?:[-/](\d{1,2}))?)?")


def _date_spec(s: str, start: int, end: int) -> DateSpec:
    low = s.lower()
    if low in ("today", "yesterday"):
        return DateSpec(relative=low)
    m = _DATE.fullmatch(s)
    if m:
        year = int(m.group(1))
        month = int(m.group(2)) if m.group(2) else None
        day = int(m.group(3)) if m.group(3) else None
        try:
            if not 1 <= year <= 9998:
                raise ValueError
            date(year, month or 1, day or 1)
        except ValueError:
            raise QueryError(f"no such date: '{s}'", start, end) from None
        return DateSpec(year, month, day)
    raise QueryError(
        f"not a date: '{s}' — use YYYY, YYYY-MM, YYYY-MM-DD, today or yesterday", start, end
    )


def _date_node(name: str, value: str, vstart: int, vend: int, span: tuple[int, int]) -> DateField:
    v = value.strip()
    if name in ("after", "before"):
        d = _date_spec(v, vstart, vend)
        if name == "after":
            return DateField(name, str(d), d, "start", None, "start", span)
        return DateField(name, str(d), None, "start", d, "start", span)
    if ".." in v:
        a, _, b = v.partition("..")
        if not a and not b:
            raise QueryError("a date range needs a start or an end: 2020-07..2020-08", vstart, vend)
        mid = vstart + len(a)
        lo = _date_spec(a, vstart, mid) if a else None
        hi = _date_spec(b, mid + 2, vend) if b else None
        if lo and hi and not lo.relative and not hi.relative and _ordinal(lo) > _ordinal(hi):
            raise QueryError(f"empty range: {lo} is after {hi}", vstart, vend)
        text = f"{lo or ''}..{hi or ''}"
        return DateField(name, text, lo, "start", hi, "end", span)
    m = re.match(r"(>=|<=|>|<|=)?", v)
    op = m.group(1) if m else None
    rest = v[len(op or "") :]
    d = _date_spec(rest, vstart + len(op or ""), vend)
    text = f"{'' if op in (None, '=') else op}{d}"
    if op in (None, "="):
        return DateField(name, text, d, "start", d, "end", span)
    if op == "<":
        return DateField(name, text, None, "start", d, "start", span)
    if op == "<=":
        return DateField(name, text, None, "start", d, "end", span)
    if op == ">":
        return DateField(name, text, d, "end", None, "start", span)
    return DateField(name, text, d, "start", None, "start", span)


def _ordinal(d: DateSpec) -> tuple[int, int, int]:
    return (d.year, d.month or 0, d.day or 0)


_DURATION = re.compile(r"(\d{1,6})([hdwmy])", re.IGNORECASE)


def _duration(s: str, start: int, end: int) -> Duration:
    m = _DURATION.fullmatch(s.strip())
    if not m:
        raise QueryError(
            f"not an age: '{s}' — use a number and h, d, w, m or y, e.g. 7d", start, end
        )
    return Duration(int(m.group(1)), m.group(2).lower())


_UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}


def _age_node(value: str, vstart: int, vend: int, span: tuple[int, int]) -> AgeField:
    v = value.strip()
    if ".." in v:
        a, _, b = v.partition("..")
        if not a and not b:
            raise QueryError("an age range needs a start or an end: age:1d..7d", vstart, vend)
        mid = vstart + len(a)
        newest = _duration(a, vstart, mid) if a else None
        oldest = _duration(b, mid + 2, vend) if b else None
        if (
            newest
            and oldest
            and (
                newest.amount * _UNIT_SECONDS[newest.unit]
                > oldest.amount * _UNIT_SECONDS[oldest.unit]
            )
        ):
            raise QueryError(f"empty range: {newest} is more than {oldest}", vstart, vend)
        return AgeField(f"{newest or ''}..{oldest or ''}", oldest, False, newest, False, span)
    m = re.match(r"(>=|<=|>|<)", v)
    if not m:
        raise QueryError(
            "age needs < or >, e.g. age:<7d (newer than 7 days) or age:>1y", vstart, vend
        )
    op = m.group(1)
    d = _duration(v[len(op) :], vstart + len(op), vend)
    text = f"{op}{d}"
    if op in ("<", "<="):
        return AgeField(text, d, op == "<", None, False, span)
    return AgeField(text, None, False, d, op == ">", span)


def parse(text: str) -> Query:
    """Read `text` as a query; raises `QueryError` pointing at what is wrong."""
    if not isinstance(text, str):
        raise QueryError("a query is text", 0, 0)
    root, keys = _Parser(text).parse()
    return Query(root, keys, text)


# ---------------------------------------------------------------------------
# Writing a query back


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _leaf_text(node: Leaf) -> str:
    if isinstance(node, Words):
        # The lexer only yields bare words that read back as themselves.
        return _quoted(node.raw) if node.quoted else node.raw
    if isinstance(node, TextField):
        if node.mode == "glob":
            # A leading '=' would be read as the exact-value mark: double it.
            return f"{node.name}:{'=' if node.value.startswith('=') else ''}{node.value}"
        return f"{node.name}:{'=' if node.mode == 'exact' else ''}{quote(node.value)}"
    if isinstance(node, FlagField):
        return f"{node.name}:{node.value}"
    if isinstance(node, NumberField | DateField):
        return f"{node.name}:{node.text}"
    return f"age:{node.text}"


def _to_string(node: Node) -> str:
    if isinstance(node, Everything):
        return ""
    if isinstance(node, And):
        return " ".join(_to_string(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(
            f"({_to_string(c)})" if isinstance(c, And) else _to_string(c) for c in node.children
        )
    if isinstance(node, Not):
        inner = _to_string(node.child)
        if isinstance(node.child, And | Or):
            return f"-({inner})"
        return f"-{inner}"
    return _leaf_text(node)


# ---------------------------------------------------------------------------
# Evaluation context


class BodySearch(Protocol):
    """Finds bodies containing a phrase: `reader.search.fulltext.FullText` is one.

    `text` is folded words separated by single spaces; with `prefix`, the last
    word also matches longer words it begins.  Returns the store paths whose
    body matches.  Returning the same object for the same question (a cache)
    lets the corpus reuse its work.

    A hook that also numbers its documents (`search_ids(text, prefix)`,
    `doc_ids()` mapping path to number, and a `generation` that changes with
    the index, as `FullText` has) is asked for numbers instead: the corpus
    maps them to rows through a table, without touching a string.
    """

    def __call__(self, text: str, prefix: bool) -> Collection[str]: ...


@dataclass(slots=True)
class Flags:
    """The user's triage state, keyed by `Row.key`."""

    read: Collection[str] = frozenset()
    starred: Collection[str] = frozenset()
    archived: Collection[str] = frozenset()
    selected: Collection[str] = frozenset()
    tags: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Key to its tags."""


@dataclass(slots=True)
class Context:
    """What a query needs besides the rows."""

    flags: Flags = field(default_factory=Flags)
    now: float | None = None
    """POSIX time for `age:`, `today` and `yesterday`; None: the clock."""
    tz: tzinfo | None = None
    """The user's time zone for dates; None: the machine's local zone."""
    body_search: BodySearch | None = None
    """Where free words look in bodies; None: bodies are not searched."""


# ---------------------------------------------------------------------------
# The query


@dataclass(frozen=True, slots=True)
class Query:
    root: Node
    sort: tuple[SortKey, ...] = ()
    source: str = field(default="", compare=False)
    """The text it was parsed from."""

    def to_string(self) -> str:
        """Canonical text that parses back to an equal query."""
        parts = [_to_string(self.root)] if not isinstance(self.root, Everything) else []
        parts.extend(str(k) for k in self.sort)
        return " ".join(parts)

    def __str__(self) -> str:
        return self.to_string()

    @property
    def is_empty(self) -> bool:
        return isinstance(self.root, Everything) and not self.sort

    @property
    def uses_flags(self) -> bool:
        """Whether the results change with the triage state (`is:`, `tag:`)."""
        return any(
            (isinstance(n, FlagField) and n.name == "is")
            or (isinstance(n, TextField) and n.name == "tag")
            for n in _walk(self.root)
        )

    @property
    def uses_clock(self) -> bool:
        """Whether the results change as time passes (`age:`, `today`)."""
        return any(
            isinstance(n, AgeField)
            or (isinstance(n, DateField) and any(d and d.relative for d in (n.lo, n.hi)))
            for n in _walk(self.root)
        )

    def evaluate(self, corpus: Corpus, ctx: Context | None = None) -> list[int]:
        """Indices into `corpus.rows` of the matching articles, in order."""
        with corpus._lock:
            mask = _Evaluator(corpus, ctx or Context()).mask(self.root)
            return corpus._ordered(mask, self.sort)

    def count(self, corpus: Corpus, ctx: Context | None = None) -> int:
        """How many articles match (cheaper than `evaluate`: no ordering)."""
        with corpus._lock:
            mask = _Evaluator(corpus, ctx or Context()).mask(self.root)
            mask &= corpus._universe_mask()
            return mask.to_bytes(corpus._n, "little").count(1) if mask else 0


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, And | Or):
        for c in node.children:
            yield from _walk(c)
    elif isinstance(node, Not):
        yield from _walk(node.child)


# ---------------------------------------------------------------------------
# The corpus: rows with what queries need precomputed


_LEAF_CACHE = 48
_SPARSE = 16
_ONE = re.compile(b"\x01")
_NAN = float("nan")


def _set(ba: bytearray, indices: Iterable[int], value: int = 1) -> None:
    deque(map(ba.__setitem__, indices, repeat(value)), maxlen=0)


@dataclass(slots=True)
class _Order:
    order: array[int]
    rank: array[int] | None = None
    getter: Callable[[bytes], tuple[int, ...]] | None = None


def _row_text(row: Row) -> str:
    """A row's words in order, as phrases are looked for in them: title,
    excerpt, provider and topics, each between bars so that a phrase does
    not run from one field into the next."""
    return " ".join(
        (
            "",
            *words(row.title),
            "|",
            *words(row.excerpt),
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

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        self._lock = threading.RLock()
        self._pause: Callable[[], object] | None = None
        """`prepare`'s pause while it sorts (see `gentle_sorted`)."""
        self.rows: list[Row] = []
        self._n = 0
        self._alive = bytearray()
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
        for i in range(self._words_built, self._n):
            if pause is not None and not i & PAUSE_EVERY:
                self._words_built = i  # what is built stays if pause() raises
                pause()
            r = rows[i]
            toks = set(words(r.title))
            toks.update(words(r.excerpt))
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

    def _build_texts(self) -> None:
        """Each row's words in order, for phrases: built when a phrase has
        more candidate rows than are quick to check one by one (about three
        seconds at 100,000 rows), as most sessions never need them and they
        take 35 MB there."""
        texts = self._texts
        ends = self._text_ends
        rows = self.rows
        for i in range(len(ends), self._n):
            texts += _row_text(rows[i]).encode()
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
                rows = self.rows
                return self._mask_of(([i for i in hits if needle in _row_text(rows[i])],))
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
        search_ids = getattr(hook, "search_ids", None)
        table = self._doc_ids_table(hook) if search_ids is not None else None
        found = hook(text, prefix) if table is None else search_ids(text, prefix)  # type: ignore[misc]
        key = (text, prefix)
        hit = self._body_cache.get(key)
        if hit is not None and hit[0] is found:
            return hit[1]
        if table is None:
            mask = self._paths_mask(found)
        else:
            ids = (
                [i for i in found if i < len(table)]
                if max(found, default=0) >= len(table)
                else found
            )
            picked = itemgetter(*ids)(table) if len(ids) > 1 else tuple(table[i] for i in ids)
            mask = self._mask_of((filter(_is_row, picked),))
        self._body_cache[key] = (found, mask)
        if len(self._body_cache) > _LEAF_CACHE:
            self._body_cache.popitem(last=False)
        return mask

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


SORT_RUN = 8192
"""Most items `gentle_sorted` sorts in one call (1-2 ms)."""
PACED_PART = 16_384
"""Rows a loop of `Corpus.prepare`'s over all rows takes between pauses."""
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
        keys = [inf if v is None else sign * v for v in column]  # type: ignore[operator]
        return gentle_sorted(order, key=keys.__getitem__)
    present = [i for i in order if column[i] is not None]
    missing = [i for i in order if column[i] is None]
    present = gentle_sorted(present, key=column.__getitem__, reverse=desc)
    return present + missing


# ---------------------------------------------------------------------------
# Evaluation


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
            return c._cached(node, lambda: self._text_mask(node))
        if isinstance(node, FlagField):
            if node.name == "has":
                src = c._has_body if node.value == "body" else c._has_related
                return int.from_bytes(src, "little")
            flags = self.ctx.flags
            if node.value == "unread":
                return c._universe_mask() & ~c._flag_mask("read", flags.read)
            keys: Collection[str] = getattr(flags, node.value)
            return c._flag_mask(node.value, keys)
        if isinstance(node, NumberField):
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

    def _edge(self, spec: DateSpec, edge: str) -> float:
        """The POSIX time at which `spec` starts (or ends) in the time zone."""
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


# ---------------------------------------------------------------------------
# One-off use


def filter_rows(
    rows: Iterable[Row],
    query: str,
    flags: Flags | None = None,
    *,
    now: float | None = None,
    tz: tzinfo | None = None,
    body_search: BodySearch | None = None,
) -> list[Row]:
    """The rows matching `query`, in its order: what `export/count --query`
    print.  Raises `QueryError`."""
    q = parse(query)
    corpus = Corpus(rows)
    ctx = Context(flags or Flags(), now, tz, body_search)
    return [corpus.rows[i] for i in q.evaluate(corpus, ctx)]
