"""The newsdesk application: wires the loader, the views and the widgets.

Slow work never runs on the UI thread: the store loads in a thread worker
that hands over batches of slim rows, and views are filtered in another.
Widgets only render what they are given and post messages back.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import get_current_worker

from reader import timings
from reader.loader import Batch, Progress, stream_store
from reader.model import Problem, Row
from reader.resources import styles_path
from reader.store import ParseError, read_article
from reader.views import ALL, Counts, Facet, Ordering, filter_view
from reader.widgets.article_list import DATE_WIDTH, ArticleList, provider_column_width
from reader.widgets.detail import DetailView, RelatedList
from reader.widgets.help import HelpScreen
from reader.widgets.topic_tree import TopicTree

FLUSH_INTERVAL = 0.3
"""Seconds between hand-overs of loaded rows to the UI during a load."""
DETAIL_DELAY = 0.05
"""The detail view follows the cursor once it rests this long, so that
holding `j` scrolls the list at full speed."""


class NewsdeskApp(App[None]):
    """Browse an article store: topic tree, article list, detail view."""

    TITLE = "newsdesk"
    CSS_PATH = [styles_path("app.tcss")]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys"),
        Binding("backslash", "toggle_tree", "Tree"),
        Binding("tab", "app.focus_next", "Next pane", show=False),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False),
        Binding("escape", "focus_list", "Back to list", show=False),
    ]

    def __init__(self, root: Path, *, title: str | None = None) -> None:
        super().__init__()
        self.root = root
        self.store_title = title or str(root)
        self.rows: list[Row] = []
        self.problems: list[Problem] = []
        self.order: list[int] = []
        self.counts = Counts()
        self.facet: Facet = ALL
        self.loading = True
        self.progress: Progress | None = None
        self.load_seconds: float | None = None
        self._detail_timer: Timer | None = None
        self._first_screen = False

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield TopicTree(id="tree")
            with Vertical(id="middle"):
                yield Static(id="list-header")
                yield ArticleList(self.rows, id="articles")
            yield DetailView(id="detail")
        with Horizontal(id="status-bar"):
            yield Static(id="status")
            yield ProgressBar(id="load-progress", show_eta=False, show_percentage=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.store_title
        self.query_one("#articles", ArticleList).focus()
        self._update_list_header()
        self._update_status()
        self.load()

    @on(ArticleList.Resized)
    def _list_resized(self, event: ArticleList.Resized) -> None:
        self._update_list_header(event.width)

    def _update_list_header(self, width: int | None = None) -> None:
        if width is None:
            articles = self.query_one("#articles", ArticleList)
            width = articles.scrollable_content_region.width or articles.size.width
        provider = provider_column_width(width)
        header = "Date".ljust(DATE_WIDTH + 1)
        if provider:
            header += "Provider".ljust(provider + 1)
        title_width = max(width - len(header) - 5, 1)
        header += "Title".ljust(title_width + 1) + "  Q"
        self.query_one("#list-header", Static).update(Text(header, style="bold"))

    # -- loading --------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self) -> None:
        worker = get_current_worker()
        ordering = Ordering()
        rows: list[Row] = []
        problems: list[Problem] = []
        last_flush = 0.0
        progress: Progress | None = None

        def flush() -> None:
            nonlocal rows, problems, last_flush
            batch_counts = Counts()
            batch_counts.add(rows)
            ordering.add(rows)
            self.call_from_thread(
                self._add_rows, rows, problems, list(ordering.order), batch_counts, progress
            )
            rows, problems = [], []
            last_flush = time.monotonic()

        for event in stream_store(self.root, cancelled=lambda: worker.is_cancelled):
            if isinstance(event, Batch):
                rows.extend(event.rows)
                problems.extend(event.problems)
            else:
                progress = event
            first = not ordering.order
            if (rows or problems) and (first or time.monotonic() - last_flush > FLUSH_INTERVAL):
                flush()
            elif isinstance(event, Progress) and time.monotonic() - last_flush > FLUSH_INTERVAL:
                self.call_from_thread(self._set_progress, event)
                last_flush = time.monotonic()
        if worker.is_cancelled:
            return
        flush()
        self.call_from_thread(self._load_finished)

    def _set_progress(self, progress: Progress) -> None:
        self.progress = progress
        self._update_status()

    def _add_rows(
        self,
        rows: list[Row],
        problems: list[Problem],
        order: list[int],
        batch_counts: Counts,
        progress: Progress | None,
    ) -> None:
        self.rows.extend(rows)
        self.problems.extend(problems)
        self.order = order
        self.counts.total += batch_counts.total
        self.counts.topics.update(batch_counts.topics)
        self.counts.providers.update(batch_counts.providers)
        self.counts.categories.update(batch_counts.categories)
        if progress is not None:
            self.progress = progress
        self.query_one(TopicTree).update_counts(self.counts, self.problems)
        self.refresh_view()
        self._update_status()

    def _load_finished(self) -> None:
        self.loading = False
        if self.progress is not None:
            self.load_seconds = time.monotonic() - self.progress.started
        # The rows live for the whole session: keep the collector from
        # walking 100,000 objects on every later collection.
        gc.collect()
        gc.freeze()
        articles = self.query_one("#articles", ArticleList)
        if not self.rows:
            articles.empty_message = "No articles could be read: see Problems in the tree."
            articles.refresh()
        self._update_status()
        timings.mark("loaded", rows=len(self.rows), problems=len(self.problems))

    # -- views ----------------------------------------------------------------

    def refresh_view(self) -> None:
        """Recompute the list for the current facet, off the UI thread."""
        if self.facet.kind == "all":
            self._show_view(self.facet, self.order)
        elif self.facet.kind in {"problems", "problem"}:
            self._show_view(self.facet, [])
        else:
            self._compute_view(self.facet, self.order)

    @work(thread=True, exclusive=True, group="view", exit_on_error=False)
    def _compute_view(self, facet: Facet, order: list[int]) -> None:
        view = filter_view(self.rows, order, facet)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_view, facet, view)

    def _show_view(self, facet: Facet, view: list[int]) -> None:
        if facet != self.facet:
            return
        articles = self.query_one("#articles", ArticleList)
        if facet.kind == "problems":
            articles.empty_message = (
                f"{len(self.problems):,} files could not be read: choose one in the tree."
            )
        elif facet.kind == "problem":
            articles.empty_message = "This file could not be read: see the detail pane."
        elif self.loading:
            articles.empty_message = "Loading…"
        else:
            articles.empty_message = "No articles here."
        keep = (
            articles.current_row
            if articles.cursor > 0 or self.screen.focused is not articles
            else None
        )
        articles.set_view(view, keep=keep)
        self._update_status()
        if not self._first_screen and view:
            self._first_screen = True
            self.call_after_refresh(timings.mark, "first_screen", rows=len(self.rows))

    @on(TopicTree.FacetSelected)
    def _facet_selected(self, event: TopicTree.FacetSelected) -> None:
        facet = event.facet
        if facet == self.facet:
            return
        self.facet = facet
        if facet.kind == "problem":
            problem = next((p for p in self.problems if p.path == facet.value), None)
            if problem is not None:
                self.query_one(DetailView).show_problem(problem)
        self.refresh_view()

    # -- detail ---------------------------------------------------------------

    @on(ArticleList.CursorMoved)
    def _cursor_moved(self, event: ArticleList.CursorMoved) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        if event.row is None:
            if self.facet.kind != "problem":
                self.query_one(DetailView).show_message("Nothing selected")
            return
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._show_current)
        if timings.enabled():
            started = time.perf_counter()
            self.call_after_refresh(
                lambda: timings.mark("key", ms=(time.perf_counter() - started) * 1000)
            )

    def _show_current(self) -> None:
        row_index = self.query_one("#articles", ArticleList).current_row
        if row_index is None:
            return
        row = self.rows[row_index]
        detail = self.query_one(DetailView)
        try:
            article = read_article(self.root, row.path)
        except ParseError as error:
            detail.show_problem(Problem(row.path, f"{error} (changed since it was loaded)"))
            return
        detail.show_article(article)

    @on(ArticleList.Opened)
    def _opened(self, event: ArticleList.Opened) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._show_current()
        self.query_one(DetailView).focus()

    @on(DetailView.LinkFollowed)
    def _link_followed(self, event: DetailView.LinkFollowed) -> None:
        self.notify(Text(event.href), title="Link")

    # -- status ---------------------------------------------------------------

    def _update_status(self) -> None:
        status = self.query_one("#status", Static)
        bar = self.query_one("#load-progress", ProgressBar)
        articles = self.query_one("#articles", ArticleList)
        text = Text()
        if self.loading:
            progress = self.progress
            if progress is None:
                text.append("Opening store…")
            else:
                elapsed = max(time.monotonic() - progress.started, 1e-6)
                rate = progress.parsed / elapsed
                if progress.scanning:
                    text.append(f"Reading store… {progress.parsed:,} of {progress.found:,}+ files")
                    bar.update(total=None)
                else:
                    left = (progress.found - progress.parsed) / rate if rate else 0
                    text.append(
                        f"Reading store… {progress.parsed:,} of {progress.found:,} files"
                        f" · {rate:,.0f}/s · {left:,.0f} s left"
                    )
                    bar.update(total=max(progress.found, 1), progress=progress.parsed)
        else:
            bar.display = False
            text.append(f"{len(self.rows):,} articles")
            if self.problems:
                count = len(self.problems)
                text.append(f" · {count:,} problem{'s' if count != 1 else ''}", style="red")
            if self.load_seconds is not None and self.load_seconds >= 1:
                text.append(f" · read in {self.load_seconds:.1f} s", style="dim")
        text.append("  │  ", style="dim")
        text.append(self._facet_title())
        text.append(f" · {len(articles.view):,} shown", style="dim")
        status.update(text)

    def _facet_title(self) -> str:
        facet = self.facet
        names = {
            "all": "All articles",
            "topic": "Topic",
            "provider": "Provider",
            "category": "Category",
            "problems": "Problems",
            "problem": "Problem",
        }
        name = names.get(facet.kind, facet.kind)
        return f"{name}: {facet.value}" if facet.value else name

    # -- actions --------------------------------------------------------------

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self))

    @property
    def tree_visible(self) -> bool:
        screen = self.screen
        if screen.has_class("-narrow"):
            return screen.has_class("-tree-shown")
        return not screen.has_class("-tree-hidden")

    def action_toggle_tree(self) -> None:
        """Hide or show the tree (hidden by default on narrow terminals)."""
        screen = self.screen
        show = not self.tree_visible
        if screen.has_class("-narrow"):
            screen.set_class(show, "-tree-shown")
        else:
            screen.set_class(not show, "-tree-hidden")
        tree = self.query_one(TopicTree)
        if show:
            tree.focus()
        elif tree.has_focus:
            self.query_one("#articles", ArticleList).focus()

    def action_focus_list(self) -> None:
        self.query_one("#articles", ArticleList).focus()

    def action_focus_tree(self) -> None:
        if not self.tree_visible:
            self.action_toggle_tree()
        self.query_one(TopicTree).focus()

    def action_focus_detail(self) -> None:
        self.query_one(DetailView).focus()

    def action_focus_related(self) -> None:
        related = self.query_one(RelatedList)
        if related.display:
            related.focus()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Show keys", "Every key binding of newsdesk", self.action_help)
        yield SystemCommand(
            "Toggle topic tree", "Hide or show the tree pane", self.action_toggle_tree
        )
        yield SystemCommand("Focus topic tree", "Move to the topic tree", self.action_focus_tree)
        yield SystemCommand("Focus article list", "Move to the list", self.action_focus_list)
        yield SystemCommand(
            "Focus detail view", "Move to the detail pane", self.action_focus_detail
        )
        yield SystemCommand(
            "Focus related articles", "Move to the related list", self.action_focus_related
        )
        articles = self.query_one("#articles", ArticleList)
        yield SystemCommand("First article", "Jump to the top of the list", articles.action_first)
        yield SystemCommand("Last article", "Jump to the end of the list", articles.action_last)
        yield SystemCommand("Open article", "Show it in the detail pane", articles.action_open)
