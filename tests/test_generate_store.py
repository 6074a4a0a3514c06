"""The benchmark store generator writes stores in the real sample's shape."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "generate_store.py"
SAMPLE_STORE = ROOT.parent / "shared" / "sample-store"
NAME = re.compile(r"^(\d{6})_[0-9a-f]{16}\.txt$")

# The sample's top-level fields, in its order (ampWebUrl and cdnAmpWebUrl are
# optional in generated files, as they are in related items).
SAMPLE_FIELDS = [
    "category", "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl",
    "cdnAmpWebUrl", "type", "quality", "heat", "published", "provider", "topics",
    "related", "secured",
]  # fmt: skip
RELATED_FIELDS = [
    "title", "excerpt", "publishedDateTime", "webUrl", "ampWebUrl", "cdnAmpWebUrl",
    "type", "provider", "quality", "images",
]  # fmt: skip
OPTIONAL = {"ampWebUrl", "cdnAmpWebUrl", "images"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False
    )


def front_matter(path: Path) -> Any:
    """Load the text between the first two ``---`` lines with CSafeLoader."""
    lines = path.read_bytes().decode("utf-8").split("\n")
    if lines[0] != "---":
        raise ValueError("no front matter")
    end = lines.index("---", 1)
    return yaml.load("\n".join(lines[1:end]), Loader=yaml.CSafeLoader)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("gen") / "store"
    result = run("--count", "200", "--out", str(out), "--seed", "3", "--messy", "0.05")
    assert result.returncode == 0, result.stderr
    marker = json.loads((out / ".generated").read_text(encoding="utf-8"))
    return out, marker


def test_names_counts_and_folders(store: tuple[Path, dict[str, Any]]) -> None:
    out, marker = store
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".generated"]
    assert len(files) == 200
    assert all(NAME.match(p.name) for p in files), [p.name for p in files if not NAME.match(p.name)]
    assert sorted(int(p.name.partition("_")[0]) for p in files) == list(range(200))
    folders = Counter(p.parent.relative_to(out).as_posix() for p in files)
    assert all(re.fullmatch(r"20\d\d/(0[1-9]|1[0-2])", f) for f in folders), folders
    assert max(folders.values()) <= 2000
    assert (marker["count"], marker["seed"], marker["messy"]) == (200, 3, 0.05)
    assert len(marker["messy_files"]) == 10
    assert all((out / rel).is_file() for rel in marker["messy_files"])
    assert any(kind in marker["broken_kinds"] for kind in marker["messy_files"].values())


def test_valid_files_parse_and_broken_ones_do_not(store: tuple[Path, dict[str, Any]]) -> None:
    out, marker = store
    broken = {rel for rel, kind in marker["messy_files"].items() if kind in marker["broken_kinds"]}
    for path in out.rglob("*.txt"):
        rel = path.relative_to(out).as_posix()
        if rel in broken:
            with pytest.raises((ValueError, yaml.YAMLError)):  # UnicodeDecodeError too
                data = front_matter(path)
                if not isinstance(data, dict):
                    raise ValueError("not a mapping")
        else:
            assert isinstance(front_matter(path), dict), rel


def test_clean_files_have_the_sample_shape(store: tuple[Path, dict[str, Any]]) -> None:
    out, marker = store
    if SAMPLE_STORE.is_dir():  # the real article, when the shared folder is there
        sample = front_matter(next(SAMPLE_STORE.glob("*.txt")))
        assert list(sample) == SAMPLE_FIELDS
        assert list(sample["related"][0]) == RELATED_FIELDS
    related_seen = 0
    for path in out.rglob("*.txt"):
        if path.relative_to(out).as_posix() in marker["messy_files"]:
            continue
        data = front_matter(path)
        assert list(data) == [f for f in SAMPLE_FIELDS if f in data]
        assert set(SAMPLE_FIELDS) - set(data) <= OPTIONAL
        assert data["category"] in {"news", "analysis", "opinion", "press-release"}
        assert data["type"] in {"article", "video"}
        assert isinstance(data["publishedDateTime"], dt.datetime)
        assert data["publishedDateTime"].tzinfo is not None
        assert dt.datetime(2023, 10, 31, tzinfo=dt.UTC) < data["publishedDateTime"]
        assert data["publishedDateTime"] <= dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
        assert isinstance(data["quality"], int) and 0 <= data["quality"] <= 100
        assert isinstance(data["heat"], int) and -10 <= data["heat"] <= 100
        assert isinstance(data["published"], bool)
        assert set(data["provider"]) == {"name", "domain"}
        assert 1 <= len(data["topics"]) <= 4
        assert all(isinstance(t, str) for t in data["topics"])
        assert len(data["related"]) <= 5
        for item in data["related"]:
            related_seen += 1
            assert list(item) == [f for f in RELATED_FIELDS if f in item]
            assert set(RELATED_FIELDS) - set(item) <= OPTIONAL
            for image in item.get("images", []):
                assert set(image) == {"url", "width", "height", "isCached"}
        signature, _, salt = data["secured"].partition(";")
        assert (len(signature), len(salt)) == (344, 24)
    assert related_seen > 0


def test_messy_values(store: tuple[Path, dict[str, Any]]) -> None:
    out, marker = store
    for rel, kind in marker["messy_files"].items():
        if kind == "quality_string":
            assert isinstance(front_matter(out / rel)["quality"], str)
        elif kind == "topic_string":
            assert isinstance(front_matter(out / rel)["topics"], str)
        elif kind == "naive_date":
            assert front_matter(out / rel)["publishedDateTime"].tzinfo is None
        elif kind == "missing_date":
            assert "publishedDateTime" not in front_matter(out / rel)
        elif kind == "empty":
            assert (out / rel).stat().st_size == 0


def test_idempotent_and_deterministic(store: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, _ = store
    before = (out / ".generated").stat().st_mtime_ns
    again = run("--count", "200", "--out", str(out), "--seed", "3", "--messy", "0.05")
    assert again.returncode == 0 and "up to date" in again.stdout
    assert (out / ".generated").stat().st_mtime_ns == before

    other = tmp_path / "copy"
    result = run("--count", "200", "--out", str(other), "--seed", "3", "--messy", "0.05")
    assert result.returncode == 0, result.stderr
    for path in out.rglob("*.txt"):
        assert (other / path.relative_to(out)).read_bytes() == path.read_bytes()


def test_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = run("--count", "5", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "not made by this generator" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
