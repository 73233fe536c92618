"""Inspection flags and the card marks' legend, through the real app with the pilot: `F`
shows flagged deals only (board and table agree on how many), `L` toggles the one-line
legend, help explains every mark, and a column's title says which cards are on screen."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import text
from textual.widgets import Static

from pipeline_tui.marks import CATEGORY_MARKS, FLAG_BY_KEY, FLAGS, OTHER_MARKS, flags_of
from pipeline_tui.ui.screens.deal import DealScreen
from pipeline_tui.ui.screens.help import HelpScreen
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.board import CARD_LINES, StageColumnView
from pipeline_tui.ui.widgets.legend import MarksLegend

from ..ui_support import TODAY, copy_db, demo_template, make_app, open_board, settle, sql_engine

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text (its content may be a Rich table)."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def title_of(column: StageColumnView) -> str:
    return text_of(column.query_one(".column-title", Static))


async def test_f_shows_flagged_deals_only_and_board_and_table_agree(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        everything = {c.stage.stage_id: c.stage.count for c in screen.board.columns()}
        all_cards = [c for col in screen.board.columns() for c in col.cards]
        assert any(c.flags == 0 for c in all_cards), "the demo has unflagged deals to hide"
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert screen.state.flagged
        assert "flagged" in str(screen.query_one("#context").render())
        columns = screen.board.columns()
        cards = [c for col in columns for c in col.cards]
        assert cards and all(c.flags for c in cards)
        flagged = {c.stage.stage_id: c.stage.count for c in columns}
        assert all(flagged[s] <= everything[s] for s in flagged)
        assert sum(flagged.values()) < sum(everything.values())
        # The table counts the same deals the board's columns do.
        await pilot.press("t")
        await settle(pilot)
        assert screen.table.total == sum(flagged.values())
        assert all(c.flags for c in screen.table.cards)
        marks = {f.mark for f in FLAGS}
        first = screen.table.cards[0]
        cell = str(screen.table.get_cell(str(first.id), "flags"))
        assert cell == first.flag_marks and set(cell) <= marks and cell
        # Composed with another filter; escape clears both.
        await pilot.press("C", "C")  # best case only
        await settle(pilot)
        assert all(c.forecast_category == "best_case" and c.flags for c in screen.table.cards)
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.state.flagged and screen.state.category_index == 0
        assert screen.table.total == sum(everything.values())


async def test_cards_show_their_flag_marks(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column = screen.board.columns()[0]
        card = next(c for c in column.cards if c.flags)
        index = column.cards.index(card)
        prompt = str(column.deal_list.get_option_at_index(index).prompt)
        title_line = prompt.splitlines()[0]
        assert title_line.split(" ")[1] == card.flag_marks


async def test_l_toggles_a_one_line_legend(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_board(pilot)
        legend = screen.query_one(MarksLegend)
        assert not legend.display
        await pilot.press("L")
        await settle(pilot)
        assert legend.display and legend.region.height == 1
        line = text_of(legend).strip()
        assert "\n" not in line and len(line) <= 158  # whole at 160 columns
        for mark, words in CATEGORY_MARKS[:4]:
            assert f"{mark} {words}" in line
        for flag in FLAGS:
            assert f"{flag.mark} " in line
        assert "pushed 2+" in line and "idle 30d+" in line  # the settings in force
        assert "↻N" in line and "…" in line
        await pilot.press("L")
        await settle(pilot)
        assert not legend.display


async def test_help_explains_every_mark_on_a_card(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        marks = text_of(app.screen.query_one("#help-marks", Static))
        keys = text_of(app.screen.query_one("#help-keys", Static))
        assert "Marks on a card" in marks
        for mark, words in CATEGORY_MARKS:
            assert re.search(rf"{re.escape(mark)}\s+{words}", marks)
        for flag in FLAGS:
            assert flag.mark in marks
        for words in ("close date in the past", "pushed 2+ times", "amount cut since the last"):
            assert words in marks
        for mark, _ in OTHER_MARKS:
            assert mark in marks
        assert "Flagged deals only" in keys and "Legend of card marks" in keys


async def test_a_columns_range_is_the_cards_on_screen(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column = max(screen.board.columns(), key=lambda c: c.stage.count)
        count = column.stage.count
        height = column.deal_list.scrollable_content_region.height
        on_screen = -(-height // CARD_LINES)  # a card cut at the bottom still shows
        assert count > on_screen
        assert re.search(rf"1–{on_screen}\s*(of |/){count:,}", title_of(column))
        screen.set_focus(column.deal_list)
        await pilot.press(*["j"] * (on_screen + 2))
        await settle(pilot)
        first, last = column.on_screen() or (0, 0)
        assert first > 1 and last - first + 1 <= on_screen
        assert re.search(rf"{first}–{last}\s*(of |/){count:,}", title_of(column))


async def test_a_column_whose_cards_all_show_says_only_its_count(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("slash")
        await pilot.press(*"Atlas")
        await pilot.press("enter")
        await settle(pilot)
        small = [c for c in screen.board.columns() if 0 < c.stage.count <= 3]
        assert small
        for column in small:
            assert column.on_screen() == (1, column.stage.count)
            assert "–" not in title_of(column).splitlines()[0]
        assert isinstance(screen, MainScreen)


async def test_the_deal_screen_says_each_flag_in_words(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column = screen.board.columns()[0]
        card = next(c for c in column.cards if c.flags)
        screen.set_focus(column.deal_list)
        column.deal_list.highlighted = column.cards.index(card)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        fields = text_of(app.screen.query_one("#fields", Static))
        line = next(x for x in fields.splitlines() if x.startswith("Flags"))
        for flag in FLAGS:
            assert (flag.mark in line) == (flag in flags_of(card.flags))


async def test_the_stale_filter_and_the_idle_flag_share_the_setting(db: Path) -> None:
    engine = sql_engine(db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET stale_days = 14"))
    engine.dispose()
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert "stale 14d+" in str(screen.query_one("#context").render())
        cards = [c for col in screen.board.columns() for c in col.cards]
        assert cards and all((TODAY - c.updated_at.date()).days >= 14 for c in cards)
        assert any((TODAY - c.updated_at.date()).days < 30 for c in cards)
        idle = FLAG_BY_KEY["stale"]
        assert all(c.flags & idle.bit for c in cards)  # the same deals carry the z flag
        await pilot.press("L")
        await settle(pilot)
        assert "idle 14d+" in text_of(screen.query_one(MarksLegend))
