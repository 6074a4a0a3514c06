"""What a query needs besides the rows: the triage state, the clock, the
time zone and the search of bodies.

A `Corpus` holds what every query shares and changes only with the rows; a
`Context` holds what may change from one query to the next under the same
rows: which articles are read, starred, archived, selected or tagged
(`QueryFlags`), the time `age:`, `today` and `yesterday` are measured from, the
time zone whose days dates are, and the hook that searches article bodies
(`BodySearch`; `reader.search.fulltext.FullText` is one).  So one corpus,
built once in a worker, serves every query while the user triages.

`QueryFlags` is plain collections of `Row.key`s, so the engine imports nothing
from the triage code: the app and the CLI build one from their triage state
(`reader.triage.counts.FlagSets.query_flags`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Protocol


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
class QueryFlags:
    """The user's triage state, keyed by `Row.key`."""

    read: Collection[str] = frozenset()
    starred: Collection[str] = frozenset()
    archived: Collection[str] = frozenset()
    selected: Collection[str] = frozenset()
    tags: Mapping[str, Collection[str]] = field(default_factory=dict)
    """Key to its tags."""


@dataclass(slots=True, frozen=True)
class StoryFacts:
    """The stories of the rows (`reader.library.story_rows`), for `is:lead`,
    `sources:`, `story:` and `sort:sources`."""

    sizes: Mapping[int, int] = field(default_factory=dict)
    """Row -> the number of articles of its story, for stories of two or more
    (any other row is alone: 1)."""
    followers: frozenset[int] = frozenset()
    """Rows of a story of two or more that are not its lead."""
    rows_of: Callable[[str], Collection[int]] = lambda story: ()
    """The rows of a story, by its id."""


@dataclass(slots=True)
class Context:
    """What a query needs besides the rows."""

    flags: QueryFlags = field(default_factory=QueryFlags)
    now: float | None = None
    """POSIX time for `age:`, `today` and `yesterday`; None: the clock."""
    tz: tzinfo | None = None
    """The user's time zone for dates; None: the machine's local zone."""
    body_search: BodySearch | None = None
    """Where free words look in bodies; None: bodies are not searched."""
    stories: StoryFacts = field(default_factory=StoryFacts)
    hidden: frozenset[int] = frozenset()
    """Rows that config.toml's `[hide]` keeps out of every result, except
    in a query that asks for them (`is:hidden`)."""
