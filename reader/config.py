"""User settings, read from `config.toml` in the user's config folder.

```toml
[triage]
mark_read_on_open = true     # enter / focusing the detail pane marks read
mark_read_after = 0          # seconds resting on an article to mark it read; 0 = never
advance_after_star = false   # `s` moves on to the next article, as `e` does
archive_marks_read = true    # `e` (archive: done with it) also marks it read
```

A missing file means the defaults; a broken one is reported, not fatal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs


@dataclass(slots=True, frozen=True)
class Config:
    mark_read_on_open: bool = True
    mark_read_after: float = 0.0
    advance_after_star: bool = False
    archive_marks_read: bool = True


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir("newsdesk")) / "config.toml"


def load_config(path: Path | None = None) -> tuple[Config, str | None]:
    """The settings, and a one-line warning when the file could not be used."""
    path = path or default_config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config(), None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Config(), f"settings not read from {path}: {error}"
    triage: Any = data.get("triage", {})
    if not isinstance(triage, dict):
        return Config(), f"settings not read from {path}: [triage] is not a table"
    defaults = Config()
    try:
        return (
            Config(
                mark_read_on_open=bool(triage.get("mark_read_on_open", defaults.mark_read_on_open)),
                mark_read_after=max(float(triage.get("mark_read_after", 0.0)), 0.0),
                advance_after_star=bool(
                    triage.get("advance_after_star", defaults.advance_after_star)
                ),
                archive_marks_read=bool(
                    triage.get("archive_marks_read", defaults.archive_marks_read)
                ),
            ),
            None,
        )
    except (TypeError, ValueError) as error:
        return Config(), f"settings not read from {path}: {error}"
