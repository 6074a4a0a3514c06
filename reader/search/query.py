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
`is:unread`        also `read`, `starred`, `archived`, `selected`, `hidden`
                   (`hidden`: what config.toml's `[hide]` keeps out of every
                   other query), `lead` (the lead article of its story, or
                   an article alone: one article per story)
`has:body`         also `related`
`story:3f2a9c01be` the articles of the story with this id (`newsdesk export`
                   gives each article's story id)
`sources:>=3`      the article's story has at least three articles (a
                   number field: an article alone has 1)
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
- A day may be given a time of day, `YYYY-MM-DDTHH:MM` or `...THH:MM:SS`,
  wherever a date goes: `after:2026-11-04T20:00`, `before:2026-11-04T20:00:30`,
  `date:2026-11-04T20:00..2026-11-04T22:00`.  It is in the user's time zone
  unless a zone follows it: `2026-11-04T20:00Z` (UTC), `...T20:00+05:30`, `-03:00`.
  A time is its whole minute (or second, with seconds) as a date is its
  whole day: `date:2026-11-04T20:00` is 20:00:00 to 20:00:59, and the range
  above takes in 22:00's minute.
- `after:` is inclusive and `before:` exclusive: `after:X` matches articles
  published at or after the start of X (a year, month, day, minute or
  second), `before:X` those published strictly before it, so
  `after:X before:Y` runs from X up to but not including Y, and `before:X`
  is `-after:X` for articles with a date.
- `age:<7d` is newer than seven days, `age:>1y` older than a year;
  `age:1d..7d` between.  Units: `h` hours, `d` days, `w` weeks, `m` months,
  `y` years (calendar days, months and years of the time zone).
  Articles without a date match no date term.

Order: `sort:date|quality|heat|provider|title`, ascending; `sort:-quality`
descending.  `sort:sources` puts the most told stories first (`sort:-sources`
the least), the rest in the order the other terms give.  Several `sort:`
terms sort by the first, then the next.  The default is newest first.
Missing values (no date, no quality, no provider) come last either way;
ties are broken newest first, then by path.  `sort:` applies to the whole
query, so it cannot sit inside parentheses, OR or a negation.

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
    ctx = Context(QueryFlags(read=..., starred=..., tags=...), body_search=fulltext)
    ids = q.evaluate(corpus, ctx)  # indices into corpus.rows, in order
    n = q.count(corpus, ctx)       # for live counts: no ordering
    q.to_string()                  # canonical text; parses back to q

    filter_rows(rows, "topic:AI", flags)    # one-off, over rows in hand

Modules
-------
This module is what the rest of the app imports (lazily: the first screen
needs none of it): `Query`, `parse` and `filter_rows` are here, the rest is
re-exported from the modules that hold it:

- `reader.search.folding`: case and accent folding, and what a word is.
- `reader.search.tree`: the syntax tree, the field names, `QueryError`.
- `reader.search.syntax`: reading text into a tree and writing it back;
  the builders of query text (`quote`, `topic_query`, `flag_query`...).
- `reader.search.context`: `Context`, `QueryFlags`, `BodySearch`.
- `reader.search.corpus`: `Corpus`, the rows with their indexes and orders.
- `reader.search.sorting`: `gentle_sorted`, sorting that lets the screen in.
- `reader.search.evaluate`: a tree into the set of rows it matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo

from reader.model import Row
from reader.search.context import BodySearch as BodySearch
from reader.search.context import Context as Context
from reader.search.context import QueryFlags as QueryFlags
from reader.search.corpus import PACED_PART as PACED_PART
from reader.search.corpus import PAUSE_EVERY as PAUSE_EVERY
from reader.search.corpus import PHRASE_CHECKS as PHRASE_CHECKS
from reader.search.corpus import Corpus as Corpus
from reader.search.evaluate import _Evaluator as _Evaluator
from reader.search.folding import _NON_WORD as _NON_WORD
from reader.search.folding import _fold_value as _fold_value
from reader.search.folding import fold as fold
from reader.search.folding import words as words
from reader.search.sorting import MERGE_PAUSE as MERGE_PAUSE
from reader.search.sorting import SORT_RUN as SORT_RUN
from reader.search.sorting import gentle_sorted as gentle_sorted
from reader.search.syntax import category_query as category_query
from reader.search.syntax import field_query as field_query
from reader.search.syntax import flag_query as flag_query
from reader.search.syntax import node_text, parse_tree
from reader.search.syntax import provider_query as provider_query
from reader.search.syntax import quote as quote
from reader.search.syntax import tag_query as tag_query
from reader.search.syntax import topic_query as topic_query
from reader.search.tree import DATE_FIELDS as DATE_FIELDS
from reader.search.tree import FIELDS as FIELDS
from reader.search.tree import HAS_VALUES as HAS_VALUES
from reader.search.tree import IS_VALUES as IS_VALUES
from reader.search.tree import NUMBER_FIELDS as NUMBER_FIELDS
from reader.search.tree import SORT_FIELDS as SORT_FIELDS
from reader.search.tree import TEXT_FIELDS as TEXT_FIELDS
from reader.search.tree import AgeField as AgeField
from reader.search.tree import And as And
from reader.search.tree import DateField as DateField
from reader.search.tree import DateSpec as DateSpec
from reader.search.tree import Duration as Duration
from reader.search.tree import Everything as Everything
from reader.search.tree import FlagField as FlagField
from reader.search.tree import Leaf as Leaf
from reader.search.tree import Node as Node
from reader.search.tree import Not as Not
from reader.search.tree import NumberField as NumberField
from reader.search.tree import Or as Or
from reader.search.tree import QueryError as QueryError
from reader.search.tree import SortKey as SortKey
from reader.search.tree import TextField as TextField
from reader.search.tree import TextMode as TextMode
from reader.search.tree import Words as Words

