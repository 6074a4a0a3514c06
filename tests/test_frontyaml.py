"""The front matter loader: the stock safe loader's answers, sooner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reader.store import frontyaml
from tests.conftest import SHARED_SAMPLE

SCALARS = [
    "",
    "~",
    "null",
    "Null",
    "NULL",
    "yes",
    "No",
    "on",
    "OFF",
    "true",
    "False",
    "y",
    "n",
    "0",
    "-12",
    "+7",
    "0x1F",
    "0o17",
    "017",
    "1_000",
    "190:20:30",
    "3.5",
    "-.5",
    ".inf",
    "-.Inf",
    ".nan",
    "6.8523015e+5",
    "2024-05-01",
    "2024-05-01T00:00:00Z",
    "2024-05-01 10:00:00 +02:00",
    "2024-5-1",
    "=",
    "<<",
    "plain words",
    "Zürich",
    "'quoted yes'",
    '"quoted 12"',
    '"2024-05-01"',
    "!!str 12",
    "!!int '12'",
    "- a",
    "{a: 1}",
    "[1, 2]",
]


@pytest.mark.parametrize("scalar", SCALARS)
def test_each_value_loads_as_the_stock_safe_loader_loads_it(scalar: str) -> None:
    for document in (f"value: {scalar}\n", f"- {scalar}\n", f"{scalar}: key\n"):
        try:
            expected = yaml.load(document, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as error:
            with pytest.raises(type(error)):
                frontyaml.load(document)
            continue
        got = frontyaml.load(document)
        assert got == expected or (got != got and expected != expected)  # nan
        assert type(got) is type(expected)


def test_merge_keys_anchors_and_whole_files_load_the_same() -> None:
    document = "base: &b {x: 1, y: [2, 3]}\nmore:\n  <<: *b\n  y: 4\nlist: [*b, ~, 5]\n"
    assert frontyaml.load(document) == yaml.load(document, Loader=yaml.CSafeLoader)
    files = [*Path(SHARED_SAMPLE).glob("*.txt"), *Path("reader/sample_store").glob("*.txt")]
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace").lstrip("\ufeff").lstrip()
        if not frontyaml.detect(text):
            continue
        try:
            front, _body = frontyaml.split(text)
            expected = yaml.load(front, Loader=yaml.CSafeLoader)
        except (ValueError, yaml.YAMLError):
            continue
        assert frontyaml.load(front) == expected, path


YAML_TEST_SUITE = Path(SHARED_SAMPLE).parent / "yaml-test-suite"


def _suite() -> list[Path]:
    return sorted(YAML_TEST_SUITE.glob("*.yaml"))


def _same(got: object, expected: object) -> bool:
    """Equal, type for type, with NaN equal to itself."""
    if type(got) is not type(expected):
        return False
    if isinstance(got, float) and got != got:
        return expected != expected
    if isinstance(got, list):
        assert isinstance(expected, list)
        return len(got) == len(expected) and all(map(_same, got, expected))
    if isinstance(got, dict):
        assert isinstance(expected, dict)
        return got.keys() == expected.keys() and all(_same(got[k], expected[k]) for k in got)
    return got == expected


@pytest.mark.skipif(not YAML_TEST_SUITE.is_dir(), reason="no yaml-test-suite beside the repo")
def test_the_yaml_test_suite_loads_as_libyaml_loads_it() -> None:
    """Every input of the suite gives the value, or the kind of error, that
    libyaml's safe loader gives: the budget may refuse more, never accept
    something else (and none of the suite is over it)."""
    inputs = _suite()
    assert len(inputs) == 402
    for path in inputs:
        text = path.read_text(encoding="utf-8")
        try:
            expected = yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as error:
            with pytest.raises(yaml.YAMLError) as ours:
                frontyaml.load(text)
            assert type(ours.value) is type(error), path.name
            continue
        assert _same(frontyaml.load(text), expected), path.name
        if isinstance(expected, dict) and all(isinstance(key, str) for key in expected):
            meta, _, _ = frontyaml.load_some(text, frozenset(expected))
            assert _same(meta, expected), path.name


@pytest.mark.skipif(not YAML_TEST_SUITE.is_dir(), reason="no yaml-test-suite beside the repo")
def test_no_anchor_in_the_yaml_test_suite_escapes_the_walk() -> None:
    """`may_hold_anchor` may say yes to text without an anchor, never no to
    text with one: libyaml's events tell where the anchors are."""
    with_anchors = 0
    for path in _suite():
        text = path.read_text(encoding="utf-8")
        anchored = False
        try:
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                anchored = anchored or getattr(event, "anchor", None) is not None
        except yaml.YAMLError:
            pass  # the events up to the error count
        if anchored:
            with_anchors += 1
            assert frontyaml.may_hold_anchor(text), path.name
    assert with_anchors >= 19


@pytest.mark.parametrize(
    ("text", "anchor"),
    [
        ("a: &x 1", True),
        ("&x a", True),
        ("a: [&x 1]", True),
        ("a: [1,&x 2]", True),
        ('a: {"k":&x 1}', True),
        ("a: {? &x k: 1}", True),
        ("a:\t&x 1", True),
        ("\ufeff&x a", True),
        ("url: https://a.example/?b=1&c=2", False),
        ("name: Harbor & Finch", False),
        ('title: "R&D at AT&T"', False),
        ("note: &", False),
    ],
)
def test_may_hold_anchor_says_yes_to_every_anchor(text: str, anchor: bool) -> None:
    assert frontyaml.may_hold_anchor(text) is anchor
    if anchor:
        assert any(
            getattr(event, "anchor", None) for event in yaml.parse(text, Loader=yaml.CSafeLoader)
        )
