"""The newsdesk application: wires the loader, the views and the widgets.

Slow work never runs on the UI thread: the store loads in a thread worker
that hands over batches of slim rows, views are filtered in another, and
bulk triage actions run in a third. Widgets only render what they are given
and post messages back.
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import get_current_worker

from reader import gc_pause, timings
from reader.config import Config
from reader.library.facets import ALL, Counts, Facet
from reader.library.keyrows import KeyRows
from reader.library.ordering import Ordering
from reader.model import Article, Problem, Row
from reader.pacing import Pacer
from reader.resources import styles_path
from reader.search.saved import SavedSearches
from reader.store.files import ParseError, read_article
from reader.store.index import StoreIndex
from reader.store.loader import FIRST_BATCH, Batch, Changes, Notice, Progress, Removed, stream_store
from reader.text import shown_path
from reader.triage.counts import FlagSets, TriageCounts, view_progress
from reader.triage.state import NO_FLAGS, Change, Field, Flags, State, plan, setter
from reader.triage.writer import (
    ChangedElsewhere,
    Done,
    Failed,
    Job,
    Outcome,
    Recovered,
    StateWriter,
    restore_job,
)
from reader.ui.lines.kept_lines import KeptHorizontal, KeptScreen, KeptVertical
from reader.ui.panes.article_list import (
    ArticleList,
    Marks,
)
from reader.ui.panes.detail import DetailView
from reader.ui.panes.key_bar import KeyBar
from reader.ui.panes.list_header import ListHeader
from reader.ui.panes.query_bar import QueryBar, error_text
from reader.ui.panes.status_line import StatusLine
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.help import HelpScreen
from reader.ui.screens.prompts import ConfirmScreen, TagScreen, TextPrompt

if TYPE_CHECKING:
    from reader.search.fulltext import FullText
    from reader.search.query import Context, Corpus, Query, QueryError


class Cancelled(Exception):
    """A worker was told to stop."""


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


class ArticleRead(Message):
    """An article (or why it cannot be read), read off the UI thread."""

    def __init__(self, path: str, article: Article | Problem, started: float) -> None:
        super().__init__()
        self.path = path
        self.article = article
        self.started = started


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
LOAD_DEFERRED_AT_MOST = 0.5
"""Seconds a warm load waits at most for the first screen to be drawn."""
TREE_INTERVAL = 1.0
"""Seconds between updates of the tree's counts while a store loads."""
DETAIL_DELAY = 0.12
"""The detail view follows the cursor once it rests this long, so that
holding `j` scrolls the list at full speed."""
SEARCH_NOTICE = 0.3
"""Seconds a search may take before the status line says it is at work."""
BODIES_IN_PROCESS = 500
"""More bodies to index than this are read by a helper process."""
SAVED_COUNT_DELAY = 0.4
"""Saved searches are recounted once changes pause for this long."""


def facet_query(facet: Facet, saved: SavedSearches) -> str:
    """The query text a tree node stands for (shown in the query bar)."""
    from reader.search.query import (
        category_query,
        flag_query,
        provider_query,
        tag_query,
        topic_query,
    )

    kind, value = facet.kind, facet.value
    if kind in {"inbox", "unread", "starred", "archived"}:
        return flag_query(kind)
    builders = {
        "topic": topic_query,
        "provider": provider_query,
        "category": category_query,
        "tag": tag_query,
    }
    if kind in builders:
        return builders[kind](value)
    if kind == "saved":
        return saved.items.get(value, "")
    if kind == "query":
        return value
    return ""


MAIN_SCREEN_ACTIONS = frozenset(
    {
        "toggle_read",
        "toggle_star",
        "archive",
        "tag",
        "undo",
        "redo",
        "next_unread",
        "previous_unread",
        "select",
        "select_range",
        "mark_view_read",
        "toggle_tree",
        "escape",
        "preview",
        "open_browser",
        "copy_url",
        "search",
        "save_search",
    }
)


def _has_body(rows: list[Row], index: int | None) -> bool:
    return index is not None and rows[index].has_body


