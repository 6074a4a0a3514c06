from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader.model import Problem
from reader.store import files as files_module
from reader.store.files import (
    SAMPLE_STORE,
    FileEntry,
    ParseError,
    StoreError,
    check_store,
    load_store,
    parse_bytes,
    parse_row_bytes,
    parse_text,
    read_article,
    scan,
)
from tests.conftest import SHARED_SAMPLE, StoreMaker, article_text, needs_shared


@needs_shared
def test_the_real_sample_article_parses_in_full() -> None:
    result = load_store(SHARED_SAMPLE)
    assert result.problems == []
    [row] = result.rows
    assert row.title.startswith("Over 75 Organizations")
    assert row.provider == "Scoop" and row.domain == "scoop.co.nz"
    assert row.topics == ("Computer Vision", "AI")
    assert row.published == datetime(2020, 7, 8, 19, 36, tzinfo=UTC).timestamp()
    assert (row.quality, row.heat, row.n_related, row.has_body) == (29, -1, 2, False)
    article = read_article(SHARED_SAMPLE, row.path)
    assert article.amp_url.startswith("https://m.scoop.co.nz/")
    assert article.cdn_amp_url.startswith("https://m-scoop-co-nz.cdn.ampproject.org/")
    assert article.published_flag is False
    assert [r.provider for r in article.related] == ["Noozhawk", "Daily Hampshire Gazette"]
    # The mojibake in the second related excerpt is repaired on the way in.
    assert "state’s first" in article.related[1].excerpt
    assert article.secured.startswith("OkgnuIPK")
    assert "secured" not in article.extra
    assert article.key == article.web_url


def test_lenient_fields_are_normalised() -> None:
    article = parse_text(
        article_text(quality='"71"', topics="Space", date="2026-05-02 14:00:00"), "a.txt"
    )
    assert article.quality == 71
    assert article.topics == ("Space",)
    assert article.published == datetime(2026, 5, 2, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (None, None),
        ('"2026-05-02T10:00:00+02:00"', datetime(2026, 5, 2, 8, 0, tzinfo=UTC)),
        ("2026-05-02", datetime(2026, 5, 2, tzinfo=UTC)),
        ('"not a date"', None),
        ('""', None),
    ],
)
def test_dates_in_any_shape_become_utc_or_none(date: str | None, expected: datetime) -> None:
    assert parse_text(article_text(date=date), "a.txt").published == expected


def test_unknown_fields_are_kept_and_cleaned() -> None:
    article = parse_text(
        article_text(extra='language: en\nwordCount: 812\nnote: "x\\e[31my"'), "a.txt"
    )
    assert article.extra == {"language": "en", "wordCount": 812, "note": "xy"}


def test_a_title_with_markup_and_escapes_is_kept_as_plain_text() -> None:
    article = parse_text(article_text(title="[@click=app.quit]x[/] \x1b[2J"), "a.txt")
    assert article.title == "[@click=app.quit]x[/]"


def test_python_tags_never_execute(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    text = f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\n"
    with pytest.raises(ParseError, match="bad YAML"):
        parse_text(text, "a.txt")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"   \n", "empty file"),
        (b"just some text\n", "no front matter"),
        (b"---\ntitle: [unclosed\n---\n", "bad YAML"),
        (b"---\ntitle: x\n", "not closed"),
        (b"---\n- a\n- b\n---\n", "is a list"),
        (b"---\n---\nbody\n", "empty front matter"),
        ("---\ntitle: café\n---\n".encode("latin-1"), "not UTF-8 (byte 0xE9"),
    ],
)
def test_malformed_files_become_problems_with_reasons(
    make_store: StoreMaker, content: bytes, reason: str
) -> None:
    root = make_store({"good.txt": article_text(), "bad.txt": content})
    result = load_store(root)
    assert [row.path for row in result.rows] == ["good.txt"]
    [problem] = result.problems
    assert problem.path == "bad.txt"
    assert reason in problem.reason


