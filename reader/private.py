"""Private by default: the files and folders newsdesk keeps are owner-only.

The state, the store index, the body index, the saved searches (and later
the session) say what a person reads, stars and looks for. They are created
0600 in folders created 0700, whatever the umask, so that other accounts on a
shared machine cannot read them.

Files
    `create_private` makes a missing file 0600 (`O_CREAT | O_EXCL`, then an
    explicit `fchmod`, so an odd umask cannot leave it 0400) *before* SQLite
    opens it: SQLite gives a database's `-wal`, `-shm` and `-journal` files
    the mode of the database file, so they are owner-only too. It never
    touches a file that already exists.

    `tighten_private` takes the group and other bits off an existing file
    that newsdesk has recognised as its own, and off its `-wal`, `-shm` and
    `-journal` (left 0644 by an older newsdesk, or by a crash). Each caller
    decides what "recognised" means: the index and the body index call it
    once their own check has passed (a file named with `--cache` that is not
    a newsdesk index is left alone); the state, which must tighten before it
    connects, passes its `PRAGMA application_id` and only an empty file or
    one whose SQLite header carries that id is changed. Symbolic links,
    files of other users and anything that is not a regular file are never
    changed; a `chmod` that fails (read-only file system) is ignored.

    `atomic_write_text` replaces a small file whole: a 0600 temporary file in
    the same folder, `fsync`, `os.replace`, then an `fsync` of the folder, so
    a crash leaves the old file or the new one, never half of either.

Folders
    `private_dir` is `mkdir -p` with a rule for modes:

    * every folder it creates (the leaf and any missing parent) is made
      0700, again with an explicit `chmod` after `mkdir`;
    * a folder that already exists is tightened to 0700 only when it is
      newsdesk's own: at or below one of the platformdirs folders named for
      newsdesk (`user_data_dir`, `user_cache_dir`, `user_state_dir`; on Linux
      `~/.local/share/newsdesk`, `~/.cache/newsdesk`,
      `~/.local/state/newsdesk`), owned by us and not a symbolic link;
    * every other existing folder, such as `/tmp`, the home folder or a
      folder the user named with `--state` or `--cache`, is left as it is:
      its mode is the user's decision, and the files newsdesk puts there are
      0600 anyway.

    Folder modes are only changed on POSIX systems; on Windows a mode is
    little more than a read-only flag.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700

_SIDECARS = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside a database."""

_SQLITE_MAGIC = b"SQLite format 3\x00"
_APPLICATION_ID_AT = 68
"""Offset of `PRAGMA application_id` (4 bytes, big-endian) in a SQLite header."""


def private_dir(path: Path) -> Path:
    """Make the folder `path` and its missing parents; returns `path`.

    Created folders are 0700; existing ones are tightened to 0700 only when
    they are newsdesk's own (see the module docstring). Raises `OSError` as
    `Path.mkdir(parents=True, exist_ok=True)` would, and `FileExistsError`
    when `path` is something other than a folder.
    """
    path = Path(path)
    created = _make_dirs(path)
    if not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder")
    if os.name == "posix":
        _tighten_own_dirs(path, created)
    return path


def create_private(path: Path) -> bool:
    """Create `path` empty with mode 0600 if it does not exist.

    Returns whether it made the file. An existing file (or a symbolic link,
    even a dangling one) is left exactly as it is; see `tighten_private`.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        if hasattr(os, "fchmod"):
            with contextlib.suppress(OSError):
                os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def tighten_private(path: Path, *, application_id: int | None = None) -> None:
    """Take the group and other bits off the file `path` and its SQLite
    `-wal`, `-shm` and `-journal`.

    With `application_id`, only a file that is empty or whose SQLite header
    carries that id is changed (a foreign database is left alone). Only
    regular files owned by us are changed; failures are ignored.
    """
    if os.name != "posix":
        return
    try:
        regular = stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return
    if not regular or (application_id is not None and not _carries_id(path, application_id)):
        return
    for name in (str(path), *(f"{path}{suffix}" for suffix in _SIDECARS)):
        _tighten(name, stat.S_ISREG, FILE_MODE)


def atomic_write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Replace the file `path` with `text`, atomically and owner-only.

    The text goes to a temporary 0600 file in the same folder, is flushed to
    disk, and is renamed over `path`; the folder is then flushed too, so the
    rename survives a power cut. The folder must exist (`private_dir`).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding=encoding) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


# -- inside -------------------------------------------------------------------


def _make_dirs(path: Path) -> list[Path]:
    """`mkdir -p path`, each new folder 0700; returns the folders it made."""
    if path.is_dir():
        return []
    created: list[Path] = []
    if path.parent != path:
        created = _make_dirs(path.parent)
    try:
        os.mkdir(path, DIR_MODE)
    except FileExistsError:
        return created  # made meanwhile by someone else: not ours to set
    with contextlib.suppress(OSError):
        os.chmod(path, DIR_MODE)  # the umask may have taken owner bits off
    created.append(path)
    return created


def _tighten_own_dirs(path: Path, created: list[Path]) -> None:
    """Tighten the existing folders from `path` up that are newsdesk's own."""
    made = {os.path.abspath(folder) for folder in created}
    chain = [os.path.abspath(path)]
    while (parent := os.path.dirname(chain[-1])) != chain[-1]:
        chain.append(parent)
    loose = [folder for folder in chain if folder not in made and _is_loose(folder)]
    if not loose:
        return  # the usual case: no need to ask platformdirs
    roots = _own_roots()
    for folder in loose:
        if any(_at_or_below(folder, root) for root in roots):
            _tighten(folder, stat.S_ISDIR, DIR_MODE)


def _own_roots() -> list[str]:
    """The platformdirs folders named for newsdesk, absolute."""
    import platformdirs  # only needed when some folder is loose

    finders = (platformdirs.user_data_dir, platformdirs.user_cache_dir, platformdirs.user_state_dir)
    return [os.path.abspath(find("newsdesk")) for find in finders]


def _at_or_below(folder: str, root: str) -> bool:
    return folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)


def _is_loose(name: str) -> bool:
    """Whether `name` is a folder of ours (not a link) with group/other bits."""
    try:
        info = os.lstat(name)
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and bool(stat.S_IMODE(info.st_mode) & 0o077)
    )


def _tighten(name: str, kind: Callable[[int], bool], mode: int) -> None:
    """Set `name` to `mode` (owner bits kept) if it is of `kind` (a
    `stat.S_IS*` test), owned by us, not a link, and has group/other bits."""
    try:
        info = os.lstat(name)
    except OSError:
        return
    current = stat.S_IMODE(info.st_mode)
    if not kind(info.st_mode) or info.st_uid != os.getuid() or not current & 0o077:
        return
    with contextlib.suppress(OSError):
        os.chmod(name, current & mode)


def _carries_id(path: Path, application_id: int) -> bool:
    """Whether `path` is empty or a SQLite file with `application_id`."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_APPLICATION_ID_AT + 4)
    except OSError:
        return False
    if not head:
        return True
    if len(head) < _APPLICATION_ID_AT + 4 or not head.startswith(_SQLITE_MAGIC):
        return False
    found = int.from_bytes(head[_APPLICATION_ID_AT:], "big")
    return found == application_id


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename) to disk, where the system allows."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
