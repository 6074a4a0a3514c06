"""The main screen: topic tree, article list, detail view, and their keys.

The screen is a client of the open session (`reader.library.Library`): it
starts the background work (the load, the store watcher, queries, flags,
the body index), renders what comes back and turns keys into the library's
decisions. Work done in threads comes back as the named messages of
`reader.ui.messages`; two hand-overs wait instead (see `_take_rows`).

Stories: the list shows a view folded to one row per story (`z` shows every
article again); a folded story's row stands for all its articles, for
triage as for its marks, and `l`/`h` expand and fold it (see `_present`).

Its bindings are the screen's own: under a prompt, the help or a preview
they are quiet by themselves.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.timer import Timer
from textual.worker import get_current_worker

from reader import gc_pause, timings
from reader.config import Config
from reader.library.facets import ALL, FLAG_QUERIES, INBOX, NEW, Facet, facet_query, facet_title
from reader.library.library import Intake, Library, Marks, Update
from reader.library.session import Session
from reader.model import Article, Problem, Row
from reader.store.files import ParseError, read_article
from reader.store.loader import FIRST_BATCH, Progress
from reader.text import shown_path
from reader.triage.state import NO_FLAGS, Change, Field, Flags
from reader.triage.writer import ChangedElsewhere, Done, Failed, Outcome, Recovered, restore_job
from reader.ui.keys import main_bindings
from reader.ui.lines.kept_lines import KeptHorizontal, KeptScreen, KeptVertical
from reader.ui.messages import (
    ArticleRead,
    BodiesReady,
    FlagsLoaded,
    LoadFinished,
    LoadProgressed,
    NewFound,
    QueryFailed,
    SavedCounted,
    StateChangedElsewhere,
    StateFailed,
    StateRecovered,
    StateSaved,
    StoreNotice,
    ViewEvaluated,
)
from reader.ui.pages import checked_url, copy_url, open_url
from reader.ui.panes.article_list import ArticleList, Columns
from reader.ui.panes.detail import CoverageEntry, DetailView
from reader.ui.panes.key_bar import KeyBar
from reader.ui.panes.list_header import ListHeader
from reader.ui.panes.query_bar import QueryBar, error_text
from reader.ui.panes.status_line import StatusLine
from reader.ui.panes.topic_tree import TopicTree
from reader.ui.screens.help import MAIN_PLACES
from reader.ui.screens.prompts import ConfirmScreen, TagScreen, TextPrompt
from reader.ui.textual_private import set_own_bindings

if TYPE_CHECKING:
    from reader.search.query import Query

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
CLOCK_INTERVAL = 60.0
"""Seconds between re-evaluations of a view whose query reads the clock
(`age:`), so that articles leave it as they age."""
SEPARATOR = "  │  "
RESTORED_KINDS = frozenset(
    {"all", "inbox", "new", "unread", "starred", "archived", "hidden", "stories", "saved"}
    | {"topic", "provider", "category", "tag"}
)
"""The tree's views a session goes back to (a query is restored as a query)."""

LAYOUTS = {"three": "tree, list and detail", "two": "list and detail", "one": "list alone"}
"""The layouts `L` goes through, in order, with their names in the status line."""


STORY_CHANGES_AT_ONCE = 4_000
"""Story changes taken in per turn of the screen's thread (some 15 ms): a
store's first grouping sends them all at once (24,000 at 100,000 articles
took 94 ms in one go; 574,000 at a million, seconds)."""


class StoriesChanged(Message):
    """The story grouping says which articles changed story (path -> its
    story id, None: alone)."""

    def __init__(self, changes: dict[str, str | None]) -> None:
        super().__init__()
        self.changes = changes


class MoreStoryChanges(Message):
    """The story changes waiting (`MainScreen._story_backlog`), from
    `start` on: taken in after whatever (keys) came in meanwhile."""

    def __init__(self, start: int) -> None:
        super().__init__()
        self.start = start


