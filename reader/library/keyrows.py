"""Row indices by triage key, shared by the app, the triage counts and the
query corpus (kept apart from `reader.search.query`, which the first screen does
not need)."""

from __future__ import annotations

from collections.abc import Sequence


class KeyRows:
    """Row indices by triage key (see `Row.key`): one number for a key's
    one row, a list only where several rows share a key (the same webUrl).
    A list for every key took 12 MB at 100,000 rows."""

    __slots__ = ("more", "one")

    def __init__(self) -> None:
        self.one: dict[str, int] = {}
        """Each key's first row."""
        self.more: dict[str, list[int]] = {}
        """The other rows of the keys that have several."""

    def add(self, key: str, index: int) -> None:
        if key in self.one:
            self.more.setdefault(key, []).append(index)
        else:
            self.one[key] = index

    def add_all(self, keys: Sequence[str], start: int) -> None:
        """`add` each of `keys`, the first at index `start`, the next at
        `start + 1`...; at C speed when none of them is known yet."""
        new = dict(zip(keys, range(start, start + len(keys)), strict=True))
        if len(new) == len(keys) and self.one.keys().isdisjoint(new):
            self.one.update(new)
            return
        for index, key in enumerate(keys, start):
            self.add(key, index)

    def remove(self, key: str, index: int) -> None:
        more = self.more.get(key)
        if self.one.get(key) == index:
            if more:
                self.one[key] = more.pop(0)
            else:
                del self.one[key]
        elif more and index in more:
            more.remove(index)
        if more is not None and not more:
            del self.more[key]

    def get(self, key: str) -> list[int]:
        first = self.one.get(key)
        if first is None:
            return []
        more = self.more.get(key)
        return [first, *more] if more else [first]
