"""Background work waits while keys come in, and not otherwise."""

from __future__ import annotations

import threading
import time

import pytest

from reader.model import Row
from reader.pacing import Pacer
from reader.search.query import PACED_PART, PAUSE_EVERY, SORT_RUN, Corpus, parse


def make_rows(count: int) -> list[Row]:
    return [
        Row(
            f"{i}.txt",
            f"Title {i} word{i % 7}",
            "P",
            "p.example",
            1.7e9 + i,
            50,
            0,
            ("AI",),
            "news",
            "article",
            "",
            "",
            False,
            0,
        )
        for i in range(count)
    ]


def test_give_way_returns_at_once_when_no_key_came() -> None:
    pacer = Pacer(quiet=0.2)
    start = time.monotonic()
    assert pacer.give_way() == 0.0
    assert time.monotonic() - start < 0.05


def test_give_way_waits_for_the_keys_to_pause() -> None:
    pacer = Pacer(quiet=0.15, longest=2.0)
    pacer.touch()
    waited = pacer.give_way()
    assert 0.1 <= waited < 1.0
    assert not pacer.busy()


def test_give_way_waits_at_most_longest_under_a_held_key() -> None:
    pacer = Pacer(quiet=0.2, longest=0.3)
    done = threading.Event()

    def hold() -> None:
        while not done.is_set():
            pacer.touch()
            time.sleep(0.02)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        waited = pacer.give_way()
    finally:
        done.set()
        thread.join()
    assert 0.25 <= waited < 0.6


def test_stop_ends_a_wait() -> None:
    pacer = Pacer(quiet=5.0, longest=5.0)
    pacer.touch()
    threading.Timer(0.1, pacer.stop).start()
    assert pacer.give_way() < 1.0


def test_prepare_pauses_every_few_hundred_rows() -> None:
    rows = make_rows(2_000)
    corpus = Corpus(rows)
    calls: list[int] = []
    corpus.prepare(pause=lambda: calls.append(1))
    # Fields and words each pause every PAUSE_EVERY + 1 rows; then before
    # each of the six sorting steps (vocabulary, dates, quality, heat,
    # order, provider); and before each of eleven loops over all rows (three
    # for each number, the order's ranks, the providers' column).
    assert len(calls) == 2 * -(-len(rows) // (PAUSE_EVERY + 1)) + 6 + 11


def test_prepare_pauses_within_large_sorts() -> None:
    rows = make_rows(SORT_RUN + 100)
    corpus = Corpus(rows)
    calls: list[int] = []
    corpus.prepare(pause=lambda: calls.append(1))
    per_row_loops = 2 * -(-len(rows) // (PAUSE_EVERY + 1))
    # Each sort of every row is two runs and a merge past SORT_RUN items:
    # three more pauses for the order's two sorts at least.
    assert len(calls) >= per_row_loops + 6 + 2 * 3
    newest_first = sorted(range(len(rows)), key=lambda i: -rows[i].published)  # type: ignore[operator]
    assert parse("").evaluate(corpus) == newest_first


def test_give_way_takes_a_shorter_limit_per_call() -> None:
    pacer = Pacer(quiet=5.0, longest=5.0)
    pacer.touch()
    assert 0.04 <= pacer.give_way(0.05) < 0.5


def stopped_at(rows: list[Row], stop_at: int) -> Corpus:
    """A corpus whose `prepare` was stopped at its `stop_at`-th pause."""
    calls = 0

    def stop() -> None:
        nonlocal calls
        calls += 1
        if calls == stop_at:
            raise RuntimeError("stop")

    corpus = Corpus(rows)
    with pytest.raises(RuntimeError):
        corpus.prepare(pause=stop)
    return corpus


@pytest.mark.parametrize("stop_at", [4, 9])  # in the fields, in the words
def test_prepare_stopped_midway_keeps_what_it_built_and_finishes_later(stop_at: int) -> None:
    rows = make_rows(3_000)
    whole = Corpus(rows)
    whole.prepare()
    corpus = stopped_at(rows, stop_at)
    corpus.prepare()
    # Nothing was built twice: every word lists each row once, as when built in one go.
    assert corpus._postings.keys() == whole._postings.keys()
    assert all(list(corpus._postings[w]) == list(whole._postings[w]) for w in whole._postings)
    assert corpus._texts == whole._texts
    for name in ("_topics", "_providers"):
        built, expected = getattr(corpus, name), getattr(whole, name)
        assert {k: list(v) for k, v in built.items()} == {k: list(v) for k, v in expected.items()}


def test_give_way_ends_when_asked_to() -> None:
    pacer = Pacer(quiet=5.0, longest=5.0)
    pacer.touch()
    wanted = threading.Event()
    threading.Timer(0.1, wanted.set).start()
    assert pacer.give_way(until=wanted.is_set) < 1.0


def varied_rows(count: int) -> list[Row]:
    rows = make_rows(count)
    for i, row in enumerate(rows):
        row.quality = None if i % 11 == 0 else (i * 37) % 101
        row.published = None if i % 13 == 0 else 1.7e9 + (i * 7919) % count
        row.provider = f"Provider {i % 5}"
    return rows


@pytest.mark.parametrize("from_end", [1, 4, 9, 16, 30])
def test_prepare_stopped_in_its_loops_over_all_rows_builds_them_right(from_end: int) -> None:
    # Past PACED_PART rows, the numbers' columns, the ranks and the
    # providers' column are built in parts with pauses between: stopped at
    # any of those pauses and built again, they equal one build in one go.
    rows = varied_rows(PACED_PART + 500)
    whole = Corpus(rows)
    calls: list[int] = []
    whole.prepare(pause=lambda: calls.append(1))
    corpus = stopped_at(rows, len(calls) - from_end)
    corpus.prepare(pause=lambda: None)
    for name in ("published", "quality", "heat"):
        assert corpus._sorted_num(name) == whole._sorted_num(name)
    assert corpus._rank(corpus._order(())) == whole._rank(whole._order(()))
    assert list(corpus._sort_column("provider")) == list(whole._sort_column("provider"))
    good = [i for i, row in enumerate(rows) if row.quality is not None and row.quality >= 50]
    assert sorted(parse("quality:>=50").evaluate(corpus)) == good
