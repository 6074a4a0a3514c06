"""The syntax tree of a query, the names it is made of, and `QueryError`.

`reader.search.syntax` builds these nodes from text and writes them back;
`reader.search.evaluate` turns them into sets of rows.  Nodes are frozen
dataclasses, so equal queries compare and hash equal, and a leaf can key
the corpus's cache of masks; a node's `span` (where in the text it was
read) is left out of the comparison, so `topic:AI` is the same term wherever
it was typed.  Leaves hold their values already checked and read (numbers
as floats, dates as `DateSpec`, ages as `Duration`): evaluation parses
nothing.

`QueryError` is raised by parsing and by evaluation alike, with the span of
the text at fault for the query bar to point at.  The field names and
values (`FIELDS` and the tuples it is made of) are the parser's vocabulary,
and the list the language's documentation is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

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


TEXT_FIELDS = ("topic", "provider", "domain", "category", "type", "tag", "url", "story")
NUMBER_FIELDS = ("quality", "heat", "sources")
DATE_FIELDS = ("date", "after", "before")
SORT_FIELDS = ("date", "quality", "heat", "provider", "title", "sources")
IS_VALUES = ("unread", "read", "starred", "archived", "selected", "hidden", "lead")
HAS_VALUES = ("body", "related")
FIELDS = (*TEXT_FIELDS, "is", "has", *NUMBER_FIELDS, *DATE_FIELDS, "age", "sort")
"""Every field name the language knows."""


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
    """A calendar day, month or year, or a day relative to now; or, with
    `hour`, a minute of a day (a second, with `second`).

    As a date names its whole day, a time names its whole minute (or
    second): its start is what `after:` and `before:` compare with, its end
    what `date:<=` and the end of a range reach.
    """

    year: int = 0
    month: int | None = None
    day: int | None = None
    relative: str | None = None
    """`today` or `yesterday`."""
    hour: int | None = None
    minute: int = 0
    second: int | None = None
    """None: the time names a minute."""
    offset: int | None = None
    """The time's zone as minutes east of UTC (`Z` is 0, `+05:30` is 330);
    None: the user's time zone."""

    def __str__(self) -> str:
        if self.relative:
            return self.relative
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        text = f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.hour is None:
            return text
        text += f"T{self.hour:02d}:{self.minute:02d}"
        if self.second is not None:
            text += f":{self.second:02d}"
        if self.offset is None:
            return text
        if self.offset == 0:
            return text + "Z"
        sign = "-" if self.offset < 0 else "+"
        hours, minutes = divmod(abs(self.offset), 60)
        return f"{text}{sign}{hours:02d}:{minutes:02d}"


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


Leaf: TypeAlias = Words | TextField | FlagField | NumberField | DateField | AgeField
Node: TypeAlias = Everything | Leaf | Not | And | Or
