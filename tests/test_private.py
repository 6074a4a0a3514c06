"""Private by default: every file newsdesk keeps is 0600, every folder it makes
0700, even under the common umask 022 (which would give 0644 and 0755)."""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reader.private import atomic_write_text, create_private, private_dir, tighten_private
from reader.search.fulltext import FullText
from reader.search.saved import SavedSearches
from reader.store.files import load_store
from reader.store.index import StoreIndex, default_index_path
from reader.triage.state import State, StateCorruptError
from tests.conftest import StoreMaker, article_text

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def assert_private(top: Path, made: Path) -> None:
    """Every file under `made` is 0600, and `made` and every folder in it
    0700; paths are shown relative to `top`."""
    folders = [made, *(p for p in made.rglob("*") if p.is_dir())]
    files = [p for p in made.rglob("*") if p.is_file()]
    assert files
    assert {str(p.relative_to(top)): oct(mode(p)) for p in folders} == {
        str(p.relative_to(top)): oct(0o700) for p in folders
    }
    assert {str(p.relative_to(top)): oct(mode(p)) for p in files} == {
        str(p.relative_to(top)): oct(0o600) for p in files
    }


def test_a_new_state_is_owner_only(tmp_path: Path) -> None:
    before = mode(tmp_path)
    with State(tmp_path / "a" / "b" / "state.sqlite3") as state:
        state.set_read("k")
        assert (tmp_path / "a" / "b" / "state.sqlite3-wal").exists()
        assert (tmp_path / "a" / "b" / "state.sqlite3-shm").exists()
        assert_private(tmp_path, tmp_path / "a")
    assert mode(tmp_path) == before


