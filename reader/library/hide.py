"""`[hide]` in config.toml: queries whose articles no view shows, except a
query that asks for them with `is:hidden`.

A rule is a query about what an article says (its title, provider, topics,
quality, dates...): whether an article is hidden is decided once, when its
row is taken in (off the UI thread), from the row alone. A query about the
triage state (`is:`, `tag:`) would hide an article when it is read or
tagged, which is what archiving is for: such a rule is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader.model import Row

if TYPE_CHECKING:
    from reader.search.corpus import Excerpts
    from reader.search.query import Query


@dataclass(slots=True)
class HideRules:
    """The `[hide]` queries, parsed on first use (the query engine is not
    needed for the first screen)."""

    texts: tuple[str, ...] = ()
    clock: Callable[[], float] | None = None
    """The time `age:` is measured from (None: the system clock)."""
    excerpts: Excerpts | None = None
    """Where the excerpts of rows read from the index are (`Corpus.excerpts`)."""
    problems: list[str] = field(default_factory=list)
    """One line for each query not used, and why (after `compile`)."""
    _queries: list[Query] | None = None

    def __bool__(self) -> bool:
        return bool(self.texts)

    def compile(self) -> list[Query]:
        if self._queries is None:
            from reader.search.query import QueryError, parse

            queries: list[Query] = []
            for text in self.texts:
                try:
                    query = parse(text)
                except QueryError as error:
                    self.problems.append(f"[hide] {text!r}: {error.message}; not used")
                    continue
                if query.uses_flags:
                    self.problems.append(
                        f"[hide] {text!r}: a hidden article is chosen by what it says,"
                        " not by is: or tag:; not used"
                    )
                    continue
                if query.is_empty:
                    self.problems.append(f"[hide] {text!r}: would hide everything; not used")
                    continue
                queries.append(query)
            self._queries = queries
        return self._queries

    def match(self, rows: Sequence[Row]) -> list[int]:
        """The positions in `rows` of the rows a rule hides, in order."""
        queries = self.compile()
        if not queries or not rows:
            return []
        from reader.search.query import Context, Corpus

        corpus = Corpus(rows, excerpts=self.excerpts)
        context = Context(now=self.clock() if self.clock is not None else None)
        found: set[int] = set()
        for query in queries:
            found.update(query.evaluate(corpus, context))
        return sorted(found)


def check_hide_queries(texts: Sequence[str]) -> list[str]:
    """The problems of `texts` as `[hide]` queries (for `newsdesk config --check`)."""
    rules = HideRules(tuple(texts))
    rules.compile()
    return rules.problems
