from __future__ import annotations

from pathlib import Path

from reader.library.keyrows import KeyRows
from reader.model import Row
from reader.triage.counts import TriageCounts, view_progress
from reader.triage.state import State


def row(i: int, key: str, topics: tuple[str, ...]) -> Row:
    return Row(
        path=f"{i}.txt",
        title=f"t{i}",
        provider="P",
        domain="p.example",
        published=float(i),
        quality=1,
        heat=0,
        topics=topics,
        category="news",
        type="article",
        web_url=key,
        excerpt="",
        has_body=False,
        n_related=0,
    )


def test_counts_follow_each_change_and_its_undo_like_a_recount(tmp_path: Path) -> None:
    rows = [row(0, "u0", ("AI",)), row(1, "u1", ("AI", "Space")), row(2, "u1", ("Space",))]
    by_key = KeyRows()
    for index, r in enumerate(rows):
        by_key.add(r.key, index)
    with State(tmp_path / "s.sqlite3") as state:
        flags = state.snapshot()
        counts = TriageCounts()
        counts.add(rows, flags)
        changes = [
            state.set_read(["u1"], True),
            state.set_starred(["u0", "u1"], True),
            state.set_archived(["u0"], True),
            state.add_tag(["u1"], "later"),
            state.undo(),
            state.undo(),
        ]
        for change in changes:
            assert change is not None
            change.apply(flags)
            counts.apply(change, rows, by_key)
            recount = TriageCounts()
            recount.add(rows, flags)
            assert counts == recount
        assert counts.unread == 1 and counts.unread_topics["Space"] == 0
        assert counts.starred == 3 and counts.inbox == 3
        assert view_progress(rows, [0, 1, 2], flags).describe() == (
            "2 of 3 read · 3 starred · 0 archived"
        )


def test_key_rows_keep_every_row_of_a_key_in_order() -> None:
    rows = KeyRows()
    rows.add("u", 1)
    rows.add("v", 2)
    rows.add("u", 5)
    rows.add("u", 7)
    assert rows.get("u") == [1, 5, 7] and rows.get("v") == [2] and rows.get("w") == []
    rows.remove("u", 1)  # the first goes: the next takes its place
    assert rows.get("u") == [5, 7]
    rows.remove("u", 7)
    rows.remove("u", 9)  # not there: nothing happens
    assert rows.get("u") == [5]
    rows.remove("u", 5)
    rows.remove("v", 2)
    assert rows.get("u") == [] and rows.get("v") == []
    rows.add("u", 8)
    assert rows.get("u") == [8]


def test_key_rows_add_all_is_add_one_by_one() -> None:
    batches = [["a", "b", "c"], ["d", "a", "e"], ["f", "f", "g"], ["h"], []]
    bulk, single = KeyRows(), KeyRows()
    start = 0
    for keys in batches:
        bulk.add_all(keys, start)
        for index, key in enumerate(keys, start):
            single.add(key, index)
        start += len(keys)
    for key in "abcdefghz":
        assert bulk.get(key) == single.get(key), key
    assert bulk.get("a") == [0, 4] and bulk.get("f") == [6, 7]