def test_bad_yaml_reason_names_the_line(make_store: StoreMaker) -> None:
    root = make_store({"bad.txt": "---\ntitle: ok\nexcerpt: [unclosed\n---\n"})
    [problem] = load_store(root).problems
    assert "line 3" in problem.reason


def test_hidden_files_and_folders_and_other_suffixes_are_skipped(make_store: StoreMaker) -> None:
    root = make_store(
        {
            "a.txt": article_text("A"),
            "sub/b.md": article_text("B"),
            ".hidden.txt": article_text("H"),
            ".git/c.txt": article_text("C"),
            "notes.json": "{}",
        }
    )
    assert sorted(e.path for e in scan(root)) == ["a.txt", "sub/b.md"]


def test_the_scan_comes_newest_first_in_a_store_of_dated_folders(make_store: StoreMaker) -> None:
    root = make_store(
        {
            "2025/12/31-a.txt": article_text(),
            "2026/01/01-a.txt": article_text(),
            "2026/01/01-b.txt": article_text(),
            "2026/11/27-a.txt": article_text(),
        }
    )
    assert [entry.path for entry in scan(root)] == [
        "2026/11/27-a.txt",
        "2026/01/01-b.txt",
        "2026/01/01-a.txt",
        "2025/12/31-a.txt",
    ]


def test_a_large_folder_gives_its_first_listed_articles_before_the_whole_listing(
    make_store: StoreMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"{i:03d}.txt": article_text(f"A{i}") for i in range(60)}
    files |= {"000-sub/z.md": article_text("Z"), ".hidden.txt": article_text("H"), "x.json": "{}"}
    root = make_store(files)
    os.mkfifo(root / "fifo.txt")
    monkeypatch.setattr(files_module, "LISTED_FIRST", 8)
    listed = [entry.name for entry in os.scandir(root)][:8]
    problems: list[Problem] = []
    found = [entry.path for entry in scan(root, problems)]
    # Every article once, the FIFO reported once, and nothing else.
    assert sorted(found) == sorted([*(f"{i:03d}.txt" for i in range(60)), "000-sub/z.md"])
    assert [p.path for p in problems] == ["fifo.txt"]
    # The articles among the first names listed come first, then the rest
    # in reverse name order.
    first = sorted((n for n in listed if n.endswith(".txt") and n[0].isdigit()), reverse=True)
    assert found[: len(first)] == first
    rest = [path for path in found[len(first) :] if "/" not in path]
    assert rest == sorted(rest, reverse=True)
    # A folder no larger than that is listed whole first, as before.
    monkeypatch.setattr(files_module, "LISTED_FIRST", 1000)
    assert [entry.path for entry in scan(root)][:3] == ["059.txt", "058.txt", "057.txt"]


def test_symlink_loops_do_not_hang_the_scan(make_store: StoreMaker) -> None:
    root = make_store({"a/x.txt": article_text()})
    os.symlink(root, root / "a" / "loop")
    os.symlink(root / "a", root / "again")
    paths = [entry.path for entry in scan(root)]
    # The folder is entered once, by whichever name comes first.
    assert len(paths) == 1 and paths[0].endswith("/x.txt")


def test_dangling_link_is_reported_as_unreadable(make_store: StoreMaker) -> None:
    root = make_store({"a.txt": article_text()})
    os.symlink(root / "missing.txt", root / "gone.txt")
    problems = load_store(root).problems
    assert [p.path for p in problems] == ["gone.txt"]
    assert problems[0].reason.startswith("unreadable")


