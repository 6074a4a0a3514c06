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
from reader.views import ALL, Counts, Facet

GROUPS = (("topic", "Topics"), ("provider", "Providers"), ("category", "Categories"))


def node_label(name: str, count: int, *, muted_empty: bool = True) -> Text:
    """A node label as rich Text: the name is data, never markup."""
    label = Text(name or "(none)", style="italic" if not name else "")
    label.append(f" {count:,}", style="dim" if muted_empty else "")
    return label


class TopicTree(Tree[Facet]):
    """Facets of the store as a tree; posts `FacetSelected` on a choice."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_home", "First", show=False),
        Binding("G", "scroll_end", "Last", show=False),
    ]

    DEFAULT_CSS = """
    TopicTree { background: $surface; overflow-x: hidden; }
    """

    class FacetSelected(Message):
        def __init__(self, facet: Facet) -> None:
            super().__init__()
            self.facet = facet

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Text("Store"), data=None, id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self._all = self.root.add_leaf(node_label("All articles", 0), data=ALL)
        self._groups: dict[str, TreeNode[Facet]] = {}
        self._facet_nodes: dict[Facet, TreeNode[Facet]] = {}
        self._problems_node: TreeNode[Facet] | None = None
        self._problem_count = 0
        for kind, title in GROUPS:
            group = self.root.add(node_label(title, 0), data=Facet(f"group:{kind}"))
            self._groups[kind] = group
        self._groups["topic"].expand()

    def update_counts(self, counts: Counts, problems: Sequence[Problem]) -> None:
        """Bring labels and nodes up to date with `counts`.

        Existing nodes keep their place (and the cursor stays put) while a
        store loads; new names are added in order of their count.
        """
        self._all.set_label(node_label("All articles", counts.total))
        tables: dict[str, Counter[str]] = {
            "topic": counts.topics,
            "provider": counts.providers,
            "category": counts.categories,
        }
        for kind, title in GROUPS:
            table = tables[kind]
            group = self._groups[kind]
            group.set_label(node_label(title, len(table)))
            for name, count in sorted(table.items(), key=lambda item: (-item[1], item[0])):
                facet = Facet(kind, name)
                node = self._facet_nodes.get(facet)
                if node is None:
                    self._facet_nodes[facet] = group.add_leaf(node_label(name, count), data=facet)
                else:
                    node.set_label(node_label(name, count))
        self._update_problems(problems)

    def _update_problems(self, problems: Sequence[Problem]) -> None:
        if not problems:
            return
        if self._problems_node is None:
            self._problems_node = self.root.add(Text(""), data=Facet("problems"), expand=True)
        node = self._problems_node
        node.set_label(_problems_label(len(problems)))
        for problem in problems[self._problem_count :]:
            # The file name alone keeps the tree narrow; the detail pane
            # shows the whole path with the reason.
            label = Text(problem.path.rsplit("/", 1)[-1])
            node.add_leaf(label, data=Facet("problem", problem.path))
        self._problem_count = len(problems)

    def select_facet(self, facet: Facet) -> None:
        node = self._all if facet == ALL else self._facet_nodes.get(facet)
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


def _problems_label(count: int) -> Text:
    label = Text("Problems", style="bold red")
    label.append(f" {count:,}", style="dim")
    return label
