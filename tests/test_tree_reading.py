"""The tree reads well (issue 15): counts never cut, groups in a settled
order after a load, names found by typing, a cursor that can be seen."""

from __future__ import annotations

from collections import Counter

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.color import Color

from reader.library.facets import Counts, Facet
from reader.triage.counts import TriageCounts
from reader.ui.panes import topic_tree
from reader.ui.panes.article_list import ArticleList
from reader.ui.panes.topic_tree import TopicTree


class TreeApp(App[None]):
    BINDINGS = [Binding("b", "bee", "A key of the app")]

    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[Facet] = []
        self.renamed: list[str] = []
        self.bees = 0

    def compose(self) -> ComposeResult:
        yield TopicTree()

    def action_bee(self) -> None:
        self.bees += 1

    def on_topic_tree_facet_selected(self, event: TopicTree.FacetSelected) -> None:
        self.chosen.append(event.facet)

    def on_topic_tree_saved_rename(self, event: TopicTree.SavedRename) -> None:
        self.renamed.append(event.name)


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


def cursor_name(tree: TopicTree) -> str:
    node = tree.cursor_node
    assert node is not None
    return topic_tree.label_name(node.label)


# -- 1. counts are never cut ------------------------------------------------------


async def test_at_a_narrow_width_the_name_gives_way_and_the_count_stays_whole() -> None:
    app = TreeApp()
    async with app.run_test(size=(22, 30)):
        tree = app.query_one(TopicTree)
        width = tree.scrollable_content_region.width
        tree.update_counts(
            counts({"Ransomware and extortion": 1234, "AI": 5}, {"Harbour Post": 2000}),
            TriageCounts(total=2000, unread=1999),
            [],
        )
        shown = lines(tree)
        assert shown[2] == "All arti… 1,999/2,000"
        assert "├ Ransomware a… 1,234" in shown
        assert "└ AI 5" in shown  # what fits is left alone
        assert all(cell_len(line) <= width for line in shown)
        # The cursor line is fitted the same way.
        tree.select_facet(Facet("all"))
        assert tree.render_line(2).text.rstrip() == "All arti… 1,999/2,000"


def test_fit_label_keeps_the_count_and_styles() -> None:
    label = topic_tree.node_label("Économie et société", 12_345, 3)
    fitted = topic_tree.fit_label(label, 12)
    assert fitted.plain == "Écono… 3/12k"
    assert [fitted.plain[span.start : span.end] for span in fitted.spans] == [" 3", "/12k"]
    assert topic_tree.fit_label(label, 40) is label
    assert topic_tree.fit_label(label, 4).plain == "3/12k"  # the count alone, cut later


# -- 2. a settled order once a load finishes ---------------------------------------


FINAL_TOPICS = {"Space": 9, "Bees": 5, "AI": 5, "ant": 5, "Élan": 2}
FINAL_TAGS = Counter({"zeta": 3, "alpha": 1, "mid": 3})
PROVIDERS = {"Orbit Daily": 4, "Harbour Post": 4, "Zed News": 9}


Step = tuple[dict[str, int], dict[str, int], Counter[str]]


async def load(steps: list[Step]) -> tuple[list[str], list[str]]:
    """The tree's lines after `steps` of counts and `sort_groups`, before and
    after opening Providers; the cursor is put on Bees half-way."""
    app = TreeApp()
    async with app.run_test(size=(40, 40)) as pilot:
        tree = app.query_one(TopicTree)
        for number, (topics, providers, tags) in enumerate(steps):
            tree.update_counts(counts(topics, providers), TriageCounts(total=1, tags=tags), [])
            if number == 0:
                # Opened and folded while loading: its first names came in.
                tree._groups["provider"].expand()
                tree._groups["provider"].collapse()
        tree.update_counts(
            counts(FINAL_TOPICS, PROVIDERS), TriageCounts(total=1, tags=FINAL_TAGS), []
        )
        tree.select_facet(Facet("topic", "Bees"))
        await pilot.pause()
        chosen = list(app.chosen)
        tree.sort_groups()
        sorted_lines = lines(tree)
        # The cursor stayed on its node, and chose nothing again.
        assert cursor_name(tree) == "Bees"
        await pilot.pause()
        assert app.chosen == chosen
        tree._groups["provider"].expand()
        return sorted_lines, lines(tree)


