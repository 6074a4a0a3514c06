"""What background work tells the screen, as named messages.

Workers run in threads; what they find comes back to the UI thread as one
of these, handled with `@on` in `MainScreen`. Tests can follow the flow
with `run_test(message_hook=...)`. Two hand-overs are calls that wait
instead (`MainScreen._take_rows`, `MainScreen._take_updates`): a load must
not run ahead of the screen, and rows must reach the screen in the order
the query corpus numbered them.
"""

from __future__ import annotations

from textual.message import Message

from reader.library.facets import Facet
from reader.model import Article, Problem
from reader.store.loader import Progress
from reader.triage.counts import TriageCounts
from reader.triage.state import Flags
from reader.triage.writer import Done, Failed, Recovered

__all__ = [
    "ArticleRead",
    "BodiesReady",
    "FlagsLoaded",
    "LoadFinished",
    "LoadProgressed",
    "NewFound",
    "QueryFailed",
    "SavedCounted",
    "StateChangedElsewhere",
    "StateFailed",
    "StateRecovered",
    "StateSaved",
    "StoreNotice",
    "ViewEvaluated",
]


class StateSaved(Message):
    """The state writer finished a job (a decision, an undo, a read)."""

    def __init__(self, outcome: Done) -> None:
        super().__init__()
        self.outcome = outcome


class StateFailed(Message):
    """A state job failed; a decision waits to be tried again."""

    def __init__(self, outcome: Failed) -> None:
        super().__init__()
        self.outcome = outcome


class StateRecovered(Message):
    """The state file was found damaged, moved aside and started afresh."""

    def __init__(self, outcome: Recovered) -> None:
        super().__init__()
        self.outcome = outcome


class StateChangedElsewhere(Message):
    """Another newsdesk wrote to the state file."""


class FlagsLoaded(Message):
    """Every article's triage state, read and counted off the UI thread."""

    def __init__(self, flags: dict[str, Flags], triage: TriageCounts, counted: int) -> None:
        super().__init__()
        self.flags = flags
        self.triage = triage
        self.counted = counted
        """How many rows (from the first) `triage` counted."""


class ArticleRead(Message):
    """An article (or why it cannot be read), read off the UI thread."""

    def __init__(self, path: str, article: Article | Problem, started: float) -> None:
        super().__init__()
        self.path = path
        self.article = article
        self.started = started


class ViewEvaluated(Message):
    """A query's view, evaluated off the UI thread."""

    def __init__(self, generation: int, facet: Facet, view: list[int], anchor: str) -> None:
        super().__init__()
        self.generation = generation
        self.facet = facet
        self.view = view
        self.anchor = anchor


class QueryFailed(Message):
    """A query could not be evaluated (a regular expression too costly, say)."""

    def __init__(self, text: str, message: str, start: int, end: int) -> None:
        super().__init__()
        self.text = text
        self.message = message
        self.start = start
        self.end = end


class LoadProgressed(Message):
    """How far the load has got (between hand-overs of rows)."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class LoadFinished(Message):
    """Every file of the store has been read (or taken from the index)."""


class StoreNotice(Message):
    """Something to tell the user about the store or its index."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class BodiesReady(Message):
    """Article bodies can be searched."""


class NewFound(Message):
    """The articles written since the last session ended."""

    def __init__(self, paths: set[str]) -> None:
        super().__init__()
        self.paths = paths


class SavedCounted(Message):
    """How many articles each saved search finds."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__()
        self.counts = counts
