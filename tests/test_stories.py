"""Story grouping (reader/stories/): words, sketches, URL keys, and stories
found from links, shared pages and near-duplicate texts, kept right as
articles come and go."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from benchmarks import generate_stories
from benchmarks.bench_stories import bcubed, read_store
from reader.stories import group as grouping
from reader.stories.group import Stories, StoryDoc, group, story_id
from reader.stories.links import url_key
from reader.stories.text import K, bands, similarity, sketch, tokens

ROOT = Path(__file__).resolve().parents[1]
HOUR = 3600.0
T0 = 1_760_000_000.0  # 2025-10-09


def doc(
    path: str,
    title: str,
    excerpt: str = "",
    published: float | None = T0,
    *,
    urls: Sequence[str] = (),
    related: Sequence[str] = (),
    quality: int | None = None,
) -> StoryDoc:
    return StoryDoc(path, published, quality, tuple(urls), tuple(related), sketch(title, excerpt))


def partition(mapping: dict[str, str]) -> set[frozenset[str]]:
    """The stories of a path -> id mapping, as sets of paths."""
    stories: dict[str, set[str]] = {}
    for path, sid in mapping.items():
        stories.setdefault(sid, set()).add(path)
    return {frozenset(s) for s in stories.values()}


def same_story(mapping: dict[str, str], *paths: str) -> bool:
    return len({mapping[p] for p in paths}) == 1


# A story told by three providers in their own words.
JOBS = [
    doc(
        "a/1.txt",
        "Nordwind AG to cut 1,200 jobs in Zürich amid solar slowdown",
        "Nordwind AG will cut 1,200 jobs at its solar panel business in Zürich, "
        "blaming weaker demand, the company said on Tuesday.",
        T0,
        urls=["https://www.zurichpost.ch/business/nordwind-cuts-jobs/"],
        quality=40,
    ),
    doc(
        "b/2.txt",
        "Nordwind axes 1,200 roles at its Zurich solar panel unit",
        "About 1,200 employees in Zurich will lose their jobs at Nordwind AG, which "
        "cited weaker demand for solar panels.",
        T0 + 3 * HOUR,
        urls=["https://alpine-wire.com/2025/10/09/nordwind-axes-roles"],
        quality=70,
    ),
    doc(
        "c/3.txt",
        "ZURICH: 1,200 JOBS TO GO AS NORDWIND AG SCALES BACK SOLAR PANELS",
        "Nordwind AG confirmed 1,200 job losses at its solar panel business in Zürich. "
        "Unions called the move a betrayal.",
        T0 + 9 * HOUR,
        urls=["https://news.example.org/zurich-jobs-nordwind"],
        quality=None,
    ),
]
# The same event reported again days later: near-identical text, too late.
FOLLOW_UP = doc(
    "d/4.txt",
    "Nordwind AG cuts 1,200 jobs in Zürich amid solar slowdown",
    "Nordwind AG is cutting 1,200 jobs at its solar panel business in Zürich, "
    "blaming weaker demand, unions said on Sunday.",
    T0 + 5 * 24 * HOUR,
)
# Same place and subject, same day, another event.
LOOK_ALIKE = doc(
    "e/5.txt",
    "Zürich council approves a new solar farm on the Uetliberg",
    "The Zürich city council approved plans for a solar farm above the city on Tuesday, "
    "after residents dropped their objections.",
    T0 + 2 * HOUR,
)


# -- words, sketches, URL keys ------------------------------------------------------


def test_tokens_fold_accents_case_stop_words_and_plurals() -> None:
    assert tokens("The CAFÉS of Zürich said: Straße, Tromsø") == [
        "cafe",
        "zurich",
        "strasse",
        "tromso",
    ]
    assert tokens("Nordwind's farms") == tokens("nordwind farm")
    assert tokens("a b c 1 x") == []
    assert tokens("der Bürgermeister und le maire") == ["burgermeister", "maire"]
    assert tokens("Москва Ελλάδα") == ["москва", "ελλαδα"]


def test_sketch_is_sorted_bounded_and_folded() -> None:
    s = sketch("Nordwind AG to cut 1,200 jobs in Zürich", "A long excerpt " * 40)
    assert list(s) == sorted(s) and len(s) == len(set(s)) <= K
    assert len(sketch("", " ".join(f"w{i}" for i in range(100)))) == K
    # Accents, case, stop words and plurals do not count.
    assert sketch("Zürich Cafés", "") == sketch("the ZURICH cafe", "")
    assert sketch("", "") == ()
    # The title counts twice: its words again, below every other hash.
    assert len(sketch("Zürich cafe", "")) == 4
    assert len(sketch("", "Zürich cafe")) == 2


def test_similarity_estimates_jaccard() -> None:
    a = sketch("Nordwind AG to cut 1,200 jobs in Zürich", "")
    b = sketch("Quantica opens a lab in Osaka", "")
    assert similarity(a, a) == 1.0
    assert similarity(a, b) == 0.0
    assert similarity(a, ()) == 0.0
    # Long texts: the estimate of a known Jaccard similarity is close.
    words = [f"w{i}" for i in range(400)]
    x = sketch("", " ".join(words[:300]))
    y = sketch("", " ".join(words[100:400]))  # exact Jaccard: 200 / 400
    assert len(x) == len(y) == K
    assert 0.25 <= similarity(x, y) <= 0.75
    # Near duplicates score over the threshold, the decoys under it.
    assert similarity(JOBS[0].sketch, JOBS[1].sketch) >= grouping.THRESHOLD
    assert similarity(JOBS[0].sketch, LOOK_ALIKE.sketch) < grouping.THRESHOLD
    assert similarity(JOBS[0].sketch, FOLLOW_UP.sketch) >= grouping.THRESHOLD


def test_bands_come_from_title_words() -> None:
    a = sketch("Nordwind AG to cut 1,200 jobs in Zürich", "unrelated words here")
    b = sketch("Zurich: Nordwind AG cuts 1,200 jobs", "nothing in common at all")
    assert set(bands(a)) & set(bands(b))
    assert len(bands(a)) == 6  # pairs of the 4 smallest title hashes
    c = sketch("Osaka lab opens for Quantica", "Nordwind AG to cut 1,200 jobs in Zürich")
    assert not set(bands(a)) & set(bands(c))
    assert bands(sketch("Zürich", "")) == ()


SCOOP = "scoop.co.nz/stories/WO2007/S00052/x.htm"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("https://www.scoop.co.nz/stories/WO2007/S00052/x.htm", SCOOP),
        ("http://scoop.co.nz/stories/WO2007/S00052/x.htm/", SCOOP),
        ("https://m.scoop.co.nz/stories/WO2007/S00052/x.htm", SCOOP),
        (
            "https://m-scoop-co-nz.cdn.ampproject.org/c/s/m.scoop.co.nz/stories/WO2007/S00052/x.htm",
            SCOOP,
        ),
        ("HTTPS://WWW.Example.COM:443/A/b/#top", "example.com/A/b"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed", "example.com/a"),
        ("https://example.com/a?b=2&fbclid=x&a=1", "example.com/a?a=1&b=2"),
        ("https://example.com/a?id=7", "example.com/a?id=7"),
        ("https://www.noozhawk.com/amp/diane_20200711", "noozhawk.com/diane_20200711"),
        ("https://example.com/story/amp", "example.com/story"),
        ("https://example.com/story?amp=1", "example.com/story"),
        ("  https://www.example.com/a  ", "example.com/a"),
        ("https://www.com/a", "www.com/a"),
        ("https://example.com:8080/a", "example.com:8080/a"),
        ("ftp://example.com/a", ""),
        ("mailto:someone@example.com", ""),
        ("not a url", ""),
        ("", ""),
        ("https://", ""),
    ],
)
def test_url_key(url: str, key: str) -> None:
    assert url_key(url) == key


def test_url_key_keeps_pages_apart() -> None:
    assert url_key("https://example.com/a") != url_key("https://example.com/b")
    assert url_key("https://example.com/a?id=1") != url_key("https://example.com/a?id=2")
    assert url_key("https://example.com/a") != url_key("https://example.org/a")


# -- stories --------------------------------------------------------------------


def test_reworded_titles_from_several_providers_are_one_story() -> None:
    found = group(JOBS)
    assert same_story(found, *(d.path for d in JOBS))
    assert len(set(found.values())) == 1


def test_decoys_stay_apart() -> None:
    found = group([*JOBS, FOLLOW_UP, LOOK_ALIKE])
    assert same_story(found, *(d.path for d in JOBS))
    assert found[FOLLOW_UP.path] != found[JOBS[0].path]
    assert found[LOOK_ALIKE.path] != found[JOBS[0].path]
    assert found[FOLLOW_UP.path] != found[LOOK_ALIKE.path]
    # The follow-up is kept out by the window alone: published with the
    # story, it joins it.
    early = doc(
        "d/4.txt",
        "Nordwind AG cuts 1,200 jobs in Zürich amid solar slowdown",
        "Nordwind AG is cutting 1,200 jobs at its solar panel business in Zürich, "
        "blaming weaker demand, unions said on Sunday.",
        T0 + 20 * HOUR,
    )
    assert same_story(group([*JOBS, early]), JOBS[0].path, early.path)


def test_articles_without_a_date_get_no_text_edges() -> None:
    twin = StoryDoc("y.txt", None, None, (), (), JOBS[0].sketch)  # the same text
    found = group([JOBS[0], twin])
    assert found["y.txt"] != found[JOBS[0].path]
    dated = StoryDoc("y.txt", T0 + HOUR, None, (), (), JOBS[0].sketch)
    assert same_story(group([JOBS[0], dated]), "y.txt", JOBS[0].path)


def test_links_join_articles_both_ways() -> None:
    page = "https://www.alpine-wire.com/2025/10/09/quantica-lab"
    amp = "https://m.alpine-wire.com/2025/10/09/quantica-lab"
    a = doc("a.txt", "Quantica opens a lab in Osaka", "", T0, urls=[page, amp])
    # b names a's page through the AMP cache, with tracking parameters.
    cdn = "https://m-alpine--wire-com.cdn.ampproject.org/c/s/m.alpine-wire.com/2025/10/09/quantica-lab"
    b = doc("b.txt", "Robotics firm expands in Japan", "", T0 + 40 * 24 * HOUR, related=[cdn])
    c = doc(
        "c.txt", "A quiet week for markets", "", None,
        urls=["https://other.example/markets"],
        related=["http://alpine-wire.com/2025/10/09/quantica-lab/?utm_source=rss"],
    )  # fmt: skip
    d = doc("d.txt", "Unrelated", "", T0, related=["https://elsewhere.example/page"])
    e = doc("e.txt", "Also unrelated", "", T0, related=["https://elsewhere.example/page"])
    for order in ([a, b, c, d, e], [e, d, c, b, a], [b, a, e, c, d]):
        found = group(order)
        assert same_story(found, "a.txt", "b.txt", "c.txt")
        # Two articles naming the same outside page are not linked by it.
        assert found["d.txt"] != found["e.txt"]
        assert found["d.txt"] != found["a.txt"]
    # Incremental, the linked article arriving after the one naming it.
    stories = Stories()
    stories.add([b])
    changed = stories.add([a])
    assert changed == {"a.txt", "b.txt"} or changed == {"a.txt"}
    assert stories.story_of("a.txt") == stories.story_of("b.txt") == story_id("a.txt")


def test_the_same_page_twice_is_one_story() -> None:
    url = "https://www.zurichpost.ch/business/nordwind-cuts-jobs/"
    first = doc("2025/first.txt", "Nordwind to cut jobs", "", T0, urls=[url])
    again = doc(
        "2025/again.txt", "UPDATE: unions react", "Totally different text.", None,
        urls=[url.replace("https://www.", "http://")],
    )  # fmt: skip
    other = doc("2025/other.txt", "Nordwind opens a plant", "", T0, urls=[url + "plant"])
    found = group([first, again, other])
    assert found["2025/first.txt"] == found["2025/again.txt"] != found["2025/other.txt"]


def test_story_ids_and_leads() -> None:
    stories = Stories()
    assert stories.add(JOBS) == {d.path for d in JOBS}
    sid = stories.story_of("b/2.txt")
    assert sid == story_id("a/1.txt")  # the smallest member path
    assert len(sid) == 10 and int(sid, 16) >= 0 and sid == sid.lower()
    # Lead: highest quality; then the earliest; no quality is the lowest.
    assert stories.members(sid) == ["b/2.txt", "a/1.txt", "c/3.txt"]
    assert stories.lead_of(sid) == "b/2.txt"
    assert len(stories) == 1
    stories.add([LOOK_ALIKE])
    assert len(stories) == 2
    assert stories.members(story_id(LOOK_ALIKE.path)) == [LOOK_ALIKE.path]
    with pytest.raises(KeyError):
        stories.members("0123456789")
    with pytest.raises(KeyError):
        stories.members("not an id")
    with pytest.raises(KeyError):
        stories.story_of("missing.txt")


def test_lead_ties_go_to_the_earliest_then_the_path() -> None:
    url = "https://example.com/page"
    docs = [
        StoryDoc("z.txt", T0 + 10, 5, (url,), (), ()),
        StoryDoc("y.txt", T0, 5, (url,), (), ()),
        StoryDoc("x.txt", T0, 5, (url,), (), ()),
        StoryDoc("w.txt", None, 5, (url,), (), ()),
        StoryDoc("v.txt", T0 - 10, None, (url,), (), ()),
    ]
    stories = Stories()
    stories.add(docs)
    assert stories.members(story_id("v.txt")) == ["x.txt", "y.txt", "z.txt", "w.txt", "v.txt"]


def test_removal_splits_a_story() -> None:
    # a -> b -> c by links only: removing b leaves a and c apart.
    a = doc("a.txt", "Alpha", "", T0, urls=["https://a.example/1"], related=["https://b.example/2"])
    b = doc("b.txt", "Beta", "", T0, urls=["https://b.example/2"], related=["https://c.example/3"])
    c = doc("c.txt", "Gamma", "", T0, urls=["https://c.example/3"])
    stories = Stories()
    stories.add([a, b, c])
    assert len(stories) == 1
    assert stories.story_of("c.txt") == story_id("a.txt")
    changed = stories.remove(["b.txt"])
    assert changed == {"b.txt", "c.txt"}  # a keeps its id: it was the smallest path
    assert stories.story_of("a.txt") == story_id("a.txt")
    assert stories.story_of("c.txt") == story_id("c.txt")
    assert len(stories) == 2
    assert "b.txt" not in stories
    assert stories.remove(["b.txt", "nowhere.txt"]) == set()
    # Removing the smallest path renames the story of the rest.
    stories = Stories()
    stories.add([*JOBS])
    assert stories.remove(["a/1.txt"]) == {"a/1.txt", "b/2.txt", "c/3.txt"}
    assert stories.story_of("c/3.txt") == story_id("b/2.txt")


def test_replacing_an_article_moves_it() -> None:
    stories = Stories()
    stories.add([*JOBS, LOOK_ALIKE])
    moved = doc(LOOK_ALIKE.path, JOBS[1].path, "", T0, urls=JOBS[1].urls)
    changed = stories.add([moved])  # now the same page as b/2.txt
    assert changed == {LOOK_ALIKE.path}
    assert stories.story_of(LOOK_ALIKE.path) == stories.story_of("a/1.txt")
    assert stories.add([moved]) == set()  # no change, no report
    assert len(stories) == 1


@pytest.mark.parametrize("bulk", [512, 1])
def test_a_path_twice_in_one_add_keeps_the_last(bulk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grouping, "BULK", bulk)
    stories = Stories()
    first = doc(LOOK_ALIKE.path, "Old title", "", T0, urls=JOBS[1].urls)
    changed = stories.add([*JOBS, first, LOOK_ALIKE])
    assert changed == {d.path for d in JOBS} | {LOOK_ALIKE.path}
    assert len(stories) == 2
    assert stories.story_of(LOOK_ALIKE.path) == story_id(LOOK_ALIKE.path)
    assert stories.members(story_id("a/1.txt")) == ["b/2.txt", "a/1.txt", "c/3.txt"]


# -- order independence -----------------------------------------------------------------


def generated_docs(count: int, seed: int) -> list[StoryDoc]:
    """StoryDocs of a generated store, built in memory."""
    import re

    url_line = re.compile(r'^\s+(?:webUrl|ampWebUrl|cdnAmpWebUrl): "(.*)"$', re.M)
    return [
        StoryDoc(
            a.path,
            None if a.time is None else float(a.time),
            a.quality,
            tuple(u for u in (a.url, a.amp, a.cdn) if u),
            tuple(url_line.findall("".join(a.related))),
            sketch(a.title, a.excerpt),
        )
        for a in generate_stories.build(count, seed, 150.0)
    ]


def add_in_chunks(stories: Stories, docs: Sequence[StoryDoc], rng: random.Random) -> None:
    at = 0
    while at < len(docs):
        size = rng.choice((1, 1, 2, 5, 30))
        stories.add(docs[at : at + size])
        at += size


@pytest.fixture(scope="module")
def docs400() -> list[StoryDoc]:
    return generated_docs(400, seed=11)


@pytest.mark.parametrize("bulk", [512, 20])
def test_incremental_adds_and_removes_match_a_batch(
    docs400: list[StoryDoc], bulk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grouping, "BULK", bulk)
    batch = group(docs400)
    assert 1 < len(set(batch.values())) < len(docs400) * 0.8  # stories were found
    for seed in (1, 2):
        rng = random.Random(seed)
        shuffled = docs400[:]
        rng.shuffle(shuffled)
        stories = Stories()
        add_in_chunks(stories, shuffled, rng)
        assert stories.stories() == batch
        # Remove a third, in small batches: the same as a batch of the rest.
        gone = rng.sample([d.path for d in docs400], len(docs400) // 3)
        for at in range(0, len(gone), 7):
            stories.remove(gone[at : at + 7])
        rest = [d for d in docs400 if d.path not in set(gone)]
        assert stories.stories() == group(rest)
        assert len(stories) == len(set(group(rest).values()))
        # And back again.
        add_in_chunks(stories, [d for d in docs400 if d.path in set(gone)], rng)
        assert stories.stories() == batch


def test_changed_paths_are_exactly_those_whose_id_changed(docs400: list[StoryDoc]) -> None:
    stories = Stories()
    rng = random.Random(5)
    for chunk in range(0, len(docs400), 40):
        old = stories.stories()
        changed = stories.add(docs400[chunk : chunk + 40])
        new = stories.stories()
        assert changed == {p for p in new if old.get(p) != new[p]}
    for _ in range(8):
        old = stories.stories()
        gone = rng.sample(sorted(old), 25)
        changed = stories.remove(gone)
        new = stories.stories()
        assert changed == set(gone) | {p for p in new if old[p] != new[p]}


def test_dead_slots_are_reclaimed(docs400: list[StoryDoc], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grouping, "BULK", 10)
    stories = Stories()
    stories.add(docs400)
    for _ in range(3):
        stories.remove([d.path for d in docs400[:300]])
        stories.add(docs400[:300])
    assert len(stories._paths) < 2 * len(docs400)  # rebuilt, not grown
    assert stories.stories() == group(docs400)


def test_a_crowded_band_key_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 articles with the same title within a day: every band key is
    # shared by all of them; the cap bounds the work, the chains still hold
    # up to the largest story.
    docs = [
        doc(f"{i:05d}.txt", "Nordwind AG to cut jobs in Zürich", "", T0 + i * 20)
        for i in range(3000)
    ]
    checks = 0
    real = grouping.similarity

    def counted(a: Sequence[int], b: Sequence[int]) -> float:
        nonlocal checks
        checks += 1
        return real(a, b)

    monkeypatch.setattr(grouping, "similarity", counted)
    found = group(docs)
    assert checks <= len(docs) * grouping.BUCKET_CAP
    sizes = sorted(Counter(found.values()).values())
    assert sizes == [grouping.MAX_STORY] * 3


@pytest.mark.parametrize("bulk", [True, False])
def test_no_story_grows_past_the_largest(bulk: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # A chain of look-alikes through a dense store stops at MAX_STORY, in a
    # first grouping and one article at a time; removals split no more.
    monkeypatch.setattr(grouping, "MAX_STORY", 25)
    docs = [
        doc(f"{i:03d}.txt", f"Harbour wall collapses in Portmere storm {i % 3}", "", T0 + i * 600)
        for i in range(90)
    ]
    stories = Stories()
    if bulk:
        stories.add_all(docs)
    else:
        for d in docs:
            stories.add([d])
    sizes = Counter(stories.stories().values())
    assert max(sizes.values()) == 25 and sum(sizes.values()) == 90
    stories.remove([d.path for d in docs[::4]])
    sizes = Counter(stories.stories().values())
    assert max(sizes.values()) <= 25 and sum(sizes.values()) == 90 - len(docs[::4])


SCRIPT = """
import json, sys
from benchmarks.generate_stories import build
from reader.stories.group import StoryDoc, group
from reader.stories.text import sketch
docs = [
    StoryDoc(a.path, a.time, a.quality, (a.url,), (), sketch(a.title, a.excerpt))
    for a in build(150, 3, 150.0)
]
json.dump(group(docs), sys.stdout, sort_keys=True)
"""


def test_ids_do_not_depend_on_the_hash_seed() -> None:
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert len(set(outputs[0].values())) < len(outputs[0])  # some stories grouped


# -- the generator and the benchmark -------------------------------------------------


def test_generator_is_deterministic(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    assert generate_stories.generate(tmp_path / "a", 120, seed=5)
    assert generate_stories.generate(tmp_path / "b", 120, seed=5)
    assert generate_stories.generate(tmp_path / "c", 120, seed=6)
    a, b, c = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert a == b
    assert a != c
    assert len([p for p in a if p.endswith(".txt")]) == 120
    truth = generate_stories.read_truth(tmp_path / "a")
    assert set(truth) == {p for p in a if p.endswith(".txt")}
    assert not generate_stories.generate(tmp_path / "a", 120, seed=5)  # up to date
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "mine.txt").write_text("not generated")
    with pytest.raises(FileExistsError):
        generate_stories.generate(tmp_path / "d", 120, seed=5)


def test_bcubed() -> None:
    truth = {"a": "1", "b": "1", "c": "2", "d": "3"}
    assert bcubed(truth, truth) == (1.0, 1.0)
    p, r = bcubed({"a": "x", "b": "x", "c": "x", "d": "x"}, truth)
    assert r == 1.0 and p == pytest.approx((2 * 0.5 + 0.25 + 0.25) / 4)
    p, r = bcubed({k: k for k in truth}, truth)
    assert p == 1.0 and r == pytest.approx((0.5 + 0.5 + 1 + 1) / 4)


def test_grouping_a_generated_store(tmp_path: Path) -> None:
    generate_stories.generate(tmp_path, 600, seed=4)
    docs, _ = read_store(tmp_path)
    assert len(docs) == 600
    found = group(docs)
    truth = generate_stories.read_truth(tmp_path)
    precision, recall = bcubed(found, truth)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    # Not every article alone, not everything in one story.
    everyone_alone = bcubed({p: p for p in truth}, truth)
    assert recall > everyone_alone[1] + 0.2


def test_stories_import_no_user_interface() -> None:
    code = (
        "import sys, reader.stories.group, reader.stories.text, reader.stories.links;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_kept_grouping_reads_back_and_goes_on_as_the_original(docs400: list[StoryDoc]) -> None:
    rng = random.Random(5)
    first, later = docs400[:300], docs400[300:]
    original = Stories()
    original.add(first)
    original.remove([d.path for d in rng.sample(first, 40)])  # dead slots too
    data = original.to_bytes()
    copy = Stories.from_bytes(data)
    assert copy.stories() == original.stories()
    assert len(copy) == len(original)
    assert copy.to_bytes() == data
    # Both go on the same way: adds, removals, a story split.
    for stories in (original, copy):
        add_in_chunks(stories, later, random.Random(1))
        stories.remove([d.path for d in later[::3]])
    assert copy.stories() == original.stories()
    assert copy.stories() == group([d for d in docs400 if d.path in copy])
    empty = Stories.from_bytes(Stories().to_bytes())
    assert empty.stories() == {} and len(empty) == 0


def test_a_damaged_or_foreign_grouping_is_refused(
    docs400: list[StoryDoc], monkeypatch: pytest.MonkeyPatch
) -> None:
    stories = Stories()
    stories.add(docs400[:120])
    data = stories.to_bytes()
    for cut in (0, 10, len(data) // 2, len(data) - 1):
        with pytest.raises(ValueError):
            Stories.from_bytes(data[:cut])
    with pytest.raises(ValueError):
        Stories.from_bytes(data + b"\0")
    with pytest.raises(ValueError):
        Stories.from_bytes(b"x" * len(data))
    # Kept with other settings: not reused.
    monkeypatch.setattr(grouping, "THRESHOLD", 0.5)
    with pytest.raises(ValueError):
        Stories.from_bytes(data)
    monkeypatch.undo()
    # Bytes flipped anywhere: refused, or a grouping that still works.
    rng = random.Random(3)
    refused = 0
    for _ in range(300):
        damaged = bytearray(data)
        at = rng.randrange(len(damaged))
        damaged[at] ^= 1 << rng.randrange(8)
        try:
            copy = Stories.from_bytes(bytes(damaged))
        except ValueError:
            refused += 1
            continue
        copy.add(docs400[120:140])
        copy.remove([docs400[0].path, docs400[125].path])
        copy.stories()
    assert refused > 0


def test_a_first_grouping_taken_one_at_a_time_is_the_same(docs400: list[StoryDoc]) -> None:
    again = StoryDoc(docs400[5].path, *[getattr(docs400[9], f) for f in ("published", "quality",
                     "urls", "related", "sketch")])  # fmt: skip
    docs = [*docs400, again]  # a path twice: the last one wins, as in `add`
    streamed = Stories()
    streamed.add_all(iter(docs))
    batch = Stories()
    batch.add(docs)
    assert streamed.stories() == batch.stories() == group(docs)
    assert len(streamed) == len(batch)
    assert streamed.story_of(again.path) == batch.story_of(again.path)
    empty = Stories()
    empty.add_all(iter(()))
    assert empty.stories() == {}


def test_reclaiming_dead_slots_keeps_capped_stories_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With the cap reached, the stories depend on the order articles came
    # in: b links a and c, but a story holds two. Reclaiming dead slots must
    # not draw them again.
    monkeypatch.setattr(grouping, "MAX_STORY", 2)
    monkeypatch.setattr(grouping, "BULK", 1)
    a = doc("a.txt", "Harbour wall", urls=["https://one.example/a"])
    c = doc("c.txt", "Rail fares", urls=["https://one.example/c"])
    b = doc("b.txt", "Budget", related=["https://one.example/a", "https://one.example/c"])
    # One at a time, in the order that pairs b other than a first grouping does.
    bulk = group([a, b, c])
    order = (c, b, a) if bulk["a.txt"] == bulk["b.txt"] else (a, b, c)
    stories = Stories()
    for d in order:
        stories.add([d])
    before = stories.stories()
    assert len(set(before.values())) == 2 and before != bulk
    fillers = [doc(f"z{i}.txt", f"Filler {i}") for i in range(6)]
    stories.add(fillers)
    changed = stories.remove([d.path for d in fillers])  # dead slots outnumber live: reclaimed
    assert len(stories._paths) == 3
    assert changed == {d.path for d in fillers}
    assert stories.stories() == before


def test_a_kept_grouping_with_impossible_values_is_refused(docs400: list[StoryDoc]) -> None:
    import struct

    stories = Stories()
    stories.add(docs400[:50])

    def kept_with(change: Callable[[Stories], None]) -> bytes:
        copy = Stories.from_bytes(stories.to_bytes())
        change(copy)
        return copy.to_bytes()  # a consistent checksum: only the checks can refuse it

    def far_story_number(s: Stories) -> None:
        s._next_comp = 2**31

    def endless_time(s: Stories) -> None:
        s._time[3] = math.inf

    def own_beyond_its_urls(s: Stories) -> None:
        s._url_own[0] = 200

    for change in (far_story_number, endless_time, own_beyond_its_urls):
        with pytest.raises(ValueError):
            Stories.from_bytes(kept_with(change))
    # A byte changed after it was kept: the checksum says so.
    data = bytearray(stories.to_bytes())
    data[-5] ^= 0x10
    with pytest.raises(ValueError, match="checksum"):
        Stories.from_bytes(bytes(data))
    assert struct.calcsize("<16sIIQQQQQ") < len(data)