async def test_cold_and_warm_starts_end_in_the_same_order_by_count_then_name() -> None:
    cold = await load(
        [
            ({"Bees": 1, "Élan": 1}, {"Orbit Daily": 2}, Counter({"zeta": 1})),
            ({"Bees": 2, "Élan": 2, "AI": 3}, {"Orbit Daily": 4}, Counter({"zeta": 1, "mid": 2})),
            (
                {"Bees": 4, "Élan": 2, "AI": 5, "Space": 1},
                {"Orbit Daily": 4, "Harbour Post": 1},
                Counter({"zeta": 2, "mid": 3}),
            ),
        ]
    )
    warm = await load(
        [({"ant": 5, "Space": 9, "AI": 1}, {"Zed News": 9}, Counter({"alpha": 1, "mid": 3}))]
    )
    assert cold == warm
    shown, opened = cold
    tags = shown.index("▼ Tags 3")
    assert shown[tags + 1 : tags + 4] == ["├ mid 3", "├ zeta 3", "└ alpha 1"]
    topics = shown.index("▼ Topics 5")
    assert shown[topics + 1 : topics + 6] == [
        "├ Space 9",
        "├ AI 5",
        "├ ant 5",
        "├ Bees 5",
        "└ Élan 2",
    ]
    providers = opened.index("▼ Providers 3")
    assert opened[providers + 1 : providers + 4] == [
        "├ Zed News 9",
        "├ Harbour Post 4",
        "└ Orbit Daily 4",
    ]


async def test_while_loading_names_keep_their_place() -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)):
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({"Space": 3, "AI": 5}), TriageCounts(total=8), [])
        tree.update_counts(counts({"Space": 9, "AI": 5}), TriageCounts(total=14), [])
        assert lines(tree)[9:11] == ["├ AI 5", "└ Space 9"]
        tree.sort_groups()
        assert lines(tree)[9:11] == ["├ Space 9", "└ AI 5"]


# -- 3. typing a name ----------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [100.0]
    monkeypatch.setattr(topic_tree, "_clock", lambda: now[0])
    return now


TYPED_TOPICS = {"Rain": 5, "Économie": 3, "Ransomware": 2, "Space": 1, "Bees": 1}


async def test_typed_letters_jump_to_the_next_name_that_starts_with_them(
    clock: list[float],
) -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(counts(TYPED_TOPICS), TriageCounts(total=12), [])
        tree.focus()
        before = lines(tree)
        await pilot.press("r")
        assert cursor_name(tree) == "Rain"
        await pilot.press("a")  # "ra": Rain still
        assert cursor_name(tree) == "Rain"
        await pilot.press("n")  # "ran"
        assert cursor_name(tree) == "Ransomware"
        assert app.chosen[-1] == Facet("topic", "Ransomware")
        # Case and accents do not count.
        await pilot.press("escape", "E", "c")
        assert cursor_name(tree) == "Économie"
        # Nothing else on screen changes.
        assert lines(tree) == before
        # The same letter again: the next name with it, wrapping round.
        await pilot.press("escape", "s")
        assert cursor_name(tree) == "Space"
        await pilot.press("s")
        assert cursor_name(tree) == "Starred"
        # No match: the cursor stays.
        await pilot.press("escape", "q", "x")
        assert cursor_name(tree) == "Starred"


async def test_a_pause_or_escape_starts_a_new_name(clock: list[float]) -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(counts(TYPED_TOPICS), TriageCounts(total=12), [])
        tree.focus()
        await pilot.press("r")
        assert cursor_name(tree) == "Rain"
        clock[0] += 0.9
        await pilot.press("a")  # within the time: "ra"
        assert cursor_name(tree) == "Rain"
        clock[0] += topic_tree.TYPE_AHEAD_SECONDS + 0.5
        await pilot.press("a")  # after a pause: "a", from the next line on
        assert cursor_name(tree) == "All articles"
        await pilot.press("escape", "r")
        assert cursor_name(tree) == "Rain"
        await pilot.press("escape", "a")  # not "ra": a new name, from the next line on
        assert cursor_name(tree) == "All articles"


