"""The open session: what newsdesk holds of a store while it runs.

`Library` owns the rows of the open store and everything derived from them
(their order, the tree's counts, the triage flags and their counts, the
selection, the query corpus, the body index) and the state writer that
saves decisions. It imports nothing from the screen: the screens are thin
clients that call it, and its own tests drive it without a terminal.

Threads. Each method says where it runs:

- *loader*: the load's thread (`load`, `take_in`) and the store watcher's
  (`watch`, `hand_over`). They read the rows list only by index and never
  change what the UI thread has taken in;
- *UI*: the screen's thread (`add`, `apply_updates`, `set_flags`, `decide`,
  `apply`, the readers of flags and views). Only it changes `rows`,
  `path_index`, `counts`, `flags` and the selection;
- *worker*: any thread (`evaluate`, `count_saved`, `read_flags`,
  `bodies_todo`), reading a copy or an append-only list.

Rows only grow: a row replaced or removed stays in `rows` (its index may
still be in a view being drawn) and leaves `path_index` and the order.
A view is a list of indices into `rows`: paged views can later replace it
with ids fetched from the index, behind the same methods.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reader.library.facets import Counts
from reader.library.hide import HideRules
from reader.library.keyrows import KeyRows
from reader.library.ordering import Ordering
from reader.library.story_rows import StoryRows
from reader.model import Problem, Row
from reader.pacing import Pacer
from reader.search.saved import SavedSearches
from reader.store.index import StoreIndex
from reader.store.loader import Batch, Changes, Notice, Progress, Removed, stream_store
from reader.triage.counts import FlagSets, TriageCounts, ViewProgress, view_progress
from reader.triage.state import NO_FLAGS, Change, Field, Flags, State, plan, setter
from reader.triage.writer import Job, Outcome, StateWriter

if TYPE_CHECKING:
    from reader.search.context import StoryFacts
    from reader.search.fulltext import FullText
    from reader.search.query import Context, Corpus, Query
    from reader.stories.group import Stories
    from reader.stories.service import StoryService

FLUSH_INTERVAL = 0.3
"""Seconds between hand-overs of loaded rows to the UI during a load."""
FLUSH_INTERVAL_KEYS = 1.0
"""The same while the user is pressing keys."""
HAND_OVER = 2_000
"""Rows handed to the UI at once: its work on them stays under ~10 ms."""
LOAD_GIVES_WAY = 0.025
"""Seconds a load waits at most, before a hand-over, for keys to pause
(under a held key: enough for that key's frame, and a 100k load's 50
hand-overs wait 1.25 s in all)."""
WATCH_GIVES_WAY = 0.05
"""Seconds a check of the store waits at most, every few hundred stats, for
keys to pause (a 100k store's check then takes up to half a second more
while a key is held)."""


class Cancelled(Exception):
    """Work was told to stop (the app is closing)."""


@dataclass(slots=True)
class Intake:
    """Rows on their way to the screen, with what was worked out for them
    off the UI thread (`Library.take_in`); the UI thread `add`s them."""

    rows: list[Row]
    problems: list[Problem]
    order: list[int]
    """The whole order once these rows are in (a new list: it may be kept)."""
    counts: Counts
    triage: TriageCounts | None
    """Their triage counts, when the flags were loaded before they came."""
    keys: list[str]
    progress: Progress | None = None
    hidden: list[int] = field(default_factory=list)
    """Positions in `rows` of the rows `[hide]` keeps out of every view."""
    stories: dict[str, str | None] = field(default_factory=dict)
    """Story changes: path -> its story id (None: alone), for `StoryRows`."""


@dataclass(slots=True, frozen=True)
class Update:
    """One file that changed, appeared or vanished while the store is open."""

    path: str
    old: int | None
    """Index of its row so far (None: it had none)."""
    item: Row | Problem | None
    """Its new version (None: the file is gone)."""
    new: int | None
    """Index its new row takes (the corpus's, which the UI must match)."""
    hidden: bool = False
    """Whether `[hide]` keeps its new row out of every view."""
    stories: Mapping[str, str | None] | None = None
    """Story changes these updates made (on the last update of a hand-over)."""


@dataclass(slots=True, frozen=True)
class Applied:
    """What `Library.apply_updates` changed."""

    paths: frozenset[str]
    gone: frozenset[int]
    """Indices of rows that left the view (replaced or removed)."""


@dataclass(slots=True)
class Unsaved:
    """Decisions shown but not saved (a write failed), by job id."""

    jobs: dict[int, tuple[str, ...]] = field(default_factory=dict)
    keys: frozenset[str] = frozenset()
    reason: str = ""

    def add(self, job_id: int, keys: tuple[str, ...], reason: str) -> None:
        self.jobs[job_id] = keys
        self.reason = reason
        self._rekey()

    def discard(self, job_id: int) -> bool:
        """Forget a job now saved; whether it was waiting."""
        if self.jobs.pop(job_id, None) is None:
            return False
        self._rekey()
        return True

    def _rekey(self) -> None:
        self.keys = frozenset(key for keys in self.jobs.values() for key in keys)

    def __bool__(self) -> bool:
        return bool(self.jobs)


@dataclass(slots=True, frozen=True)
class Marks:
    """How one row is marked in the list: selected, unread, starred,
    archived, tagged."""

    selected: bool = False
    unread: bool = True
    starred: bool = False
    archived: bool = False
    tagged: bool = False
    unsaved: bool = False
    """A decision on it is shown but could not be saved yet."""

    WIDTH = 5
    """Cells `prefix` draws, always."""

    def prefix(self) -> str:
        """The row's mark cells, one per mark, each blank when it is off:
        `!` not saved (else `▌` selected), `●` unread, `★` starred,
        `▪` archived, `#` tagged. A selected row that is not saved shows
        `!`: its selection shows in the line's background."""
        return (
            ("!" if self.unsaved else "▌" if self.selected else " ")
            + ("●" if self.unread else " ")
            + ("★" if self.starred else " ")
            + ("▪" if self.archived else " ")
            + ("#" if self.tagged else " ")
        )


class Library:
    """The open session of one store (see the module's notes on threads)."""

    def __init__(
        self,
        root: Path,
        *,
        index: StoreIndex | None = None,
        state: State | None = None,
        saved: SavedSearches | None = None,
        hide: Sequence[str] = (),
    ) -> None:
        self.root = root
        self.hide = HideRules(tuple(hide), clock=lambda: self.clock(), excerpts=self.excerpts)
        """config.toml's `[hide]` queries."""
        self.stories = StoryRows()
        """(UI) Which rows tell the same story."""
        self._story_service: StoryService | None = None
        """The grouping's helper process, once the load is over."""
        self._grouper: Stories | None = None
        """The grouping, when done in this process (`group_now`)."""
        self._story_facts: tuple[int, StoryFacts] | None = None
        self.hidden: frozenset[int] = frozenset()
        """Live rows `[hide]` keeps out of every view (a new set on each
        change): not in the order, the counts or `by_key`."""
        self.index = index
        self.rows: list[Row] = []
        self.by_key = KeyRows()
        self.path_index: dict[str, int] = {}
        """Store path -> index of its live row (replaced rows stay in `rows`)."""
        self.ordering = Ordering()
        self.order: list[int] = []
        """The default view: every live row, newest first."""
        self.problems: list[Problem] = []
        self.counts = Counts()
        self.flags: dict[str, Flags] = {}
        self.flag_sets = FlagSets()
        self.triage = TriageCounts()
        self.flags_loaded = False
        self.selected: set[str] = set()
        self.saved = saved if saved is not None else SavedSearches()
        self.bodies: FullText | None = None
        """Full-text index of article bodies, once it can be searched."""
        self.pacer = Pacer()
        """Background work waits on it while keys come in."""
        self.new_paths: frozenset[str] = frozenset()
        """Articles written since the last session ended (`find_new`)."""
        self.clock: Callable[[], float] = time.time
        """The time queries measure `age:` and `today` from."""
        self.loading = True
        self.progress: Progress | None = None
        self.load_seconds: float | None = None
        self.warm = False
        """True when the load started from the index (not every file read)."""
        self.changed_on_start: set[str] = set()
        """Files that changed since the index was written (their bodies too)."""
        self.load_started_wall = time.time()
        self._state = state if state is not None else State()
        self.writer: StateWriter | None = None
        """Runs every use of the state file on its own thread (`open_writer`)."""
        self.unsaved = Unsaved()
        self.unsaved_at_exit: list[str] = []
        """What could not be saved when the session closed."""
        self._closed = False
        self._corpus: Corpus | None = None
        self._corpus_lock = threading.Lock()
        self._not_in_corpus: list[Row] = []
        """Rows taken in before the corpus was made, in the order taken."""
        self._searching = 0
        self._searches_lock = threading.Lock()

    # -- the state file (UI) ---------------------------------------------------

    def open_writer(self, report: Callable[[Outcome], None]) -> StateWriter:
        """Start the state writer; `report` gets each outcome, on its thread."""
        self.writer = StateWriter(self._state, report)
        return self.writer

    @property
    def state(self) -> State:
        """The triage state: the writer's (it starts a new one if the file
        is found damaged). Use it on the writer's thread (`writer.call`), or
        once the session has closed."""
        return self.writer.state if self.writer is not None else self._state

    def close(self) -> None:
        """Stop background work and the writer (what is queued is written);
        again, it does nothing."""
        self.pacer.stop()
        if self._story_service is not None:
            self._story_service.close()
        if self.writer is not None and not self._closed:
            self._closed = True
            left = self.writer.close()
            self.unsaved_at_exit = [job.what for job in left if job.keep]

    # -- rows in (loader, then UI) ----------------------------------------------

    @property
    def corpus(self) -> Corpus:
        """The query corpus, made on first use (any thread): the query engine
        takes 30 ms to import, and the first screen does not need it. Made
        from the rows taken in so far, in the order the UI numbers them;
        `take_in` adds the rest."""
        with self._corpus_lock:
            if self._corpus is None:
                from reader.search.query import Corpus

                corpus = Corpus(excerpts=self.excerpts)
                corpus.extend(self._not_in_corpus)
                self._not_in_corpus = []
                self._corpus = corpus
            return self._corpus

    def excerpts(self, paths: Sequence[str]) -> dict[str, str]:
        """(any thread) The excerpts the index holds of `paths`, for rows
        read from it (which leave theirs there); none when it cannot be
        read (the load or the watcher says why)."""
        import sqlite3

        if self.index is None:
            return {}
        try:
            return self.index.excerpts(paths)
        except sqlite3.Error:
            return {}

    def with_excerpts(self, rows: Sequence[Row]) -> list[Row]:
        """(any thread) `rows`, each with its excerpt (copies of those read
        from the index), for output that prints them."""
        from dataclasses import replace

        found = self.excerpts([row.path for row in rows if row.excerpt is None])
        return [
            row if row.excerpt is not None else replace(row, excerpt=found.get(row.path, ""))
            for row in rows
        ]

    def newest(self, count: int) -> list[Row]:
        """(UI) The index's newest rows, for a first screen before any load:
        a few milliseconds. Empty without an index or when it is damaged
        (the load finds the damage and says so)."""
        import sqlite3

        if self.index is None:
            return []
        try:
            return self.index.newest(count)
        except sqlite3.Error:
            return []

    def take_in(
        self,
        rows: list[Row],
        problems: list[Problem] | None = None,
        *,
        progress: Progress | None = None,
    ) -> Intake:
        """(loader, or UI before the load starts) Order, index and count
        rows about to reach the screen; the UI `add`s them in the same order."""
        hidden = self._hidden_of(rows)
        shown = rows if not hidden else [row for i, row in enumerate(rows) if i not in hidden]
        counts = Counts()
        counts.add(shown)
        triage: TriageCounts | None = None
        if self.flags_loaded:
            triage = TriageCounts()
            triage.add(shown, self.flags)
        self.ordering.add(rows, skip=hidden)
        # The query corpus first: any query the UI starts after taking these
        # rows sees them too. (Not made yet: it takes them when it is.)
        with self._corpus_lock:
            if self._corpus is None:
                self._not_in_corpus.extend(rows)
            else:
                self._corpus.extend(rows)
        for row in rows:
            row.links = ""  # the index keeps them; the grouping reads them there
        return Intake(
            rows,
            problems or [],
            self.ordering.order,
            counts,
            triage,
            [row.key for row in rows],
            progress,
            sorted(hidden),
        )

    # -- stories ------------------------------------------------------------------------

    def start_stories(
        self,
        on_changes: Callable[[dict[str, str | None]], object],
        on_failure: Callable[[str], object],
    ) -> None:
        """(UI, after the load) Start grouping the store into stories in a
        helper process (`reader.stories.service`); `on_changes` gets what
        changed, on a thread of its own, now and as files change."""
        if self.index is None or self._story_service is not None:
            return
        import sqlite3

        from reader.stories.service import StoryService

        self._story_service = StoryService(self.index, on_changes, on_failure)
        try:
            current = self.index.stories_current()
        except sqlite3.Error:
            current = False
        if not current:
            self._story_service.start()
        # Else the stories the index kept are those of these files: the
        # helper starts with the first file that changes.

    def group_now(self) -> None:
        """(any thread, no UI) Group the store here and now (`newsdesk
        export` and `count`, tests); later changes are grouped as they are
        handed over."""
        if self.index is None:
            return
        from reader.stories.service import group_index

        self._grouper, changes = group_index(self.index)
        self.apply_stories(changes)

    def apply_stories(self, changes: Mapping[str, str | None]) -> None:
        """(UI) Take in story changes (path -> story id, None: alone)."""
        self.stories.apply(changes, self.path_index, self.rows)

    def _regroup(self, rows: list[Row], gone: list[str]) -> dict[str, str | None]:
        """(loader) Files that changed: sent to the grouping. The changes
        come back later from the helper process, or now when grouping here."""
        from reader.stories.service import row_data, update

        data = [row_data(row) for row in rows]
        for row in rows:
            row.links = ""
        if self._story_service is not None:
            self._story_service.update(data, gone)
            return {}
        if self._grouper is not None:
            return update(self._grouper, self.index, data, gone)
        return {}

    def _hidden_of(self, rows: list[Row]) -> set[int]:
        """(loader) Positions in `rows` that `[hide]` hides (a rule that
        cannot be used is in `hide.problems`)."""
        return set(self.hide.match(rows)) if self.hide else set()

    def add(self, intake: Intake) -> None:
        """(UI) Take in rows from `take_in`."""
        rows = intake.rows
        start = len(self.rows)
        self.rows.extend(rows)
        keys = intake.keys
        if intake.hidden:
            hidden = set(intake.hidden)
            self.hidden = self.hidden | {start + i for i in hidden}
            rows = [row for i, row in enumerate(rows) if i not in hidden]
            for i, key in enumerate(keys):
                if i not in hidden:
                    self.by_key.add(key, start + i)
        else:
            self.by_key.add_all(keys, start)
        self.path_index.update(
            zip([row.path for row in intake.rows], range(start, len(self.rows)), strict=True)
        )
        self.stories.rows_added(start, self.rows)
        self.stories.apply(intake.stories, self.path_index, self.rows)
        if self.flags_loaded:
            if intake.triage is not None:
                self.triage.merge(intake.triage)
            else:
                self.triage.add(rows, self.flags)
        self.problems.extend(intake.problems)
        self.order = intake.order
        self.counts.merge(intake.counts)
        if intake.progress is not None:
            self.progress = intake.progress

    def load(
        self,
        shown: list[Row],
        *,
        deliver: Callable[[Intake], None],
        changed: Callable[[list[Update]], None],
        progress: Callable[[Progress], object],
        notice: Callable[[str], object],
        cancelled: Callable[[], bool],
    ) -> bool:
        """(loader) Read the store; whether it was read to the end.

        `shown` are rows already on screen (`newest`). `deliver` hands rows
        to the UI thread and returns once it has taken them: the load's
        pacing depends on it (a load that ran ahead of the screen would
        queue hand-overs faster than frames draw them, and keys would wait
        behind the queue). `changed` hands over files that changed since
        the index was written; `progress` and `notice` report.
        """
        self.load_started_wall = time.time()
        rows: list[Row] = []
        problems: list[Problem] = []
        last_flush = 0.0
        latest: Progress | None = None
        kept = self._kept_stories()
        if kept:
            # A warm start: the stories as they were, at once (the grouping,
            # after the load, says what differs).
            deliver(self._stories_only(dict(kept)))

        def flush() -> None:
            nonlocal rows, problems, last_flush
            pending, pending_problems = rows, problems
            rows, problems = [], []
            # In parts of at most HAND_OVER rows (the UI's share of a part
            # takes a few milliseconds), each a moment after the last key:
            # long enough for that key's frame, short enough that a key held
            # down does not hold up the load.
            while True:
                self.pacer.give_way(LOAD_GIVES_WAY)
                part, pending = pending[:HAND_OVER], pending[HAND_OVER:]
                deliver(self.take_in(part, pending_problems, progress=latest))
                pending_problems = []
                if not pending:
                    break
            last_flush = time.monotonic()

        # With an index, files that changed since it was written come again
        # (replacing their row) or are reported removed: those go the same
        # way as changes seen while the app runs.
        delivered = {row.path for row in shown}
        events = stream_store(self.root, cancelled=cancelled, index=self.index, shown=shown)
        # Closed however this ends (a hand-over to an app that has quit
        # raises, and the error would keep the generator alive): its helper
        # processes stop now, rather than parse the rest of the store while
        # the process waits for them to exit.
        with contextlib.closing(events):
            for event in events:
                if isinstance(event, Notice):
                    notice(event.message)
                    continue
                items: dict[str, Row | Problem | None] = {}
                if isinstance(event, Removed):
                    items = dict.fromkeys(event.paths)
                elif isinstance(event, Batch):
                    parsed: list[Row | Problem] = [*event.rows, *event.problems]
                    for item in parsed:
                        if item.path in delivered:
                            items[item.path] = item  # grouped again: keeps its excerpt
                        elif isinstance(item, Row):
                            delivered.add(item.path)
                            if event.indexed:
                                item.excerpt = None  # the index holds it (`excerpts`)
                            rows.append(item)
                        else:
                            delivered.add(item.path)
                            problems.append(item)
                else:
                    latest = event
                    self.warm = self.warm or event.indexed > 0
                if items:
                    self.changed_on_start.update(items)
                    if rows or problems:
                        flush()  # the UI must hold a row before it can be replaced
                    changed(self.hand_over(items))
                first = not self.ordering.order
                # Less often while keys come in: each hand-over and its frame
                # are time a key may have to wait.
                interval = FLUSH_INTERVAL_KEYS if self.pacer.busy() else FLUSH_INTERVAL
                if (rows or problems) and (first or time.monotonic() - last_flush > interval):
                    flush()
                elif isinstance(event, Progress) and time.monotonic() - last_flush > FLUSH_INTERVAL:
                    progress(event)
                    last_flush = time.monotonic()
        if cancelled():
            return False
        flush()
        return True

    def _kept_stories(self) -> dict[str, str]:
        """(loader) The stories the index kept (none for a new index)."""
        if self.index is None:
            return {}
        import sqlite3

        try:
            return self.index.stories()
        except sqlite3.Error:
            return {}

    def _stories_only(self, changes: dict[str, str | None]) -> Intake:
        """A hand-over of story changes alone."""
        return Intake([], [], self.ordering.order, Counts(), None, [], None, [], changes)

    def load_finished(self) -> None:
        """(UI) The load is over."""
        self.loading = False
        if self.progress is not None:
            self.load_seconds = time.monotonic() - self.progress.started

    # -- the live store (watcher, then UI) ---------------------------------------

    def watch(
        self,
        since: float,
        *,
        changed: Callable[[list[Update]], None],
        notice: Callable[[str], object],
        cancelled: Callable[[], bool],
    ) -> None:
        """(loader) Poll the store until `cancelled`; hand over what changed."""
        from reader.store.watch import INTERVAL, StoreWatcher

        assert self.index is not None
        watcher = StoreWatcher(
            self.root, self.index, since=since, pause=lambda: self.pacer.give_way(WATCH_GIVES_WAY)
        )
        while not cancelled():
            changes = Changes()
            for event in watcher.poll():
                changes.add(event)
            for message in changes.notices:
                notice(message)
            if changes.items:
                changed(self.hand_over(changes.items))
            for _ in range(int(INTERVAL / 0.1)):
                if cancelled():
                    return
                time.sleep(0.1)

    def hand_over(self, items: Mapping[str, Row | Problem | None]) -> list[Update]:
        """(loader) Files that changed, appeared or vanished (None) after
        their first version reached the UI: the corpus first, in this
        thread, so that its indices match the rows the UI appends."""
        updates: list[Update] = []
        grouped: list[Row] = []
        gone: list[str] = []
        new_rows = [item for item in items.values() if isinstance(item, Row)]
        hidden_paths = {new_rows[i].path for i in self._hidden_of(new_rows)}
        for path, item in items.items():
            old = self.path_index.get(path)
            if old is not None:
                self.corpus.discard([old])
            new = self.corpus.extend([item])[0] if isinstance(item, Row) else None
            hidden = isinstance(item, Row) and path in hidden_paths
            if isinstance(item, Row) and not hidden:
                grouped.append(item)
            else:
                gone.append(path)
            updates.append(Update(path, old, item, new, hidden))
        if updates and (grouped or gone):
            stories = self._regroup(grouped, gone)
            if stories:
                last = updates[-1]
                updates[-1] = Update(last.path, last.old, last.item, last.new, last.hidden, stories)
        return updates

    def apply_updates(self, updates: Sequence[Update]) -> Applied:
        """(UI) Take in files changed, appeared or vanished."""
        gone: set[int] = set()
        added: list[Row] = []
        added_hidden: set[int] = set()
        hidden = set(self.hidden)
        paths = frozenset(update.path for update in updates)
        self.problems[:] = [p for p in self.problems if p.path not in paths]
        for update in updates:
            if update.old is not None:
                row = self.rows[update.old]
                gone.add(update.old)
                if update.old in hidden:
                    hidden.discard(update.old)
                else:
                    self.counts.remove(row)
                    if self.flags_loaded:
                        self.triage.remove(row, self.flags)
                    self.by_key.remove(row.key, update.old)
                del self.path_index[update.path]
            if isinstance(update.item, Row) and update.new is not None:
                assert update.new == len(self.rows), "corpus and rows out of step"
                self.rows.append(update.item)
                self.path_index[update.path] = update.new
                if update.hidden:
                    hidden.add(update.new)
                    added_hidden.add(len(added))
                else:
                    self.by_key.add(update.item.key, update.new)
                added.append(update.item)
            elif isinstance(update.item, Problem):
                self.problems.append(update.item)
        shown = [row for i, row in enumerate(added) if i not in added_hidden]
        self.counts.add(shown)
        if self.flags_loaded:
            self.triage.add(shown, self.flags)
        if hidden != self.hidden:
            self.hidden = frozenset(hidden)
        self.ordering.add(added, skip=added_hidden)
        if gone:
            self.stories.rows_gone(gone, self.rows)
        for update in updates:
            if update.stories:
                self.stories.apply(update.stories, self.path_index, self.rows)
        if gone:
            self.ordering.drop(gone)
        self.order = self.ordering.order
        return Applied(paths, frozenset(gone))

    def live_index(self, index: int) -> int | None:
        """(UI) The index of the live row of the file row `index` was read
        from (the same, or its newer version; None once it is gone)."""
        return self.path_index.get(self.rows[index].path)

    # -- the body index (worker) -------------------------------------------------

    def bodies_path(self) -> str:
        if self.index is not None and self.index.path is not None:
            return str(self.index.path.with_name(self.index.path.stem + ".bodies.sqlite3"))
        return ":memory:"

    def bodies_todo(self, bodies: FullText, only: frozenset[str] | None) -> tuple[bool, list[str]]:
        """(worker) Whether to clear the body index, and the paths to read
        into it; drops the bodies of files gone. (The sets of 100,000 paths
        it may build are freed before the bodies are read.)"""
        rows, path_index = self.rows, self.path_index
        if only is not None:
            indices = {path: path_index.get(path) for path in only}
            kept = {path for path, i in indices.items() if i is not None and rows[i].has_body}
            bodies.remove(only - kept)
            return False, sorted(kept)
        # The paths in the order their rows came (the store's, as scanned),
        # and neither sorted nor copied with their rows: at 100,000 paths
        # each is one call that holds the interpreter, and so the screen,
        # for 20-30 ms. (A copy of the paths first: the UI thread may
        # change the index meanwhile; a path it dropped is skipped.)
        paths = list(path_index)
        live = [path for path in paths if _has_body(rows, path_index.get(path))]
        if not self.warm:
            return True, live  # every file was read afresh: so are the bodies
        have = bodies.paths()
        bodies.remove(have.difference(live))
        changed = self.changed_on_start
        return False, [path for path in live if path not in have or path in changed]

    # -- queries (worker) ----------------------------------------------------------

    @contextlib.contextmanager
    def searching(self) -> Iterator[None]:
        """Marks a query at work (any thread) on the corpus."""
        with self._searches_lock:
            self._searching += 1
        try:
            yield
        finally:
            with self._searches_lock:
                self._searching -= 1

    def prepare(self, cancelled: Callable[[], bool]) -> bool:
        """(worker) Build the query indexes now, so the first search is as
        quick as the rest; False when cancelled."""

        def pause() -> None:
            # Quitting must not wait for seconds of index building.
            if cancelled():
                raise Cancelled
            # A search waits for these indexes: no pause while one does (the
            # keys typing it would otherwise hold it up). Otherwise they only
            # make the first search quicker, and wait as long as keys come:
            # a step of theirs every second under a held key cost the keys
            # near it up to 30 ms each.
            self.pacer.give_way(float("inf"), until=lambda: self._searching > 0)

        try:
            self.corpus.prepare(pause=pause)
        except Cancelled:
            return False
        return True

    def query_context(self) -> Context:
        """(UI) What a query needs besides the rows: flags, selection, bodies."""
        from reader.search.query import Context

        flags = self.flag_sets.query_flags(frozenset(self.selected))
        return Context(
            flags=flags,
            now=self.clock(),
            body_search=self.bodies,
            hidden=self.hidden,
            stories=self.story_facts(),
        )

    def story_facts(self) -> StoryFacts:
        """(UI) The stories, as queries read them (kept while they stand)."""
        from reader.search.context import StoryFacts

        kept = self._story_facts
        stories = self.stories
        if kept is not None and kept[0] == stories.generation:
            return kept[1]
        sizes = stories.sizes()
        leads = stories.leads()
        rows = self.rows

        def rows_of(story: str) -> list[int]:
            found = stories.rows_of(story)
            if found or len(story) != 10:
                return found
            # An article alone: its id is its path's.
            from reader.stories.group import story_id

            return [
                index
                for index in self.order
                if index not in sizes and story_id(rows[index].path) == story
            ][:1]

        facts = StoryFacts(sizes=sizes, followers=frozenset(sizes.keys() - leads), rows_of=rows_of)
        self._story_facts = (stories.generation, facts)
        return facts

    def evaluate(self, query: Query, context: Context) -> list[int]:
        """(worker) The view of `query`: indices of live rows, in order.
        Raises `QueryError`."""
        with self.searching():
            view = query.evaluate(self.corpus, context)
        return view

    def count_saved(self, items: Mapping[str, str], context: Context) -> dict[str, int]:
        """(worker) How many articles each saved search finds."""
        from reader.search.query import QueryError, parse

        counts: dict[str, int] = {}
        for name, text in items.items():
            try:
                with self.searching():
                    counts[name] = parse(text).count(self.corpus, context)
            except QueryError:
                counts[name] = 0
        return counts

    # -- triage flags (writer's thread, then UI) ------------------------------------

    def read_flags(self) -> tuple[dict[str, Flags], TriageCounts, int] | None:
        """(worker) Every article's triage state, read on the writer's thread
        after the writes queued before, counted over the rows so far; None
        when it could not be read (the writer said why)."""
        assert self.writer is not None
        flags = self.writer.call(lambda state: state.snapshot(), what="flags").wait()
        if flags is None:
            return None
        rows = self.rows[:]
        hidden = self.hidden
        triage = TriageCounts()
        triage.add([row for i, row in enumerate(rows) if i not in hidden], flags)
        return flags, triage, len(rows)

    def set_flags(self, flags: dict[str, Flags], triage: TriageCounts, counted: int) -> bool:
        """(UI) Take in flags from `read_flags`; whether it was the first time."""
        first = not self.flags_loaded
        self.flags = flags
        self.flag_sets = FlagSets(flags)
        hidden = self.hidden
        rest = enumerate(self.rows[counted:], counted)
        triage.add([row for i, row in rest if i not in hidden], flags)
        self.triage = triage
        self.flags_loaded = True
        return first

    def flags_of(self, row: Row) -> Flags:
        return self.flags.get(row.key, NO_FLAGS)

    def marks(self, row: Row) -> Marks:
        """(UI) How `row` is marked in the list."""
        key = row.key
        state = self.flags.get(key, NO_FLAGS)
        return Marks(
            unsaved=key in self.unsaved.keys,
            selected=key in self.selected,
            unread=not state.read,
            starred=state.starred,
            archived=state.archived,
            tagged=bool(state.tags),
        )

    def targets(self, current: int | None) -> list[str]:
        """(UI) The keys an action applies to: the selection, else the row
        at index `current`'s."""
        if self.selected:
            return list(self.selected)
        return [] if current is None else [self.rows[current].key]

    def decide(
        self, field: Field, value: bool | None, keys: Sequence[str], tag: str | None = None
    ) -> Change:
        """(UI) Plan a decision on `keys` from the flags on screen and queue
        its write (the caller shows it at once with `apply`). Raises
        ValueError for a decision that cannot be made (a bad tag)."""
        assert self.writer is not None
        change = plan(self.flags, field, keys, value, tag)
        if change.changed:
            self.writer.submit(
                Job(setter(change), keep=True, keys=change.keys, what=change.description)
            )
        return change

    def apply(self, change: Change) -> None:
        """(UI) Show a change made to the state in the flags and counts."""
        change.apply(self.flags)
        self.flag_sets.apply(change)
        self.triage.apply(change, self.rows, self.by_key)

    def undo_job(self, which: str) -> Job:
        """(UI) The writer's job for an undo or a redo: its result is the
        change made (or None) and the state's last description."""

        def run(state: State) -> tuple[Change | None, str | None]:
            change = state.undo() if which == "undo" else state.redo()
            return change, state.last_description

        return Job(run, what=which)

    def tags_in_use(self) -> dict[str, int]:
        """(UI) Tag names with how many keys carry each, by name."""
        counts: dict[str, int] = {}
        for tags in self.flag_sets.tags.values():
            for tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (item[0].casefold(), item[0])))

    # -- views (UI) ------------------------------------------------------------------

    def view_keys(self, view: Sequence[int]) -> list[str]:
        """The distinct keys of a view, in its order."""
        rows = self.rows
        return list(dict.fromkeys(rows[i].key for i in view))

    def files_of(self, key: str) -> int:
        """How many files of the store share `key` (at least 1: a decision
        on a key counts as one article even once its file is gone)."""
        if key not in self.by_key.one:
            return 1
        return 1 + len(self.by_key.more.get(key, ()))

    def unread_rows(self, view: Sequence[int]) -> int:
        """How many rows of `view` are unread."""
        rows, flags = self.rows, self.flags
        return sum(not flags.get(rows[i].key, NO_FLAGS).read for i in view)

    def unread_count(self, keys: Sequence[str]) -> int:
        flags = self.flags
        return sum(not flags.get(key, NO_FLAGS).read for key in keys)

    def next_unread(self, view: Sequence[int], position: int, step: int) -> int | None:
        """The position in `view` of the next unread row from `position`
        (excluded) going `step`; None when there is none."""
        rows, flags = self.rows, self.flags
        position += step
        while 0 <= position < len(view):
            if not flags.get(rows[view[position]].key, NO_FLAGS).read:
                return position
            position += step
        return None

    def inbox(self) -> list[int]:
        """The Inbox: the default order without archived articles (made
        here, not by the query engine, so that it can be the first screen)."""
        archived = self.flag_sets.archived
        if not archived:
            return self.order
        rows = self.rows
        return [i for i in self.order if rows[i].key not in archived]

    def indices_of(self, keys: Iterable[str]) -> set[int]:
        """The live rows of `keys` (several files may share one key)."""
        found: set[int] = set()
        one, more = self.by_key.one, self.by_key.more
        for key in keys:
            if key in one:
                found.add(one[key])
                found.update(more.get(key, ()))
        return found

    def find_new(self, since: float) -> set[str] | None:
        """(worker) Paths of the articles written after `since` (POSIX time),
        from the index once the load has reconciled it; None without one."""
        if self.index is None:
            return None
        import sqlite3

        try:
            return self.index.written_since(int(since * 1e9))
        except sqlite3.Error:
            return None

    def new_view(self) -> list[int]:
        """(UI) The New node's view: articles written since the last session."""
        paths, rows = self.new_paths, self.rows
        if not paths:
            return []
        return [i for i in self.order if rows[i].path in paths]

    def progress_of(self, view: Sequence[int]) -> ViewProgress:
        return view_progress(self.rows, view, self.flags)


def _has_body(rows: list[Row], index: int | None) -> bool:
    return index is not None and rows[index].has_body
