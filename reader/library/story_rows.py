"""Stories over the session's rows: which rows tell the same story, its lead,
and the list's view folded to one row per story.

The grouping itself (`reader.stories.group.Stories`) works by path, off the
UI thread, and says which paths changed story; this keeps the answer by row
index for the UI thread, where views are folded and triage acts on a
story. Only stories of two articles or more are held: an article alone is
its own story, whose id is `story_id(path)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import filterfalse

from reader.model import Row


def lead_rank(row: Row) -> tuple[int, float, str]:
    """Sorts a story's articles lead first: the highest quality (none is the
    lowest), then the earliest, then by path."""
    quality = row.quality if row.quality is not None else -(2**31)
    published = row.published if row.published is not None else float("inf")
    return (-quality, published, row.path)


class StoryRows:
    """(UI thread) The stories of two or more articles, by row index."""

    def __init__(self) -> None:
        self._story: dict[int, str] = {}
        """Row index -> story id, for rows the grouping put in a story of
        two or more (one of whose rows may not have come yet, or be gone)."""
        self._members: dict[str, list[int]] = {}
        """Story id -> its live rows, lead first."""
        self._pending: dict[str, str] = {}
        """Path -> story id, for paths whose row has not come yet."""
        self._unsorted: set[str] = set()
        """Stories whose members may be out of lead order: sorted when read
        (`_settle`). A load hands rows over in a few hundred parts, and a
        story's articles come in several of them: sorting it again on each
        took most of a warm load's time at 1,000,000 articles."""
        self._rows: Sequence[Row] = ()
        """The rows the last change was made with (the session's list)."""
        self.generation = 0
        """Changes whenever a story does (views fold again)."""

    def __bool__(self) -> bool:
        return any(len(members) > 1 for members in self._members.values())

    @property
    def grouped(self) -> int:
        """How many rows are in a story of two or more."""
        return sum(len(members) for members in self._members.values() if len(members) > 1)

    def apply(
        self, changes: Mapping[str, str | None], path_index: Mapping[str, int], rows: Sequence[Row]
    ) -> None:
        """Take in story changes: path -> its story id, or None when the
        article is alone (or gone). Paths without a row yet wait for it."""
        if not changes:
            return
        touched: set[str] = set()
        for path, story in changes.items():
            index = path_index.get(path)
            if index is None:
                if story is None:
                    self._pending.pop(path, None)
                else:
                    self._pending[path] = story
                continue
            self._pending.pop(path, None)
            touched |= self._place(index, story)
        self._sort(touched, rows)
        self.generation += 1

    def rows_added(self, start: int, rows: Sequence[Row]) -> None:
        """Rows from `start` on were added: those a story waited for join it."""
        pending = self._pending
        if not pending:
            return
        touched: set[str] = set()
        for index in range(start, len(rows)):
            story = pending.pop(rows[index].path, None)
            if story is not None:
                touched |= self._place(index, story)
        if touched:
            self._sort(touched, rows)
            self.generation += 1

    def rows_gone(self, indices: Iterable[int], rows: Sequence[Row]) -> None:
        """Rows replaced or removed: they leave their stories."""
        touched: set[str] = set()
        for index in indices:
            touched |= self._place(index, None)
        if touched:
            self._sort(touched, rows)
            self.generation += 1

    def _place(self, index: int, story: str | None) -> set[str]:
        touched: set[str] = set()
        old = self._story.pop(index, None)
        if old is not None:
            members = self._members.get(old)
            if members is not None and index in members:
                members.remove(index)
            touched.add(old)
        if story is not None:
            self._story[index] = story
            self._members.setdefault(story, []).append(index)
            touched.add(story)
        return touched

    def _sort(self, stories: Iterable[str], rows: Sequence[Row]) -> None:
        """Stories changed: dropped when empty, else sorted when next read."""
        self._rows = rows
        for story in stories:
            if self._members.get(story):
                self._unsorted.add(story)
            else:
                self._members.pop(story, None)
                self._unsorted.discard(story)

    def _settle(self) -> None:
        """Put the stories changed since the last read back in lead order."""
        if not self._unsorted:
            return
        rows, members = self._rows, self._members
        for story in self._unsorted:
            found = members.get(story)
            if found:
                found.sort(key=lambda i: lead_rank(rows[i]))
        self._unsorted.clear()

    # -- reading ------------------------------------------------------------------

    def id_of(self, index: int, rows: Sequence[Row]) -> str:
        story = self._story.get(index)
        if story is not None and len(self._members[story]) > 1:
            return story
        from reader.stories.group import story_id

        return story_id(rows[index].path)

    def members(self, index: int) -> list[int]:
        """The rows of the story of row `index`, lead first ([index] alone)."""
        self._settle()
        story = self._story.get(index)
        return list(self._members[story]) if story is not None else [index]

    def rows_of(self, story: str) -> list[int]:
        """The rows of the story `story`, when it has two or more, in no
        particular order (a query's worker reads them: it does not sort)."""
        members = self._members.get(story)
        if members is not None and len(members) > 1:
            return list(members)
        return []

    def size(self, index: int) -> int:
        story = self._story.get(index)
        return len(self._members[story]) if story is not None else 1

    def sizes(self) -> dict[int, int]:
        """Row -> the number of articles in its story, for rows in stories of two or more."""
        members = self._members
        return {
            index: len(members[story])
            for index, story in self._story.items()
            if len(members[story]) > 1
        }

    def leads(self) -> frozenset[int]:
        """The lead rows of the stories of two or more."""
        self._settle()
        return frozenset(members[0] for members in self._members.values() if len(members) > 1)

    def story_key(self, index: int) -> str | None:
        """The story id of row `index` when it shares a story, else None."""
        story = self._story.get(index)
        return story if story is not None and len(self._members[story]) > 1 else None

    def fold(
        self, view: Sequence[int], expanded: frozenset[str] | set[str] = frozenset()
    ) -> tuple[list[int], dict[int, int]]:
        """`view` with one row per story (the best of its rows in the view,
        by `lead_rank`, in that row's place), and an expanded story's other
        rows in the view right after it. Returns the folded view and, for
        each row shown, how many articles of its story the view holds when
        more than one (a negative count marks an expanded story's rows
        after its first)."""
        if not self._story:
            return list(view), {}
        self._settle()
        # By story rather than by row: most rows of a large view are alone,
        # and a Python loop over every row would cost the screen tens of
        # milliseconds at 100,000 rows.
        in_view = view if isinstance(view, set | frozenset) else set(view)
        drop: set[int] = set()
        shown: dict[int, int] = {}
        after: dict[int, list[int]] = {}
        for story, members in self._members.items():
            if len(members) < 2:
                continue
            present = [index for index in members if index in in_view]
            if len(present) < 2:
                continue
            lead, others = present[0], present[1:]
            drop.update(others)
            shown[lead] = len(present)
            if story in expanded:
                after[lead] = others
                for other in others:
                    shown[other] = -len(present)
        folded = list(filterfalse(drop.__contains__, view)) if drop else list(view)
        if not after:
            return folded, shown
        # An expanded story's other rows in the view, right after its row.
        result: list[int] = []
        for index in folded:
            result.append(index)
            result.extend(after.get(index, ()))
        return result, shown

    def total(self, articles: int) -> int:
        """How many stories `articles` live articles tell (the rows of a
        story of two or more count once)."""
        return articles - sum(len(m) - 1 for m in self._members.values() if len(m) > 1)

    def count(self, view: Sequence[int]) -> int:
        """How many stories `view` holds."""
        return len(self.fold(view)[0])
