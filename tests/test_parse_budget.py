"""The parse budget: no front matter costs more than a fixed number of
values, levels and characters, whatever aliases, anchors or nesting it holds.

The alias bomb is parsed in a child process with its address space capped:
were the budget gone, the child would run out of memory (or time) and the
test fail, instead of the test run swapping through 10 GB.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from reader.store import frontyaml
from reader.store.files import (
    SAMPLE_STORE,
    FileEntry,
    ParseError,
    load_store,
    parse_bytes,
    parse_row_bytes,
    parse_rows,
    parse_text,
    read_article,
    scan,
)
from tests.conftest import REPO, SHARED_SAMPLE, StoreMaker, article_text, finishes, needs_shared

ALIASES = "too many YAML aliases"


def alias_bomb(levels: int = 8, width: int = 9) -> str:
    """A "billion laughs" in an unknown field: a list of `width` strings, then
    `levels` lists of `width` aliases of the one before (9**9 strings once
    expanded, from 346 bytes)."""
    names = string.ascii_lowercase
    lines = ["---", 'title: "Laughs"', f"a: &a [{','.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        previous, name = names[level - 1], names[level]
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * width)}]")
    return "\n".join([*lines, "---", ""])


def test_the_bomb_is_small_and_would_expand_to_hundreds_of_millions() -> None:
    bomb = alias_bomb()
    assert len(bomb.encode()) < 400
    front = bomb.split("---\n")[1]
    # The stock loader builds it at once (the lists are shared)...
    stock = yaml.load(front, Loader=yaml.CSafeLoader)
    assert stock["i"][0] is stock["i"][1]
    # ...and anything that walks it as a tree meets 9**9 strings.
    with pytest.raises(frontyaml.BudgetError, match=ALIASES):
        frontyaml.load(front)


def test_the_alias_bomb_is_a_problem_for_the_article_and_the_row(make_store: StoreMaker) -> None:
    # Six levels here (were the budget gone, some 300 MB for a few seconds);
    # the whole bomb is parsed below, in a child process.
    root = make_store({"bomb.txt": alias_bomb(levels=6), "good.txt": article_text()})
    with pytest.raises(ParseError, match=f"^bad YAML: {ALIASES}") as error:
        finishes(lambda: read_article(root, "bomb.txt"))
    assert "50,000 values" in str(error.value)
    rows, problems = finishes(lambda: parse_rows(root, list(scan(root))))
    assert [row.path for row in rows] == ["good.txt"]
    assert [(p.path, p.reason) for p in problems] == [("bomb.txt", str(error.value))]


_CHILD = textwrap.dedent(
    """
    import json, resource, sys
    from pathlib import Path
    from reader.search.bodies import fill
    from reader.search.fulltext import FullText
    from reader.store.files import ParseError, load_store, read_article

    root, name = Path(sys.argv[1]), sys.argv[2]
    reasons = []
    result = load_store(root)
    reasons += [problem.reason for problem in result.problems]
    try:
        read_article(root, name)
    except ParseError as error:
        reasons.append(str(error))
    with FullText(":memory:") as fulltext:
        filled = fill(root, fulltext, [row.path for row in result.rows] + [name])
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"reasons": reasons, "filled": filled, "maxrss_kb": maxrss_kb}))
    """
)


def _child(root: Path, name: str) -> dict[str, Any]:
    """Load `root`, read `name` in full and index the bodies, in a child
    process capped at 1 GiB of address space and 120 s."""

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root), name],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        preexec_fn=cap,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2_000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@needs_shared
def test_the_alias_bomb_costs_no_memory_in_load_read_or_body_index(tmp_path: Path) -> None:
    seed_only = tmp_path / "seed"
    shutil.copytree(SHARED_SAMPLE, seed_only)
    [seed] = [path.name for path in seed_only.iterdir()]
    with_bomb = tmp_path / "bomb"
    shutil.copytree(SHARED_SAMPLE, with_bomb)
    (with_bomb / "bomb.txt").write_text(alias_bomb())

    alone = _child(seed_only, seed)
    bombed = _child(with_bomb, "bomb.txt")

    assert alone["reasons"] == [] and alone["filled"] == 2
    # The load and the full read both refuse it, and the body index skips it.
    assert len(bombed["reasons"]) == 2
    assert all(reason.startswith(f"bad YAML: {ALIASES}") for reason in bombed["reasons"])
    assert bombed["filled"] == 1
    assert bombed["maxrss_kb"] - alone["maxrss_kb"] < 20_000


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        # An alias inside its own anchor: the stock loader makes a list that
        # holds itself, which nothing downstream can walk.
        ("title: x\nloop: &l [*l]\n", "alias inside its own anchor"),
        ("title: x\nloop: &l {self: *l}\n", "alias inside its own anchor"),
        # Few values, but each a long string: gigabytes of text once expanded.
        (
            'title: x\ns: &s "' + "x" * 300_000 + '"\nmany: [' + ", ".join(["*s"] * 20) + "]\n",
            "expands to over 4 MB of text",
        ),
        # Merge keys that merge merged mappings double at each level.
        (
            "title: x\nm0: &m0 {k: v}\n"
            + "".join(f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}\n" for i in range(1, 20)),
            ALIASES,
        ),
    ],
    ids=["self in a list", "self in a mapping", "long string", "merge keys"],
)
def test_aliases_that_expand_without_end_or_to_too_much_are_problems(
    front: str, reason: str
) -> None:
    text = f"---\n{front}---\n"
    with pytest.raises(ParseError, match=reason):
        finishes(lambda: parse_text(text, "a.txt"))
    with pytest.raises(ParseError, match=reason):
        finishes(lambda: parse_row_bytes(text.encode(), FileEntry("a.txt", 0, len(text))))


def _nested(levels: int) -> str:
    """A front matter `levels` deep: the top mapping, then flow lists."""
    inner = levels - 1
    return f"---\ntitle: x\ndeep: {'[' * inner}{']' * inner}\n---\n"


def test_nesting_is_allowed_to_64_levels_and_no_deeper() -> None:
    assert parse_text(_nested(64), "a.txt").extra["deep"]
    for text in (
        _nested(65),
        _nested(900),  # libyaml stops at 1,000; the cleaning would recurse out of stack
        "---\ntitle: x\n" + "".join(" " * i + f"k{i}:\n" for i in range(70)) + "---\n",
    ):
        with pytest.raises(ParseError, match=r"too deeply nested \(over 64 levels\)"):
            parse_text(text, "a.txt")
        with pytest.raises(ParseError, match="too deeply nested"):
            parse_row_bytes(text.encode(), FileEntry("a.txt", 0, len(text)))


def test_nesting_made_deep_by_aliases_is_counted_expanded() -> None:
    anchor = f"&d {'[' * 40}{']' * 40}"
    text = f"---\ntitle: x\na: {anchor}\nb: {'[' * 30}*d{']' * 30}\n---\n"
    with pytest.raises(ParseError, match="too deeply nested"):
        parse_text(text, "a.txt")
    with pytest.raises(ParseError, match="too deeply nested"):
        parse_row_bytes(text.encode(), FileEntry("a.txt", 0, len(text)))


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        # 900 KB of text, within the size cap: over 50,000 values.
        ("AI", "bad YAML: too many values (over 50,000)"),
        # 2.5 MB: over the size cap before the YAML is read.
        ("Topic number 1234", "front matter larger than 1 MB"),
    ],
)
def test_a_hundred_thousand_topics_are_a_problem_found_quickly(
    make_store: StoreMaker, topic: str, reason: str
) -> None:
    root = make_store({"topics.txt": article_text(topics=[topic] * 100_000)})
    with pytest.raises(ParseError, match=re.escape(reason)):
        finishes(lambda: read_article(root, "topics.txt"))
    [problem] = finishes(lambda: load_store(root)).problems
    assert reason in problem.reason


def test_a_front_matter_near_the_caps_still_parses() -> None:
    # 45,000 values in 600 KB of text.
    text = article_text(topics=[f"t{i}" for i in range(45_000)])
    article = finishes(lambda: parse_text(text, "a.txt"))
    assert len(article.topics) == 45_000


def test_shared_values_in_unknown_fields_are_kept_cleaned_and_shared() -> None:
    text = article_text(
        extra='note: &n {text: "x\\e[31my", tags: [a, b]}\nagain: *n\nlist: [*n, *n]'
    )
    article = parse_text(text, "a.txt")
    note = {"text": "xy", "tags": ["a", "b"]}
    assert article.extra["note"] == article.extra["again"] == note
    assert article.extra["list"] == [note, note]
    assert article.extra["again"] is article.extra["note"]
    assert article.extra["list"][0] is article.extra["note"]


def test_aliases_within_the_budget_load_as_libyaml_loads_them() -> None:
    front = "provider: &p {name: Anchored, domain: a.example}\nrelated:\n" + "".join(
        f"  - {{title: r{i}, provider: *p}}\n" for i in range(100)
    )
    assert frontyaml.load(front) == yaml.load(front, Loader=yaml.CSafeLoader)
    node = yaml.compose(front, Loader=yaml.CSafeLoader)
    assert node is not None
    count, depth, chars = frontyaml.measure(node)
    # The top mapping and its two keys; the provider (a mapping of two
    # pairs); the related list and its 100 items, each a mapping of two keys,
    # a title and the provider again.
    assert (count, depth) == (1 + 2 + 5 + 1 + 100 * (1 + 3 + 5), 5)
    assert chars == len("providerrelated") + len("namedomainAnchoreda.example") * 101 + sum(
        len(f"titler{i}provider") for i in range(100)
    )


@needs_shared
def test_the_sample_stores_parse_within_the_budget() -> None:
    for root in (SAMPLE_STORE, SHARED_SAMPLE):
        for entry in scan(root, []):
            data = (root / entry.path).read_bytes()
            try:
                parse_bytes(data, entry.path)
            except ParseError as error:
                assert "too " not in str(error) and "larger than" not in str(error)
