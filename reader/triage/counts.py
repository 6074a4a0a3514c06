"""Triage counts over the loaded rows, kept up to date change by change.

The topic tree shows live counts (Inbox, Unread, Starred, Archived, each
tag, unread/total per topic and provider). Recounting 100,000 rows after
every key press would stall the screen, so counts are built once and then
moved by exactly the rows each `Change` touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from reader.library.keyrows import KeyRows
from reader.model import Row
from reader.triage.state import NO_FLAGS, Change, Flags

if TYPE_CHECKING:
    from reader.search.query import QueryFlags


@dataclass(slots=True)
class TriageCounts:
    total: int = 0
    unread: int = 0
    starred: int = 0
    archived: int = 0
    tags: Counter[str] = field(default_factory=Counter)
    unread_topics: Counter[str] = field(default_factory=Counter)
    unread_providers: Counter[str] = field(default_factory=Counter)
    unread_categories: Counter[str] = field(default_factory=Counter)

    @property
    def inbox(self) -> int:
        return self.total - self.archived

    def add(self, rows: Sequence[Row], flags: Mapping[str, Flags]) -> None:
        """Count newly loaded rows."""
        for row in rows:
            self._count(row, flags.get(row.key, NO_FLAGS), 1)

    def merge(self, other: TriageCounts) -> None:
        """Add counts made elsewhere (a loader thread counts its own batch)."""
        self.total += other.total
        self.unread += other.unread
        self.starred += other.starred
        self.archived += other.archived
        self.tags.update(other.tags)
        self.unread_topics.update(other.unread_topics)
        self.unread_providers.update(other.unread_providers)
        self.unread_categories.update(other.unread_categories)

    def remove(self, row: Row, flags: Mapping[str, Flags]) -> None:
        """Forget one row (a file that changed or vanished)."""
        self._count(row, flags.get(row.key, NO_FLAGS), -1)

    def _count(self, row: Row, state: Flags, sign: int) -> None:
        self.total += sign
        if state.starred:
            self.starred += sign
        if state.archived:
            self.archived += sign
        for tag in state.tags:
            self.tags[tag] += sign
        if not state.read:
            self._unread(row, sign)

    def _unread(self, row: Row, sign: int) -> None:
        self.unread += sign
        for topic in row.topics:
            self.unread_topics[topic] += sign
        self.unread_providers[row.provider] += sign
        self.unread_categories[row.category] += sign

    def apply(self, change: Change, rows: Sequence[Row], by_key: KeyRows) -> None:
        """Move the counts by what `change` did to every row under its keys.

        Each key in a change had the opposite value before, so each of its
        rows moves by exactly one.
        """
        sign = 1 if change.value else -1
        for key in change.keys:
            for index in by_key.get(key):
                if change.field == "read":
                    self._unread(rows[index], -sign)
                elif change.field == "starred":
                    self.starred += sign
                elif change.field == "archived":
                    self.archived += sign
                elif change.tag is not None:
                    self.tags[change.tag] += sign
        if change.tag is not None and self.tags.get(change.tag) == 0:
            del self.tags[change.tag]

    def unread_of(self, kind: str, value: str) -> int:
        table = {
            "topic": self.unread_topics,
            "provider": self.unread_providers,
            "category": self.unread_categories,
        }.get(kind)
        return table.get(value, 0) if table is not None else 0


@dataclass(slots=True, frozen=True)
class ViewProgress:
    """How far triage of the current view has got."""

    total: int
    read: int
    starred: int
    archived: int

    def describe(self) -> str:
        return (
            f"{self.read:,} of {self.total:,} read · {self.starred:,} starred"
            f" · {self.archived:,} archived"
        )


def view_progress(
    rows: Sequence[Row], view: Sequence[int], flags: Mapping[str, Flags]
) -> ViewProgress:
    read = starred = archived = 0
    if flags:
        get = flags.get
        for index in view:
            state = get(rows[index].key)
            if state is None:
                continue
            read += state.read
            starred += state.starred
            archived += state.archived
    return ViewProgress(len(view), read, starred, archived)


class FlagSets:
    """The state as sets of keys per flag, for the query language.

    Copy on write: each change replaces the sets it touches with new frozen
    ones, so a query running in a worker thread always sees a consistent,
    unchanging snapshot.
    """

    def __init__(self, flags: Mapping[str, Flags] | None = None) -> None:
        flags = flags or {}
        self.read = frozenset(key for key, f in flags.items() if f.read)
        self.starred = frozenset(key for key, f in flags.items() if f.starred)
        self.archived = frozenset(key for key, f in flags.items() if f.archived)
        self.tags: dict[str, frozenset[str]] = {key: f.tags for key, f in flags.items() if f.tags}

    def query_flags(self, selected: Collection[str] = frozenset()) -> QueryFlags:
        """The sets as the query language takes them, with the selection."""
        from reader.search.query import QueryFlags

        return QueryFlags(
            read=self.read,
            starred=self.starred,
            archived=self.archived,
            selected=selected,
            tags=self.tags,
        )

    def apply(self, change: Change) -> None:
        keys = frozenset(change.keys)
        if not keys:
            return
        if change.field in ("read", "starred", "archived"):
            current: frozenset[str] = getattr(self, change.field)
            setattr(self, change.field, current | keys if change.value else current - keys)
            return
        tag = change.tag
        assert tag is not None
        tags = dict(self.tags)
        for key in keys:
            old = tags.get(key, frozenset())
            new = old | {tag} if change.value else old - {tag}
            if new:
                tags[key] = new
            else:
                tags.pop(key, None)
        self.tags = tags
