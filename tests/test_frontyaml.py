"""The front matter loader: the stock safe loader's answers, sooner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reader import frontyaml
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
