"""Query text: reading it into a syntax tree, and writing a tree back.

The grammar is in `reader.search.query`'s docstring.  Reading is in two
steps.  `_lex` cuts the text into tokens: a field with its value is one
token, and an unclosed quote runs to the end, as the user is still typing
the phrase.  `_Parser`, a recursive descent, builds the tree and checks
each field's value as it goes, so every mistake is a `QueryError` with the
span at fault, often with a suggestion (`did you mean 'topic'?`); nesting
is bounded (`_MAX_DEPTH`), so no text can exhaust the stack.  A `sort:`
term is read as a term and lifted out of the tree at the end: it applies to
the whole query.

Writing back (`node_text`) gives canonical text that parses back to an
equal tree.  The builders of query text for the app (`quote`,
`field_query`, `topic_query`, `flag_query`...) quote as the writer does, so
what the topic tree puts in the query bar reads back as the query it means.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from reader.search.folding import _words_of
from reader.search.tree import (
    FIELDS,
    HAS_VALUES,
    IS_VALUES,
    NUMBER_FIELDS,
    SORT_FIELDS,
    TEXT_FIELDS,
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
    SortKey,
    TextField,
    TextMode,
    Words,
)

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
    """`is:unread`, `is:starred`...; `inbox` is `-is:archived` (the tree's
    own nodes are written in `reader.library.facets.FLAG_QUERIES`, which
    the first screen reads without this engine)."""
    from reader.library.facets import FLAG_QUERIES

    if flag in FLAG_QUERIES:
        return FLAG_QUERIES[flag]
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
_KEYWORDS: dict[str, Literal["OR", "AND", "NOT"]] = {"OR": "OR", "AND": "AND", "NOT": "NOT"}
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
            tokens.append(_Token("(" if c == "(" else ")", i, i + 1))
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
            keyword = _KEYWORDS.get(word)
            if keyword is not None:
                tokens.append(_Token(keyword, i, j))
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


@dataclass(frozen=True, slots=True)
class _SortTerm:
    """A `sort:` term as the parser reads it: not a node of the tree, as it
    orders the whole query; `_Parser.parse_and` returns these apart."""

    key: SortKey
    span: tuple[int, int] = field(compare=False)


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
        node, sorts = self.parse_and(0)
        tok = self.peek()
        if tok is not None:  # only a stray ')' stops parse_and early
            raise QueryError("unmatched ')'", tok.start, tok.end)
        return node, tuple(term.key for term in sorts)

    def parse_and(self, depth: int) -> tuple[Node, list[_SortTerm]]:
        """The terms up to a ')' or the end, and apart from them the `sort:`
        terms among them (the caller decides whether they may be there)."""
        items: list[Node | _SortTerm] = []
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
        terms = [item for item in items if not isinstance(item, _SortTerm)]
        sorts = [item for item in items if isinstance(item, _SortTerm)]
        return _make_and(terms, (start, end)), sorts

    def parse_or(self, depth: int) -> Node | _SortTerm:
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
        flat: list[Node] = []
        for item in items:
            if isinstance(item, _SortTerm):
                raise _misplaced_sort(item)
            flat.extend(item.children if isinstance(item, Or) else (item,))
        return Or(tuple(flat), (first.start, self.tokens[self.i - 1].end))

    def parse_unary(self, depth: int) -> Node | _SortTerm:
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
            inner, sorts = self.parse_and(depth + 1)
            close = self.peek()
            if close is None:
                raise QueryError("unclosed '('", tok.start, tok.end)
            self.next()
            if sorts:
                raise _misplaced_sort(sorts[0])
            if isinstance(inner, Everything):
                raise QueryError("empty parentheses", tok.start, close.end)
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


def _field_node(tok: _Token) -> Node | _SortTerm:
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
        return _SortTerm(SortKey(key.lower(), desc), span)
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
_DAY_THEN_TIME = re.compile(r"\d{4}[-/]\d{1,2}[-/]\d{1,2}[Tt]")
_TIME = re.compile(
    r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[Tt](\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))?"
)


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
    if _DAY_THEN_TIME.match(s):
        return _time_spec(s, start, end)
    raise QueryError(
        f"not a date: '{s}' — use YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM, today or yesterday",
        start,
        end,
    )


def _time_spec(s: str, start: int, end: int) -> DateSpec:
    """A day and a time of it: `2026-11-04T20:00`, then `:SS` and a zone
    (`Z`, `+05:30`, `-03:00`) if wanted."""
    m = _TIME.fullmatch(s)
    if not m:
        raise QueryError(
            f"not a time: '{s}' — use YYYY-MM-DDTHH:MM, then :SS and a zone "
            "(Z or +05:30) if needed",
            start,
            end,
        )
    year, month, day, hour, minute = map(int, m.group(1, 2, 3, 4, 5))
    second = int(m.group(6)) if m.group(6) else None
    try:
        if not 1 <= year <= 9998:
            raise ValueError
        date(year, month, day)
    except ValueError:
        raise QueryError(f"no such date: '{s}'", start, end) from None
    if hour > 23 or minute > 59 or (second or 0) > 59:
        raise QueryError(
            f"no such time: '{s}' — hours go up to 23, minutes and seconds to 59", start, end
        )
    offset = None
    if m.group(7):
        offset = 0
    elif m.group(8):
        zone_hours, zone_minutes = int(m.group(9)), int(m.group(10))
        if zone_hours > 23 or zone_minutes > 59:
            zone = s[m.start(8) :]
            raise QueryError(f"no such time zone: '{zone}' in '{s}'", start, end)
        offset = zone_hours * 60 + zone_minutes
        if m.group(8) == "-":
            offset = -offset
    return DateSpec(year, month, day, hour=hour, minute=minute, second=second, offset=offset)


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
        if lo and hi and _empty_range(lo, hi):
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


def _empty_range(lo: DateSpec, hi: DateSpec) -> bool:
    """Whether nothing lies between `lo`'s start and `hi`'s end, as far as
    the text tells (`today` and a time zone left to the user are not known
    until evaluation, where an empty range simply matches nothing)."""
    if lo.relative or hi.relative:
        return False
    if lo.hour is None and hi.hour is None:
        return _ordinal(lo) > _ordinal(hi)
    if (lo.offset is None) != (hi.offset is None):
        return False
    try:
        return _wall_bounds(lo)[0] >= _wall_bounds(hi)[1]
    except OverflowError:
        return False


def _ordinal(d: DateSpec) -> tuple[int, int, int]:
    return (d.year, d.month or 0, d.day or 0)


def _wall_bounds(d: DateSpec) -> tuple[datetime, datetime]:
    """The start and end of `d` on a clock without a zone (a time with a
    zone is moved to UTC)."""
    if d.hour is not None:
        assert d.month is not None and d.day is not None
        start = datetime(d.year, d.month, d.day, d.hour, d.minute, d.second or 0)
        start -= timedelta(minutes=d.offset or 0)
        return start, start + timedelta(seconds=60 if d.second is None else 1)
    start = datetime(d.year, d.month or 1, d.day or 1)
    if d.month is None:
        return start, start.replace(year=d.year + 1)
    if d.day is None:
        return start, (start + timedelta(days=31)).replace(day=1)
    return start, start + timedelta(days=1)


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


def parse_tree(text: str) -> tuple[Node, tuple[SortKey, ...]]:
    """The tree of `text` and its sort keys; raises `QueryError`."""
    if not isinstance(text, str):
        raise QueryError("a query is text", 0, 0)
    return _Parser(text).parse()


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


def node_text(node: Node) -> str:
    if isinstance(node, Everything):
        return ""
    if isinstance(node, And):
        return " ".join(node_text(c) for c in node.children)
    if isinstance(node, Or):
        return " OR ".join(
            f"({node_text(c)})" if isinstance(c, And) else node_text(c) for c in node.children
        )
    if isinstance(node, Not):
        inner = node_text(node.child)
        if isinstance(node.child, And | Or):
            return f"-({inner})"
        return f"-{inner}"
    return _leaf_text(node)
