"""Background work waits while keys come in, and not otherwise."""

from __future__ import annotations

import threading
import time

import pytest

from reader.model import Row
from reader.pacing import Pacer
from reader.query import SORT_RUN, Corpus, parse


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
    # Fields and words each pause every 512 rows; then before each of the
    # six sorting steps (vocabulary, dates, quality, heat, order, provider).
    assert len(calls) == 2 * 4 + 6


def test_prepare_pauses_within_large_sorts() -> None:
    rows = make_rows(SORT_RUN + 100)
    corpus = Corpus(rows)
    calls: list[int] = []
    corpus.prepare(pause=lambda: calls.append(1))
    per_row_loops = 2 * -(-len(rows) // 512)
    # Each sort of every row is two runs and a merge past SORT_RUN items:
    # three more pauses for the order's two sorts at least.
    assert len(calls) >= per_row_loops + 6 + 2 * 3
    newest_first = sorted(range(len(rows)), key=lambda i: -rows[i].published)  # type: ignore[operator]
    assert parse("").evaluate(corpus) == newest_first


def test_give_way_takes_a_shorter_limit_per_call() -> None:
    pacer = Pacer(quiet=5.0, longest=5.0)
    pacer.touch()
    assert 0.04 <= pacer.give_way(0.05) < 0.5


@pytest.mark.parametrize("stop_at", [4, 9])  # in the fields, in the words
def test_prepare_stopped_midway_keeps_what_it_built_and_finishes_later(stop_at: int) -> None:
    rows = make_rows(3_000)
    whole = Corpus(rows)
    whole.prepare()
    calls = 0

    def stop_at_the_fifth() -> None:
        nonlocal calls
        calls += 1
        if calls == stop_at:
            raise RuntimeError("stop")

    corpus = Corpus(rows)
    with pytest.raises(RuntimeError):
        corpus.prepare(pause=stop_at_the_fifth)
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
