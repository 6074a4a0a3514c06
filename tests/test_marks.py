"""The article list's marks: one cell per mark, always as wide, every
combination told apart; the column header sits over the columns."""

from __future__ import annotations

from dataclasses import fields, replace
from itertools import product

from rich.cells import cell_len
from textual.app import App, ComposeResult

from reader.library.library import Marks
from reader.model import Row
from reader.ui.panes.article_list import MARKS_WIDTH, ArticleList, format_date
from reader.ui.panes.list_header import header_text

NAMES = [f.name for f in fields(Marks)]
ALL = [
    Marks(**dict(zip(NAMES, values, strict=True))) for values in product((False, True), repeat=6)
]
CELLS = {"unread": (1, "●"), "starred": (2, "★"), "archived": (3, "▪"), "tagged": (4, "#")}


def test_every_combination_is_as_wide() -> None:
    assert len(ALL) == 64
    for marks in ALL:
        prefix = marks.prefix()
        assert len(prefix) == cell_len(prefix) == Marks.WIDTH
    assert MARKS_WIDTH == Marks.WIDTH + 1  # a blank cell before the date


def test_each_mark_has_its_own_cell() -> None:
    plain = Marks(unread=False)
    assert plain.prefix() == " " * Marks.WIDTH
    for name, (cell, mark) in CELLS.items():
        for marks in ALL:
            on, off = (
                replace(marks, **{name: True}).prefix(),
                replace(marks, **{name: False}).prefix(),
            )
            assert on[cell] == mark and off[cell] == " "
            # Nothing else moves.
            assert on[:cell] + on[cell + 1 :] == off[:cell] + off[cell + 1 :]
    assert Marks(unread=False, selected=True).prefix()[0] == "▌"
    assert Marks(unread=False, unsaved=True).prefix()[0] == "!"
    assert Marks(unread=False, unsaved=True, selected=True).prefix()[0] == "!"


def test_every_combination_is_told_apart() -> None:
    # The prefix tells every combination apart but one: a selected row that
    # is not saved shows `!`, and its selection in the line's background
    # (`test_a_selected_unsaved_row_keeps_its_background`).
    seen: dict[str, Marks] = {}
    for marks in ALL:
        if marks.unsaved and marks.selected:
            assert marks.prefix() == replace(marks, selected=False).prefix()
            continue
        assert marks.prefix() not in seen, (marks, seen.get(marks.prefix()))
        seen[marks.prefix()] = marks
    assert len(seen) == 48
    starred_archived = Marks(starred=True, archived=True).prefix()
    assert starred_archived != Marks(starred=True).prefix() != Marks(archived=True).prefix()


def row(index: int) -> Row:
    return Row(
        f"{index}.txt", f"Article {index}", "Provider", "", 1.7e9 - index, 50, 0, (),
        "", "", "", "", False, 0,
    )  # fmt: skip


class MarkedList(App[None]):
    def __init__(self, marks: list[Marks]) -> None:
        super().__init__()
        self.rows = [row(i) for i in range(len(marks))]
        self.row_marks = marks

    def compose(self) -> ComposeResult:
        articles = ArticleList(self.rows, id="articles")
        articles.marks = lambda row: self.row_marks[self.rows.index(row)]
        yield articles

    def on_mount(self) -> None:
        self.query_one(ArticleList).set_view(list(range(len(self.rows))))


async def test_the_header_sits_over_the_marked_columns() -> None:
    marks = [
        Marks(),
        Marks(unread=False, starred=True, archived=True, tagged=True, selected=True),
        Marks(unsaved=True, starred=True),
    ]
    app = MarkedList([*marks, Marks(unsaved=True, selected=True)])
    async with app.run_test(size=(100, 10)) as pilot:
        articles = app.query_one(ArticleList)
        await pilot.pause()
        width = articles.scrollable_content_region.width
        header = header_text(width)
        date = format_date(row(0).published)
        for y, expected in enumerate(marks):
            text = articles.render_line(y).text
            assert text.startswith(expected.prefix() + " ")
            assert text.index(date) == header.index("Date") == MARKS_WIDTH
            assert text.index("Provider") == header.index("Provider")
            assert text.index(f"Article {y}") == header.index("Title")


async def test_a_selected_unsaved_row_keeps_its_background() -> None:
    app = MarkedList([Marks(unsaved=True), Marks(unsaved=True, selected=True), Marks()])
    async with app.run_test(size=(100, 10)) as pilot:
        articles = app.query_one(ArticleList)
        articles.move_to(2)  # the cursor's own background is elsewhere
        await pilot.pause()
        plain, selected = (articles.render_line(y) for y in (0, 1))
        assert plain.text[:1] == selected.text[:1] == "!"
        backgrounds = [
            {segment.style.bgcolor for segment in strip if segment.style}
            for strip in (plain, selected)
        ]
        assert backgrounds[0] != backgrounds[1]