async def test_bound_keys_keep_their_actions(clock: list[float]) -> None:
    app = TreeApp()
    async with app.run_test(size=(40, 30)) as pilot:
        tree = app.query_one(TopicTree)
        tree.update_counts(counts({**TYPED_TOPICS, "Abbey": 1}), TriageCounts(total=13), [])
        tree.update_saved({"rainy": "rain"}, {"rainy": 1})
        tree.focus()
        # The tree's own keys.
        await pilot.press("j", "j")
        assert tree.cursor_line == 2
        await pilot.press("G")
        assert cursor_name(tree) == "Categories"
        await pilot.press("g")
        assert tree.cursor_line == 0
        # `r` renames on a saved search (and jumps elsewhere).
        tree.select_facet(Facet("saved", "rainy"))
        await pilot.press("r")
        assert app.renamed == ["rainy"]
        assert cursor_name(tree) == "rainy"
        # A key of the app (or screen) runs its action, and moves nothing.
        await pilot.press("b")
        assert app.bees == 1 and cursor_name(tree) == "rainy"
        # Once a name is being typed, a bound letter that matches adds to it...
        await pilot.press("a")
        assert cursor_name(tree) == "Abbey"
        await pilot.press("b")  # "ab"
        assert app.bees == 1 and cursor_name(tree) == "Abbey"
        # ... and one that does not match runs its action.
        await pilot.press("j")  # "abj": no
        assert cursor_name(tree) == "Bees"
        # Off a saved search, `r` is a letter to type.
        await pilot.press("r")
        assert cursor_name(tree) == "rainy" and app.renamed == ["rainy"]


# -- 4. cursors that can be seen -------------------------------------------------------


class PanesApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TopicTree()
        yield ArticleList([])


def background(strip_owner: TopicTree, line: int) -> Color:
    strip = strip_owner.render_line(line)
    colors = {segment.style.bgcolor for segment in strip if segment.style is not None}
    assert len(colors) == 1, colors  # the whole line, guides and all
    color = colors.pop()
    assert color is not None and color.triplet is not None
    return Color(*color.triplet)


def distance(a: Color, b: Color) -> float:
    return sum((x - y) ** 2 for x, y in zip(a.rgb, b.rgb, strict=True)) ** 0.5


async def test_the_cursors_have_a_background_focused_or_not() -> None:
    app = PanesApp()
    async with app.run_test(size=(60, 30)) as pilot:
        tree = app.query_one(TopicTree)
        articles = app.query_one(ArticleList)
        tree.update_counts(counts({"Space": 3, "AI": 5}), TriageCounts(total=8), [])
        tree.select_facet(Facet("topic", "AI"))  # a line with a guide
        line = tree.cursor_line
        tree.focus()
        await pilot.pause()
        plain = background(tree, line + 1)
        focused = background(tree, line)
        assert focused != plain
        articles.focus()
        await pilot.pause()
        plain = background(tree, line + 1)
        blurred = background(tree, line)
        assert blurred not in (plain, focused)
        # Dimmer, but well clear of the background.
        assert distance(blurred, plain) > distance(blurred, focused)

        def list_cursor() -> Color:
            color = articles.get_component_rich_style("article-list--cursor").bgcolor
            assert color is not None and color.triplet is not None
            return Color(*color.triplet)

        list_plain = Color(*articles.rich_style.bgcolor.triplet)  # type: ignore[union-attr]
        list_focused = list_cursor()
        tree.focus()
        await pilot.pause()
        list_blurred = list_cursor()
        assert list_blurred not in (list_plain, list_focused)
        assert distance(list_blurred, list_plain) > distance(list_blurred, list_focused)
