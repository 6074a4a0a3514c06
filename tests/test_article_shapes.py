"""Our own articles (tests/data/shapes-store), read through the real code
paths: every shape of the real article in ../shared/sample-store, plus
mojibake in a title and a body, time zones and unknown fields.

The tests that read the real article skip in a clone on its own
(`needs_shared`). Each has its counterpart here, on our fixture, named in a
comment ("Mirrors ..."), so that a lone clone still covers what they cover
(issue 14, point 10). The fixture's files are described in tests/data/README.md.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reader import gc_pause
from reader.model import Article, Row
from reader.store import frontyaml
from reader.store.files import (
    check_store,
    load_store,
    parse_bytes,
    parse_row_bytes,
    parse_text,
    read_article,
    scan,
)
from reader.store.loader import Batch, Progress, stream_store
from reader.triage.state import State
from reader.ui.app import NewsdeskApp
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.detail import DetailView
from reader.web.extract import blocks_from_markdown
from reader.web.urls import web_urls
from tests.conftest import Messages, held_after, held_in, screen_text, wait_article, wait_loaded
from tests.test_parse_budget import ALIASES, _child, alias_bomb

SHAPES = Path(__file__).resolve().parent / "data" / "shapes-store"
RICH = "000_3c9e5b71a2d04f68.txt"
"""Modelled on the real article: every field, two related items with images."""
MOJIBAKE = "001_7d20e4a9c15b3f86.md"
"""Mojibake in the title and the body, a +05:30 timestamp, unknown fields."""
OFFSET = "002_b61f08d3e9a7c254.txt"
"""A date given as a string with a -04:00 offset, an empty body."""

RICH_TITLE = "Harbour council approves tidal turbine array off Gullrock Point"
RICH_URL = "https://www.tidewater.example/news/2026/03/council-approves-tidal-array"
RICH_AMP = "https://amp.tidewater.example/news/2026/03/council-approves-tidal-array"
RICH_CDN_AMP = (
    "https://amp-tidewater-example.cdn.ampcache.example/c/s/"
    "amp.tidewater.example/news/2026/03/council-approves-tidal-array"
)
TURBINES_URL = "https://marineweekly.example/gullrock"
TURBINES_AMP = "https://marineweekly.example/amp/gullrock"
TURBINES_CDN_AMP = (
    "https://marineweekly-example.cdn.ampcache.example/c/s/marineweekly.example/amp/gullrock"
)
FISHERS_URL = "https://eastbaypost.example/f/12055"
CAFE_TITLE = "Café owners on Marapur’s seafront say the monsoon came three weeks early"
"""The title of MOJIBAKE once repaired (the file has `CafÃ©` and `Marapurâ€™s`)."""
UNKNOWN = {
    "language": "en",
    "wordCount": 318,
    "syndication": {"partner": "Bayside Syndicate", "licensed": True},
    "editorNotes": ["check the rainfall figure with the met office"],
}
"""The fields of MOJIBAKE that the format does not document."""


def article(name: str) -> Article:
    return read_article(SHAPES, name)


def rows() -> dict[str, Row]:
    result = load_store(SHAPES)
    assert result.problems == []
    return {row.path: row for row in result.rows}


def front_matter(name: str) -> dict[str, object]:
    """The file's front matter as the YAML holds it, before newsdesk's model."""
    front, _body = frontyaml.split((SHAPES / name).read_text(encoding="utf-8"))
    meta = frontyaml.load(front)
    assert isinstance(meta, dict)
    return meta


# -- the store as a whole ----------------------------------------------------------------


def test_the_store_holds_our_three_articles_and_no_problem() -> None:
    assert sorted(entry.path for entry in scan(SHAPES, [])) == [RICH, MOJIBAKE, OFFSET]
    assert set(rows()) == {RICH, MOJIBAKE, OFFSET}


def test_the_text_is_ours_not_the_real_articles() -> None:
    # The fixture is written by us: nothing of the real article's text in it.
    for entry in scan(SHAPES, []):
        text = (SHAPES / entry.path).read_text(encoding="utf-8")
        for real in ("scoop.co.nz", "Facial Recognition", "noozhawk", "gazettenet", "OkgnuIPK"):
            assert real.lower() not in text.lower(), (entry.path, real)


# Mirrors test_store.py::test_rows_of_the_sample_stores_match_their_articles.
def test_each_row_is_the_row_of_its_article() -> None:
    for entry in scan(SHAPES, []):
        data = (SHAPES / entry.path).read_bytes()
        full = parse_bytes(data, entry.path)
        full.mtime_ns, full.size = entry.mtime_ns, entry.size
        assert parse_row_bytes(data, entry) == full.to_row(), entry.path


def test_the_streamed_load_holds_what_a_full_load_holds() -> None:
    root = check_store(SHAPES)
    events = list(stream_store(root))
    held = held_after(events)
    assert held == held_in(root)
    assert sorted(held) == [RICH, MOJIBAKE, OFFSET]
    assert all(isinstance(item, Row) for item in held.values())
    assert sum(len(e.rows) for e in events if isinstance(e, Batch)) == 3
    last = [e for e in events if isinstance(e, Progress)][-1]
    assert (last.found, last.parsed, last.scanning) == (3, 3, False)
    # The streamed rows carry the repaired title and the converted date.
    assert held[MOJIBAKE].title == CAFE_TITLE
    assert held[MOJIBAKE].published == datetime(2026, 3, 9, 15, 45, tzinfo=UTC).timestamp()
    assert held[RICH].n_related == 2


# Mirrors test_parse_budget.py::test_the_sample_stores_parse_within_the_budget.
def test_our_articles_parse_within_the_budget() -> None:
    for entry in scan(SHAPES, []):
        data = (SHAPES / entry.path).read_bytes()
        assert len(data) < 4_000
        parse_bytes(data, entry.path)  # raises ParseError ("too many ...") when over it


# Mirrors test_parse_budget.py::test_the_alias_bomb_costs_no_memory_in_load_read_or_body_index,
# with our store as the seed: its child process is capped at 1 GiB.
def test_the_alias_bomb_beside_our_articles_costs_no_memory(tmp_path: Path) -> None:
    seed_only = tmp_path / "seed"
    shutil.copytree(SHAPES, seed_only)
    with_bomb = tmp_path / "bomb"
    shutil.copytree(SHAPES, with_bomb)
    (with_bomb / "bomb.txt").write_text(alias_bomb())

    alone = _child(seed_only, RICH)
    bombed = _child(with_bomb, "bomb.txt")

    # Every body is read: the three rows, and RICH once more by name.
    assert alone["reasons"] == [] and alone["filled"] == 4
    assert len(bombed["reasons"]) == 2
    assert all(reason.startswith(f"bad YAML: {ALIASES}") for reason in bombed["reasons"])
    assert bombed["filled"] == 3
    assert bombed["maxrss_kb"] - alone["maxrss_kb"] < 20_000


# -- the richest article: every field of the real one ------------------------------------


# Mirrors test_store.py::test_the_real_sample_article_parses_in_full.
def test_the_richest_article_parses_in_full() -> None:
    row = rows()[RICH]
    assert row.title == RICH_TITLE
    assert row.provider == "Tidewater Courier" and row.domain == "tidewater.example"
    assert row.topics == ("Energy", "Climate")
    assert (row.category, row.type) == ("news", "article")
    assert row.published == datetime(2026, 3, 12, 6, 40, tzinfo=UTC).timestamp()
    assert (row.quality, row.heat, row.n_related, row.has_body) == (67, -4, 2, True)
    assert row.excerpt.startswith("Fourteen turbines will be anchored off Gullrock Point")
    art = article(RICH)
    assert art.to_row() == row
    assert (art.web_url, art.amp_url, art.cdn_amp_url) == (RICH_URL, RICH_AMP, RICH_CDN_AMP)
    assert art.urls == (RICH_URL, RICH_AMP, RICH_CDN_AMP)
    assert art.published_flag is False
    assert [r.provider for r in art.related] == ["Marine Weekly", "East Bay Post"]
    # The mojibake in the second related excerpt is repaired on the way in.
    assert "the harbour’s plan leaves them" in art.related[1].excerpt
    assert art.secured.startswith("ObGS6efu")
    assert "secured" not in art.extra and art.extra == {}
    assert art.key == art.web_url == RICH_URL


def test_the_flags_of_the_other_articles() -> None:
    assert article(MOJIBAKE).published_flag is True
    offset = rows()[OFFSET]
    assert (offset.quality, offset.heat, offset.topics, offset.has_body) == (
        38,
        0,
        ("Transport",),
        False,
    )
    assert article(OFFSET).body == ""


def test_related_items_come_through_with_their_amp_urls() -> None:
    turbines, fishers = article(RICH).related
    assert turbines.title == "Turbine makers line up for Gullrock"
    assert turbines.excerpt.startswith("Three manufacturers have already asked to tender")
    assert (turbines.web_url, turbines.amp_url, turbines.cdn_amp_url) == (
        TURBINES_URL,
        TURBINES_AMP,
        TURBINES_CDN_AMP,
    )
    assert (turbines.provider, turbines.domain, turbines.type, turbines.quality) == (
        "Marine Weekly",
        "marineweekly.example",
        "article",
        58,
    )
    assert turbines.published == datetime(2026, 3, 12, 9, 5, tzinfo=UTC)
    # The second has no AMP addresses: the preview tries the page alone.
    assert (fishers.web_url, fishers.amp_url, fishers.cdn_amp_url) == (FISHERS_URL, "", "")
    assert (fishers.provider, fishers.quality) == ("East Bay Post", 44)
    # What the preview is given, in order: the page, then its AMP versions.
    item_urls = [
        [u for u in (item.web_url, item.amp_url, item.cdn_amp_url) if u]
        for item in (turbines, fishers)
    ]
    assert [web_urls(urls) for urls in item_urls] == [
        [TURBINES_URL, TURBINES_AMP, TURBINES_CDN_AMP],
        [FISHERS_URL],
    ]
    # A related item of another type, with neither images nor AMP addresses.
    [podcast] = article(OFFSET).related
    assert (podcast.type, podcast.provider, podcast.amp_url, podcast.cdn_amp_url) == (
        "podcast",
        "Pier Radio",
        "",
        "",
    )


def test_related_items_with_images_are_read_whole() -> None:
    # The file holds each item's images as the format documents them...
    related = front_matter(RICH)["related"]
    assert isinstance(related, list)
    assert [item["images"] for item in related] == [
        [
            {
                "url": "https://img.marineweekly.example/2026/03/gullrock-array_800x450.jpg",
                "width": 800,
                "height": 450,
                "isCached": True,
            }
        ],
        [
            {
                "url": "http://eastbaypost.example/getattachment/5d0c2f9e/fishers.jpg",
                "width": 640,
                "height": 427,
                "isCached": False,
            }
        ],
    ]
    # ...and the items come through whole beside them: every other field of
    # each is read, none is dropped, and nothing of an image lands anywhere
    # else. (newsdesk's `Related` holds no images: it shows none.)
    art = article(RICH)
    assert len(art.related) == rows()[RICH].n_related == 2
    for item, raw in zip(art.related, related, strict=True):
        assert (item.title, item.web_url, item.quality) == (
            raw["title"],
            raw["webUrl"],
            raw["quality"],
        )
    assert art.extra == {}
    shown = repr(art)
    assert "gullrock-array_800x450" not in shown and "isCached" not in shown


# -- mojibake ---------------------------------------------------------------------------


def test_mojibake_in_the_title_and_body_is_repaired() -> None:
    raw = (SHAPES / MOJIBAKE).read_text(encoding="utf-8")
    # The file really is damaged (UTF-8 read as Windows-1252)...
    assert "CafÃ© owners on Marapurâ€™s seafront" in raw
    assert "Blue Door CafÃ© since 1998" in raw and "promenadeâ€™s tradersâ€™" in raw
    # ...and newsdesk reads it repaired, in the article and in its row.
    art = article(MOJIBAKE)
    assert art.title == CAFE_TITLE
    assert rows()[MOJIBAKE].title == CAFE_TITLE
    assert (
        "Meera Pillai, who has run the Blue Door Café since 1998, said her terrace had been "
        "empty on most nights – the first March she can remember losing."
    ) in art.body
    assert (
        "The promenade’s traders’ association will ask the city for a rent holiday, "
        "according to [its statement](https://marapurtraders.example/news/rent-holiday)."
    ) in art.body
    for text in (art.title, art.body, art.excerpt):
        assert "Ã" not in text and "â€" not in text


# -- time zones -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "written", "utc"),
    [
        # A YAML timestamp in UTC, as the real article has.
        (RICH, "publishedDateTime: 2026-03-12T06:40:00Z", datetime(2026, 3, 12, 6, 40)),
        # A YAML timestamp with an offset east of UTC: 21:15 in Marapur.
        (MOJIBAKE, "publishedDateTime: 2026-03-09T21:15:00+05:30", datetime(2026, 3, 9, 15, 45)),
        # A quoted string with an offset west of UTC: read by another path.
        (OFFSET, 'publishedDateTime: "2026-03-11T18:20:00-04:00"', datetime(2026, 3, 11, 22, 20)),
    ],
)
def test_dates_with_a_time_zone_become_utc(name: str, written: str, utc: datetime) -> None:
    assert written in (SHAPES / name).read_text(encoding="utf-8")
    expected = utc.replace(tzinfo=UTC)
    published = article(name).published
    assert published == expected
    assert published is not None and published.tzinfo is UTC
    assert rows()[name].published == expected.timestamp()


def test_related_dates_with_a_time_zone_become_utc() -> None:
    [podcast] = article(OFFSET).related  # "2026-03-10T07:30:00+01:00"
    assert podcast.published == datetime(2026, 3, 10, 6, 30, tzinfo=UTC)
    assert [item.published for item in article(RICH).related] == [
        datetime(2026, 3, 12, 9, 5, tzinfo=UTC),
        datetime(2026, 3, 11, tzinfo=UTC),
    ]


# -- unknown fields ---------------------------------------------------------------------


def _without_unknown_fields(text: str) -> str:
    """`text` with the unknown top-level fields, and their nested lines, left out."""
    kept: list[str] = []
    skipping = False
    for line in text.split("\n"):
        if line and not line.startswith(" "):
            skipping = line.split(":", 1)[0] in UNKNOWN
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


def test_unknown_fields_are_kept_aside_and_change_nothing() -> None:
    art = article(MOJIBAKE)
    assert art.extra == UNKNOWN
    # Without them, the same article and the same row.
    text = (SHAPES / MOJIBAKE).read_text(encoding="utf-8")
    stripped = _without_unknown_fields(text)
    assert "wordCount" not in stripped and "Bayside" not in stripped and "secured" in stripped
    plain = parse_text(stripped, MOJIBAKE)
    assert plain.extra == {}
    plain.mtime_ns, plain.size = art.mtime_ns, art.size
    assert plain.to_row() == art.to_row() == rows()[MOJIBAKE]
    assert (plain.title, plain.body, plain.related) == (art.title, art.body, art.related)
    assert (plain.provider, plain.domain, plain.topics) == (
        "Coastline Wire",
        "coastlinewire.example",
        ("Weather", "Business"),
    )


# -- the body ---------------------------------------------------------------------------


def test_the_body_keeps_its_headings_lists_and_links() -> None:
    art = article(RICH)
    blocks = blocks_from_markdown(art.body, art.web_url)
    assert [block.kind for block in blocks] == ["heading", "item", "item", "paragraph"]
    assert (blocks[0].level, blocks[0].plain) == (2, "What was approved")
    assert [block.plain for block in blocks[1:3]] == [
        "• Fourteen turbines, 2 km offshore",
        "• First power due in 2028",
    ]
    hrefs = [(span.text, span.href) for block in blocks for span in block.spans if span.href]
    # An absolute link as written, a relative one against the page's address;
    # the mailto: link keeps its text but is no link to follow.
    assert hrefs == [
        ("full decision", "https://council.tidewater.example/decisions/2026-114"),
        ("map of the site", "https://www.tidewater.example/maps/gullrock"),
    ]
    assert "or write to the newsroom." in blocks[3].plain


def test_the_md_body_keeps_its_heading_and_link() -> None:
    art = article(MOJIBAKE)
    blocks = blocks_from_markdown(art.body, art.web_url)
    assert (blocks[0].kind, blocks[0].level, blocks[0].plain) == (
        "heading",
        1,
        "Early rain empties the promenade",
    )
    assert [block.kind for block in blocks[1:]] == ["paragraph"] * 3
    hrefs = [(span.text, span.href) for block in blocks for span in block.spans if span.href]
    assert hrefs == [("its statement", "https://marapurtraders.example/news/rent-holiday")]
    assert "Blue Door Café since 1998" in blocks[2].plain


# -- in the app -------------------------------------------------------------------------


def titles(app: NewsdeskApp) -> list[str]:
    articles = app.query_one(ArticleList)
    return [app.library.rows[i].title for i in articles.view]


# Mirrors test_app.py::test_enter_opens_the_article_in_the_detail_pane.
async def test_enter_opens_our_article_with_its_related_items() -> None:
    app = NewsdeskApp(SHAPES)
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        await wait_article(pilot, messages)
        # Newest first: the +05:30 and -04:00 dates are sorted by their UTC time.
        assert titles(app) == [
            RICH_TITLE,
            "Night ferry to the outer islands returns after a winter off",
            CAFE_TITLE,
        ]
        await pilot.press("enter")
        detail = app.query_one(DetailView)
        assert app.focused is detail
        assert detail.article is not None and detail.article.path == RICH
        assert len(detail.related) == 2 and detail.related_current is None
        # tab moves into the related items, j to the next one; p, o and y act
        # on the item under the cursor, its AMP versions as fallbacks.
        await pilot.press("tab")
        assert app.focused is detail
        assert detail.related_current is not None
        assert detail.related_current.provider == "Marine Weekly"
        assert app.main_screen.current_urls() == [TURBINES_URL, TURBINES_AMP, TURBINES_CDN_AMP]
        await pilot.press("j")
        assert detail.related_current.provider == "East Bay Post"
        assert app.main_screen.current_urls() == [FISHERS_URL]
        text = screen_text(app)
        assert "Harbour council approves tidal" in text and "East Bay Post" in text
        assert "Fishers fear for their grounds" in text
        assert "secured" not in text and "ObGS6efu" not in text
        assert "isCached" not in text and "gullrock-array" not in text
        # escape leaves them, and tab from there goes on to the next pane.
        await pilot.press("escape")
        assert detail.related_current is None and app.focused is detail
        assert app.main_screen.current_urls() == [RICH_URL, RICH_AMP, RICH_CDN_AMP]
        await pilot.press("tab", "tab")
        assert app.focused is not detail and detail.related_current is None


async def test_the_repaired_title_and_the_local_time_are_shown() -> None:
    app = NewsdeskApp(SHAPES)
    messages = Messages()
    async with app.run_test(size=(140, 40), message_hook=messages) as pilot:
        await wait_loaded(pilot)
        await wait_article(pilot, messages)
        mark = messages.mark()
        await pilot.press("G")
        await wait_article(pilot, messages, after=mark)
        detail = app.query_one(DetailView)
        assert detail.article is not None and detail.article.path == MOJIBAKE
        text = screen_text(app)
        assert "Café owners on Marapur’s" in text
        # 21:15 at +05:30 is 15:45 UTC: the tests pin the local zone to UTC.
        assert "2026-03-09 15:45 UTC" in text
        assert "Ã" not in text and "â€" not in text
        # The unknown fields are not shown.
        for value in ("wordCount", "Bayside", "rainfall figure", "syndication"):
            assert value not in detail.text and value not in text


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    """As in test_gc_pause.py: the collector's switch is the whole process's."""
    gc.enable()
    yield
    gc_pause.start_up_done()
    gc.enable()


# Mirrors test_gc_pause.py::test_the_app_ends_the_start_up_hold.
@pytest.mark.usefixtures("collector_enabled")
async def test_the_app_ends_the_start_up_hold_on_our_store(tmp_path: Path) -> None:
    gc_pause.hold_start_up()
    assert not gc.isenabled()
    frozen = gc.get_freeze_count()
    app = NewsdeskApp(SHAPES, state=State(tmp_path / "state.sqlite3"))
    async with app.run_test(size=(120, 32)) as pilot:
        await wait_loaded(pilot)
        assert len(app.library.rows) == 3
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
