from __future__ import annotations

import random

import pytest

from reader.library.facets import ALL, Counts, Facet
from reader.library.ordering import Ordering
from reader.model import Row


def row(i: int, published: float | None, topics: tuple[str, ...] = ("AI",)) -> Row:
    return Row(
        path=f"{i}.txt",
        title=f"t{i}",
        provider=f"p{i % 3}",
        domain="d.example",
        published=published,
        quality=i,
        heat=0,
        topics=topics,
        category="news",
        type="article",
        web_url="",
        excerpt="",
        has_body=False,
        n_related=0,
    )


def test_incremental_ordering_equals_a_full_sort_newest_first_undated_last() -> None:
    rng = random.Random(4)
    rows = [row(i, None if i % 7 == 0 else float(rng.randrange(50))) for i in range(500)]
    rng.shuffle(rows)
    ordering = Ordering()
    for start in range(0, 500, 37):
        ordering.add(rows[start : start + 37])
    expected = sorted(
        range(500),
        key=lambda i: (rows[i].published is None, -(rows[i].published or 0), rows[i].path),
    )
    assert ordering.order == expected


def test_the_default_order_is_the_query_engines_order() -> None:
    from reader.search.query import Context, Corpus, parse

    rng = random.Random(7)
    rows = [row(i, None if i % 5 == 0 else float(rng.randrange(20))) for i in range(300)]
    rng.shuffle(rows)
    ordering = Ordering()
    corpus = Corpus()
    for start in range(0, 300, 41):
        ordering.add(rows[start : start + 41])
        corpus.extend(rows[start : start + 41])
    assert ordering.order == parse("topic:AI").evaluate(corpus, Context())


@pytest.mark.parametrize("arrival", ["newest first", "oldest first"])
def test_rows_arriving_in_date_order_merge_like_a_full_sort(arrival: str) -> None:
    dates = sorted((float(d // 3) for d in range(600)), reverse=arrival == "newest first")
    rows = [row(i, date) for i, date in enumerate(dates)]
    ordering = Ordering()
    for start in range(0, 600, 80):
        ordering.add(rows[start : start + 80])
    assert ordering.order == sorted(range(600), key=lambda i: (-dates[i], rows[i].path))


def test_counts_by_facet() -> None:
    rows = [row(0, 3.0, ("AI", "Space")), row(1, 2.0, ("Space",)), row(2, 1.0, ())]
    counts = Counts()
    counts.add(rows)
    assert counts.of(Facet("topic", "Space")) == 2
    assert counts.of(ALL) == 3
    assert counts.of(Facet("category", "news")) == 3