__all__ = [
    "FIELDS",
    "BodySearch",
    "Context",
    "Corpus",
    "Query",
    "QueryError",
    "QueryFlags",
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
# The query


@dataclass(frozen=True, slots=True)
class Query:
    root: Node
    sort: tuple[SortKey, ...] = ()
    source: str = field(default="", compare=False)
    """The text it was parsed from."""

    def to_string(self) -> str:
        """Canonical text that parses back to an equal query."""
        parts = [node_text(self.root)] if not isinstance(self.root, Everything) else []
        parts.extend(str(k) for k in self.sort)
        return " ".join(parts)

    def __str__(self) -> str:
        return self.to_string()

    @property
    def is_empty(self) -> bool:
        return isinstance(self.root, Everything) and not self.sort

    def _mask(self, corpus: Corpus, ctx: Context) -> int:
        mask = _Evaluator(corpus, ctx).mask(self.root)
        if ctx.hidden and not self.asks_for_hidden:
            mask &= ~corpus._rows_mask(ctx.hidden)
        return mask

    @property
    def asks_for_hidden(self) -> bool:
        """Whether it names `is:hidden` (else hidden articles are left out)."""
        return any(
            isinstance(n, FlagField) and n.name == "is" and n.value == "hidden"
            for n in _walk(self.root)
        )

    @property
    def uses_stories(self) -> bool:
        """Whether the results depend on the stories (`is:lead`, `sources:`,
        `story:`, `sort:sources`)."""
        return any(key.field == "sources" for key in self.sort) or any(
            (isinstance(n, FlagField) and n.name == "is" and n.value == "lead")
            or (isinstance(n, NumberField) and n.name == "sources")
            or (isinstance(n, TextField) and n.name == "story")
            for n in _walk(self.root)
        )

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
        ctx = ctx or Context()
        keys = self.sort
        by_sources = [key for key in keys if key.field == "sources"]
        with corpus._lock:
            mask = self._mask(corpus, ctx)
            found = corpus._ordered(mask, tuple(k for k in keys if k.field != "sources"))
        if by_sources:
            # The most told first (`sort:-sources`: the least), the rest in order.
            sizes = ctx.stories.sizes
            sign = 1 if by_sources[0].descending else -1
            found.sort(key=lambda i: sign * sizes.get(i, 1))
        return found

    def count(self, corpus: Corpus, ctx: Context | None = None) -> int:
        """How many articles match (cheaper than `evaluate`: no ordering)."""
        with corpus._lock:
            mask = self._mask(corpus, ctx or Context())
            mask &= corpus._universe_mask()
            return mask.to_bytes(corpus._n, "little").count(1) if mask else 0


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, And | Or):
        for c in node.children:
            yield from _walk(c)
    elif isinstance(node, Not):
        yield from _walk(node.child)


def parse(text: str) -> Query:
    """Read `text` as a query; raises `QueryError` pointing at what is wrong."""
    root, keys = parse_tree(text)
    return Query(root, keys, text)


# ---------------------------------------------------------------------------
# One-off use


def filter_rows(
    rows: Iterable[Row],
    query: str,
    flags: QueryFlags | None = None,
    *,
    now: float | None = None,
    tz: tzinfo | None = None,
    body_search: BodySearch | None = None,
) -> list[Row]:
    """The rows matching `query`, in its order: what `export/count --query`
    print.  Raises `QueryError`."""
    q = parse(query)
    corpus = Corpus(rows)
    ctx = Context(flags or QueryFlags(), now, tz, body_search)
    return [corpus.rows[i] for i in q.evaluate(corpus, ctx)]
