"""The topic tree: All articles, Topics, Providers, Categories and Problems,
each node with its article count. Selecting a node filters the list.

Drawn on Textual's line API, as the article list is: a label that changes
redraws its own line, and nodes coming and going only recount the lines. (A
Textual `Tree` rebuilt and redrew all its lines each time, 15-40 ms with a
few hundred topics, every second while a large store loads.)
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from reader.library.facets import ALL, INBOX, NEW, Counts, Facet
from reader.model import Problem
from reader.text import shown_path
from reader.triage.counts import TriageCounts
from reader.ui.keys import bindings, use_own_keys
from reader.ui.lines.line_view import CachedLinesMixin
from reader.ui.lines.scrollbar import ThumbScrollBarMixin

GROUPS = (("topic", "Topics"), ("provider", "Providers"), ("category", "Categories"))


@dataclass
class _Pending:
    """What changed during `TopicTree._updating`, drawn once at its end."""

    labels: set[TopicNode] = field(default_factory=set)
    reshaped: bool = False
    cursor: TopicNode | None = None
    """The node under the cursor before the first change of shape."""


TRIAGE_NODES = (
    ("inbox", "Inbox"),
    ("unread", "Unread"),
    ("starred", "Starred"),
    ("archived", "Archived"),
)


TYPE_AHEAD_SECONDS = 1.0
"""Letters typed in the tree within this time of each other make one name."""

_clock = time.monotonic


def number(count: int) -> str:
    """A count in few cells, so labels fit the tree: 950, 9,500, 95k, 1.2M."""
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count // 1000}k"
    return f"{count / 1_000_000:.1f}M"


def node_label(name: str, count: int, unread: int | None = None) -> Text:
    """A node label as rich Text: the name is data, never markup.

    With some of them unread, the count reads `unread/total`, the unread
    part bold; when all are unread, the one count is bold.
    """
    label = Text(name or "(none)", style="italic" if not name else "")
    if unread and unread < count:
        label.append(f" {number(unread)}", style="bold")
        label.append(f"/{number(count)}", style="dim")
    else:
        # All unread (bold) or all read (dim): one number says it.
        label.append(f" {number(count)}", style="bold" if unread else "dim")
    return label


def _count_start(label: Text) -> int:
    """Where the count begins in a label: at its first span (a name is
    plain Text, styled as a whole; the count is appended with styles)."""
    return min((span.start for span in label.spans), default=len(label))


def label_name(label: Text) -> str:
    """A label's name, without its count."""
    return label.plain[: _count_start(label)]


def fit_label(label: Text, width: int) -> Text:
    """`label` in `width` cells: the name gives way (with `…`), the count
    stays whole."""
    if label.cell_len <= width:
        return label
    start = _count_start(label)
    name, count = label[:start], label[start:]
    room = width - count.cell_len
    if room <= 0 or not name.plain:
        # Not even the count fits: it is all that is shown (cut on the right).
        return count if not count.plain.startswith(" ") else count[1:]
    return Text(set_cell_size(name.plain, room - 1).rstrip() + "…", style=name.style) + count


