"""Saved searches: named queries kept in a small JSON file.

Written atomically (`reader.private.atomic_write_text`: a temporary file,
then a rename), so a crash never leaves half a file; a file that cannot be
read is kept aside, not lost. The file is 0600 and a folder made for it 0700:
what someone searches for is their own business.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import platformdirs

from reader.private import atomic_write_text, private_dir


def default_saved_path() -> Path:
    return Path(platformdirs.user_data_dir("newsdesk")) / "saved-searches.json"


class SavedSearches:
    """An ordered mapping of name to query text, persisted on every change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_saved_path()
        self.warning: str | None = None
        self.items: dict[str, str] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as error:
            self.warning = self._keep_aside(f"saved searches could not be read ({error})")
            return
        if isinstance(data, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            self.items = dict(data)
        else:
            self.warning = self._keep_aside("saved searches file has an unknown shape")

    def _keep_aside(self, reason: str) -> str:
        backup = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            self.path.rename(backup)
        except OSError:
            return reason
        return f"{reason}; kept it as {backup}"

    def save(self, name: str, query: str, *, write: bool = True) -> None:
        """Add or replace `name`; written at once unless `write` is False
        (the app writes `text()` off its UI thread, with `write_text`)."""
        self.items[name] = query
        if write:
            self.write_text(self.text())

    def rename(self, old: str, new: str, *, write: bool = True) -> None:
        self.items = {(new if k == old else k): v for k, v in self.items.items()}
        if write:
            self.write_text(self.text())

    def delete(self, name: str, *, write: bool = True) -> None:
        self.items.pop(name, None)
        if write:
            self.write_text(self.text())

    def text(self) -> str:
        """The file's text for the searches as they are now."""
        return json.dumps(self.items, ensure_ascii=False, indent=2)

    def write_text(self, text: str) -> None:
        """Write the file (raises OSError)."""
        private_dir(self.path.parent)
        atomic_write_text(self.path, text)