class NewsdeskApp(App[None]):
    """Browse and triage an article store: topic tree, article list, detail."""

    TITLE = "newsdesk"
    CSS_PATH = [styles_path("app.tcss")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys"),
        Binding("m", "toggle_read", "Read"),
        Binding("s", "toggle_star", "Star"),
        Binding("e", "archive", "Archive"),
        Binding("t", "tag", "Tag"),
        Binding("u", "undo", "Undo"),
        Binding("U", "redo", "Redo", show=False),
        Binding("n", "next_unread", "Next unread", show=False),
        Binding("N", "previous_unread", "Previous unread", show=False),
        Binding("x", "select", "Select", show=False),
        Binding("V", "select_range", "Select range", show=False),
        Binding("A", "mark_view_read", "Mark view read", show=False),
        Binding("slash", "search", "Search"),
        Binding("S", "save_search", "Save search", show=False),
        Binding("p", "preview", "Preview"),
        Binding("o", "open_browser", "Browser", show=False),
        Binding("y", "copy_url", "Copy URL", show=False),
        Binding("backslash", "toggle_tree", "Tree"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("escape", "escape", "Back to list / clear selection", show=False),
    ]

    def __init__(
        self,
        root: Path,
        *,
        state: State | None = None,
        config: Config | None = None,
        title: str | None = None,
        index: StoreIndex | None = None,
        notices: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.notices = list(notices)
        """Said at start (settings, a state file kept aside): shown on screen."""
        self.root = root
        self.index = index
        self._changed_on_start: set[str] = set()
        self._warm = False
        """True when the load started from the index (not every file read)."""
        """Files that changed since the index was written (their bodies too)."""
        self.bodies: FullText | None = None
        """Full-text index of article bodies, once it can be searched."""
        self._state = state if state is not None else State()
        self.writer: StateWriter | None = None
        """Runs every use of the state file, off the UI thread (from mount)."""
        self.unsaved: dict[int, tuple[str, ...]] = {}
        """Decisions shown but not saved (a write failed), by job id: their keys."""
        self._unsaved_keys: frozenset[str] = frozenset()
        self._unsaved_reason = ""
        self._flags_stale = False
        """Another process wrote while decisions of ours were queued."""
        self.unsaved_at_exit: list[str] = []
        """What could not be saved when the app closed (for the command line)."""
        self.config = config or Config()
        self.store_title = shown_path(title or root)
        self.rows: list[Row] = []
        self.by_key = KeyRows()
        self.path_index: dict[str, int] = {}
        """Store path -> index of its live row (replaced rows stay in `rows`)."""
        self.ordering = Ordering()
        self.problems: list[Problem] = []
        self.order: list[int] = []
        self.counts = Counts()
        self.flags: dict[str, Flags] = {}
        self.triage = TriageCounts()
        self.flag_sets = FlagSets()
        self.flags_loaded = False
        self._corpus: Corpus | None = None
        self._corpus_lock = threading.Lock()
        self.pacer = Pacer()
        """Background work waits on it while keys come in."""
        self._searching = 0
        """Queries at work on the corpus (they need its indexes built)."""
        self._searches_lock = threading.Lock()
        self.saved = SavedSearches()
        self.saved_counts: dict[str, int] = {}
        self.query: Query | None = None
        self._query_generation = 0
        self._search_timer: Timer | None = None
        self._search_pending = False
        self._saved_timer: Timer | None = None
        self.selected: set[str] = set()
        self.facet: Facet = ALL
        self.loading = True
        self.progress: Progress | None = None
        self.load_seconds: float | None = None
        self.last_action: str | None = None
        self._anchor: int | None = None
        self._detail_timer: Timer | None = None
        self._read_timer: Timer | None = None
        self._first_screen = False
        """Whether the first screen of articles is on its way."""
        self._deferred_load: list[Row] | None = None
        self._parsers_ready = False
        """Whether the article's parsers are imported (`_warm_up`)."""
        self._tree_updated = 0.0
        self._last_move = 0.0
        self._load_started_wall = time.time()

    # -- layout ---------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return KeptScreen(id="_default")

    def compose(self) -> ComposeResult:
        with KeptHorizontal(id="panes"):
            yield TopicTree(id="tree")
            with KeptVertical(id="middle"):
                yield QueryBar(id="query-bar")
                yield ListHeader(id="list-header")
                yield ArticleList(self.rows, id="articles")
            yield DetailView(id="detail")
        yield StatusLine(id="status-bar")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        # Background threads (loading, indexing) hand the interpreter back
        # every millisecond rather than every five: keys get answered sooner.
        sys.setswitchinterval(0.001)
        self.sub_title = self.store_title
        articles = self.articles
        articles.marks = self._marks
        articles.on_width = self.main.query_one(ListHeader).fit
        articles.focus()
        # The toasts' rack hides itself when the screen first shows, and
        # that lays out the screen once more (30 ms) before the first frame:
        # hidden now, it is hidden with the first layout.
        for rack in self.main.query("#textual-toastrack"):
            rack.display = False
        self._update_status()
        for notice in self.notices:
            self.notify(notice, severity="warning", markup=False, timeout=12)
        if self.saved.warning:
            self.notify(self.saved.warning, severity="warning", markup=False)
        self.writer = StateWriter(self._state, self._state_outcome)
        self.main.query_one(TopicTree).update_saved(self.saved.items, self.saved_counts)
        self.load_flags()
        shown = self._show_newest()
        if shown:
            # Rows are on screen: the load waits for the first frame, which
            # would otherwise share the interpreter with it (30 ms later).
            self._deferred_load = shown
            self.set_timer(LOAD_DEFERRED_AT_MOST, self._start_deferred_load)
        else:
            self.load(shown)

    def _show_newest(self) -> list[Row]:
        """The index's newest rows, on screen now: they take a few
        milliseconds to read here, and a loader thread would wait for this
        one, busy starting the app, to let it run."""
        if self.index is None:
            return []
        try:
            rows = self.index.newest(FIRST_BATCH)
        except sqlite3.Error:
            return []  # the loader finds the damage and says so
        if rows:
            self._add_rows(rows, [], *self._take_in(rows, corpus=False), progress=None)
        return rows

    @property
    def corpus(self) -> Corpus:
        """The query corpus, made on first use: `reader.search.query` takes 30 ms
        to import, and the first screen does not need it. It is made with
        the rows the app holds then; the loader adds the rest as it hands
        them over (`_take_in`)."""
        with self._corpus_lock:
            if self._corpus is None:
                from reader.search.query import Corpus

                corpus = Corpus()
                corpus.extend(self.rows[:])
                self._corpus = corpus
            return self._corpus

    def _take_in(
        self, rows: list[Row], *, corpus: bool = True
    ) -> tuple[list[int], Counts, TriageCounts | None, list[str]]:
        """Order, index and count rows about to reach the screen (off the UI
        thread while a store loads); what `_add_rows` takes with them."""
        counts = Counts()
        counts.add(rows)
        triage: TriageCounts | None = None
        if self.flags_loaded:
            triage = TriageCounts()
            triage.add(rows, self.flags)
        self.ordering.add(rows)
        # The query corpus first: any query the UI starts after taking these
        # rows sees them too. (Not yet made: it takes them when it is.)
        if corpus:
            self.corpus.extend(rows)
        # `ordering.order` is a new list after each add: the UI may keep it.
        return self.ordering.order, counts, triage, [row.key for row in rows]

    async def on_event(self, event: events.Event) -> None:
        if isinstance(
            event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)
        ):
            self.pacer.touch()
        if (
            isinstance(event, events.Key)
            and event.key == "slash"
            and self.screen is self.main
            and not isinstance(self.focused, Input)
        ):
            # The query bar takes the focus now, not once the keys read with
            # this one have gone to the list: a query typed fast or pasted
            # would work the list's keys (`s` stars, `u` undoes, `q` quits).
            self.action_search()
            return
        await super().on_event(event)

    @property
    def state(self) -> State:
        """The triage state: the writer's (it starts a new one if the file
        is found damaged). Use it from the writer's thread (`writer.call`),
        or once the app has closed."""
        return self.writer.state if self.writer is not None else self._state

    async def action_quit(self) -> None:
        if self.unsaved:

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self.run_worker(self._quit_now(), exclusive=True, group="quit")

            n = len(self._unsaved_keys)
            self.push_screen(
                ConfirmScreen(
                    f"{n:,} article{'s' if n != 1 else ''} with decisions not saved"
                    f" ({self._unsaved_reason}). Quit and lose them?"
                ),
                confirmed,
            )
            return
        await self._quit_now()

    async def _quit_now(self) -> None:
        self.pacer.stop()
        if self.writer is not None:
            # What is queued is written before the app goes (a moment at most).
            import asyncio

            await asyncio.to_thread(self._close_writer)
        await super().action_quit()

    def _close_writer(self) -> None:
        if self.writer is None:
            return
        left = self.writer.close()
        self.unsaved_at_exit = [job.what for job in left if job.keep]

    def on_unmount(self) -> None:
        self.pacer.stop()
        self._close_writer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Triage keys act on the list: not while a prompt or help is open.
        return not (action in MAIN_SCREEN_ACTIONS and len(self.screen_stack) > 1)

    @property
    def main(self) -> Screen:
        """The main screen: its widgets are there even while a prompt, the
        help or a preview is on top (and `App.query_one` would look there)."""
        return self.screen_stack[0]

    @property
    def articles(self) -> ArticleList:
        return self.main.query_one("#articles", ArticleList)

    def _marks(self, row: Row) -> Marks:
        key = row.key
        state = self.flags.get(key, NO_FLAGS)
        return Marks(
            unsaved=key in self._unsaved_keys,
            selected=key in self.selected,
            unread=not state.read,
            starred=state.starred,
            archived=state.archived,
            tagged=bool(state.tags),
        )

    # -- loading --------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, shown: list[Row]) -> None:
        """Load the store; `shown` are rows already on screen (`_show_newest`)."""
        self._load_started_wall = time.time()
        worker = get_current_worker()
        ordering = self.ordering
        rows: list[Row] = []
        problems: list[Problem] = []
        last_flush = 0.0
        progress: Progress | None = None

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
                self.call_from_thread(
                    self._add_rows, part, pending_problems, *self._take_in(part), progress=progress
                )
                pending_problems = []
                if not pending:
                    break
            last_flush = time.monotonic()

        # With an index, files that changed since it was written come again
        # (replacing their row) or are reported removed: those go through
        # the same path as changes seen while the app runs.
        delivered = {row.path for row in shown}
        events = stream_store(
            self.root, cancelled=lambda: worker.is_cancelled, index=self.index, shown=shown
        )
        # Closed however this ends (a hand-over to an app that has quit
        # raises, and the error would keep the generator alive): its helper
        # processes stop now, rather than parse the rest of the store while
        # the process waits for them to exit.
        with contextlib.closing(events):
            for event in events:
                if isinstance(event, Notice):
                    self.call_from_thread(self.notify, event.message, markup=False, timeout=8)
                    continue
                changed: dict[str, Row | Problem | None] = {}
                if isinstance(event, Removed):
                    changed = dict.fromkeys(event.paths)
                elif isinstance(event, Batch):
                    for item in (*event.rows, *event.problems):
                        if item.path in delivered:
                            changed[item.path] = item
                        elif isinstance(item, Row):
                            delivered.add(item.path)
                            rows.append(item)
                        else:
                            delivered.add(item.path)
                            problems.append(item)
                else:
                    progress = event
                    self._warm = self._warm or event.indexed > 0
                if changed:
                    self._changed_on_start.update(changed)
                    if rows or problems:
                        flush()  # the UI must hold a row before it can be replaced
                    self._hand_over(changed)
                first = not ordering.order
                # Less often while keys come in: each hand-over and its frame
                # are time a key may have to wait.
                interval = FLUSH_INTERVAL_KEYS if self.pacer.busy() else FLUSH_INTERVAL
                if (rows or problems) and (first or time.monotonic() - last_flush > interval):
                    flush()
                elif isinstance(event, Progress) and time.monotonic() - last_flush > FLUSH_INTERVAL:
                    self.call_from_thread(self._set_progress, event)
                    last_flush = time.monotonic()
        if worker.is_cancelled:
            return
        flush()
        self.call_from_thread(self._load_finished)

    @work(thread=True, exclusive=True, group="flags", exit_on_error=False)
    def load_flags(self) -> None:
        """Read every article's triage state (on the writer's thread, after
        the writes queued before), and count it over the rows so far."""
        assert self.writer is not None
        job = self.writer.call(lambda state: state.snapshot(), what="flags")
        flags = job.wait()
        if flags is None:
            return  # could not be read: the writer said why
        rows = self.rows[:]
        triage = TriageCounts()
        triage.add(rows, flags)
        self.call_from_thread(self._flags_loaded, flags, triage, len(rows))

    def _flags_loaded(self, flags: dict[str, Flags], triage: TriageCounts, counted: int) -> None:
        if not self.flags_loaded and self.writer is not None:
            # A damaged page is found now, off the UI thread, rather than by
            # the first decision's write.
            self.writer.call(lambda state: state.check(), what="integrity check")
        self.flags = flags
        self.flag_sets = FlagSets(flags)
        triage.add(self.rows[counted:], flags)
        self.triage = triage
        self.flags_loaded = True
        self.main.query_one(TopicTree).update_counts(self.counts, self.triage, self.problems)
        self._refresh_marks()
        if self.query is not None and self.query.uses_flags:
            self.refresh_view()
        self._schedule_saved_counts()

    def _set_progress(self, progress: Progress) -> None:
        self.progress = progress
        self._update_status()

    def _add_rows(
        self,
        rows: list[Row],
        problems: list[Problem],
        order: list[int],
        batch_counts: Counts,
        batch_triage: TriageCounts | None,
        keys: list[str],
        *,
        progress: Progress | None,
    ) -> None:
        start = len(self.rows)
        self.rows.extend(rows)
        # Rows live for the session: out of the collector's way as they come,
        # or a full collection walks them all mid-load (~0.2 s at 100k).
        gc_pause.settle()
        indices = range(start, len(self.rows))
        self.by_key.add_all(keys, start)
        self.path_index.update(zip([row.path for row in rows], indices, strict=True))
        if self.flags_loaded:
            if batch_triage is not None:
                self.triage.merge(batch_triage)
            else:
                self.triage.add(rows, self.flags)
        self.problems.extend(problems)
        self.order = order
        self.counts.merge(batch_counts)
        if progress is not None:
            self.progress = progress
        now = time.monotonic()
        # Relabelling hundreds of nodes is costly: once a second while loading.
        if now - self._tree_updated > TREE_INTERVAL:
            self._tree_updated = now
            self.main.query_one(TopicTree).update_counts(self.counts, self.triage, self.problems)
        self.refresh_view(anchor="row" if self._user_moved() else "top")
        self._update_status()

    def _user_moved(self) -> bool:
        return self.articles.cursor > 0 or self.main.focused is not self.articles

    def _load_finished(self) -> None:
        self.loading = False
        self.main.query_one(TopicTree).update_counts(self.counts, self.triage, self.problems)
        if self.progress is not None:
            self.load_seconds = time.monotonic() - self.progress.started
        # The rows live for the whole session: keep the collector from
        # walking 100,000 objects on every later collection. (No collection
        # first: it would hold the screen for a tenth of a second.)
        gc_pause.settle()
        gc_pause.start_up_done()  # if no rows ever made a first screen
        if not self.rows:
            self.articles.empty_message = "No articles could be read: see Problems in the tree."
            self.articles.refresh()
        self._update_status()
        timings.mark("loaded", rows=len(self.rows), problems=len(self.problems))
        self._prepare_corpus()
        self._schedule_saved_counts()
        if self.index is not None:
            self._watch(self._load_started_wall)
        self._index_bodies()

    # -- bodies -------------------------------------------------------------------

    def _bodies_path(self) -> str:
        if self.index is not None and self.index.path is not None:
            return str(self.index.path.with_name(self.index.path.stem + ".bodies.sqlite3"))
        return ":memory:"

    @work(thread=True, exclusive=True, group="bodies", exit_on_error=False)
    def _index_bodies(self, only: frozenset[str] | None = None) -> None:
        """Bring the body index up to date: new bodies in, vanished ones out.

        Runs after the load, so that free words find text in bodies too;
        `only` re-reads just those paths (files that changed).
        """
        from reader.search.bodies import fill, fill_file, send_paths
        from reader.search.fulltext import FullText, FullTextError

        worker = get_current_worker()
        try:
            bodies = self.bodies or FullText(self._bodies_path())
        except FullTextError as error:
            self.call_from_thread(self.notify, f"Bodies are not searchable: {error}", markup=False)
            return
        clear, todo = self._bodies_todo(bodies, only)
        if bodies.path == ":memory:" or len(todo) < BODIES_IN_PROCESS:
            fill(self.root, bodies, todo, clear=clear)
        else:
            # Many files: parsed in a process of its own, so the screen keeps
            # the interpreter to itself.
            from reader.store.processes import mp_context

            context = mp_context()
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(  # type: ignore[attr-defined]
                target=fill_file, args=(str(self.root), bodies.path, receiver, clear), daemon=True
            )
            process.start()
            receiver.close()
            with contextlib.suppress(OSError):  # it ended (killed): the next start tries again
                send_paths(sender, todo)
            while process.is_alive():
                if worker.is_cancelled:
                    process.terminate()  # quitting: what was written stays
                    return
                process.join(0.2)
        if worker.is_cancelled:
            return
        if self.bodies is None:
            self.bodies = bodies
            self.call_from_thread(self._bodies_ready)

    def _bodies_todo(self, bodies: FullText, only: frozenset[str] | None) -> tuple[bool, list[str]]:
        """Whether to clear the body index, and the paths to read into it;
        drops the bodies of files gone. (Its own method: the sets of 100,000
        paths it may build are freed before the bodies are read.)"""
        rows, path_index = self.rows, self.path_index
        if only is not None:
            indices = {path: path_index.get(path) for path in only}
            live = {path for path, i in indices.items() if i is not None and rows[i].has_body}
            bodies.remove(only - live)
            return False, sorted(live)
        # The paths in the order their rows came (the store's, as scanned),
        # and neither sorted nor copied with their rows: at 100,000 paths
        # each is one call that holds the interpreter, and so the screen,
        # for 20-30 ms. (A copy of the paths first: the UI thread may
        # change the index meanwhile; a path it dropped is skipped.)
        paths = list(path_index)
        live = [path for path in paths if _has_body(rows, path_index.get(path))]
        if not self._warm:
            return True, live  # every file was read afresh: so are the bodies
        have = bodies.paths()
        bodies.remove(have.difference(live))
        changed = self._changed_on_start
        return False, [path for path in live if path not in have or path in changed]

    def _bodies_ready(self) -> None:
        if self.query is not None and not self.query.is_empty:
            self.refresh_view()

    # -- live store -------------------------------------------------------------

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch(self, since: float) -> None:
        """Poll the store; hand what changed to the UI as it happens."""
        from reader.store.watch import INTERVAL, StoreWatcher

        assert self.index is not None
        worker = get_current_worker()
        watcher = StoreWatcher(
            self.root,
            self.index,
            since=since,
            pause=lambda: self.pacer.give_way(WATCH_GIVES_WAY),
        )
        while not worker.is_cancelled:
            changes = Changes()
            for event in watcher.poll():
                changes.add(event)
            for message in changes.notices:
                self.call_from_thread(self.notify, message, markup=False, timeout=8)
            if changes.items:
                self._hand_over(changes.items)
            for _ in range(int(INTERVAL / 0.1)):
                if worker.is_cancelled:
                    return
                time.sleep(0.1)

    def _hand_over(self, items: dict[str, Row | Problem | None]) -> None:
        """From a worker thread: files that changed, appeared or vanished
        (None) after their first version reached the UI."""
        # The corpus first, in this thread: its indices must match the rows
        # the UI appends, in the same order.
        updates: list[tuple[str, int | None, Row | Problem | None, int | None]] = []
        for path, item in items.items():
            old = self.path_index.get(path)
            if old is not None:
                self.corpus.discard([old])
            new = self.corpus.extend([item])[0] if isinstance(item, Row) else None
            updates.append((path, old, item, new))
        self.call_from_thread(self._apply_updates, updates)

    def _apply_updates(
        self, updates: list[tuple[str, int | None, Row | Problem | None, int | None]]
    ) -> None:
        """Files changed, appeared or vanished while the app runs."""
        gone: set[int] = set()
        added: list[Row] = []
        changed_paths = {path for path, *_ in updates}
        self.problems[:] = [p for p in self.problems if p.path not in changed_paths]
        for path, old, item, new in updates:
            if old is not None:
                row = self.rows[old]
                gone.add(old)
                self.counts.remove(row)
                if self.flags_loaded:
                    self.triage.remove(row, self.flags)
                self.by_key.remove(row.key, old)
                del self.path_index[path]
            if isinstance(item, Row) and new is not None:
                assert new == len(self.rows), "corpus and rows out of step"
                self.rows.append(item)
                self.path_index[path] = new
                self.by_key.add(item.key, new)
                added.append(item)
            elif isinstance(item, Problem):
                self.problems.append(item)
        self.counts.add(added)
        if self.flags_loaded:
            self.triage.add(added, self.flags)
        self.ordering.add(added)
        if gone:
            self.ordering.drop(gone)
        self.order = self.ordering.order
        self.main.query_one(TopicTree).update_counts(self.counts, self.triage, self.problems)
        detail = self.main.query_one(DetailView)
        if detail.article is not None and detail.article.path in changed_paths:
            if detail.article.path not in self.path_index:
                self._show_in_detail(
                    f"{shown_path(detail.article.path)} was removed from the store."
                )
            else:
                self._show_current()
        articles = self.articles
        current = articles.current_row
        self.refresh_view(anchor="row")
        if self.bodies is not None:
            self._index_bodies(frozenset(changed_paths))
        if current in gone:
            # The file under the cursor changed: stay on its new version.
            replacement = self.path_index.get(self.rows[current].path)
            if replacement is not None:
                self.call_after_refresh(articles.move_to_row, replacement)

    @contextlib.contextmanager
    def _search(self) -> Iterator[None]:
        """Marks a query at work (in any thread) on the corpus."""
        with self._searches_lock:
            self._searching += 1
        try:
            yield
        finally:
            with self._searches_lock:
                self._searching -= 1

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def _prepare_corpus(self) -> None:
        """Build the query indexes now, so the first search is as quick as the rest."""
        worker = get_current_worker()

        def pause() -> None:
            # Quitting must not wait for seconds of index building.
            if worker.is_cancelled:
                raise Cancelled
            # A search waits for these indexes: no pause while one does (the
            # keys typing it would otherwise hold it up). Otherwise they only
            # make the first search quicker, and wait as long as keys come:
            # a step of theirs every second under a held key cost the keys
            # near it up to 30 ms each.
            self.pacer.give_way(math.inf, until=lambda: self._searching > 0)

        with contextlib.suppress(Cancelled):
            self.corpus.prepare(pause=pause)
            # The indexes live as long as the rows: out of the collector's
            # way too (a full collection walking them took 20-30 ms).
            gc_pause.settle()
            timings.mark("prepared", rows=len(self.rows))

    # -- views ----------------------------------------------------------------

    def refresh_view(self, anchor: str = "row") -> None:
        """Recompute the list for the current query, off the UI thread."""
        if self.facet.kind in {"problems", "problem"}:
            self._show_view(self.facet, [], anchor)
        elif self.query is None or (self.query.is_empty and not self.query.sort):
            self._show_view(self.facet, self.order, anchor)
        else:
            self._query_generation += 1
            self._evaluate(self._query_generation, self.query, self._query_context(), anchor)
            if self._search_timer is None:
                self._search_timer = self.set_timer(SEARCH_NOTICE, self._search_takes_long)

    def _search_takes_long(self) -> None:
        self._search_timer = None
        self._search_pending = True
        self._update_status()

    def _search_done(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self._search_pending = False

    def _query_context(self) -> Context:
        from reader.search.query import Context

        flags = self.flag_sets.query_flags(frozenset(self.selected))
        return Context(flags=flags, body_search=self.bodies)

    @work(thread=True, exclusive=True, group="query", exit_on_error=False)
    def _evaluate(self, generation: int, query: Query, context: Context, anchor: str) -> None:
        """Evaluate a query; a newer request makes this one's result unwanted."""
        from reader.search.query import QueryError

        facet = self.facet
        if generation != self._query_generation:
            return
        try:
            with self._search():
                view = query.evaluate(self.corpus, context)
        except QueryError as error:
            self.call_from_thread(self._query_failed, query.source, error)
            return
        if generation == self._query_generation and not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_query_view, generation, facet, view, anchor)

    def _show_query_view(self, generation: int, facet: Facet, view: list[int], anchor: str) -> None:
        if generation != self._query_generation:
            return
        limit = len(self.rows)
        if view and max(view) >= limit:
            view = [i for i in view if i < limit]
        self._show_view(facet, view, anchor)

    def _query_failed(self, text: str, error: QueryError) -> None:
        self._search_done()
        self._update_status()
        self.main.query_one(QueryBar).show_error(
            error_text(text, error.message, error.start, error.end)
        )

    def _show_view(self, facet: Facet, view: list[int], anchor: str = "row") -> None:
        if facet != self.facet:
            return
        self._search_done()
        articles = self.articles
        if facet.kind == "problems":
            articles.empty_message = (
                f"{len(self.problems):,} files could not be read: choose one in the tree."
            )
        elif facet.kind == "problem":
            articles.empty_message = "This file could not be read: see the detail pane."
        elif self.loading:
            articles.empty_message = "Loading…"
        elif self.query is not None and not self.query.is_empty:
            articles.empty_message = "Nothing matches this query."
        else:
            articles.empty_message = "No articles here."
        articles.set_view(view, anchor=anchor)
        self._update_status()
        if not self._first_screen and view:
            self._first_screen = True
            self.call_after_refresh(self._first_screen_out)

    def _first_screen_out(self) -> None:
        timings.mark("first_screen", rows=len(self.rows))
        gc_pause.start_up_done()
        self._start_deferred_load()
        self._warm_up()

    def _start_deferred_load(self) -> None:
        if self._deferred_load is not None:
            shown, self._deferred_load = self._deferred_load, None
            self.load(shown)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """Import the article and Markdown parsers (about 70 ms) here rather
        than on the UI thread, where the first article shown would wait for
        them, and any key pressed meanwhile; then show that article."""
        import markdown_it  # noqa: F401

        from reader.store import frontyaml  # noqa: F401
        from reader.web import extract  # noqa: F401

        self.call_from_thread(self._parsers_loaded)

    def _parsers_loaded(self) -> None:
        self._parsers_ready = True
        if self.pacer.busy():
            # Keys are coming in (a cold load's first second is busy enough):
            # the article waits until the cursor rests, as under a held key.
            if self._detail_timer is not None:
                self._detail_timer.stop()
            self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_current)
        else:
            self._show_current()

    @on(TopicTree.FacetSelected)
    def _facet_selected(self, event: TopicTree.FacetSelected) -> None:
        facet = event.facet
        if facet == self.facet:
            return
        self.facet = facet
        if facet.kind == "problem":
            problem = next((p for p in self.problems if p.path == facet.value), None)
            if problem is not None:
                self._show_in_detail(problem)
        text = facet_query(facet, self.saved)
        self.main.query_one(QueryBar).show_query(text)
        self._set_query(text)
        self.refresh_view(anchor="top")

    def _set_query(self, text: str) -> bool:
        """Parse `text` as the current query; on an error keep the old one."""
        from reader.search.query import QueryError, parse

        bar = self.main.query_one(QueryBar)
        try:
            query = parse(text)
        except QueryError as error:
            bar.show_error(error_text(text, error.message, error.start, error.end))
            return False
        bar.show_error(None)
        self.query = query
        return True

    # -- searching --------------------------------------------------------------

    def action_search(self) -> None:
        self.main.query_one(QueryBar).begin()

    @on(QueryBar.Changed)
    def _query_typed(self, event: QueryBar.Changed) -> None:
        if self._set_query(event.text):
            self.facet = Facet("query", event.text)
            self.refresh_view(anchor="top")

    @on(QueryBar.Submitted)
    def _query_kept(self, event: QueryBar.Submitted) -> None:
        self.articles.focus()

    @on(QueryBar.Cancelled)
    def _query_cancelled(self, event: QueryBar.Cancelled) -> None:
        if self._set_query(event.previous):
            self.facet = Facet("query", event.previous) if event.previous else ALL
            self.refresh_view(anchor="top")
        self.articles.focus()

    def action_save_search(self) -> None:
        text = self.query.source if self.query is not None else ""
        if not text.strip():
            self.notify("Type a query first (/), then S saves it.", severity="warning")
            return

        def named(name: str | None) -> None:
            if name:
                self.saved.save(name, text, write=False)
                self._write_saved()
                self.main.query_one(TopicTree).update_saved(self.saved.items, self.saved_counts)
                self._schedule_saved_counts()
                self.notify(f"Saved search {name!r}: {text}", markup=False)

        self.push_screen(TextPrompt("Save this search as", placeholder="name", hint=text), named)

    @on(TopicTree.SavedRename)
    def _saved_rename(self, event: TopicTree.SavedRename) -> None:
        def renamed(name: str | None) -> None:
            if name and name != event.name:
                self.saved.rename(event.name, name, write=False)
                self._write_saved()
                self.saved_counts[name] = self.saved_counts.pop(event.name, 0)
                self.main.query_one(TopicTree).update_saved(self.saved.items, self.saved_counts)

        self.push_screen(TextPrompt("Rename the saved search", value=event.name), renamed)

    @on(TopicTree.SavedDelete)
    def _saved_delete(self, event: TopicTree.SavedDelete) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.saved.delete(event.name, write=False)
                self._write_saved()
                self.saved_counts.pop(event.name, None)
                self.main.query_one(TopicTree).update_saved(self.saved.items, self.saved_counts)

        self.push_screen(ConfirmScreen(f"Delete the saved search {event.name!r}?"), confirmed)

    def _write_saved(self) -> None:
        """Write the saved searches on the writer's thread, after what was
        queued before (a failure is said, and the searches stay for the session)."""
        assert self.writer is not None
        text, saved = self.saved.text(), self.saved
        self.writer.call(lambda _state: saved.write_text(text), what="saving the searches")

    def _schedule_saved_counts(self) -> None:
        if not self.saved.items:
            return
        if self._saved_timer is not None:
            self._saved_timer.stop()
        self._saved_timer = self.set_timer(SAVED_COUNT_DELAY, self._count_saved)

    def _count_saved(self) -> None:
        self._count_saved_in_worker(dict(self.saved.items), self._query_context())

    @work(thread=True, exclusive=True, group="saved", exit_on_error=False)
    def _count_saved_in_worker(self, items: dict[str, str], context: Context) -> None:
        from reader.search.query import QueryError, parse

        counts: dict[str, int] = {}
        for name, text in items.items():
            try:
                with self._search():
                    counts[name] = parse(text).count(self.corpus, context)
            except QueryError:
                counts[name] = 0
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._saved_counted, counts)

    def _saved_counted(self, counts: dict[str, int]) -> None:
        self.saved_counts = counts
        self.main.query_one(TopicTree).update_saved(self.saved.items, counts)

    # -- detail ---------------------------------------------------------------

    @on(ArticleList.CursorMoved)
    def _cursor_moved(self, event: ArticleList.CursorMoved) -> None:
        for timer in (self._detail_timer, self._read_timer):
            if timer is not None:
                timer.stop()
        if event.row is None:
            if self.facet.kind != "problem":
                self._show_in_detail("Nothing selected")
            return
        # A single move shows the article at once; moves in quick succession
        # (a held key) wait until the cursor rests.
        now = time.monotonic()
        rapid = now - self._last_move < DETAIL_DELAY
        self._last_move = now
        self._mark_after_refresh("key", time.perf_counter())
        if rapid:
            self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_current)
        elif self._parsers_ready:
            # Once the frame with the cursor moved is out: the list answers
            # the key at once, and the article follows in the next frame.
            self.call_after_refresh(self._show_current)
        # (Before that, the article is shown once its parsers are imported:
        # `_parsers_loaded`.)
        if self.config.mark_read_after > 0:
            self._read_timer = self.set_timer(self.config.mark_read_after, self._mark_current_read)

    def _show_current(self) -> None:
        if not self.is_running or not self.screen_stack:
            return
        try:
            row_index = self.articles.current_row
        except NoMatches:  # the app is closing
            return
        if row_index is None:
            return
        self._read_article(self.rows[row_index].path, time.perf_counter())

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _read_article(self, path: str, started: float) -> None:
        """Read the article under the cursor off the UI thread: a file may be
        large, on a slow disk, or no longer a regular file."""
        try:
            article: Article | Problem = read_article(self.root, path)
        except ParseError as error:
            article = Problem(path, f"{error} (changed since it was loaded)")
        if not get_current_worker().is_cancelled:
            self.post_message(ArticleRead(path, article, started))

    @on(ArticleRead)
    def _article_read(self, message: ArticleRead) -> None:
        row_index = self.articles.current_row
        if row_index is None or self.rows[row_index].path != message.path:
            return  # the cursor has moved on: its own read is on the way
        self._show_in_detail(message.article)
        if isinstance(message.article, Article):
            self._mark_after_refresh("detail", message.started)

    def _mark_after_refresh(self, event: str, started: float) -> None:
        """A timing mark once the next frame is drawn, with the milliseconds
        since `started` (a `perf_counter` time); nothing without timings."""
        if timings.enabled():
            self.call_after_refresh(
                lambda: timings.mark(event, ms=(time.perf_counter() - started) * 1000)
            )

    def _show_in_detail(self, what: Article | Problem | str) -> None:
        """Show an article (and its related list), a problem or a message."""
        detail = self.main.query_one(DetailView)
        if isinstance(what, Article):
            detail.show_article(what)
        elif isinstance(what, Problem):
            detail.show_problem(what)
        else:
            detail.show_message(what)

    @on(ArticleList.Opened)
    def _opened(self, event: ArticleList.Opened) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._show_current()
        self.main.query_one(DetailView).focus()

    def on_descendant_focus(self, event: object) -> None:
        # Opening an article (enter, or moving into the detail pane) reads it.
        if self.config.mark_read_on_open and self.main.query_one(DetailView).has_focus:
            self._mark_current_read()

    def _mark_current_read(self) -> None:
        row_index = self.articles.current_row
        if row_index is None or not self.flags_loaded:
            return
        key = self.rows[row_index].key
        if not self.flags.get(key, NO_FLAGS).read:
            self._decide("read", True, [key], remember=False)

    @on(DetailView.LinkFollowed)
    def _link_followed(self, event: DetailView.LinkFollowed) -> None:
        self._preview([event.href])

    # -- pages ------------------------------------------------------------------

    def _current_urls(self) -> list[str]:
        """What `p`, `o` and `y` act on: the related item under the cursor
        when the related list has focus, else the current article."""
        item = self.main.query_one(DetailView).related_current
        if item is not None:
            return [u for u in (item.web_url, item.amp_url, item.cdn_amp_url) if u]
        row_index = self.articles.current_row
        if row_index is None:
            return []
        detail = self.main.query_one(DetailView)
        row = self.rows[row_index]
        if detail.article is not None and detail.article.path == row.path:
            return list(detail.article.urls)
        # Not read yet (the UI thread reads no files): the page alone,
        # without its AMP fallbacks.
        return [row.web_url] if row.web_url else []

    def _web_url(self, urls: list[str], doing: str) -> str | None:
        """The first of `urls` if it may leave the app (http or https, well
        formed); else None, and the user is told why."""
        from reader.web.urls import refusal, web_url

        if not urls:
            self.notify(f"This article has no web address to {doing}.", severity="warning")
            return None
        url = web_url(urls[0])
        if url is None:
            self.notify(refusal(urls[0]), severity="warning", markup=False)
        return url

    def _preview(self, urls: list[str]) -> None:
        # Imported on first use: fetching and extraction cost start-up time.
        from reader.ui.screens.preview import PreviewScreen
        from reader.web.urls import web_urls

        if self._web_url(urls, "preview") is None:
            return
        urls = web_urls(urls)
        if isinstance(self.screen, PreviewScreen):
            self.screen.show(urls)
        else:
            self.push_screen(PreviewScreen(urls))

    def action_preview(self) -> None:
        self._preview(self._current_urls())

    def action_open_browser(self) -> None:
        url = self._web_url(self._current_urls(), "open")
        if url is not None:
            self._open_in_browser(url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        from reader.web.urls import open_in_browser

        opened = open_in_browser(url)  # checks the address once more
        message = "Opened in the browser." if opened else "No browser could be started."
        self.call_from_thread(self.notify, message, severity="information" if opened else "error")

    def action_copy_url(self) -> None:
        from reader.web.urls import shown_url

        url = self._web_url(self._current_urls(), "copy")
        if url is not None:
            self.copy_to_clipboard(url)
            self.notify(f"Copied {shown_url(url)}", title="URL", markup=False)

    # -- triage ---------------------------------------------------------------

    def _targets(self) -> list[str]:
        """The keys an action applies to: the selection, else the cursor's."""
        if self.selected:
            return list(self.selected)
        row_index = self.articles.current_row
        return [] if row_index is None else [self.rows[row_index].key]

    def _decide(
        self,
        field: Field,
        value: bool | None,
        keys: list[str] | None = None,
        *,
        tag: str | None = None,
        advance: bool = False,
        remember: bool = True,
    ) -> None:
        """Decide on `keys` (default: the targets): worked out from the flags
        on screen, shown at once, and saved by the writer's thread."""
        if not self.flags_loaded or self.writer is None:
            self.notify("Triage state is still loading…", severity="warning")
            return
        from_selection = bool(self.selected)
        keys = self._targets() if keys is None else keys
        if not keys:
            return
        try:
            change = plan(self.flags, field, keys, value, tag)
        except ValueError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        if from_selection:
            self.selected.clear()
        if change.changed:
            self.writer.submit(
                Job(setter(change), keep=True, keys=change.keys, what=change.description)
            )
        self._apply(change, advance=advance, remember=remember)

    def _apply(
        self, change: Change | None, *, advance: bool = False, remember: bool = True
    ) -> None:
        """Show a change made to the state: marks, counts, view, status."""
        if change is None:
            self._refresh_marks()  # a selection may have been cleared all the same
            return
        change.apply(self.flags)
        self.flag_sets.apply(change)
        self.triage.apply(change, self.rows, self.by_key)
        self._schedule_saved_counts()
        self.main.query_one(TopicTree).update_counts(self.counts, self.triage, self.problems)
        if remember:
            suffix = "  (u undoes)" if change.changed and change.kind == "do" else ""
            self._set_last_action(change.description + suffix)
        articles = self.articles
        if self.query is not None and self.query.uses_flags and change.changed:
            articles.refresh_rows()  # until the new view comes
            self.refresh_view(anchor="position" if advance else "row")
        else:
            if advance:
                articles.action_cursor_down()
            self._refresh_marks()

    def _refresh_marks(self) -> None:
        self.articles.refresh_rows()
        self._update_status()

    # -- saving -----------------------------------------------------------------

    def _state_outcome(self, outcome: Outcome) -> None:
        """From the writer's thread: each outcome as a message to the UI."""
        if isinstance(outcome, Done):
            if outcome.job.what != "flags":
                self.post_message(StateSaved(outcome))
        elif isinstance(outcome, Failed):
            self.post_message(StateFailed(outcome))
        elif isinstance(outcome, Recovered):
            self.post_message(StateRecovered(outcome))
        elif isinstance(outcome, ChangedElsewhere):
            self.post_message(StateChangedElsewhere())

    @on(StateSaved)
    def _state_saved(self, message: StateSaved) -> None:
        job, result = message.outcome.job, message.outcome.result
        if job.what in ("undo", "redo"):
            change, said = result
            if change is None:
                self._set_last_action(f"{said}.")
            self._apply(change)
        elif job.keep and isinstance(result, Change) and set(result.keys) != set(job.keys):
            # The file did not hold what the screen showed (another newsdesk
            # wrote meanwhile): read it again.
            self._flags_stale = True
        if self.unsaved.pop(job.id, None) is not None:
            self._unsaved_changed()
            if not self.unsaved:
                self.notify("Saved the decisions that were waiting.", title="Triage state")
        if self._flags_stale and self.writer is not None and not self.writer.pending():
            self._flags_stale = False
            self.load_flags()

    @on(StateFailed)
    def _state_failed(self, message: StateFailed) -> None:
        outcome = message.outcome
        job = outcome.job
        if not outcome.kept:
            if job.what == "flags":
                self.notify(
                    f"Triage state could not be read: {outcome.reason}.",
                    severity="error",
                    markup=False,
                )
            else:
                label = job.what.capitalize() if job.what else "The change"
                self.notify(
                    f"{label} was not done: {outcome.reason}.", severity="error", markup=False
                )
            return
        first = not self.unsaved
        self.unsaved[job.id] = job.keys
        self._unsaved_reason = outcome.reason
        self._unsaved_changed()
        if first:
            self.notify(
                f"Not saved: {job.what} ({outcome.reason}). It stays on screen, marked !,"
                " and is saved as soon as it can be.",
                title="Triage state",
                severity="error",
                markup=False,
                timeout=12,
            )

    def _unsaved_changed(self) -> None:
        self._unsaved_keys = frozenset(key for keys in self.unsaved.values() for key in keys)
        self._refresh_marks()

    @on(StateRecovered)
    def _state_recovered(self, message: StateRecovered) -> None:
        outcome = message.outcome
        assert self.writer is not None
        if self.flags_loaded:
            # What the screen holds (every decision, saved or queued) goes
            # into the new file: nothing is lost but the undo history.
            self.writer.submit(restore_job(self.flags))
            kept = "the decisions on screen"
        elif outcome.salvaged is not None:
            kept = f"the {outcome.salvaged:,} articles' state that could still be read"
        else:
            kept = "nothing: its state could not be read"
        self.notify(
            f"The triage state file was damaged ({outcome.reason}). It was kept as"
            f" {outcome.backup}; a new one holds {kept}. Undo starts afresh.",
            title="Triage state",
            severity="error",
            markup=False,
            timeout=20,
        )

    @on(StateChangedElsewhere)
    def _state_changed_elsewhere(self) -> None:
        if self.writer is not None and self.writer.pending():
            self._flags_stale = True  # read once our own writes are in
        elif self.flags_loaded:
            self.load_flags()

    # -- triage keys ----------------------------------------------------------------

    def action_toggle_read(self) -> None:
        self._decide("read", None)

    def action_toggle_star(self) -> None:
        self._decide("starred", None, advance=self.config.advance_after_star)

    def action_archive(self) -> None:
        self._decide("archived", None, advance=True)

    def action_undo(self) -> None:
        self._undo_or_redo("undo")

    def action_redo(self) -> None:
        self._undo_or_redo("redo")

    def _undo_or_redo(self, which: str) -> None:
        if self.writer is None or not self.flags_loaded:
            self.notify("Triage state is still loading…", severity="warning")
            return
        if self.unsaved:
            self.notify(
                f"Undo and redo wait until the decisions marked ! are saved"
                f" ({self._unsaved_reason}).",
                severity="warning",
                markup=False,
            )
            return

        if self.selected:
            self.selected.clear()
            self._refresh_marks()

        def run(state: State) -> tuple[Change | None, str | None]:
            change = state.undo() if which == "undo" else state.redo()
            return change, state.last_description

        self.writer.submit(Job(run, what=which))

    def action_tag(self) -> None:
        keys = self._targets()
        if not keys or not self.flags_loaded:
            return

        def chosen(tag: str | None) -> None:
            if tag:
                self._decide("tag", None, keys, tag=tag)

        self.push_screen(TagScreen(self._tags_in_use(), len(keys)), chosen)

    def _tags_in_use(self) -> dict[str, int]:
        """Tag names on screen with how many keys carry each, by name."""
        counts: dict[str, int] = {}
        for tags in self.flag_sets.tags.values():
            for tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (item[0].casefold(), item[0])))

    def action_mark_view_read(self) -> None:
        view = self.articles.view
        keys = list(dict.fromkeys(self.rows[i].key for i in view))
        unread = sum(not self.flags.get(key, NO_FLAGS).read for key in keys)
        if not unread:
            self.notify("Every article in this view is already read.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide("read", True, keys)

        self.push_screen(
            ConfirmScreen(
                f"Mark {unread:,} unread article{'s' if unread != 1 else ''} in this view"
                f" ({self._facet_title()}, {len(view):,} shown) as read?"
            ),
            confirmed,
        )

    def action_select(self) -> None:
        row_index = self.articles.current_row
        if row_index is None:
            return
        key = self.rows[row_index].key
        if key in self.selected:
            self.selected.discard(key)
        else:
            self.selected.add(key)
        self._anchor = self.articles.cursor
        self.articles.action_cursor_down()
        self._refresh_marks()

    def action_select_range(self) -> None:
        articles = self.articles
        if self._anchor is None or self._anchor >= len(articles.view):
            self._anchor = articles.cursor
        low, high = sorted((self._anchor, articles.cursor))
        self.selected.update(self.rows[i].key for i in articles.view[low : high + 1])
        self._anchor = articles.cursor
        self._refresh_marks()

    def action_escape(self) -> None:
        if self.selected:
            self.selected.clear()
            self._refresh_marks()
        else:
            self.articles.focus()

    def _move_to_unread(self, step: int) -> None:
        articles = self.articles
        view, rows, flags = articles.view, self.rows, self.flags
        position = articles.cursor + step
        while 0 <= position < len(view):
            if not flags.get(rows[view[position]].key, NO_FLAGS).read:
                articles._move_to(position)
                return
            position += step
        self.notify("No more unread articles this way.")

    def action_next_unread(self) -> None:
        self._move_to_unread(1)

    def action_previous_unread(self) -> None:
        self._move_to_unread(-1)

    # -- status ---------------------------------------------------------------

    def _set_last_action(self, message: str | None) -> None:
        self.last_action = message
        self.main.query_one(StatusLine).show_action(message)

    def _update_status(self) -> None:
        status = self.main.query_one(StatusLine)
        view = self.articles.view
        text = Text()
        if self.loading:
            progress = self.progress
            if progress is None:
                text.append("Reading…" if self.rows else "Opening store…")
            else:
                elapsed = max(time.monotonic() - progress.started, 1e-6)
                rate = progress.parsed / elapsed
                if progress.scanning:
                    text.append(f"Reading… {progress.parsed:,} of {progress.found:,}+ files")
                    status.show_progress(progress.parsed, None)
                else:
                    left = (progress.found - progress.parsed) / rate if rate else 0
                    text.append(
                        f"Reading… {progress.parsed:,} of {progress.found:,}"
                        f" · {rate:,.0f}/s · {left:,.0f} s left"
                    )
                    status.show_progress(progress.parsed, max(progress.found, 1))
            text.append("  │  ", style="dim")
        else:
            status.hide_progress()
            if self.problems:
                count = len(self.problems)
                text.append(f"{count:,} problem{'s' if count != 1 else ''}", style="red")
                text.append("  │  ", style="dim")
            if self.load_seconds is not None and len(self.rows) >= 1000:
                text.append(f"read in {self.load_seconds:.1f} s", style="dim")
                text.append("  │  ", style="dim")
        if self.unsaved:
            n = len(self._unsaved_keys)
            text.append(
                f"! {n:,} not saved: {self._unsaved_reason}", style="bold white on dark_red"
            )
            text.append("  │  ", style="dim")
        if self._search_pending:
            text.append("Searching…  │  ", style="italic")
        text.append(self._facet_title(), style="bold")
        if self.facet.kind in {"query", "saved"}:
            text.append(f" · {len(view):,} match{'es' if len(view) != 1 else ''}", style="bold")
        if len(view) > 20_000:
            text.append(f" · {len(view):,} articles")
        else:
            text.append(" · " + view_progress(self.rows, view, self.flags).describe())
        if self.selected:
            text.append(f" · {len(self.selected):,} selected", style="bold")
        status.show_status(text)

    def _facet_title(self) -> str:
        facet = self.facet
        names = {
            "all": "All articles",
            "inbox": "Inbox",
            "unread": "Unread",
            "starred": "Starred",
            "archived": "Archived",
            "tag": "Tag",
            "topic": "Topic",
            "provider": "Provider",
            "category": "Category",
            "problems": "Problems",
            "problem": "Problem",
            "saved": "Saved",
            "query": "Search",
        }
        name = names.get(facet.kind, facet.kind)
        if facet.kind == "query":
            return name
        if facet.kind == "problem":
            return f"{name}: {shown_path(facet.value)}"
        return f"{name}: {facet.value}" if facet.value else name

    # -- panes ----------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self))

    @property
    def tree_visible(self) -> bool:
        screen = self.main
        if screen.has_class("-narrow"):
            return screen.has_class("-tree-shown")
        return not screen.has_class("-tree-hidden")

    def action_toggle_tree(self) -> None:
        """Hide or show the tree (hidden by default on narrow terminals)."""
        screen = self.main
        show = not self.tree_visible
        if screen.has_class("-narrow"):
            screen.set_class(show, "-tree-shown")
        else:
            screen.set_class(not show, "-tree-hidden")
        tree = self.main.query_one(TopicTree)
        if show:
            tree.focus()
        elif tree.has_focus:
            self.articles.focus()

    def action_focus_list(self) -> None:
        self.articles.focus()

    def action_focus_tree(self) -> None:
        if not self.tree_visible:
            self.action_toggle_tree()
        self.main.query_one(TopicTree).focus()

    def action_focus_detail(self) -> None:
        self.main.query_one(DetailView).focus()

    def action_focus_related(self) -> None:
        detail = self.main.query_one(DetailView)
        if detail.related:
            detail.focus()
            detail.enter_related()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Show keys", "Every key binding of newsdesk (?)", self.action_help),
            (
                "Toggle read",
                "Mark the article or selection read / unread (m)",
                self.action_toggle_read,
            ),
            ("Toggle star", "Star or unstar the article or selection (s)", self.action_toggle_star),
            ("Archive", "Archive or unarchive, then move on (e)", self.action_archive),
            ("Tag", "Add or remove a tag (t)", self.action_tag),
            ("Undo", "Undo the last action (u)", self.action_undo),
            ("Redo", "Redo the last undone action (U)", self.action_redo),
            (
                "Mark view read",
                "Mark every article in this view read (A)",
                self.action_mark_view_read,
            ),
            ("Next unread", "Jump to the next unread article (n)", self.action_next_unread),
            (
                "Previous unread",
                "Jump to the previous unread article (N)",
                self.action_previous_unread,
            ),
            ("Select", "Select the article under the cursor (x)", self.action_select),
            (
                "Select range",
                "Select from the last selected to the cursor (V)",
                self.action_select_range,
            ),
            ("Preview page", "Fetch and show the linked page (p)", self.action_preview),
            (
                "Open in browser",
                "Open the page in the system browser (o)",
                self.action_open_browser,
            ),
            ("Copy URL", "Copy the page's address (y)", self.action_copy_url),
            ("Toggle topic tree", "Hide or show the tree pane (\\)", self.action_toggle_tree),
            ("Focus topic tree", "Move to the topic tree", self.action_focus_tree),
            ("Focus article list", "Move to the list", self.action_focus_list),
            ("Focus detail view", "Move to the detail pane", self.action_focus_detail),
            ("Focus related articles", "Move to the related list", self.action_focus_related),
            ("First article", "Jump to the top of the list (g)", self.articles.action_first),
            ("Last article", "Jump to the end of the list (G)", self.articles.action_last),
            ("Open article", "Show it in the detail pane (enter)", self.articles.action_open),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)