def fold(text: str) -> str:
    """`text` for matching typed letters: no case, no accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


class TopicNode:
    """A node of the tree: a label, the facet it selects, and its children."""

    __slots__ = ("_expanded", "_tree", "children", "data", "expandable", "label", "parent")

    def __init__(
        self,
        tree: TopicTree,
        label: Text,
        data: Facet | None,
        parent: TopicNode | None,
        *,
        expandable: bool,
        expanded: bool = False,
    ) -> None:
        self._tree = tree
        self.label = label
        self.data = data
        self.parent = parent
        self.children: list[TopicNode] = []
        self.expandable = expandable
        self._expanded = expanded

    def __repr__(self) -> str:
        return f"TopicNode({self.label.plain!r})"

    @property
    def is_expanded(self) -> bool:
        return self._expanded

    def _add(
        self,
        label: Text,
        data: Facet | None,
        *,
        expandable: bool,
        expand: bool,
        after: TopicNode | None = None,
    ) -> TopicNode:
        node = TopicNode(self._tree, label, data, self, expandable=expandable, expanded=expand)
        if after is not None and after in self.children:
            self.children.insert(self.children.index(after) + 1, node)
        else:
            self.children.append(node)
        self._tree._shape_changed(self)
        return node

    def add(self, label: Text, data: Facet | None = None, *, expand: bool = False) -> TopicNode:
        """A child that can hold children of its own."""
        return self._add(label, data, expandable=True, expand=expand)

    def add_leaf(
        self, label: Text, data: Facet | None = None, *, after: TopicNode | None = None
    ) -> TopicNode:
        """A child with no children (just after the child `after`, if given)."""
        return self._add(label, data, expandable=False, expand=False, after=after)

    def set_label(self, label: Text) -> None:
        self.label = label
        self._tree._label_changed(self)

    def expand(self) -> None:
        if not self._expanded:
            self._expanded = True
            self._tree._expanded(self)

    def collapse(self) -> None:
        if self._expanded:
            self._expanded = False
            self._tree._shape_changed(self.parent or self)

    def toggle(self) -> None:
        if self._expanded:
            self.collapse()
        else:
            self.expand()

    def remove(self) -> None:
        if self.parent is not None:
            self.parent.children.remove(self)
            self._tree._shape_changed(self.parent)
            self.parent = None

    def remove_children(self) -> None:
        if self.children:
            for child in self.children:
                child.parent = None
            self.children = []
            self._tree._shape_changed(self)


class TopicTree(CachedLinesMixin, ThumbScrollBarMixin, ScrollView, can_focus=True):
    """Facets of the store as a tree; posts `FacetSelected` on a choice."""

    BINDINGS = bindings("tree")

    COMPONENT_CLASSES = {"topic-tree--cursor", "topic-tree--guides"}

    DEFAULT_CSS = """
    TopicTree {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        scrollbar-background: $surface;
        scrollbar-background-hover: $surface;
    }
    TopicTree:focus {
        background-tint: $foreground 5%;
    }
    TopicTree > .topic-tree--guides { color: $surface-lighten-2; }
    TopicTree:focus > .topic-tree--guides { color: $surface-lighten-3; }
    TopicTree:light > .topic-tree--guides { color: $surface-darken-1; }
    /* The cursor line as the list's: the whole line, dimmer (but clear)
       when another pane has the focus. */
    TopicTree > .topic-tree--cursor {
        background: $block-cursor-background 55%;
        text-style: none;
    }
    TopicTree:focus > .topic-tree--cursor {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    TopicTree:ansi > .topic-tree--cursor {
        background: $block-cursor-blurred-background;
        text-style: underline;
    }
    TopicTree:ansi:focus > .topic-tree--cursor {
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    TopicTree:ansi > .topic-tree--guides { color: $ansi-background; }
    """

    class FacetSelected(Message):
        def __init__(self, facet: Facet) -> None:
            super().__init__()
            self.facet = facet

    class SavedRename(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    class SavedDelete(Message):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        use_own_keys(self, "tree")
        self.root = TopicNode(self, Text("Store"), None, None, expandable=True, expanded=True)
        self._lines: list[tuple[TopicNode, str]] | None = []
        """The nodes on show, in order, each with its guide; None: to count."""
        self._line_index: dict[TopicNode, int] = {}
        self._cursor = 0
        self._pending: _Pending | None = None
        self._typed = ""
        """Letters typed to jump to a name (reset by a pause or escape)."""
        self._typed_at = 0.0
        # The Inbox (what is not done yet) first: it is the start view.
        inbox_title = dict(TRIAGE_NODES)["inbox"]
        self._triage = {"inbox": self.root.add_leaf(node_label(inbox_title, 0), data=INBOX)}
        self._triage["new"] = self.root.add_leaf(node_label("New", 0), data=NEW)
        self._all = self.root.add_leaf(node_label("All articles", 0), data=ALL)
        self._triage.update(
            (kind, self.root.add_leaf(node_label(title, 0), data=Facet(kind)))
            for kind, title in TRIAGE_NODES
            if kind != "inbox"
        )
        self._saved = self.root.add(
            node_label("Saved searches", 0), data=Facet("group:saved"), expand=True
        )
        self._tags = self.root.add(node_label("Tags", 0), data=Facet("group:tag"), expand=True)
        self._groups: dict[str, TopicNode] = {}
        self._facet_nodes: dict[Facet, TopicNode] = {}
        self._problems_node: TopicNode | None = None
        self._shown: dict[TopicNode, tuple[str, tuple[Span, ...]]] = {}
        """What each node's label says now, so unchanged labels are not redrawn."""
        self._latest: tuple[Counts, TriageCounts] | None = None
        self._stale: set[str] = set()
        """Folded groups whose names are behind the counts."""
        for kind, title in GROUPS:
            group = self.root.add(node_label(title, 0), data=Facet(f"group:{kind}"))
            self._groups[kind] = group
        self._groups["topic"].expand()

    # -- the nodes on show ------------------------------------------------------

    @property
    def lines(self) -> list[tuple[TopicNode, str]]:
        lines = self._lines
        if lines is None:
            lines = self._lines = list(_walk(self.root, ""))
            self._line_index = {node: line for line, (node, _guide) in enumerate(lines)}
        return lines

    @property
    def last_line(self) -> int:
        return len(self.lines) - 1

    def get_node_at_line(self, line: int) -> TopicNode | None:
        lines = self.lines
        return lines[line][0] if 0 <= line < len(lines) else None

    def _line_of(self, node: TopicNode) -> int | None:
        self.lines  # noqa: B018 (counts the lines when they changed)
        return self._line_index.get(node)

    def _shape_changed(self, node: TopicNode) -> None:
        """Nodes came, went, opened or folded under `node`."""
        if self._lines is None or not _on_show(node):
            return
        cursor = self.get_node_at_line(self._cursor)
        pending = self._pending
        if pending is not None:
            if not pending.reshaped:
                pending.reshaped, pending.cursor = True, cursor
            self._lines = None  # counted again once, at the end
            return
        self._reshape(cursor)

    def _reshape(self, cursor: TopicNode | None) -> None:
        self._lines = None
        self._line_cache.clear()
        if cursor is not None:
            # The cursor stays on its node; a node that went takes it to
            # the nearest line.
            line = self._line_of(cursor)
            if line is not None:
                self._cursor = line
        self._cursor = max(0, min(self._cursor, self.last_line))
        if self.is_mounted:
            self.set_virtual_size(Size(0, len(self.lines)))
            self.refresh()

    def _expanded(self, node: TopicNode) -> None:
        with self._updating():
            self._shape_changed(node)
            facet = node.data
            if facet is not None and facet.kind.startswith("group:"):
                kind = facet.kind.removeprefix("group:")
                if kind in self._stale:
                    self._update_group(kind)
                    # Its names were not on show: they can take their
                    # order without moving the cursor.
                    self._sort_group(kind)

    def _label_changed(self, node: TopicNode) -> None:
        if self._lines is None:
            return
        if self._pending is not None:
            self._pending.labels.add(node)
            return
        line = self._line_index.get(node)
        if line is not None:
            self._redraw_lines({line})

    def _redraw_lines(self, lines: set[int]) -> None:
        for key in [key for key in self._line_cache if key[0] in lines]:
            del self._line_cache[key]
        visible = [line for line in lines if self._on_screen(line)]
        if len(visible) == 1:
            self._refresh_line_at(visible[0])
        elif visible:
            self.refresh()  # one region to draw rather than many

    @contextmanager
    def _updating(self) -> Iterator[None]:
        """Relabel and add nodes, then count and draw the lines once.

        (A load relabels some hundred nodes a second and adds new names:
        drawn one by one, that took 5-12 ms of the UI's time at 100k.)
        """
        if self._pending is not None:
            yield
            return
        pending = self._pending = _Pending()
        try:
            yield
        finally:
            self._pending = None
            if pending.reshaped:
                self._reshape(pending.cursor)
            elif pending.labels and self._lines is not None:
                index = self._line_index
                self._redraw_lines({index[node] for node in pending.labels if node in index})

    # -- the cursor -------------------------------------------------------------

    @property
    def cursor_line(self) -> int:
        return self._cursor

    @cursor_line.setter
    def cursor_line(self, line: int) -> None:
        self._move_to(line)

    @property
    def cursor_node(self) -> TopicNode | None:
        return self.get_node_at_line(self._cursor)

    def move_cursor(self, node: TopicNode) -> None:
        """Put the cursor on `node`, opening the groups that hold it."""
        parent = node.parent
        while parent is not None and parent is not self.root:
            parent.expand()
            parent = parent.parent
        line = self._line_of(node)
        if line is not None:
            self._move_to(line)

    def _move_to(self, line: int) -> None:
        line = max(0, min(line, self.last_line))
        old = self._cursor
        self._cursor = line
        if line != old:
            self._refresh_line_at(old)
            self._refresh_line_at(line)
        self._scroll_line_into_view(self._cursor)
        node = self.cursor_node
        if node is not None and line != old:
            self._post_facet(node)

    def _post_facet(self, node: TopicNode) -> None:
        facet = node.data
        if facet is not None and not facet.kind.startswith("group:"):
            self.post_message(self.FacetSelected(facet))

    def action_cursor_down(self) -> None:
        self._move_to(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self._cursor - 1)

    def action_scroll_home(self) -> None:
        self._move_to(0)

    def action_scroll_end(self) -> None:
        self._move_to(self.last_line)

    def action_page_down(self) -> None:
        self._move_to(self._cursor + self.page_lines)

    def action_page_up(self) -> None:
        self._move_to(self._cursor - self.page_lines)

    def action_select_cursor(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.expandable:
            node.toggle()
        self._post_facet(node)

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.expandable:
            node.toggle()

    def action_fold(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.expandable and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)

    def action_unfold(self) -> None:
        node = self.cursor_node
        if node is not None and node.expandable:
            node.expand()

    def on_click(self, event: events.Click) -> None:
        # In place of Textual's own click handling (text selection on a
        # double click): a click here moves the cursor.
        event.prevent_default()
        line = event.y + self.scroll_offset.y
        node = self.get_node_at_line(line)
        if node is None:
            return
        event.stop()
        self.focus()
        if line == self._cursor or node.expandable:
            self._move_to(line)
            self.action_select_cursor()
        else:
            self._move_to(line)

    # -- typing a name ----------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        """Letters that no binding takes jump to the next name they start.

        Letters typed within `TYPE_AHEAD_SECONDS` of each other add up
        (`ra`: Ransomware); once a name is being typed, a bound letter that
        goes on matching adds to it too. Escape or a pause starts over.
        """
        now = _clock()
        typed = self._typed if now - self._typed_at <= TYPE_AHEAD_SECONDS else ""
        if event.key == "escape":
            self._typed = ""
            if typed:
                event.stop()
                event.prevent_default()
            return
        char = event.character
        if not char or not event.is_printable:
            return
        bound = self._bound(event.key)
        if bound and not typed:
            self._typed = ""
            return
        text = typed + char
        line = self._find(text, self._cursor if typed else self._cursor + 1)
        if line is None and len(set(fold(text))) == 1:
            # The same letter again: the next name that starts with it.
            line = self._find(char, self._cursor + 1)
        if line is None and bound:
            self._typed = ""
            return
        event.stop()
        event.prevent_default()
        self._typed, self._typed_at = text, now
        if line is not None:
            self._move_to(line)

    def _bound(self, key: str) -> bool:
        """Whether a binding (the tree's, its screen's or the app's) takes `key`."""
        active = self.screen.active_bindings.get(key)
        if active is None:
            return False
        if active.node is self and active.binding.action in {"rename_saved", "delete_saved"}:
            # Those only do something on a saved search.
            return self._saved_name() is not None
        return True

    def _find(self, text: str, start: int) -> int | None:
        """The first line from `start` on (wrapping) whose name starts with `text`."""
        wanted = fold(text)
        lines = self.lines
        for step in range(len(lines)):
            line = (start + step) % len(lines)
            if fold(label_name(lines[line][0].label)).startswith(wanted):
                return line
        return None

    @property
    def line_count(self) -> int:
        return len(self.lines)

    # -- drawing ----------------------------------------------------------------

    def _line(self, line: int, width: int, has_focus: bool) -> Strip:
        lines = self.lines
        if not 0 <= line < len(lines):
            return Strip.blank(width, self._style(""))
        is_cursor = line == self._cursor
        key = (line, width, is_cursor, has_focus)
        strip = self._line_cache.get(key)
        if strip is None:
            node, guide = lines[line]
            strip = self._line_cache[key] = self._render_node(node, guide, width, is_cursor)
        return strip

    def _render_node(self, node: TopicNode, guide: str, width: int, is_cursor: bool) -> Strip:
        base = self._style("")
        # The cursor's background goes under the whole line (the guides and
        # the label's styles keep their colours and weights over it).
        line = base + self._style("topic-tree--cursor") if is_cursor else base
        segments = []
        if guide:
            guides = self._style("topic-tree--guides")
            segments.append(Segment(guide, line + Style(color=guides.color) + guides.without_color))
        if node.expandable:
            segments.append(Segment("▼ " if node.is_expanded else "▶ ", line))
        room = width - sum(segment.cell_length for segment in segments)
        label = fit_label(node.label, room)
        segments.extend(
            Segment(segment.text, line + segment.style if segment.style else line)
            for segment in label.render(self.app.console)
            if segment.text != "\n"
        )
        return Strip(segments).crop(0, width).extend_cell_length(width, line)

    # -- what the nodes say -----------------------------------------------------

    def _relabel(self, node: TopicNode, label: Text) -> None:
        # The styles count too: " 12" is bold while all twelve are unread
        # and dim once they are all read.
        shown = (label.plain, tuple(label.spans))
        if self._shown.get(node) != shown:
            self._shown[node] = shown
            node.set_label(label)

    def update_counts(
        self,
        counts: Counts,
        triage: TriageCounts,
        problems: Sequence[Problem],
        hidden: int = 0,
        stories: int = 0,
    ) -> None:
        """Bring labels and nodes up to date with `counts`.

        Existing nodes keep their place (and the cursor stays put) while a
        store loads; new names are added in order of their count, and
        `sort_groups` orders them all once it has loaded.
        """
        with self._updating():
            self._relabel(self._all, node_label("All articles", counts.total, triage.unread))
            for kind, title in TRIAGE_NODES:
                count = {
                    "inbox": triage.inbox,
                    "unread": triage.unread,
                    "starred": triage.starred,
                    "archived": triage.archived,
                }[kind]
                self._relabel(self._triage[kind], node_label(title, count))
            self._update_hidden(hidden)
            self._update_stories(stories)
            self._update_tags(triage)
            self._latest = (counts, triage)
            for kind, title in GROUPS:
                group = self._groups[kind]
                self._relabel(group, node_label(title, len(_table(counts, kind))))
                # A folded group's hundreds of names wait until it is opened:
                # while a large store loads, they would change every second.
                if group.is_expanded:
                    self._update_group(kind)
                else:
                    self._stale.add(kind)
            self._update_problems(problems)

    def _update_group(self, kind: str) -> None:
        self._stale.discard(kind)
        if self._latest is None:
            return
        counts, triage = self._latest
        group = self._groups[kind]
        table = _table(counts, kind)
        for name, count in sorted(table.items(), key=lambda item: (-item[1], item[0])):
            facet = Facet(kind, name)
            label = node_label(name, count, triage.unread_of(kind, name))
            node = self._facet_nodes.get(facet)
            if node is None:
                self._facet_nodes[facet] = group.add_leaf(label, data=facet)
            else:
                self._relabel(node, label)

    def sort_groups(self) -> None:
        """Order the names of every group by count (most first), then name.

        For when a store has loaded: while it loads, names keep the place
        they came in at, so that the cursor does not jump. The cursor stays
        on its node. (A folded group is ordered when it is opened.)
        """
        with self._updating():
            for kind, _title in GROUPS:
                if kind not in self._stale:
                    self._sort_group(kind)
            self._sort_group("tag")
        if self.is_mounted:
            self._scroll_line_into_view(self._cursor)

    def _sort_group(self, kind: str) -> None:
        if self._latest is None:
            return
        counts, triage = self._latest
        if kind == "tag":
            group, table = self._tags, triage.tags
        else:
            group, table = self._groups[kind], _table(counts, kind)

        def order(node: TopicNode) -> tuple[int, str, str]:
            name = node.data.value if node.data is not None else label_name(node.label)
            return (-table.get(name, 0), fold(name), name)

        children = sorted(group.children, key=order)
        if children != group.children:
            group.children = children
            self._shape_changed(group)

    def update_new(self, count: int) -> None:
        """The New node's count: articles written since the last session."""
        with self._updating():
            self._relabel(self._triage["new"], node_label("New", count))

    def update_saved(self, items: dict[str, str], counts: dict[str, int]) -> None:
        """Show the saved searches, in the order they were saved, with counts."""
        cursor = self.cursor_node.data if self.cursor_node is not None else None
        self._saved.remove_children()
        for facet in [f for f in self._facet_nodes if f.kind == "saved"]:
            del self._facet_nodes[facet]
        for name in items:
            facet = Facet("saved", name)
            self._facet_nodes[facet] = self._saved.add_leaf(
                node_label(name, counts.get(name, 0)), data=facet
            )
        self._saved.set_label(node_label("Saved searches", len(items)))
        if cursor is not None and cursor.kind == "saved" and cursor in self._facet_nodes:
            self.move_cursor(self._facet_nodes[cursor])

    def _saved_name(self) -> str | None:
        node = self.cursor_node
        if node is not None and node.data is not None and node.data.kind == "saved":
            return node.data.value
        return None

    def action_rename_saved(self) -> None:
        name = self._saved_name()
        if name is not None:
            self.post_message(self.SavedRename(name))

    def action_delete_saved(self) -> None:
        name = self._saved_name()
        if name is not None:
            self.post_message(self.SavedDelete(name))

    def _update_tags(self, triage: TriageCounts) -> None:
        self._relabel(self._tags, node_label("Tags", len(triage.tags)))
        for tag, count in sorted(triage.tags.items()):
            facet = Facet("tag", tag)
            node = self._facet_nodes.get(facet)
            if node is None:
                self._facet_nodes[facet] = self._tags.add_leaf(node_label(tag, count), data=facet)
            else:
                self._relabel(node, node_label(tag, count))
        for facet, node in list(self._facet_nodes.items()):
            if facet.kind == "tag" and facet.value not in triage.tags:
                del self._facet_nodes[facet]
                node.remove()

    def _update_stories(self, count: int) -> None:
        """The Stories node (one article per story: `is:lead`), there while
        articles are grouped into stories: the tree counts both."""
        node = self._triage.get("stories")
        if node is None:
            if not count:
                return
            node = self._triage["stories"] = self.root.add_leaf(
                node_label("Stories", count), data=Facet("stories"), after=self._all
            )
        elif not count:
            node.remove()
            del self._triage["stories"]
            return
        self._relabel(node, node_label("Stories", count))

    def _update_hidden(self, count: int) -> None:
        """The Hidden node (what `[hide]` keeps out of the views), there
        while something is hidden: nothing vanishes unseen."""
        node = self._triage.get("hidden")
        if node is None:
            if not count:
                return
            archived = self._triage["archived"]
            node = self._triage["hidden"] = self.root.add_leaf(
                node_label("Hidden", count), data=Facet("hidden"), after=archived
            )
        elif not count:
            node.remove()
            del self._triage["hidden"]
            return
        self._relabel(node, node_label("Hidden", count))

    def _update_problems(self, problems: Sequence[Problem]) -> None:
        paths = [problem.path for problem in problems]
        node = self._problems_node
        if node is None:
            if not paths:
                return
            node = self._problems_node = self.root.add(
                Text(""), data=Facet("problems"), expand=True
            )
        elif not paths:
            # The last bad file was fixed or removed.
            node.remove()
            self._problems_node = None
            return
        shown = [child.data.value for child in node.children if child.data is not None]
        if shown == paths:
            return
        node.set_label(_problems_label(len(paths)))
        # While a store loads problems only come in; a file that changed can
        # also take one away: then the list starts over.
        if shown != paths[: len(shown)]:
            node.remove_children()
            shown = []
        for path in paths[len(shown) :]:
            # The file name alone keeps the tree narrow; the detail pane
            # shows the whole path with the reason.
            name = shown_path(path.rsplit("/", 1)[-1])
            node.add_leaf(Text(name), data=Facet("problem", path))

    def select_facet(self, facet: Facet) -> None:
        if facet.kind in self._stale:
            self._update_group(facet.kind)
        node = (
            self._all
            if facet == ALL
            else self._triage.get(facet.kind)
            if facet.kind in self._triage
            else self._facet_nodes.get(facet)
        )
        if node is not None:
            self.move_cursor(node)


def _table(counts: Counts, kind: str) -> Counter[str]:
    return {"topic": counts.topics, "provider": counts.providers}.get(kind, counts.categories)


def _problems_label(count: int) -> Text:
    label = Text("Problems", style="bold red")
    label.append(f" {count:,}", style="dim")
    return label


def _walk(node: TopicNode, guide: str) -> Iterator[tuple[TopicNode, str]]:
    """The nodes on show under `node`, each with the guide drawn before it."""
    children = node.children
    last = len(children) - 1
    top = node.parent is None
    for position, child in enumerate(children):
        yield child, "" if top else guide + ("└ " if position == last else "├ ")
        if child.is_expanded and child.children:
            yield from _walk(child, "" if top else guide + ("  " if position == last else "│ "))


def _on_show(node: TopicNode) -> bool:
    """Whether `node`'s children are on show (it and its parents are open)."""
    while node is not None:
        if not node.is_expanded:
            return False
        node = node.parent  # type: ignore[assignment]
    return True