def test_a_loose_state_file_is_tightened_on_open_not_read_only(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    with State(path) as state:
        state.set_read("k")
    os.chmod(path, 0o644)
    with State(path, readonly=True) as state:  # `newsdesk export` changes nothing
        assert state.get("k").read
    assert mode(path) == 0o644
    with State(path) as state:
        state.set_starred("k")
        assert mode(path) == 0o600
        assert mode(Path(f"{path}-wal")) == 0o600
        assert mode(Path(f"{path}-shm")) == 0o600


def test_an_empty_state_file_is_tightened_a_foreign_database_is_not(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"")
    os.chmod(path, 0o644)
    with State(path) as state:
        state.set_read("k")
    assert mode(path) == 0o600

    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    os.chmod(other, 0o644)
    with pytest.raises(StateCorruptError, match="not a newsdesk state file"):
        State(other)
    assert mode(other) == 0o644


def test_a_new_store_index_is_owner_only(tmp_path: Path, make_store: StoreMaker) -> None:
    root = make_store({"a.txt": article_text("One"), "b.txt": article_text("Two")})
    with StoreIndex(root, tmp_path / "cache" / "x" / "index.sqlite3") as index:
        assert index.path is not None
        index.put(load_store(root).rows)
        assert Path(f"{index.path}-wal").exists()
        assert_private(tmp_path, tmp_path / "cache")


def test_a_loose_store_index_is_tightened_once_known_as_ours(
    tmp_path: Path, make_store: StoreMaker
) -> None:
    root = make_store({"a.txt": article_text("One")})
    path = tmp_path / "index.sqlite3"
    with StoreIndex(root, path) as index:
        assert index.notice is None
    os.chmod(path, 0o644)
    with StoreIndex(root, path) as index:
        assert index.notice is None
        assert mode(path) == 0o600

    # A file named with --cache that is not an index is neither used nor changed.
    notes = tmp_path / "notes.txt"
    notes.write_text("not an index\n" * 100)
    os.chmod(notes, 0o644)
    with StoreIndex(root, notes) as index:
        assert index.path is None
    assert mode(notes) == 0o644
    assert notes.read_text().startswith("not an index")


def test_a_rebuilt_store_index_and_its_old_folders_are_owner_only(
    tmp_path: Path, make_store: StoreMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform != "linux":
        pytest.skip("XDG_CACHE_HOME is how platformdirs is pointed elsewhere on Linux")
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    root = make_store({"a.txt": article_text("One")})
    path = default_index_path(root)
    assert path.parent == cache / "newsdesk" / "index"
    path.parent.mkdir(parents=True)  # 0755, as an older newsdesk left them
    path.write_bytes(b"garbage" * 1000)
    os.chmod(path, 0o644)
    with StoreIndex(root) as index:
        assert index.path == path
        assert index.notice is not None and "rebuilt" in index.notice
        index.put(load_store(root).rows)
        assert_private(cache, cache / "newsdesk")
    assert mode(cache) == 0o755  # the user's cache folder: not newsdesk's to change


def test_a_new_body_index_is_owner_only(tmp_path: Path) -> None:
    with FullText(tmp_path / "cache" / "b" / "x.bodies.sqlite3") as bodies:
        bodies.upsert([("a.txt", "The café on the corner reopened.")])
        assert (tmp_path / "cache" / "b" / "x.bodies.sqlite3-wal").exists()
        assert (tmp_path / "cache" / "b" / "x.bodies.sqlite3-shm").exists()
        assert_private(tmp_path, tmp_path / "cache")


def test_a_loose_body_index_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "x.bodies.sqlite3"
    with FullText(path) as bodies:
        bodies.upsert([("a.txt", "words")])
    os.chmod(path, 0o644)
    with FullText(path) as bodies:
        assert bodies.search("words") == {"a.txt"}
        assert mode(path) == 0o600


def test_saved_searches_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "n" / "saved-searches.json"
    saved = SavedSearches(path)
    saved.save("ai", "topic:AI")
    saved.rename("ai", "AI")
    assert_private(tmp_path, tmp_path / "data")
    assert SavedSearches(path).items == {"AI": "topic:AI"}
    assert [p.name for p in path.parent.iterdir()] == ["saved-searches.json"]


# -- the helpers -----------------------------------------------------------------


def test_the_default_folders_are_made_and_kept_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if sys.platform != "linux":
        pytest.skip("XDG_*_HOME is how platformdirs is pointed elsewhere on Linux")
    data = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    (data / "newsdesk" / "old").mkdir(parents=True, mode=0o755)
    os.chmod(data / "newsdesk", 0o755)
    os.chmod(data, 0o755)
    with State() as state:
        state.set_read("k")
    # newsdesk's own folder was 0755 (an older newsdesk): tightened; the
    # folder above it, the user's, was not.
    assert mode(data / "newsdesk") == 0o700
    assert mode(data) == 0o755
    private_dir(data / "newsdesk" / "old")
    assert mode(data / "newsdesk" / "old") == 0o700


def test_private_dir_leaves_folders_it_did_not_make_alone(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)
    (tmp_path / "mine").mkdir(mode=0o755)
    assert private_dir(tmp_path / "mine" / "new" / "deeper") == tmp_path / "mine" / "new" / "deeper"
    assert mode(tmp_path) == 0o755
    assert mode(tmp_path / "mine") == 0o755
    assert mode(tmp_path / "mine" / "new") == 0o700
    assert mode(tmp_path / "mine" / "new" / "deeper") == 0o700


def test_private_dir_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(FileExistsError):
        private_dir(tmp_path / "f")


def test_an_odd_umask_still_gives_the_owner_read_and_write(tmp_path: Path) -> None:
    os.umask(0o277)
    private_dir(tmp_path / "d")
    assert create_private(tmp_path / "d" / "f")
    assert mode(tmp_path / "d") == 0o700
    assert mode(tmp_path / "d" / "f") == 0o600


def test_create_private_never_touches_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("kept")
    os.chmod(path, 0o644)
    assert not create_private(path)
    assert mode(path) == 0o644
    assert path.read_text() == "kept"


def test_tighten_private_leaves_links_alone(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("x")
    os.chmod(target, 0o644)
    (tmp_path / "link").symlink_to(target)
    tighten_private(tmp_path / "link")
    assert mode(target) == 0o644


def test_atomic_write_text_replaces_a_loose_file_with_a_private_one(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("old")
    os.chmod(path, 0o644)
    atomic_write_text(path, "new ü")
    assert path.read_text(encoding="utf-8") == "new ü"
    assert mode(path) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]
