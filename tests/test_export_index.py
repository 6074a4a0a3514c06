"""`newsdesk export` / `count` read the store as the app does: through its
index and body index, with the app's results for a query.

Real store files, real index, body index and state files; the reference is
the session model the app drives (`Library`), loaded and searched here as
the screen does it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reader.commands.export import COLUMNS, count_main, main
from reader.library.library import Intake, Library, Update
from reader.search.bodies import fill
from reader.search.fulltext import FullText
from reader.search.query import parse
from reader.search.saved import SavedSearches
from reader.store.index import StoreIndex
from reader.triage.counts import TriageCounts
from reader.triage.state import State
from tests.conftest import REPO, StoreMaker, article_text

BODY_ONLY = "zanzibar quokka"
"""Two words that only some bodies hold: no title, excerpt or topic has them."""


def _article(title: str, date: str | None, body: str = "", **more: object) -> str:
    return article_text(title, date=date, body=body, url=f"https://x.example/{title}", **more)  # type: ignore[arg-type]


@pytest.fixture
def store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            "a/001.md": _article("one", "2026-03-01T10:00:00Z", f"It says {BODY_ONLY} here."),
            "a/002.md": _article("two", "2026-03-03T10:00:00Z", "Zanzibar, then a quokka."),
            "b/003.md": _article("three", "2026-03-03T10:00:00Z", f"Also {BODY_ONLY}!", quality=90),
            "b/004.md": _article("four", None, f"Undated, {BODY_ONLY}."),
            "b/005.md": _article("five", "2026-03-02T10:00:00Z", "Nothing of the kind."),
            "006.md": _article("zanzibar quokka in the title", "2026-02-01T00:00:00Z"),
            "007.md": _article("seven", "2026-03-04T10:00:00Z", "Only zanzibar."),
            "broken.md": "---\ntitle: [unclosed\n---\n",
        }
    )


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    path = tmp_path / "state.sqlite3"
    with State(path) as state:
        state.set_starred("https://x.example/three")
        state.add_tag("https://x.example/one", "later")
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "index.sqlite3"


def app_view(root: Path, state_path: Path, text: str) -> list[str]:
    """The paths the app lists for query `text`: `Library` loaded and its
    body index filled as the screen does it, with an index of its own."""
    root = root.resolve()
    with State(state_path, readonly=True) as state, StoreIndex(root, memory=True) as index:
        library = Library(root, index=index, state=state)

        def changed(updates: list[Update]) -> None:
            library.apply_updates(updates)

        def deliver(intake: Intake) -> None:
            library.add(intake)

        assert library.load(
            [],
            deliver=deliver,
            changed=changed,
            progress=lambda progress: None,
            notice=lambda text: None,
            cancelled=lambda: False,
        )
        library.load_finished()
        library.set_flags(state.snapshot(), TriageCounts(), len(library.rows))
        with FullText() as bodies:
            clear, todo = library.bodies_todo(bodies, None)
            fill(library.root, bodies, todo, clear=clear)
            library.bodies = bodies
            view = library.evaluate(parse(text), library.query_context())
        return [library.rows[i].path for i in view]


def exported(capsys: pytest.CaptureFixture[str], *args: object, **options: object) -> list[dict]:
    assert main(*args, **options) == 0  # type: ignore[arg-type]
    return json.loads(capsys.readouterr().out)


def counted(capsys: pytest.CaptureFixture[str], *args: object, **options: object) -> int:
    assert count_main(*args, **options) == 0  # type: ignore[arg-type]
    return int(capsys.readouterr().out)


def paths(items: list[dict]) -> list[str]:
    return [item["path"] for item in items]


# -- the app's results --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        BODY_ONLY,
        f'"{BODY_ONLY}"',
        "quokka sort:title",
        "zanzibar -quokka",
        "zanz OR is:starred",
        f"{BODY_ONLY} quality:>=90",
        "topic:AI",
        "sort:-date",
    ],
)
def test_a_query_gives_the_apps_view_bodies_included(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    expected = app_view(store, state_path, text)
    items = exported(capsys, store, state_path, "json", text, cache=cache)
    assert paths(items) == expected
    assert counted(capsys, store, state_path, text, cache=cache) == len(expected)


def test_words_only_in_bodies_are_found(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = exported(capsys, store, state_path, "json", BODY_ONLY, cache=cache)
    # Newest first, equal dates by path, undated last: the query's default order.
    assert paths(items) == ["a/002.md", "b/003.md", "a/001.md", "006.md", "b/004.md"]
    # The body index lies beside the article index, where the app keeps it.
    assert cache.with_name("index.bodies.sqlite3").is_file()


def test_without_a_query_the_order_is_the_apps_default_view(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items = exported(capsys, store, state_path, "json", None, cache=cache)
    assert paths(items) == [
        "007.md",
        "a/002.md",
        "b/003.md",
        "b/005.md",
        "a/001.md",
        "006.md",
        "b/004.md",
    ]
    # No query, no bodies read: the body index is left for one that needs it.
    assert not cache.with_name("index.bodies.sqlite3").exists()


def test_a_query_without_free_words_reads_no_bodies(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert counted(capsys, store, state_path, "quality:>=90 OR is:starred", cache=cache) == 1
    assert not cache.with_name("index.bodies.sqlite3").exists()


def test_a_bad_query_is_one_line_and_status_2_before_the_store_is_read(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(store, state_path, "json", "topc:AI", cache=cache) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("newsdesk export: bad query: ")
    assert captured.err.count("\n") == 1
    assert not cache.exists()


# -- saved searches -------------------------------------------------------------------


def test_saved_runs_a_saved_search(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = SavedSearches()
    saved.save("Quokkas", BODY_ONLY)
    saved.save("Starred", "is:starred")
    items = exported(capsys, store, state_path, "json", None, saved="Quokkas", cache=cache)
    assert paths(items) == app_view(store, state_path, BODY_ONLY)
    assert counted(capsys, store, state_path, None, saved="Starred", cache=cache) == 1


def test_an_unknown_saved_search_names_those_that_exist(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = SavedSearches()
    saved.save("Quokkas", BODY_ONLY)
    saved.save("Starred", "is:starred")
    assert count_main(store, state_path, None, saved="Quokka", cache=cache) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        'newsdesk count: no saved search named "Quokka" (saved searches: "Quokkas", "Starred")\n'
    )
    assert not cache.exists()  # refused before the store is read


def test_an_unknown_saved_search_when_there_are_none(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(store, state_path, "csv", None, saved="Anything") == 2
    assert capsys.readouterr().err == (
        'newsdesk export: no saved search named "Anything" (there are no saved searches)\n'
    )


def test_a_saved_search_with_a_bad_query_is_refused(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    SavedSearches().save("Old", "quality:>=8o")
    assert count_main(store, state_path, None, saved="Old") == 2
    err = capsys.readouterr().err
    assert err.startswith('newsdesk count: bad query in saved search "Old": ')
    assert err.count("\n") == 1


# -- the columns ------------------------------------------------------------------------


def test_every_format_carries_quality_heat_excerpt_topics_and_tags(
    make_store: StoreMaker, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_store(
        {
            "one.md": _article("one", "2026-03-02T00:00:00Z", topics=["AI", "Policy"]),
            "none.md": (
                "---\ntitle: none\nexcerpt: |\n  Two\n  lines.\n"
                "publishedDateTime: 2026-03-01T00:00:00Z\n---\n"
            ),
        }
    )
    items = exported(capsys, root, state_path, "json", None, cache=cache)
    assert [list(item) for item in items] == [list(COLUMNS)] * 2
    one, none = items
    assert (one["quality"], one["heat"], one["excerpt"]) == (50, 3, "An excerpt.")
    assert (one["topics"], one["tags"]) == (["AI", "Policy"], ["later"])
    assert (none["quality"], none["heat"], none["excerpt"]) == (None, None, "Two\nlines.")

    assert main(root, state_path, "csv", None, cache=cache) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert table[0] == list(COLUMNS)
    rows = [dict(zip(COLUMNS, line, strict=True)) for line in table[1:]]
    assert [(r["quality"], r["heat"], r["excerpt"]) for r in rows] == [
        ("50", "3", "An excerpt."),
        ("", "", "Two\nlines."),
    ]
    assert (rows[0]["topics"], rows[0]["tags"]) == ("AI; Policy", "later")

    assert main(root, state_path, "markdown", None, cache=cache) == 0
    lines = capsys.readouterr().out.splitlines()
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == list(COLUMNS)
    assert len(lines) == 4  # the header, its rule, one line an article
    cells = [cell.strip() for cell in lines[2].strip("|").split("|")]
    assert cells[-4:-1] == ["50", "3", "An excerpt."]
    assert len(cells[-1]) == 10  # the story id
    assert (cells[5], cells[9]) == ("AI, Policy", "later")
    cells = [cell.strip() for cell in lines[3].strip("|").split("|")]
    assert cells[-4:-1] == ["", "", "Two lines."]


# -- what is said on stderr ---------------------------------------------------------------


@pytest.fixture
def broken_store(make_store: StoreMaker) -> Path:
    return make_store(
        {
            "good.md": _article("good", "2026-03-01T00:00:00Z"),
            "z_bad.md": "no front matter\n",
            "a_bad.md": "---\ntitle: [unclosed\n---\n",
            "m_bad.txt": "---\n- a list\n---\n",
        }
    )


def test_skipped_files_are_one_summary_line(
    broken_store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert counted(capsys, broken_store, state_path, None, cache=cache) == 1
    assert main(broken_store, state_path, "json", None, cache=cache) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(
        "newsdesk export: 3 files skipped (could not be read), the first a_bad.md"
    )
    assert err.endswith("; the app lists them under Problems\n")


def test_quiet_drops_the_summary_line(
    broken_store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert count_main(broken_store, state_path, None, cache=cache, quiet=True) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("1\n", "")
    assert main(broken_store, state_path, "csv", "good", cache=cache, quiet=True) == 0
    assert capsys.readouterr().err == ""


# -- the index, run after run -------------------------------------------------------------


def _rewrite(path: Path, text: str, *, same_stat: bool = False) -> None:
    before = path.stat()
    path.write_text(text, encoding="utf-8")
    if same_stat:
        assert path.stat().st_size == before.st_size
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    else:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 2_000_000_000))


def test_a_second_run_starts_from_the_index_and_sees_what_changed(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = exported(capsys, store, state_path, "json", None, cache=cache)
    assert cache.is_file()
    assert "a/001.md" in paths(first) and "b/005.md" in paths(first)

    # A file whose time and size did not change is taken from the index as
    # it was: proof that the index is read, not every file.
    same = (store / "007.md").read_text(encoding="utf-8")
    assert 'title: "seven"' in same
    _rewrite(store / "007.md", same.replace('title: "seven"', 'title: "SEVEN"'), same_stat=True)
    # A changed file is read again, a removed one is gone, a new one comes.
    _rewrite(store / "a/001.md", _article("one, again", "2026-03-05T00:00:00Z"))
    (store / "b/005.md").unlink()
    (store / "b/008.md").write_text(_article("eight", "2026-03-06T00:00:00Z"), encoding="utf-8")

    second = exported(capsys, store, state_path, "json", None, cache=cache)
    titles = {item["path"]: item["title"] for item in second}
    assert titles["007.md"] == "seven"
    assert titles["a/001.md"] == "one, again"
    assert "b/005.md" not in titles
    assert paths(second)[:2] == ["b/008.md", "a/001.md"]

    # --rebuild reads every file again.
    rebuilt = exported(capsys, store, state_path, "json", None, cache=cache, rebuild=True)
    assert {item["path"]: item["title"] for item in rebuilt}["007.md"] == "SEVEN"


def test_bodies_follow_the_store_from_run_to_run(
    store: Path, state_path: Path, cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert paths(exported(capsys, store, state_path, "json", "wombat", cache=cache)) == []
    _rewrite(store / "b/005.md", _article("five", "2026-03-02T10:00:00Z", "A wombat now."))
    assert paths(exported(capsys, store, state_path, "json", "wombat", cache=cache)) == ["b/005.md"]
    # Changed again, seen by a run whose query reads no bodies: the next
    # query that does still finds the new body, not the old.
    _rewrite(store / "b/005.md", _article("five", "2026-03-02T10:00:00Z", "A numbat instead."))
    assert counted(capsys, store, state_path, "topic:AI", cache=cache) == 7
    assert counted(capsys, store, state_path, "wombat", cache=cache) == 0
    assert counted(capsys, store, state_path, "numbat", cache=cache) == 1
    (store / "b/005.md").unlink()
    assert counted(capsys, store, state_path, "numbat", cache=cache) == 0


def test_the_app_and_the_commands_share_one_index(
    store: Path, state_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reader.store.index import default_index_path

    assert counted(capsys, store, state_path, BODY_ONLY) == 5
    index = default_index_path(store.resolve())
    assert index.is_file()
    assert index.with_name(index.stem + ".bodies.sqlite3").is_file()


# -- the command line ---------------------------------------------------------------------


def test_the_options_through_the_command_line(
    store: Path, state_path: Path, cache: Path, tmp_path: Path
) -> None:
    def newsdesk(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run(
            [sys.executable, "-m", "reader", *args],
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            env=env,
        )

    common = (str(store), "--state", str(state_path), "--cache", str(cache))
    result = newsdesk("count", *common, "--query", BODY_ONLY)
    assert (result.returncode, result.stdout) == (0, "5\n")
    assert result.stderr.startswith("newsdesk count: 1 file skipped (could not be read)")
    result = newsdesk("count", *common, "--query", BODY_ONLY, "--quiet", "--rebuild")
    assert (result.returncode, result.stdout, result.stderr) == (0, "5\n", "")
    result = newsdesk("export", *common, "--query", "x", "--saved", "y")
    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr
    result = newsdesk("export", *common, "--saved", "nothing", "-q")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        'newsdesk export: no saved search named "nothing" (there are no saved searches)\n'
    )
