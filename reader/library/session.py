"""Where the last session stopped: its view, the article under the cursor,
whether the tree was hidden, the layout, whether stories were grouped, and
when it ended.

Kept as a small JSON file beside the triage state (`state.sqlite3` ->
`state.session.json`), written atomically and owner-only when newsdesk
closes, never on the UI thread. A damaged or unknown file is ignored with a
notice (the next session writes a good one); `newsdesk --fresh` ignores it
without a word.

"New" (the tree's node) means: articles whose file was written after the
last session ended, as the store index records each file's mtime.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

from reader.private import atomic_write_text, private_dir

VERSION = 1


@dataclass(frozen=True, slots=True)
class Session:
    store: str
    """The store's folder (another store's session is not restored)."""
    kind: str
    """The view's facet kind (`inbox`, `topic`, `saved`, `query`, ...)."""
    value: str = ""
    """The facet's value (a topic's name; for `query`, the query text)."""
    article: str | None = None
    """The path of the article under the cursor."""
    position: int = 0
    """The cursor's place in the view (for when that article is gone)."""
    tree_hidden: bool = False
    layout: str = "three"
    """The layout `L` chose: "three" panes, "two" (list and detail), "one" (the list alone)."""
    ended: float = 0.0
    """When the session ended (POSIX time)."""
    stories: bool = True
    """Whether the list showed one row per story (`z`) or every article."""


def session_path(state_path: Path) -> Path:
    """The session file that goes with a triage state file."""
    return state_path.with_name(state_path.stem + ".session.json")


def load_session(path: Path) -> tuple[Session | None, str | None]:
    """The last session, and a one-line notice when its file was unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return None, f"The last session could not be restored ({error}); starting afresh."
    try:
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError("unknown format")
        article = data.get("article")
        session = Session(
            store=_text(data["store"]),
            kind=_text(data["kind"]),
            value=_text(data.get("value", "")),
            article=None if article is None else _text(article),
            position=max(int(data.get("position", 0)), 0),
            tree_hidden=bool(data.get("tree_hidden", False)),
            layout=_text(data.get("layout", "three")),
            stories=bool(data.get("stories", True)),
            ended=float(data.get("ended", 0.0)),
        )
        if not math.isfinite(session.ended):
            raise ValueError("bad end time")
    except (KeyError, TypeError, ValueError) as error:
        return None, f"The last session could not be restored ({error}); starting afresh."
    return session, None


def save_session(path: Path, session: Session) -> None:
    """Write the session atomically (raises OSError)."""
    private_dir(path.parent)
    atomic_write_text(path, json.dumps({"version": VERSION, **asdict(session)}, indent=1))


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value
