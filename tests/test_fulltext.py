"""The FTS5 index of bodies, on a real SQLite file."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from conftest import StoreMaker, article_text

from reader.model import Row
from reader.search.fulltext import SCHEMA_VERSION, FullText, FullTextError
from reader.search.query import Context, Corpus, parse, words


@pytest.fixture
def index(tmp_path: Path) -> FullText:
    ft = FullText(tmp_path / "cache" / "bodies.db")
    ft.upsert(
        [
            ("a.txt", "The café on the corner reopened on Monday. Zürich's mayor came."),
            ("b.txt", "Facial recognition is banned in the old town."),
            ("c.txt", "Recognition of facial features: a primer.\n\n## Climate\n\nHeatwaves."),
        ]
    )
    return ft


def test_words_ignore_case_and_accents(index: FullText) -> None:
    assert index.search("cafe") == {"a.txt"}
    assert index.search("zurich") == {"a.txt"}
    assert index.search("heatwaves") == {"c.txt"}
    assert index.search("CAFÉ") == {"a.txt"}  # the tokenizer folds the query too


def test_prefix_matches_words_it_begins(index: FullText) -> None:
    assert index.search("recog", prefix=True) == {"b.txt", "c.txt"}
    assert index.search("recog") == set()
    assert index.search("ca", prefix=True) == {"a.txt"}


def test_phrases_match_words_in_a_row(index: FullText) -> None:
    assert index.search("facial recognition") == {"b.txt"}
    assert index.search("recognition of facial") == {"c.txt"}
    assert index.search("the old tow", prefix=True) == {"b.txt"}
    assert index.search("old the") == set()


def test_text_that_is_not_a_word_matches_nothing(index: FullText) -> None:
    for text in ("", "   ", "—", '"', "*", "\u0301"):
        assert index.search(text) == set()
        assert index.search(text, prefix=True) == set()


@pytest.mark.parametrize(
    "text",
    ['a" OR "b', "NEAR(a b)", "x AND y", "NOT z", "col:x", "^start", "(", "a*b", "'", "\\"],
)
def test_query_syntax_in_the_text_is_plain_text(index: FullText, text: str) -> None:
    assert isinstance(index.search(text), frozenset)
    assert isinstance(index.search(text, prefix=True), frozenset)


def test_the_query_modules_words_are_the_indexes_tokens(index: FullText) -> None:
    body = "Naïve façade — crème brûlée, Øresund & Łódź; don't stop (2020)."
    index.upsert([("t.txt", body)])
    for word in words(body):
        assert "t.txt" in index.search(word), word
    assert index.search(" ".join(words(body))) == {"t.txt"}


def test_replacing_a_body_replaces_what_it_matches(index: FullText) -> None:
    index.upsert([("a.txt", "Now about trains.")])
    assert index.search("cafe") == set()
    assert index.search("trains") == {"a.txt"}
    assert len(index) == 3


def test_an_empty_body_is_removed(index: FullText) -> None:
    index.upsert([("a.txt", "  \n"), ("new.txt", "")])
    assert "a.txt" not in index
    assert "new.txt" not in index
    assert index.paths() == {"b.txt", "c.txt"}


def test_remove_and_clear(index: FullText) -> None:
    assert index.remove(["b.txt", "missing.txt"]) == 1
    assert index.search("facial") == {"c.txt"}
    assert index.paths() == {"a.txt", "c.txt"}
    index.clear()
    assert len(index) == 0
    assert index.search("facial") == set()


def test_results_are_cached_until_the_next_write(index: FullText) -> None:
    first = index.search("facial")
    assert index.search("facial") is first
    index.upsert([("d.txt", "More facial things")])
    assert index.search("facial") == {"b.txt", "c.txt", "d.txt"}


def test_a_batch_is_one_transaction(index: FullText) -> None:
    def docs():  # type: ignore[no-untyped-def]
        yield ("x.txt", "first of the batch")
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError):
        index.upsert(docs())
    assert "x.txt" not in index
    assert index.upsert([("y.txt", "still usable")]) == 1


def test_big_batches(tmp_path: Path) -> None:
    ft = FullText(tmp_path / "big.db")
    assert (
        ft.upsert((f"{i:05d}.txt", f"story number{i} about topic{i % 10}") for i in range(3000))
        == 3000
    )
    ft.optimize()
    assert len(ft.search("topic3")) == 300
    assert ft.search("number2999") == {"02999.txt"}
    assert len(ft.search("number1", prefix=True)) == 1111
    assert ft.remove(f"{i:05d}.txt" for i in range(0, 3000, 2)) == 1500
    assert len(ft.search("topic3")) == 300  # odd numbers stay
    assert ft.search("topic4") == set()
    assert len(ft.search("number1", prefix=True)) == 556


def test_the_index_persists(tmp_path: Path) -> None:
    path = tmp_path / "bodies.db"
    with FullText(path) as ft:
        ft.upsert([("a.txt", "persistent words")])
    with FullText(path) as ft:
        assert ft.search("persistent") == {"a.txt"}
        assert ft.paths() == {"a.txt"}


def test_writes_by_another_connection_are_seen(tmp_path: Path) -> None:
    path = tmp_path / "bodies.db"
    reader = FullText(path)
    writer = FullText(path)
    writer.upsert([("a.txt", "first words")])
    assert reader.search("first") == {"a.txt"}
    writer.upsert([("b.txt", "first again")])
    writer.remove(["a.txt"])
    assert reader.search("first") == {"b.txt"}
    reader.close()
    writer.close()


def test_usable_from_another_thread(index: FullText) -> None:
    out: list[frozenset[str]] = []
    t = threading.Thread(target=lambda: out.append(index.search("facial")))
    t.start()
    t.join()
    assert out == [{"b.txt", "c.txt"}]


def test_document_ids_for_callers_with_their_own_table(index: FullText) -> None:
    ids = index.doc_ids()
    assert set(ids) == {"a.txt", "b.txt", "c.txt"}
    assert sorted(index.search_ids("recog", prefix=True)) == sorted([ids["b.txt"], ids["c.txt"]])
    generation = index.generation
    assert index.generation == generation
    index.remove(["c.txt"])
    assert index.generation != generation
    index.upsert([("d.txt", "recognition again")])
    # Ids are never reused: a table built before the change cannot mislead.
    assert index.doc_ids()["d.txt"] not in ids.values()


def test_a_corrupt_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bodies.db"
    path.write_bytes(b"this is not a database, just some bytes" * 200)
    with pytest.raises(FullTextError, match="cannot open body index"):
        FullText(path)


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT)")
    db.commit()
    db.close()
    with pytest.raises(FullTextError, match="is not a newsdesk body index"):
        FullText(path)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM accounts").fetchone() == (0,)


def test_a_newer_index_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bodies.db"
    FullText(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value=? WHERE key='schema'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    with pytest.raises(FullTextError, match="version"):
        FullText(path)


def test_in_memory_index() -> None:
    ft = FullText()
    ft.upsert([("a.txt", "in memory")])
    assert ft.search("memory") == {"a.txt"}


def _row(path: str, title: str) -> Row:
    return Row(
        path=path, title=title, provider="P", domain="p.com", published=None, quality=None,
        heat=None, topics=(), category="news", type="article", web_url="", excerpt="",
        has_body=True, n_related=0,
    )  # fmt: skip


def test_queries_search_bodies_through_the_index(index: FullText) -> None:
    corpus = Corpus([_row("a.txt", "Corner shops"), _row("b.txt", "Bans"), _row("c.txt", "Primer")])
    ctx = Context(body_search=index)

    def found(text: str) -> set[str]:
        return {corpus.rows[i].path for i in parse(text).evaluate(corpus, ctx)}

    assert found("cafe") == {"a.txt"}
    assert found("recog") == {"b.txt", "c.txt"}
    assert found('"facial recognition"') == {"b.txt"}
    assert found("recog -banned") == {"c.txt"}
    assert found("corner") == {"a.txt"}  # in the title and the body
    assert found("primer OR zurich") == {"a.txt", "c.txt"}
    assert found("-facial") == {"a.txt"}
    assert parse("facial").count(corpus, ctx) == 2


def test_a_helper_process_takes_the_paths_in_parts_and_fills_the_index(
    make_store: StoreMaker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reader.search import bodies
    from reader.store.processes import mp_context

    root = make_store(
        {f"{i}.md": article_text(f"Story {i}", body=f"Body {i}: zeppelin{i}") for i in range(5)}
    )
    monkeypatch.setattr(bodies, "SEND_PART", 2)  # three parts, and the empty one
    context = mp_context()
    receiver, sender = context.Pipe(duplex=False)
    path = str(tmp_path / "bodies.sqlite3")
    process = context.Process(target=bodies.fill_file, args=(str(root), path, receiver, False))
    process.start()
    receiver.close()
    # It waits for the paths meanwhile, below the app's priority.
    deadline = time.monotonic() + 30
    app_priority = os.getpriority(os.PRIO_PROCESS, 0)
    while os.getpriority(os.PRIO_PROCESS, process.pid) == app_priority != 19:
        assert time.monotonic() < deadline, "the helper kept the app's priority"
        time.sleep(0.01)
    bodies.send_paths(sender, [f"{i}.md" for i in range(5)])
    process.join(60)
    assert process.exitcode == 0
    with FullText(path) as fulltext:
        assert fulltext.paths() == {f"{i}.md" for i in range(5)}
        assert fulltext.search("zeppelin4") == frozenset({"4.md"})
