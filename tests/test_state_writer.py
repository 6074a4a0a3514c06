"""The state writer: faults of a real SQLite file (full, locked, damaged)
become outcomes, decisions wait and are saved later, nothing is lost."""

from __future__ import annotations

import queue
import sqlite3
from pathlib import Path

import pytest

from reader.triage.state import NO_FLAGS, Flags, State, plan, setter
from reader.triage.writer import (
    ChangedElsewhere,
    Done,
    Failed,
    Job,
    Outcome,
    Recovered,
    StateWriter,
    restore_job,
)

WAIT = 20.0
"""Seconds an outcome may take at most before the test fails (a hang guard)."""


class Outcomes:
    """What the writer reported, in order, waited for one at a time."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Outcome] = queue.Queue()

    def __call__(self, outcome: Outcome) -> None:
        self.queue.put(outcome)

    def next(self, kind: type) -> Outcome:
        while True:
            outcome = self.queue.get(timeout=WAIT)
            if isinstance(outcome, kind):
                return outcome


def decision(flags: dict[str, Flags], field: str, keys: list[str], value: bool | None) -> Job:
    change = plan(flags, field, keys, value)  # type: ignore[arg-type]
    change.apply(flags)
    return Job(setter(change), keep=True, keys=change.keys, what=change.description)


def damage_page(path: Path, page: int) -> None:
    """Overwrite one page of a SQLite file (numbered from 1) with garbage."""
    size = 4096
    with open(path, "r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(b"\xa5" * size)


def root_page(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(
            conn.execute("SELECT rootpage FROM sqlite_schema WHERE name = ?", (table,)).fetchone()[
                0
            ]
        )
    finally:
        conn.close()


def test_a_plan_toggles_what_the_screen_shows() -> None:
    flags = {"a": Flags(starred=True)}
    # Some starred: star them all; all starred: unstar.
    change = plan(flags, "starred", ["a", "b"], None)
    assert change.value is True and change.keys == ("b",)
    assert change.description == "Starred 2 articles (1 unchanged)"
    assert plan({"a": Flags(starred=True)}, "starred", ["a"], None).value is False
    tag = plan({}, "tag", ["a"], None, "  later  ")
    assert tag.tag == "later" and tag.keys == ("a",)
    with pytest.raises(ValueError):
        plan({}, "tag", ["a"], None, "   ")


def test_a_full_disk_keeps_the_decision_and_saves_it_when_room_comes(tmp_path: Path) -> None:
    state = State(tmp_path / "state.sqlite3")
    state.set_read([f"k{i}" for i in range(50)])
    pages = state._conn.execute("PRAGMA page_count").fetchone()[0]
    # SQLite's own cap on the file's size: a real SQLITE_FULL on the next page.
    state._conn.execute(f"PRAGMA max_page_count = {pages}")
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        flags = state.snapshot()
        keys = [f"https://example.org/{'x' * 200}/{i}" for i in range(2_000)]
        first = writer.submit(decision(flags, "starred", keys, None))
        later = writer.submit(decision(flags, "read", ["k1"], False))
        failed = outcomes.next(Failed)
        assert isinstance(failed, Failed)
        assert failed.job is first and failed.kept
        assert failed.reason == "the disk is full"
        assert failed.waiting == 2  # the later decision waits behind it
        assert writer.failing
        assert state.get(keys[0]) == NO_FLAGS and state.get("k1").read
        # Room again: the next try saves both, in order.
        state._conn.execute("PRAGMA max_page_count = 1073741823")
        writer.retry_now()
        done = outcomes.next(Done)
        assert isinstance(done, Done) and done.job is first and done.after_failure
        done = outcomes.next(Done)
        assert isinstance(done, Done) and done.job is later
        assert not writer.failing
    finally:
        assert writer.close() == []
    with State(tmp_path / "state.sqlite3") as reopened:
        assert reopened.get(keys[-1]).starred
        assert not reopened.get("k1").read


def test_a_lock_held_elsewhere_delays_the_write_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = State(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        job = writer.submit(decision({}, "starred", ["x"], None))
        failed = outcomes.next(Failed)
        assert isinstance(failed, Failed) and failed.job is job and failed.kept
        assert failed.reason == "another newsdesk holds the state file's lock"
        other.execute("COMMIT")
        done = outcomes.next(Done)
        assert isinstance(done, Done) and done.job is job and done.after_failure
    finally:
        other.close()
        writer.close()
    assert state.get("x").starred
    state.close()


def test_an_undo_that_fails_is_dropped_not_run_later(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = State(path)
    state.set_starred("x")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        job = writer.submit(Job(lambda s: s.undo(), what="undo"))
        failed = outcomes.next(Failed)
        assert isinstance(failed, Failed) and failed.job is job and not failed.kept
        assert job.wait(1) is None
        other.execute("COMMIT")
        assert writer.pending() == []
    finally:
        other.close()
        writer.close()
    assert state.get("x").starred  # never undone behind the user's back
    state.close()


def test_damage_found_mid_run_is_moved_aside_once_and_the_flags_survive(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with State(path) as state:
        state.set_read([f"k{i}" for i in range(300)])
        state.set_starred([f"k{i}" for i in range(0, 300, 3)])
        for i in range(40):
            state.toggle_archived([f"j{i}-{n}" for n in range(40)])
    # The journal's keys are damaged; the flags are intact.
    damage_page(path, root_page(path, "action_item"))
    state = State(path)  # opens: the damage is found by the first write
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        flags = {f"k{i}": Flags(read=True, starred=i % 3 == 0) for i in range(300)}
        job = writer.submit(decision(flags, "starred", ["k1"], True))
        recovered = outcomes.next(Recovered)
        assert isinstance(recovered, Recovered)
        assert recovered.backup.exists() and recovered.backup.name.startswith(
            "state.sqlite3.corrupt-"
        )
        assert recovered.salvaged is not None and recovered.salvaged >= 300
        done = outcomes.next(Done)
        assert isinstance(done, Done) and done.job is job
        writer.submit(restore_job(flags))
        outcomes.next(Done)
    finally:
        writer.close()
        writer.state.close()
    with State(path) as fresh:
        fresh.check()
        snapshot = fresh.snapshot()
    assert snapshot == flags
    assert len(list(tmp_path.glob("state.sqlite3.corrupt-*"))) == 1


def test_a_damaged_page_two_at_start_gives_clean_flags_not_a_hang(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with State(path) as state:
        state.set_read([f"k{i}" for i in range(500)])
    damage_page(path, root_page(path, "article"))
    state = State(path)
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        job = writer.call(lambda s: s.snapshot(), what="flags")
        assert job.wait(WAIT) == {}
        recovered = outcomes.next(Recovered)
        assert isinstance(recovered, Recovered) and recovered.salvaged is None
    finally:
        writer.close()
        writer.state.close()
    with State(path) as fresh:
        fresh.check()


def test_another_process_writing_is_noticed(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = State(path)
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        writer.call(lambda s: s.snapshot()).wait(WAIT)  # started, baseline taken
        with State(path) as other:
            other.set_starred("x")
        assert isinstance(outcomes.next(ChangedElsewhere), ChangedElsewhere)
    finally:
        writer.close()
        state.close()


def test_close_hands_back_what_could_not_be_saved(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    state = State(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    outcomes = Outcomes()
    writer = StateWriter(state, outcomes)
    try:
        job = writer.submit(decision({}, "read", ["x"], True))
        outcomes.next(Failed)
        left = writer.close(timeout=WAIT)
        assert left == [job]
    finally:
        other.close()
        state.close()
