"""The topic tree on its own: drawing, counts arriving, keys and clicks."""

from __future__ import annotations

from collections import Counter

import pytest
from textual.app import App, ComposeResult

from reader.library.facets import ALL, INBOX, NEW, Counts, Facet
from reader.triage.counts import TriageCounts
from reader.ui.panes import topic_tree
from reader.ui.panes.topic_tree import TopicTree


class TreeApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[Facet] = []

    def compose(self) -> ComposeResult:
        yield TopicTree()

    def on_topic_tree_facet_selected(self, event: TopicTree.FacetSelected) -> None:
        self.chosen.append(event.facet)


def counts(topics: dict[str, int], providers: dict[str, int] | None = None) -> Counts:
    providers = providers or {"Harbour Post": sum(topics.values())}
    return Counts(
        total=sum(providers.values()),
        topics=Counter(topics),
        providers=Counter(providers),
        categories=Counter({"news": sum(providers.values())}),
    )


def lines(tree: TopicTree) -> list[str]:
    return [tree.render_line(y).text.rstrip() for y in range(tree.last_line + 1)]


async def test_the_tree_draws_its_nodes_with_guides_and_counts() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)):
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({"Space": 3, "AI": 5}), TriageCounts(total=8, unread=2), [])
        tree.update_new(3)
        # The Inbox (the start view) first, then New (written since the
        # last session), then All articles and the other triage nodes.
        assert lines(tree)[:13] == [
            "Inbox 8",
            "New 3",
            "All articles 2/8",
            "Unread 2",
            "Starred 0",
            "Archived 0",
            "▼ Saved searches 0",
            "▼ Tags 0",
            "▼ Topics 2",
            "├ AI 5",
            "└ Space 3",
            "▶ Providers 1",
            "▶ Categories 1",
        ]


async def test_new_counts_redraw_their_lines_and_the_cursor_stays_on_its_node() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({"Space": 3, "AI": 5}), TriageCounts(total=8), [])
        tree.select_facet(Facet("topic", "Space"))
        await pilot.pause()
        assert app.chosen == [Facet("topic", "Space")]
        shown = tree._lines
        # Counts change, no new name: the lines are not recounted, and the
        # changed label is drawn anew.
        tree.update_counts(counts({"Space": 4, "AI": 5}), TriageCounts(total=9), [])
        assert tree._lines is shown
        assert "└ Space 4" in lines(tree)
        # A new topic comes after the others (nodes keep their places), and
        # the cursor stays on Space, without choosing it again.
        tree.update_counts(counts({"Space": 4, "AI": 5, "Bees": 9}), TriageCounts(total=18), [])
        assert lines(tree)[9:12] == ["├ AI 5", "├ Space 4", "└ Bees 9"]
        assert tree.cursor_node is not None and tree.cursor_node.data == Facet("topic", "Space")
        await pilot.pause()
        assert app.chosen == [Facet("topic", "Space")]


async def test_one_update_counts_the_lines_once_however_many_names_it_adds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    walks = 0
    walk = topic_tree._walk

    def counted(node: topic_tree.TopicNode, guide: str) -> object:
        nonlocal walks
        walks += node.parent is None  # a walk from the root (it recurses)
        return walk(node, guide)

    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({"Space": 3}), TriageCounts(total=3), [])
        tree.select_facet(Facet("topic", "Space"))
        await pilot.pause()
        monkeypatch.setattr(topic_tree, "_walk", counted)
        # Fifty new names (a second of a large store's load) and new counts.
        many = {f"Topic {n:02}": 1 for n in range(50)}
        tree.update_counts(counts({"Space": 4, **many}), TriageCounts(total=54), [])
        assert walks == 1
        assert tree.cursor_node is not None and tree.cursor_node.data == Facet("topic", "Space")
        shown = lines(tree)
        assert shown[9] == "├ Space 4" and shown[10] == "├ Topic 00 1"
        # Opening a group whose names waited: counted once too.
        walks = 0
        tree._groups["provider"].expand()
        assert walks == 1
        assert "└ Harbour Post 54" in lines(tree)


async def test_keys_move_choose_fold_and_open() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({"Space": 3, "AI": 5}), TriageCounts(total=8), [])
        tree.focus()
        # The cursor starts on the Inbox; each step down chooses its node.
        await pilot.press("j", "j")
        assert app.chosen == [NEW, ALL]
        await pilot.press("G")
        assert tree.cursor_node is not None and tree.cursor_node.data == Facet("group:category")
        # A group's heading chooses nothing; `space` and `right` open it.
        await pilot.press("space")
        assert lines(tree)[-1] == "└ news 8"
        await pilot.press("j", "left")
        assert tree.cursor_node.data == Facet("group:category")
        await pilot.press("left")
        assert lines(tree)[-1] == "▶ Categories 1"
        await pilot.press("right", "j", "enter")
        assert app.chosen[-2:] == [Facet("category", "news"), Facet("category", "news")]
        await pilot.press("g")
        assert tree.cursor_line == 0 and app.chosen[-1] == INBOX


async def test_a_click_chooses_a_node_and_opens_a_group() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(
            counts({"Space": 3}, {"Orbit Daily": 1, "Harbour Post": 2}), TriageCounts(total=3), []
        )
        providers = lines(tree).index("▶ Providers 2")
        await pilot.click(TopicTree, offset=(2, providers))
        assert tree._groups["provider"].is_expanded
        assert lines(tree)[providers + 1 :] == [
            "├ Harbour Post 2",
            "└ Orbit Daily 1",
            "▶ Categories 1",
        ]
        await pilot.click(TopicTree, offset=(4, providers + 2))
        assert app.chosen == [Facet("provider", "Orbit Daily")]
        assert tree.has_focus


async def test_names_are_data_not_markup() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)):
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({"[bold]x[/] [@click=app.quit]y": 1}), TriageCounts(total=1), [])
        assert lines(tree)[9] == "└ [bold]x[/] [@click=app.quit]y 1"