def test_missing_store_and_file_instead_of_folder_are_store_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such store"):
        check_store(tmp_path / "nope")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(StoreError, match="not a folder"):
        check_store(tmp_path / "f.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(StoreError, match="no article files"):
        load_store(tmp_path / "empty")


def test_duplicate_urls_share_a_key(make_store: StoreMaker) -> None:
    url = "https://www.harbourpost.example/a"
    root = make_store({"1.txt": article_text(url=url), "2.txt": article_text(url=url)})
    rows = load_store(root).rows
    assert rows[0].key == rows[1].key == url
    assert (
        make_store({"x.txt": article_text()})
        and load_store(make_store({"y.txt": article_text()})).rows[0].key == "path:y.txt"
    )


def test_provider_as_string_and_domain_from_url() -> None:
    text = article_text(url="https://www.orbit.example/a").replace(
        'provider:\n  name: "Harbour Post"\n  domain: harbourpost.example', "provider: Orbit Daily"
    )
    article = parse_text(text, "a.txt")
    assert (article.provider, article.domain) == ("Orbit Daily", "orbit.example")


def test_bom_and_body_are_read() -> None:
    article = parse_text("\ufeff" + article_text(body="# Heading\n\nText."), "a.md")
    assert article.body == "# Heading\n\nText."
    assert article.to_row().has_body


ROW_CASES = {
    "plain": article_text("Plain", body="Some text."),
    "no body": article_text("No body"),
    "white body": article_text("White", body="  \n\n \t \n"),
    "escape body": article_text("Escapes", body="\x1b[2J\x1b]0;title\x07\x1b[31m"),
    "long body": article_text("Long", body="\x1b[2J" * 10 + "word " * 2_000),
    "related": article_text(
        "Related",
        extra='related:\n  - title: "One"\n    webUrl: "https://one.example/a"\n  - "not a dict"\n'
        "  - title: Two",
    ),
    "related not a list": article_text("Odd", extra="related: 5"),
    "strings": article_text("Strings", quality='"71"', topics="Solo", date="2026-03-14"),
    "hostile": article_text("[@click=app.quit]x[/] \x1b[2J", body="[/]"),
    "python tag in related": article_text(
        "Tagged", extra='related:\n  - !!python/object/apply:os.system ["true"]'
    ),
    "python tag in an unknown field": article_text(
        "Tagged", extra="other: !!python/name:os.system"
    ),
    "anchors and merge keys": article_text(
        "Merged",
        extra="base: &base\n  name: Anchored Post\nprovider:\n  <<: *base\n  domain: a.example\n"
        "related:\n  - *base\n  - *base",
    ),
    "duplicate keys": "---\ntitle: First\ntitle: Second\nquality: 1\nquality: 2\n---\n",
    "a list, not fields": "---\n- a\n- b\n---\n",
    "empty front matter": "---\n---\nbody\n",
    "tagged map": "---\n!!map\ntitle: Tagged map\n---\n",
    "bad date elsewhere": article_text(
        "Dated", extra="related:\n  - title: x\n    when: 2020-01-01"
    ),
}


@pytest.mark.parametrize("name", sorted(ROW_CASES))
def test_a_row_read_alone_is_the_row_of_the_article(name: str) -> None:
    data = ROW_CASES[name].encode()
    entry = FileEntry(f"{name}.txt", 123, len(data))
    try:
        article = parse_bytes(data, entry.path)
    except ParseError as error:
        with pytest.raises(ParseError) as row_error:
            parse_row_bytes(data, entry)
        assert str(row_error.value).split(":")[0] == str(error).split(":")[0]
        return
    article.mtime_ns, article.size = entry.mtime_ns, entry.size
    assert parse_row_bytes(data, entry) == article.to_row()


@needs_shared
def test_rows_of_the_sample_stores_match_their_articles() -> None:
    for root in (SAMPLE_STORE, SHARED_SAMPLE):
        for entry in scan(root, []):
            data = (root / entry.path).read_bytes()
            try:
                article = parse_bytes(data, entry.path)
            except ParseError:
                with pytest.raises(ParseError):
                    parse_row_bytes(data, entry)
                continue
            article.mtime_ns, article.size = entry.mtime_ns, entry.size
            assert parse_row_bytes(data, entry) == article.to_row(), entry.path
