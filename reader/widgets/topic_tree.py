"""The topic tree: All articles, Topics, Providers, Categories and Problems,
each node with its article count. Selecting a node filters the list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from reader.model import Problem
from reader.triage import TriageCounts
from reader.views import ALL, Counts, Facet
from reader.widgets.scrollbar import SteadyBoxMixin, ThumbScrollBarMixin

GROUPS = (("topic", "Topics"), ("provider", "Providers"), ("category", "Categories"))


TRIAGE_NODES = (
    ("inbox", "Inbox"),
    ("unread", "Unread"),
    ("starred", "Starred"),
    ("archived", "Archived"),
)


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


class TopicTree(SteadyBoxMixin, ThumbScrollBarMixin, Tree[Facet]):
    """Facets of the store as a tree; posts `FacetSelected` on a choice."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_home", "First", show=False),
        Binding("G", "scroll_end", "Last", show=False),
        Binding("r", "rename_saved", "Rename saved search", show=False),
        Binding("delete,d", "delete_saved", "Delete saved search", show=False),
    ]

    DEFAULT_CSS = """
    TopicTree {
        background: $surface;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        scrollbar-background: $surface;
        scrollbar-background-hover: $surface;
    }
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
        super().__init__(Text("Store"), data=None, id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._all = self.root.add_leaf(node_label("All articles", 0), data=ALL)
        self._triage = {
            kind: self.root.add_leaf(node_label(title, 0), data=Facet(kind))
            for kind, title in TRIAGE_NODES
        }
        self._saved = self.root.add(
            node_label("Saved searches", 0), data=Facet("group:saved"), expand=True
        )
        self._tags = self.root.add(node_label("Tags", 0), data=Facet("group:tag"), expand=True)
        self._groups: dict[str, TreeNode[Facet]] = {}
        self._facet_nodes: dict[Facet, TreeNode[Facet]] = {}
        self._problems_node: TreeNode[Facet] | None = None
        self._shown: dict[int, str] = {}
        """What each node's label says now, so unchanged labels are not redrawn."""
        self._latest: tuple[Counts, TriageCounts] | None = None
        self._stale: set[str] = set()
        """Folded groups whose names are behind the counts."""
        for kind, title in GROUPS:
            group = self.root.add(node_label(title, 0), data=Facet(f"group:{kind}"))
            self._groups[kind] = group
        self._groups["topic"].expand()

    def _relabel(self, node: TreeNode[Facet], label: Text) -> None:
        plain = label.plain
        if self._shown.get(node.id) != plain:
            self._shown[node.id] = plain
            node.set_label(label)

    def update_counts(
        self, counts: Counts, triage: TriageCounts, problems: Sequence[Problem]
    ) -> None:
        """Bring labels and nodes up to date with `counts`.

        Existing nodes keep their place (and the cursor stays put) while a
        store loads; new names are added in order of their count.
        """
        self._relabel(self._all, node_label("All articles", counts.total, triage.unread))
        for kind, title in TRIAGE_NODES:
            count = {
                "inbox": triage.inbox,
                "unread": triage.unread,
                "starred": triage.starred,
                "archived": triage.archived,
            }[kind]
            self._relabel(self._triage[kind], node_label(title, count))
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

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[Facet]) -> None:
        facet = event.node.data
        if facet is not None and facet.kind.startswith("group:"):
            kind = facet.kind.removeprefix("group:")
            if kind in self._stale:
                self._update_group(kind)

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
            node.add_leaf(Text(path.rsplit("/", 1)[-1]), data=Facet("problem", path))

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

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[Facet]) -> None:
        event.stop()
        facet = event.node.data
        if facet is not None and not facet.kind.startswith("group:"):
            self.post_message(self.FacetSelected(facet))

    def on_tree_node_selected(self, event: Tree.NodeSelected[Facet]) -> None:
        event.stop()
        facet = event.node.data
        if facet is not None and not facet.kind.startswith("group:"):
            self.post_message(self.FacetSelected(facet))


def _table(counts: Counts, kind: str) -> Counter[str]:
    return {"topic": counts.topics, "provider": counts.providers}.get(kind, counts.categories)


def _problems_label(count: int) -> Text:
    label = Text("Problems", style="bold red")
    label.append(f" {count:,}", style="dim")
    return label