class MainScreen(KeptScreen):
    """Browse and triage the open store."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (140, "-wide")]
    AUTO_FOCUS = "#articles"
    """The list has the focus from the start (not the tree, first in the layout)."""

    BINDINGS: ClassVar[list[BindingType]] = [*main_bindings()]
    HELP_PLACES = MAIN_PLACES
    """What `?` shows here: the screen's keys, then each pane's."""

    def __init__(self, library: Library, config: Config, session: Session | None = None) -> None:
        super().__init__(id="_default")
        self.key_bindings: list[BindingType] = main_bindings(config.keys)
        """This screen's own bindings: `BINDINGS` with config.toml's `[keys]` applied."""
        set_own_bindings(self, self.key_bindings)
        self.library = library
        self.config = config
        self.last_session = session
        """Where the last session stopped: restored on mount."""
        self._restore: tuple[str, int] | None = None
        """The article (path) and place the cursor goes back to, once shown."""
        self.facet: Facet = INBOX
        self.current_query: Query | None = None
        """The query the list shows (None: the facet's own view)."""
        self._tree_facet: Facet = INBOX
        """The view last chosen in the tree (escape from a typed query goes back)."""
        self._query_error = False
        """Whether the query bar holds an error (the list keeps the last good query)."""
        self._landing: set[int] | None = None
        """Rows an undo or redo changed: the cursor goes to the first shown."""
        self._landing_switched = False
        self.count = 0
        """A number typed before a key, to repeat it (0: none)."""
        self._query_generation = 0
        self._search_timer: Timer | None = None
        self._search_pending = False
        self._saved_timer: Timer | None = None
        self._clock_timer: Timer | None = None
        self._saved_counts: dict[str, int] = {}
        self._anchor: int | None = None
        self._detail_timer: Timer | None = None
        self._read_timer: Timer | None = None
        self._first_screen = False
        """Whether the first screen of articles is on its way."""
        self._story_backlog: list[tuple[str, str | None]] | None = None
        """Story changes being taken in a part at a time (`MoreStoryChanges`)."""
        self._first_screen_drawn = False
        self._after_first_screen: Callable[[], None] | None = None
        self._deferred_load: list[Row] | None = None
        self._parsers_ready = False
        """Whether the article's parsers are imported (`_warm_up`)."""
        self._flags_stale = False
        """Another process wrote while decisions of ours were queued."""
        self._tree_updated = 0.0
        self._last_move = 0.0
        self.stories_on = True
        """Whether the list shows one row per story (`z`), kept across sessions."""
        self.expanded_stories: set[str] = set()
        """Stories (their ids) whose articles show on rows of their own."""
        self.view_rows: list[int] = []
        """The view shown, before it is folded into stories: its articles."""
        self._shown: dict[int, int] = {}
        """`StoryRows.fold`'s count of each story row of the list's view."""
        self._folded: frozenset[int] = frozenset()
        """The list's rows that stand for a folded story of several articles."""
        self._story_count = 0
        """How many stories the view holds (its articles alone count one each)."""
        self._stories_generation = -1
        """The stories' generation the list was last drawn with."""
        self._last_fold: (
            tuple[list[int], tuple[int, frozenset[str]], list[int], dict[int, int]] | None
        ) = None
        """The last view folded, with the stories and expansions it was
        folded with, and what `_fold` made of it."""

    # -- layout and accessors ---------------------------------------------------

    def compose(self) -> ComposeResult:
        self.topic_tree = TopicTree(id="tree")
        self.query_bar = QueryBar(id="query-bar")
        self.list_header = ListHeader(id="list-header")
        self.articles = ArticleList(self.library.rows, id="articles")
        self.detail = DetailView(id="detail")
        self.status_line = StatusLine(id="status-bar")
        with KeptHorizontal(id="panes"):
            yield self.topic_tree
            with KeptVertical(id="middle"):
                yield self.query_bar
                yield self.list_header
                yield self.articles
            yield self.detail
        yield self.status_line
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        library = self.library
        articles = self.articles
        articles.marks = self._marks
        articles.on_width = self.list_header.fit
        config = self.config
        columns = Columns.of(config.columns, config.date_format)
        if columns != articles.columns:
            articles.columns = self.list_header.columns = columns
        articles.focus()
        self.query_bar.show_query(FLAG_QUERIES["inbox"])
        if self.last_session is not None:
            self._restore_session(self.last_session)
        if config.layout is not None:
            self.call_after_refresh(self._set_layout, config.layout)
        if config.tree_width is not None or config.detail_width is not None:
            self.call_after_refresh(self._apply_widths)
        # The toasts' rack hides itself when the screen first shows, and
        # that lays out the screen once more (30 ms) before the first frame:
        # hidden now, it is hidden with the first layout.
        for rack in self.query("#textual-toastrack"):
            rack.display = False
        self._update_status()
        if library.saved.warning:
            self.notify(library.saved.warning, severity="warning", markup=False)
        library.open_writer(self._state_outcome)
        self.topic_tree.update_saved(library.saved.items, self._saved_counts)
        self._load_flags()
        shown = library.newest(FIRST_BATCH)
        if shown:
            self._take_rows(library.take_in(shown))
            # Rows are on screen: the load waits for the first frame, which
            # would otherwise share the interpreter with it (30 ms later).
            self._deferred_load = shown
            self.set_timer(LOAD_DEFERRED_AT_MOST, self._start_deferred_load)
        else:
            self._load(shown)

    # -- sessions --------------------------------------------------------------------

    def _restore_session(self, session: Session) -> None:
        """Back to the view, article and tree of the last session."""
        if session.tree_hidden and self.tree_visible:
            self.action_toggle_tree()
        self.stories_on = session.stories
        self.set_class(session.layout == "one", "-layout-one")
        if session.article is not None:
            self._restore = (session.article, session.position)
        facet = Facet(session.kind, session.value)
        if facet.kind == "query":
            self.query_bar.show_query(session.value)
            if self._set_query(session.value):
                self.facet = facet
        elif facet.kind in RESTORED_KINDS:
            if facet.kind == "saved" and facet.value not in self.library.saved.items:
                return
            self._tree_facet = facet
            self.facet = facet
            text = facet_query(facet, self.library.saved.items)
            self.query_bar.show_query(text)
            if facet not in (INBOX, NEW, ALL):
                self._set_query(text)
            self.call_after_refresh(self.topic_tree.select_facet, facet)

    def session_now(self) -> Session:
        """Where this session stops (kept for the next one)."""
        row = self.articles.current_row
        return Session(
            store=str(self.library.root),
            kind=self.facet.kind if self.facet.kind != "problem" else "inbox",
            value=self.facet.value if self.facet.kind != "problem" else "",
            article=None if row is None else self.library.rows[row].path,
            position=self.articles.cursor,
            tree_hidden=not self.tree_visible,
            layout=self.layout_name,
            ended=time.time(),
            stories=self.stories_on,
        )

    def _restore_cursor(self, view: list[int], final: bool) -> None:
        """The cursor back on the last session's article once the view holds
        it; when it is gone (`final`: the load is over), at its old place."""
        if self._restore is None:
            return
        path, position = self._restore
        index = self.library.path_index.get(path)
        if index is not None and self._reveal(index):
            self._restore = None
        elif final:
            self._restore = None
            if view:
                self.articles.move_to(min(position, len(self.articles.view) - 1))

    @work(thread=True, exclusive=True, group="new", exit_on_error=False)
    def _find_new(self, since: float) -> None:
        paths = self.library.find_new(since)
        if paths is not None:
            self.post_message(NewFound(paths))

    @on(NewFound)
    def _new_found(self, message: NewFound) -> None:
        library = self.library
        library.new_paths = frozenset(message.paths) | library.new_paths
        self._update_new()
        if self.facet == NEW:
            self.refresh_view()

    def _update_new(self) -> None:
        library = self.library
        live = library.path_index
        self.topic_tree.update_new(sum(1 for path in library.new_paths if path in live))

    # -- loading --------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _load(self, shown: list[Row]) -> None:
        """Load the store; `shown` are rows already on screen."""
        worker = get_current_worker()
        app = self.app
        # Rows and changes are handed over with calls that wait for the UI
        # thread: the load's pace is the screen's (it cannot queue hand-overs
        # faster than frames take them), and rows reach the screen in the
        # order the query corpus numbered them.
        finished = self.library.load(
            shown,
            deliver=lambda intake: app.call_from_thread(self._take_rows, intake),
            changed=lambda updates: app.call_from_thread(self._take_updates, updates),
            progress=lambda progress: self.post_message(LoadProgressed(progress)),
            notice=lambda text: self.post_message(StoreNotice(text)),
            cancelled=lambda: worker.is_cancelled,
        )
        if finished:
            self.post_message(LoadFinished())

    def _take_rows(self, intake: Intake) -> None:
        """(UI) Rows from the load, already ordered and counted."""
        self.library.add(intake)
        # Rows live for the session: out of the collector's way as they come,
        # or a full collection walks them all mid-load (~0.2 s at 100k).
        gc_pause.settle()
        now = time.monotonic()
        # Relabelling hundreds of nodes is costly: once a second while loading.
        if now - self._tree_updated > TREE_INTERVAL:
            self._tree_updated = now
            self._update_tree()
        self.refresh_view(anchor="row" if self._user_moved() else "top")
        self._update_status()

    def _update_tree(self) -> None:
        library = self.library
        stories = library.stories
        told = stories.total(library.counts.total) if self.stories_on and stories else 0
        self.topic_tree.update_counts(
            library.counts, library.triage, library.problems, len(library.hidden), told
        )

    def _user_moved(self) -> bool:
        return self.articles.cursor > 0 or self.focused is not self.articles

    @on(LoadProgressed)
    def _load_progressed(self, message: LoadProgressed) -> None:
        self.library.progress = message.progress
        self._update_status()

    @on(StoreNotice)
    def _store_notice(self, message: StoreNotice) -> None:
        self.notify(message.text, markup=False, timeout=8)

    @on(LoadFinished)
    def _load_finished(self) -> None:
        library = self.library
        library.load_finished()
        if self.stories_on and library.stories:
            self.refresh_view(anchor="row")  # folded now (not while loading)
        for problem in library.hide.problems:
            self.notify(f"config.toml: {problem}", severity="warning", markup=False, timeout=12)
        library.hide.problems = []
        self._update_tree()
        # By count, then name, now that the counts are whole: the same order
        # after a cold and a warm start (names kept their place while loading).
        self.topic_tree.sort_groups()
        # The rows live for the whole session: keep the collector from
        # walking 100,000 objects on every later collection. (No collection
        # first: it would hold the screen for a tenth of a second.)
        gc_pause.settle()
        gc_pause.start_up_done()  # if no rows ever made a first screen
        if not library.rows:
            self.articles.empty_message = "No articles could be read: see Problems in the tree."
            self.articles.refresh()
        self._update_status()
        timings.mark("loaded", rows=len(library.rows), problems=len(library.problems))
        if self._first_screen and not self._first_screen_drawn:
            # A small store loads before its first frame is out: what follows
            # the load waits for that frame (it is not on it).
            self._after_first_screen = self._after_load
        else:
            self._after_load()

    def _after_load(self) -> None:
        """Work the load makes possible: query indexes, saved searches'
        counts, the body index, and watching the store."""
        library = self.library
        self._prepare_corpus()
        self._schedule_saved_counts()
        if library.index is not None:
            self._start_stories()
            self._watch(library.load_started_wall)
            if self.last_session is not None and self.last_session.ended:
                self._find_new(self.last_session.ended)
        self._index_bodies()
        if self._restore is not None:
            self.refresh_view(anchor="row")  # the article may be gone: its place then

    @work(thread=True, exclusive=True, group="flags", exit_on_error=False)
    def _load_flags(self) -> None:
        """Read every article's triage state (after the writes queued)."""
        read = self.library.read_flags()
        if read is not None:
            self.post_message(FlagsLoaded(*read))

    @on(FlagsLoaded)
    def _flags_loaded(self, message: FlagsLoaded) -> None:
        library = self.library
        first = library.set_flags(message.flags, message.triage, message.counted)
        if first and library.writer is not None:
            # A damaged page is found now, off the UI thread, rather than by
            # the first decision's write.
            library.writer.call(lambda state: state.check(), what="integrity check")
        self._update_tree()
        self._refresh_marks()
        if self._view_uses_flags():
            self.refresh_view()
        self._schedule_saved_counts()

    @work(thread=True, exclusive=True, group="stories", exit_on_error=False)
    def _start_stories(self) -> None:
        """Start the grouping's helper process (starting a process takes
        the interpreter for a while: not on the screen's thread)."""
        self.library.start_stories(
            lambda changes: self.post_message(StoriesChanged(changes)),
            lambda reason: self.post_message(
                StoreNotice(f"Articles could not be grouped into stories: {reason}")
            ),
        )

    @work(thread=True, exclusive=True, group="prepare", exit_on_error=False)
    def _prepare_corpus(self) -> None:
        """Build the query indexes now, so the first search is as quick as the rest."""
        worker = get_current_worker()
        if self.library.prepare(cancelled=lambda: worker.is_cancelled):
            # The indexes live as long as the rows: out of the collector's
            # way too (a full collection walking them took 20-30 ms).
            gc_pause.settle()
            timings.mark("prepared", rows=len(self.library.rows))

    # -- bodies -----------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="bodies", exit_on_error=False)
    def _index_bodies(self, only: frozenset[str] | None = None) -> None:
        """Bring the body index up to date: new bodies in, vanished ones out.

        Runs after the load, so that free words find text in bodies too;
        `only` re-reads just those paths (files that changed).
        """
        from reader.search.bodies import fill, fill_file, send_paths
        from reader.search.fulltext import FullText, FullTextError

        library = self.library
        worker = get_current_worker()
        try:
            bodies = library.bodies or FullText(library.bodies_path())
        except FullTextError as error:
            self.post_message(StoreNotice(f"Bodies are not searchable: {error}"))
            return
        clear, todo = library.bodies_todo(bodies, only)
        if bodies.path == ":memory:" or len(todo) < BODIES_IN_PROCESS:
            fill(library.root, bodies, todo, clear=clear)
        else:
            # Many files: parsed in a process of its own, so the screen keeps
            # the interpreter to itself.
            from reader.store.processes import mp_context

            context = mp_context()
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(  # type: ignore[attr-defined]
                target=fill_file,
                args=(str(library.root), bodies.path, receiver, clear),
                daemon=True,
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
        if library.bodies is None:
            library.bodies = bodies
            self.post_message(BodiesReady())

    @on(BodiesReady)
    def _bodies_ready(self) -> None:
        if self.current_query is not None and not self.current_query.is_empty:
            self.refresh_view()

    # -- the live store ------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def _watch(self, since: float) -> None:
        """Poll the store; hand what changed to the UI as it happens."""
        worker = get_current_worker()
        app = self.app
        self.library.watch(
            since,
            changed=lambda updates: app.call_from_thread(self._take_updates, updates),
            notice=lambda text: self.post_message(StoreNotice(text)),
            cancelled=lambda: worker.is_cancelled,
        )

    def _take_updates(self, updates: list[Update]) -> None:
        """(UI) Files changed, appeared or vanished while the app runs."""
        library = self.library
        applied = library.apply_updates(updates)
        self._update_tree()
        if not library.loading:
            # Files that arrive while newsdesk runs are new too.
            arrived = {u.path for u in updates if u.old is None and isinstance(u.item, Row)}
            if arrived:
                library.new_paths = library.new_paths | arrived
            self._update_new()
        detail = self.detail
        if detail.article is not None and detail.article.path in applied.paths:
            if detail.article.path not in library.path_index:
                self._show_in_detail(
                    f"{shown_path(detail.article.path)} was removed from the store."
                )
            else:
                self._show_current()
        articles = self.articles
        current = articles.current_row
        self.refresh_view(anchor="row")
        if library.bodies is not None:
            self._index_bodies(applied.paths)
        if current in applied.gone:
            # The file under the cursor changed: stay on its new version.
            replacement = library.live_index(current)
            if replacement is not None:
                self.call_after_refresh(self._reveal, replacement)

    # -- views ------------------------------------------------------------------------------

    def refresh_view(self, anchor: str = "row") -> None:
        """Recompute the list for the current query, off the UI thread."""
        query = self.current_query
        if self.facet.kind in {"problems", "problem"}:
            self._show_view(self.facet, [], anchor)
        elif self.facet == INBOX:
            self._show_view(self.facet, self.library.inbox(), anchor)
        elif self.facet == NEW:
            self._show_view(self.facet, self.library.new_view(), anchor)
        elif query is None or (query.is_empty and not query.sort):
            self._show_view(self.facet, self.library.order, anchor)
        else:
            self._query_generation += 1
            self._evaluate(self._query_generation, self.facet, query, anchor)
            if self._search_timer is None:
                self._search_timer = self.set_timer(SEARCH_NOTICE, self._search_takes_long)

    def _view_uses_flags(self) -> bool:
        """Whether a decision can change which articles the view holds."""
        query = self.current_query
        return self.facet == INBOX or (query is not None and query.uses_flags)

    def _search_takes_long(self) -> None:
        self._search_timer = None
        self._search_pending = True
        self._update_status()

    def _search_done(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self._search_pending = False

    @work(thread=True, exclusive=True, group="query", exit_on_error=False)
    def _evaluate(self, generation: int, facet: Facet, query: Query, anchor: str) -> None:
        """Evaluate a query; a newer request makes this one's result unwanted."""
        from reader.search.query import QueryError

        if generation != self._query_generation:
            return
        library = self.library
        try:
            view = library.evaluate(query, library.query_context())
        except QueryError as error:
            self.post_message(QueryFailed(query.source, error.message, error.start, error.end))
            return
        if generation == self._query_generation and not get_current_worker().is_cancelled:
            self.post_message(ViewEvaluated(generation, facet, view, anchor))

    @on(ViewEvaluated)
    def _view_evaluated(self, message: ViewEvaluated) -> None:
        if message.generation != self._query_generation:
            return
        view = message.view
        limit = len(self.library.rows)
        if view and max(view) >= limit:
            view = [i for i in view if i < limit]
        self._show_view(message.facet, view, message.anchor)

    @on(QueryFailed)
    def _query_failed(self, message: QueryFailed) -> None:
        self._search_done()
        self._update_status()
        self.query_bar.show_error(
            error_text(message.text, message.message, message.start, message.end)
        )

    def _show_view(self, facet: Facet, view: list[int], anchor: str = "row") -> None:
        if facet != self.facet:
            return
        self._search_done()
        articles = self.articles
        library = self.library
        query = self.current_query
        if facet.kind == "problems":
            articles.empty_message = (
                f"{len(library.problems):,} files could not be read: choose one in the tree."
            )
        elif facet.kind == "problem":
            articles.empty_message = "This file could not be read: see the detail pane."
        elif library.loading:
            articles.empty_message = "Loading…"
        elif query is not None and not query.is_empty:
            articles.empty_message = "Nothing matches this query."
        else:
            articles.empty_message = "No articles here."
        self._present(view, anchor)
        self._restore_cursor(view, final=not self.library.loading)
        self._update_status()
        self._land()
        if not self._first_screen and view:
            self._first_screen = True
            self.call_after_refresh(self._first_screen_out)

    # -- stories ------------------------------------------------------------------------

    def _present(self, view: list[int], anchor: str = "row") -> None:
        """Hand `view` to the list, folded into stories while they are on.

        With `anchor` "row" the cursor stays on its article: when that
        article would be folded into another's row (stories came in, or
        were turned on), its story is expanded."""
        self.view_rows = view
        folded, shown = self._fold(view)
        if anchor == "row" and shown and self._hidden_in_story(self.articles.current_row, shown):
            current = self.articles.current_row
            assert current is not None
            key = self.library.stories.story_key(current)
            assert key is not None
            self.expanded_stories.add(key)
            folded, shown = self._fold(view)
        stories = self.library.stories
        expanded = self.expanded_stories
        cells: dict[int, int] = {}
        folded_rows: set[int] = set()
        for row, count in shown.items():
            if count > 0 and stories.story_key(row) in expanded:
                cells[row] = 1
            else:
                cells[row] = count
                if count > 1:
                    folded_rows.add(row)
        self._shown = shown
        self._folded = frozenset(folded_rows)
        self._story_count = len(folded) - sum(1 for count in shown.values() if count < 0)
        self.articles.set_view(folded, anchor=anchor, stories=cells)
        if stories.generation != self._stories_generation:
            self._stories_generation = stories.generation
            if folded_rows:
                self.articles.refresh_rows()  # a folded row's marks are its story's
        self._show_coverage()

    @on(StoriesChanged)
    def _stories_changed(self, message: StoriesChanged) -> None:
        """Articles changed story: the list folds again (the cursor stays
        on its article once the user has moved it), and queries that read
        stories are evaluated again."""
        if not message.changes:
            return
        if self._story_backlog is not None:
            # Behind the changes still being taken in, in their order.
            self._story_backlog.extend(message.changes.items())
            return
        if len(message.changes) > STORY_CHANGES_AT_ONCE:
            self._story_backlog = list(message.changes.items())
            self._more_story_changes(MoreStoryChanges(0))
            return
        self.library.apply_stories(message.changes)
        self._stories_settled()

    @on(MoreStoryChanges)
    def _more_story_changes(self, message: MoreStoryChanges) -> None:
        backlog = self._story_backlog
        assert backlog is not None
        end = message.start + STORY_CHANGES_AT_ONCE
        self.library.apply_stories(dict(backlog[message.start : end]))
        if end < len(backlog):
            self.post_message(MoreStoryChanges(end))
        else:
            self._story_backlog = None
            self._stories_settled()

    def _stories_settled(self) -> None:
        self._update_tree()
        # Before the user moves, the list starts at its top (as in a load).
        self.refresh_view(anchor="row" if self._user_moved() else "top")

    def _fold(self, view: list[int]) -> tuple[list[int], dict[int, int]]:
        """`view` folded into stories (as it is while they are off). The
        last fold is kept: folding 100,000 rows takes tens of milliseconds,
        and a view (a new list whenever it changes) is often shown again."""
        if not self.stories_on or self.library.loading:
            # While a store loads, each hand-over of rows shows a new view:
            # folding each (tens of milliseconds at 100,000 rows) would be
            # time the keys wait. The stories show once it is read.
            return view, {}
        stories = self.library.stories
        key = (stories.generation, frozenset(self.expanded_stories))
        kept = self._last_fold
        if kept is not None and kept[0] is view and kept[1] == key:
            return kept[2], kept[3]
        folded, shown = stories.fold(view, self.expanded_stories)
        self._last_fold = (view, key, folded, shown)
        return folded, shown

    def _hidden_in_story(self, row: int | None, shown: dict[int, int]) -> bool:
        """Whether the view holds row `row` but folds it into another row of
        its story."""
        if row is None or row in shown:
            return False
        stories = self.library.stories
        if stories.story_key(row) is None:
            return False
        if not any(shown.get(other, 0) > 1 for other in stories.members(row) if other != row):
            return False
        return row in self.view_rows

    def _reveal(self, row: int) -> bool:
        """Put the cursor on row `row`, expanding the story that folds it
        away if need be; whether the view holds it."""
        articles = self.articles
        if articles.move_to_row(row):
            return True
        key = self.library.stories.story_key(row) if self.stories_on else None
        if key is None or key in self.expanded_stories or row not in self.view_rows:
            return False
        self.expanded_stories.add(key)
        self._present(self.view_rows)
        return articles.move_to_row(row)

    def _is_folded(self, row: int | None) -> bool:
        """Whether the list's row `row` stands for a folded story."""
        return row is not None and row in self._folded

    def _keys_at(self, row: int | None) -> list[str]:
        """The keys a decision on the list's row `row` is made on: a folded
        story's row stands for every article of the story, another row for
        its own article."""
        if row is None:
            return []
        library = self.library
        if not self._is_folded(row):
            return [library.rows[row].key]
        rows = library.rows
        return list(dict.fromkeys(rows[member].key for member in library.stories.members(row)))

    def _targets(self) -> list[str]:
        """The keys an action applies to: the selection, else the row under
        the cursor's (a folded story: all its articles')."""
        selected = self.library.selected
        if selected:
            return list(selected)
        return self._keys_at(self.articles.current_row)

    def _marks(self, row: Row) -> Marks:
        """How a row is marked in the list: a folded story's row is unread
        while any of its articles is (starred, tagged, selected or not saved
        the same way; archived once all are)."""
        library = self.library
        marks = library.marks(row)
        if not self._folded:
            return marks
        index = library.path_index.get(row.path)
        if index is None or index not in self._folded:
            return marks
        rows = library.rows
        every = [marks] + [
            library.marks(rows[member])
            for member in library.stories.members(index)
            if member != index
        ]
        return Marks(
            selected=any(m.selected for m in every),
            unread=any(m.unread for m in every),
            starred=any(m.starred for m in every),
            archived=all(m.archived for m in every),
            tagged=any(m.tagged for m in every),
            unsaved=any(m.unsaved for m in every),
        )

    def _unread_at(self, row: int) -> bool:
        library = self.library
        rows, flags = library.rows, library.flags
        members = library.stories.members(row) if row in self._folded else [row]
        return any(not flags.get(rows[member].key, NO_FLAGS).read for member in members)

    @on(ArticleList.StoryToggled)
    def _story_toggled(self, event: ArticleList.StoryToggled) -> None:
        """`l` expands the story of the row under the cursor, `h` folds it
        (from any of its rows: the cursor goes to the story's row)."""
        row = event.row
        stories = self.library.stories
        key = stories.story_key(row) if self.stories_on else None
        if key is None or row not in self._shown:
            return  # an article alone in the view, or stories are off
        expanded = self.expanded_stories
        if event.expand:
            if key in expanded:
                return
            expanded.add(key)
        else:
            if key not in expanded:
                return
            expanded.discard(key)
            first = next(
                (member for member in stories.members(row) if self._shown.get(member, 0) > 0),
                None,
            )
            if first is not None and first != row:
                self.articles.move_to_row(first)
        self._present(self.view_rows)
        self._update_status()

    def action_toggle_stories(self) -> None:
        """One row per story, or every article on its own row (`z`)."""
        self.stories_on = not self.stories_on
        self._present(self.view_rows)
        self._update_tree()
        self._update_status()
        self.status_line.show_action(
            "Stories: one row per story (l expands one)."
            if self.stories_on
            else "Stories off: every article on a row of its own."
        )

    def _coverage(self, path: str) -> tuple[list[CoverageEntry], set[str]]:
        """The articles of the story of the article at `path` (none when it
        is alone, or stories are off), and the URL keys of their pages."""
        library = self.library
        index = library.path_index.get(path)
        if index is None or not self.stories_on:
            return [], set()
        members = library.stories.members(index)
        if len(members) < 2:
            return [], set()
        from reader.stories.links import url_key

        rows = library.rows
        entries: list[CoverageEntry] = []
        pages: set[str] = set()
        for member in members:
            row = rows[member]
            read = library.flags_of(row).read
            entries.append((row.provider or row.domain, row.published, row.title, read))
            page = url_key(row.web_url) if row.web_url else ""
            if page:
                pages.add(page)
        return entries, pages

    def _show_coverage(self) -> None:
        """The detail pane's coverage, as the stories and flags are now
        (cheap when nothing changed)."""
        article = self.detail.article
        if article is not None:
            self.detail.show_coverage(*self._coverage(article.path))

    def _first_screen_out(self) -> None:
        self._first_screen_drawn = True
        timings.mark("first_screen", rows=len(self.library.rows))
        gc_pause.start_up_done()
        self._start_deferred_load()
        self._warm_up()
        if self._after_first_screen is not None:
            self._after_first_screen()
            self._after_first_screen = None

    def _start_deferred_load(self) -> None:
        if self._deferred_load is not None:
            shown, self._deferred_load = self._deferred_load, None
            self._load(shown)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self) -> None:
        """Import the article and Markdown parsers (about 70 ms) here rather
        than on the UI thread, where the first article shown would wait for
        them, and any key pressed meanwhile; then show that article."""
        import markdown_it  # noqa: F401

        from reader.store import frontyaml  # noqa: F401
        from reader.web import extract  # noqa: F401

        self.app.call_from_thread(self._parsers_loaded)

    def _parsers_loaded(self) -> None:
        self._parsers_ready = True
        if self.library.pacer.busy():
            # Keys are coming in (a cold load's first second is busy enough):
            # the article waits until the cursor rests, as under a held key.
            if self._detail_timer is not None:
                self._detail_timer.stop()
            self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_current)
        else:
            self._show_current()

    def _clock_tick(self) -> None:
        """A view whose query reads the clock (`age:`) is evaluated again."""
        if self.current_query is not None and self.current_query.uses_clock:
            self.refresh_view()

    @on(TopicTree.FacetSelected)
    def _facet_selected(self, event: TopicTree.FacetSelected) -> None:
        self._tree_facet = event.facet
        self._show_facet(event.facet)

    def _show_facet(self, facet: Facet, *, select: bool = False, again: bool = False) -> None:
        """Show a tree node's view (`select`: and put the tree's cursor on it;
        `again`: also when it is the view shown, its query put back in the bar)."""
        if select:
            self._tree_facet = facet
            with self.topic_tree.prevent(TopicTree.FacetSelected):
                self.topic_tree.select_facet(facet)
        if facet == self.facet and not again:
            return
        self.facet = facet
        if facet.kind == "problem":
            problem = next((p for p in self.library.problems if p.path == facet.value), None)
            if problem is not None:
                self._show_in_detail(problem)
        text = facet_query(facet, self.library.saved.items)
        self.query_bar.show_query(text)
        self._set_query(text)
        self.refresh_view(anchor="top")

    def _set_query(self, text: str) -> bool:
        """Parse `text` as the current query; on an error keep the old one."""
        from reader.search.query import QueryError, parse

        try:
            query = parse(text)
        except QueryError as error:
            # The list shows the query applied before this edit began (never
            # a prefix of what is being typed), and says so.
            kept = self.query_bar.kept
            showing = kept if kept.strip() else facet_title(self._tree_facet)
            self._query_error = True
            self.query_bar.show_error(
                error_text(text, error.message, error.start, error.end, showing or "everything")
            )
            return False
        self._query_error = False
        self.query_bar.show_error(None)
        self.current_query = query
        if query.uses_clock and self._clock_timer is None:
            self._clock_timer = self.set_interval(CLOCK_INTERVAL, self._clock_tick)
        return True

    # -- searching ---------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_bar.begin()

    @on(QueryBar.Changed)
    def _query_typed(self, event: QueryBar.Changed) -> None:
        if self._set_query(event.text):
            self.facet = Facet("query", event.text)
            self.refresh_view(anchor="top")
            return
        # An error: back to what was applied when the edit began.
        kept = self.query_bar.kept
        applied = self.current_query.source if self.current_query is not None else ""
        if applied != kept:
            self._apply_kept(kept)

    def _apply_kept(self, kept: str) -> None:
        """Show the view of `kept` (the bar's query before the edit) while
        the bar keeps its error."""
        from reader.search.query import QueryError, parse

        tree_text = facet_query(self._tree_facet, self.library.saved.items)
        try:
            self.current_query = parse(kept)
        except QueryError:
            return
        self.facet = self._tree_facet if kept == tree_text else Facet("query", kept)
        self.refresh_view(anchor="top")

    @on(QueryBar.Submitted)
    def _query_kept(self, event: QueryBar.Submitted) -> None:
        if self._query_error:
            self.app.bell()  # the bar stays open on its error: fix it, or escape
            return
        self.articles.focus()

    @on(QueryBar.Cancelled)
    def _query_cancelled(self, event: QueryBar.Cancelled) -> None:
        if not event.previous.strip():
            self._show_facet(self._tree_facet, again=True)
        elif self._set_query(event.previous):
            if event.previous != facet_query(self._tree_facet, self.library.saved.items):
                self.facet = Facet("query", event.previous)
            else:
                self.facet = self._tree_facet
            self.refresh_view(anchor="top")
        self.articles.focus()

    def action_save_search(self) -> None:
        query = self.current_query
        text = query.source if query is not None else ""
        if self._query_error:
            self.notify(
                "The query has an error (see the bar): nothing was saved.", severity="warning"
            )
            return
        if not text.strip():
            self.notify("Type a query first (/), then S saves it.", severity="warning")
            return
        saved = self.library.saved

        def named(name: str | None) -> None:
            if name is not None and not name.strip():
                self.notify("The name is empty: nothing was saved.", severity="warning")
            elif name:
                saved.save(name, text, write=False)
                self._saved_changed()
                self.notify(f"Saved search {name!r}: {text}", markup=False)

        self.app.push_screen(
            TextPrompt("Save this search as", placeholder="name", hint=text), named
        )

    @on(TopicTree.SavedRename)
    def _saved_rename(self, event: TopicTree.SavedRename) -> None:
        def renamed(name: str | None) -> None:
            if name is not None and not name.strip():
                self.notify("The name is empty: the search keeps its name.", severity="warning")
            elif name and name != event.name:
                self.library.saved.rename(event.name, name, write=False)
                self._saved_counts[name] = self._saved_counts.pop(event.name, 0)
                self._saved_changed()
                if self.facet == Facet("saved", event.name):
                    self.facet = Facet("saved", name)
                    self._show_facet(self.facet, select=True)

        self.app.push_screen(TextPrompt("Rename the saved search", value=event.name), renamed)

    @on(TopicTree.SavedDelete)
    def _saved_delete(self, event: TopicTree.SavedDelete) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.library.saved.delete(event.name, write=False)
                self._saved_counts.pop(event.name, None)
                self._saved_changed()
                if self.facet == Facet("saved", event.name) or self._tree_facet == Facet(
                    "saved", event.name
                ):
                    # Its view is gone: back to the Inbox, the tree's cursor on it.
                    self._show_facet(INBOX, select=True)

        self.app.push_screen(ConfirmScreen(f"Delete the saved search {event.name!r}?"), confirmed)

    def _saved_changed(self) -> None:
        """Write the saved searches on the writer's thread, after what was
        queued before (a failure is said; they stay for the session)."""
        saved = self.library.saved
        writer = self.library.writer
        assert writer is not None
        text = saved.text()
        writer.call(lambda _state: saved.write_text(text), what="saving the searches")
        self.topic_tree.update_saved(saved.items, self._saved_counts)
        self._schedule_saved_counts()

    def _schedule_saved_counts(self) -> None:
        if not self.library.saved.items:
            return
        if self._saved_timer is not None:
            self._saved_timer.stop()
        self._saved_timer = self.set_timer(SAVED_COUNT_DELAY, self._count_saved)

    @work(thread=True, exclusive=True, group="saved", exit_on_error=False)
    def _count_saved(self) -> None:
        library = self.library
        counts = library.count_saved(dict(library.saved.items), library.query_context())
        if not get_current_worker().is_cancelled:
            self.post_message(SavedCounted(counts))

    @on(SavedCounted)
    def _saved_counted(self, message: SavedCounted) -> None:
        self._saved_counts = message.counts
        self.topic_tree.update_saved(self.library.saved.items, message.counts)

    # -- detail -------------------------------------------------------------------------

    @on(ArticleList.CursorMoved)
    def _cursor_moved(self, event: ArticleList.CursorMoved) -> None:
        for timer in (self._detail_timer, self._read_timer):
            if timer is not None:
                timer.stop()
        if event.row is None:
            self._show_position()
            if self.facet.kind != "problem":
                self._show_in_detail("Nothing selected")
            return
        # A single move shows the article at once; moves in quick succession
        # (a held key) wait until the cursor rests, and so does the cursor's
        # place in the status line (a second widget drawn each frame cost a
        # held key 8 ms at p95).
        now = time.monotonic()
        rapid = now - self._last_move < DETAIL_DELAY
        self._last_move = now
        if not rapid:
            self._show_position()
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
        if not self.app.is_running or not self.is_attached:
            return
        self._show_position()
        try:
            row_index = self.articles.current_row
        except NoMatches:  # the app is closing
            return
        if row_index is None:
            return
        self._read_article(self.library.rows[row_index].path, time.perf_counter())

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False)
    def _read_article(self, path: str, started: float) -> None:
        """Read the article under the cursor off the UI thread: a file may be
        large, on a slow disk, or no longer a regular file."""
        try:
            article: Article | Problem = read_article(self.library.root, path)
        except ParseError as error:
            article = Problem(path, f"{error} (changed since it was loaded)")
        if not get_current_worker().is_cancelled:
            self.post_message(ArticleRead(path, article, started))

    @on(ArticleRead)
    def _article_read(self, message: ArticleRead) -> None:
        row_index = self.articles.current_row
        if row_index is None or self.library.rows[row_index].path != message.path:
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
        if isinstance(what, Article):
            flags, unsaved = self._state_of(what.key)
            coverage, pages = self._coverage(what.path)
            self.detail.show_article(what, flags, unsaved=unsaved, coverage=coverage, pages=pages)
        elif isinstance(what, Problem):
            self.detail.show_problem(what)
        else:
            self.detail.show_message(what)

    def _show_flags(self) -> None:
        """The triage state of the article in the detail pane (cheap when
        unchanged: called after every decision)."""
        article = self.detail.article
        if article is not None:
            flags, unsaved = self._state_of(article.key)
            self.detail.show_flags(flags, unsaved=unsaved)
            self._show_coverage()

    def _state_of(self, key: str) -> tuple[Flags | None, bool]:
        """A key's flags (None until they are loaded) and whether a decision
        on it waits to be saved: what the detail pane's state line shows."""
        library = self.library
        if not library.flags_loaded:
            return None, False
        return library.flags.get(key, NO_FLAGS), key in library.unsaved.keys

    @on(ArticleList.Opened)
    def _opened(self, event: ArticleList.Opened) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._show_current()
        self.detail.focus()

    def on_descendant_focus(self, event: object) -> None:
        # The detail shows (list alone) or grows (narrow) while it has the focus.
        self.set_class(self.detail.has_focus_within, "-detail-open")
        # Opening an article (enter, or moving into the detail pane) reads it.
        if self.config.mark_read_on_open and self.detail.has_focus:
            self._mark_current_read()

    def _mark_current_read(self) -> None:
        row_index = self.articles.current_row
        library = self.library
        if row_index is None or not library.flags_loaded:
            return
        row = library.rows[row_index]
        if not library.flags_of(row).read:
            self._decide("read", True, [row.key], remember=False)

    @on(DetailView.LinkFollowed)
    def _link_followed(self, event: DetailView.LinkFollowed) -> None:
        self._preview([event.href])

    # -- pages --------------------------------------------------------------------------

    def current_urls(self) -> list[str]:
        """What `p`, `o` and `y` act on: the related item under the cursor
        when the related list has focus, else the current article."""
        item = self.detail.related_current
        if item is not None:
            return [u for u in (item.web_url, item.amp_url, item.cdn_amp_url) if u]
        row_index = self.articles.current_row
        if row_index is None:
            return []
        row = self.library.rows[row_index]
        article = self.detail.article
        if article is not None and article.path == row.path:
            return list(article.urls)
        # Not read yet (the UI thread reads no files): the page alone,
        # without its AMP fallbacks.
        return [row.web_url] if row.web_url else []

    def _preview(self, urls: list[str]) -> None:
        # Imported on first use: fetching and extraction cost start-up time.
        from reader.ui.screens.preview import PreviewScreen
        from reader.web.urls import web_urls

        if checked_url(self, urls[0] if urls else None, "preview") is None:
            return
        urls = web_urls(urls)
        screen = self.app.screen
        if isinstance(screen, PreviewScreen):
            screen.show(urls)
        else:
            self.app.push_screen(PreviewScreen(urls))

    def action_preview(self) -> None:
        self._preview(self.current_urls())

    def action_links(self) -> None:
        """List the links of the article under the cursor (`w`); the one
        chosen is previewed."""
        row_index = self.articles.current_row
        article = self.detail.article
        if row_index is None:
            return
        if article is None or article.path != self.library.rows[row_index].path:
            self.notify("The article is still being read; try again.", markup=False)
            return
        self.detail.action_links()

    def action_open_browser(self) -> None:
        urls = self.current_urls()
        url = checked_url(self, urls[0] if urls else None, "open")
        if url is not None:
            self._open_in_browser(url)

    @work(group="browser", exit_on_error=False)
    async def _open_in_browser(self, url: str) -> None:
        from reader.web.urls import open_in_browser

        await open_url(self, url, open_in_browser)

    def action_copy_url(self) -> None:
        urls = self.current_urls()
        url = checked_url(self, urls[0] if urls else None, "copy")
        if url is not None:
            copy_url(self, url)

    # -- triage -------------------------------------------------------------------------

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
        library = self.library
        if not library.flags_loaded or library.writer is None:
            self.notify("Triage state is still loading…", severity="warning")
            return
        from_selection = bool(library.selected)
        keys = self._targets() if keys is None else keys
        if not keys:
            return
        try:
            change = library.decide(field, value, keys, tag)
        except ValueError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        if from_selection:
            library.selected.clear()
        self._apply(change, advance=advance, remember=remember)

    def _apply(
        self, change: Change | None, *, advance: bool = False, remember: bool = True
    ) -> None:
        """Show a change made to the state: marks, counts, view, status."""
        if change is None:
            self._refresh_marks()  # a selection may have been cleared all the same
            return
        self.library.apply(change)
        self._schedule_saved_counts()
        self._update_tree()
        if remember:
            suffix = "  (u undoes)" if change.changed and change.kind == "do" else ""
            self.status_line.show_action(self._described(change) + suffix)
        articles = self.articles
        if self._view_uses_flags() and change.changed:
            articles.refresh_rows()  # until the new view comes
            self._show_flags()
            self.refresh_view(anchor="position" if advance else "row")
        else:
            if advance:
                articles.action_cursor_down()
            self._refresh_marks()
            self._land()

    def _described(self, change: Change) -> str:
        """The change's description, naming the article when it is one."""
        if len(change.keys) != 1:
            return change.description
        rows = self.library.indices_of(change.keys)
        if not rows:
            return change.description
        title = self.library.rows[min(rows)].title
        short = title if len(title) <= 40 else title[:39].rstrip() + "…"
        return f'{change.description}: "{short}"'

    def _land(self) -> None:
        """After an undo or redo: the cursor on the first row it changed in
        the view; when the view holds none of them, All articles shows them."""
        rows = self._landing
        if rows is None:
            return
        view = self.articles.view
        position = next((p for p, i in enumerate(view) if i in rows), None)
        if position is None and self._folded:
            # Changed rows folded into a story: the story's row.
            stories = self.library.stories
            keys = {stories.story_key(row) for row in rows} - {None}
            position = next(
                (
                    p
                    for p, i in enumerate(view)
                    if i in self._folded and stories.story_key(i) in keys
                ),
                None,
            )
        if position is not None:
            self._landing = None
            self.articles.move_to(position)
        elif not self._landing_switched and self.facet != ALL:
            self._landing_switched = True
            self.notify(f"Shown in All articles: {facet_title(self.facet)} does not hold it.")
            self._show_facet(ALL, select=True)
        else:
            self._landing = None

    def _refresh_marks(self) -> None:
        self.articles.refresh_rows()
        self._show_flags()
        self._update_status()

    # -- saving -------------------------------------------------------------------------

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
        library = self.library
        job, result = message.outcome.job, message.outcome.result
        if job.what in ("undo", "redo"):
            change, said = result
            if change is None:
                self.status_line.show_action(f"{said}.")
            else:
                self._landing = self.library.indices_of(change.keys) or None
                self._landing_switched = False
            self._apply(change)
        elif job.keep and isinstance(result, Change) and set(result.keys) != set(job.keys):
            # The file did not hold what the screen showed (another newsdesk
            # wrote meanwhile): read it again.
            self._flags_stale = True
        if library.unsaved.discard(job.id):
            self._refresh_marks()
            if not library.unsaved:
                self.notify("Saved the decisions that were waiting.", title="Triage state")
        writer = library.writer
        if self._flags_stale and writer is not None and not writer.pending():
            self._flags_stale = False
            self._load_flags()

    @on(StateFailed)
    def _state_failed(self, message: StateFailed) -> None:
        outcome = message.outcome
        job = outcome.job
        if not outcome.kept:
            if job.what == "flags":
                text = f"Triage state could not be read: {outcome.reason}."
            else:
                label = job.what.capitalize() if job.what else "The change"
                text = f"{label} was not done: {outcome.reason}."
            self.notify(text, severity="error", markup=False)
            return
        unsaved = self.library.unsaved
        first = not unsaved
        unsaved.add(job.id, job.keys, outcome.reason)
        self._refresh_marks()
        if first:
            self.notify(
                f"Not saved: {job.what} ({outcome.reason}). It stays on screen, marked !,"
                " and is saved as soon as it can be.",
                title="Triage state",
                severity="error",
                markup=False,
                timeout=12,
            )

    @on(StateRecovered)
    def _state_recovered(self, message: StateRecovered) -> None:
        outcome = message.outcome
        library = self.library
        assert library.writer is not None
        if library.flags_loaded:
            # What the screen holds (every decision, saved or queued) goes
            # into the new file: nothing is lost but the undo history.
            library.writer.submit(restore_job(library.flags))
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
        library = self.library
        if library.writer is not None and library.writer.pending():
            self._flags_stale = True  # read once our own writes are in
        elif library.flags_loaded:
            self._load_flags()

    # -- triage keys ---------------------------------------------------------------------

    def action_toggle_read(self) -> None:
        self._decide("read", None)

    def action_toggle_star(self) -> None:
        self._decide("starred", None, advance=self.config.advance_after_star)

    def action_archive(self) -> None:
        library = self.library
        keys = self._targets()
        archiving = any(not library.flags.get(key, NO_FLAGS).archived for key in keys)
        if self.config.archive_marks_read and archiving and library.flags_loaded:
            # Done with it: read too. Saved first, so that `u` undoes the
            # archive (back in the Inbox, still read), and a second `u` the read.
            if library.unread_count(keys):
                self._decide("read", True, keys, remember=False)
            self._decide("archived", True, keys, advance=True)
        else:
            self._decide("archived", None, keys, advance=True)

    def action_undo(self) -> None:
        self._undo_or_redo("undo")

    def action_redo(self) -> None:
        self._undo_or_redo("redo")

    def _undo_or_redo(self, which: str) -> None:
        library = self.library
        if library.writer is None or not library.flags_loaded:
            self.notify("Triage state is still loading…", severity="warning")
            return
        if library.unsaved:
            self.notify(
                f"Undo and redo wait until the decisions marked ! are saved"
                f" ({library.unsaved.reason}).",
                severity="warning",
                markup=False,
            )
            return
        if library.selected:
            library.selected.clear()
            self._refresh_marks()
        library.writer.submit(library.undo_job(which))

    def action_tag(self) -> None:
        library = self.library
        keys = self._targets()
        if not keys or not library.flags_loaded:
            return

        def chosen(tag: str | None) -> None:
            if tag:
                self._decide("tag", None, keys, tag=tag)

        self.app.push_screen(TagScreen(library.tags_in_use(), len(keys)), chosen)

    def action_mark_view_read(self) -> None:
        library = self.library
        view = self.view_rows
        keys = library.view_keys(view)
        # Counted in articles (rows), as the status line counts them: files
        # that share a webUrl share one state, and each is an article here.
        unread = library.unread_rows(view)
        if not unread:
            self.notify("Every article in this view is already read.")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._decide("read", True, keys)

        self.app.push_screen(
            ConfirmScreen(
                f"Mark {unread:,} unread article{'s' if unread != 1 else ''} in this view"
                f" ({facet_title(self.facet)}, {len(view):,} shown) as read?"
            ),
            confirmed,
        )

    def action_select(self) -> None:
        articles = self.articles
        row_index = articles.current_row
        if row_index is None:
            return
        keys = self._keys_at(row_index)
        selected = self.library.selected
        if all(key in selected for key in keys):
            selected.difference_update(keys)
        else:
            selected.update(keys)
        self._anchor = articles.cursor
        articles.action_cursor_down()
        self._refresh_marks()

    def action_select_range(self) -> None:
        articles = self.articles
        if self._anchor is None or self._anchor >= len(articles.view):
            self._anchor = articles.cursor
        low, high = sorted((self._anchor, articles.cursor))
        self.library.selected.update(
            key for row in articles.view[low : high + 1] for key in self._keys_at(row)
        )
        self._anchor = articles.cursor
        self._refresh_marks()

    def action_escape(self) -> None:
        if self.library.selected:
            self.library.selected.clear()
            self._refresh_marks()
        elif self.facet.kind == "query" and self.articles.has_focus:
            # A typed query: back to the view chosen in the tree.
            self._show_facet(self._tree_facet)
        else:
            self.articles.focus()

    def _move_to_unread(self, step: int) -> None:
        articles = self.articles
        view = articles.view
        position: int | None
        if not self._folded:
            position = self.library.next_unread(view, articles.cursor, step)
        else:  # a folded story is unread while any of its articles is
            position = articles.cursor + step
            while 0 <= position < len(view) and not self._unread_at(view[position]):
                position += step
            if not 0 <= position < len(view):
                position = None
        if position is None:
            self.notify("No more unread articles this way.")
        else:
            articles.move_to(position)

    def action_next_unread(self) -> None:
        self._move_to_unread(1)

    def action_previous_unread(self) -> None:
        self._move_to_unread(-1)

    # -- status ------------------------------------------------------------------------------

    COUNT_MOST = 999
    """The largest count a key can be repeated by."""

    def count_typed(self, digit: str) -> None:
        """A digit of a count (`5j`): kept, and shown where the position is."""
        self.count = min(self.count * 10 + int(digit), self.COUNT_MOST)
        self.status_line.show_position(f"{self.count}…")

    def take_count(self) -> int:
        """The count typed (at least 1), then forgotten."""
        times, self.count = max(self.count, 1), 0
        self._show_position()
        return times

    def _show_position(self) -> None:
        view = self.articles.view
        shown = f"{self.articles.cursor + 1:,} of {len(view):,}" if view else ""
        self.status_line.show_position(shown)

    def _update_status(self) -> None:
        status = self.status_line
        library = self.library
        view = self.view_rows
        text = Text()
        if library.loading:
            self._loading_status(text, library.progress)
            text.append(SEPARATOR, style="dim")
        else:
            status.hide_progress()
            if library.problems:
                count = len(library.problems)
                text.append(f"{count:,} problem{'s' if count != 1 else ''}", style="red")
                text.append(SEPARATOR, style="dim")
            if library.load_seconds is not None and len(library.rows) >= 1000:
                text.append(f"read in {library.load_seconds:.1f} s", style="dim")
                text.append(SEPARATOR, style="dim")
        if library.unsaved:
            n = len(library.unsaved.keys)
            text.append(
                f"! {n:,} not saved: {library.unsaved.reason}", style="bold white on dark_red"
            )
            text.append(SEPARATOR, style="dim")
        if self._search_pending:
            text.append("Searching…" + SEPARATOR, style="italic")
        self._show_position()
        text.append(facet_title(self.facet), style="bold")
        if self.facet.kind in {"query", "saved"}:
            text.append(f" · {len(view):,} match{'es' if len(view) != 1 else ''}", style="bold")
        stories = self._story_count
        if self.stories_on and stories < len(view):
            text.append(
                f" · {stories:,} stor{'ies' if stories != 1 else 'y'}, {len(view):,} articles"
            )
        if len(view) > 20_000:
            if not (self.stories_on and stories < len(view)):
                text.append(f" · {len(view):,} articles")
        else:
            text.append(" · " + library.progress_of(view).describe())
        if library.selected:
            text.append(f" · {len(library.selected):,} selected", style="bold")
        if library.hidden and not (self.current_query and self.current_query.asks_for_hidden):
            text.append(f" · {len(library.hidden):,} hidden", style="dim")
        status.show_status(text)

    def _loading_status(self, text: Text, progress: Progress | None) -> None:
        status = self.status_line
        if progress is None:
            text.append("Reading…" if self.library.rows else "Opening store…")
            return
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

    # -- panes --------------------------------------------------------------------------------

    @property
    def tree_visible(self) -> bool:
        if self.has_class("-narrow") or self.has_class("-medium"):
            return self.has_class("-tree-shown")
        return not self.has_class("-tree-hidden")

    @property
    def layout_name(self) -> str:
        """The layout on screen (one of `LAYOUTS`): "two" while the tree is
        hidden, whether by `L`, by `\\` or by a terminal's width."""
        if self.has_class("-layout-one"):
            return "one"
        return "three" if self.tree_visible else "two"

    def action_cycle_layout(self) -> None:
        """Three panes, then the list and the detail, then the list alone
        (the detail shows while it has the focus), then three panes again."""
        order = list(LAYOUTS)
        layout = order[(order.index(self.layout_name) + 1) % len(order)]
        self._set_layout(layout)
        self.status_line.show_action(f"Layout: {LAYOUTS[layout]}.")

    def _set_layout(self, layout: str) -> None:
        self.set_class(layout == "one", "-layout-one")
        if (layout == "three") != self.tree_visible:
            self.action_toggle_tree()
        self.articles.focus()

    def on_resize(self) -> None:
        if self.config.tree_width is not None or self.config.detail_width is not None:
            # After Textual's own handler has set the width's class.
            self.call_after_refresh(self._apply_widths)

    def _apply_widths(self) -> None:
        """config.toml's pane widths, side by side only (stacked, below 100
        columns, the panes take the whole width)."""
        config = self.config
        stacked = self.has_class("-narrow")
        tree, detail = self.topic_tree.styles, self.detail.styles
        tree.width = None if stacked else config.tree_width
        wanted = config.detail_width
        if stacked or wanted is None:
            detail.width = None
            detail.max_width = None
        else:
            detail.width = wanted
            detail.max_width = wanted

    def action_toggle_tree(self) -> None:
        """Hide or show the tree (hidden by default below 140 columns)."""
        show = not self.tree_visible
        if self.has_class("-narrow") or self.has_class("-medium"):
            self.set_class(show, "-tree-shown")
        else:
            self.set_class(not show, "-tree-hidden")
        if show:
            self.topic_tree.focus()
        elif self.topic_tree.has_focus:
            self.articles.focus()

    def action_focus_list(self) -> None:
        self.articles.focus()

    def action_focus_tree(self) -> None:
        if not self.tree_visible:
            self.action_toggle_tree()
        self.topic_tree.focus()

    def action_focus_detail(self) -> None:
        self.detail.focus()

    def action_focus_related(self) -> None:
        if self.detail.related:
            self.detail.focus()
            self.detail.enter_related()
