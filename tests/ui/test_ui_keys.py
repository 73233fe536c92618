"""Keys typed faster than the app draws: every one is applied, in order.

`burst` queues all the keys before the app handles the first, as a fast typist or a held key
does; `pilot.press` would let the app go idle between keys and hide what goes wrong."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_tui.models import next_category
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_setup import ReviewSetupScreen
from pipeline_tui.ui.widgets.board import PAGE_SIZE
from pipeline_tui.ui.widgets.deal_table import TABLE_PAGE

from ..ui_support import burst, copy_db, deal_row, demo_template, make_app, open_board, settle

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


async def every_open_deal(pilot: object) -> None:
    """Any close date, so the columns and the table run to several pages."""
    await pilot.press("D", "D")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


def column_index(screen: MainScreen) -> int:
    focused = screen.board.focused_column()
    assert focused is not None
    return screen.board.columns().index(focused)


def selected(screen: MainScreen) -> int:
    card = screen.selected_deal()
    assert card is not None
    return card.id


async def test_column_keys_in_a_burst_each_move_a_column(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        assert len(screen.board.columns()) >= 4
        assert column_index(screen) == 0
        burst(pilot, "l", "l", "l")
        await settle(pilot)
        assert column_index(screen) == 3
        burst(pilot, "h", "h", "l", "h")
        await settle(pilot)
        assert column_index(screen) == 1


async def test_nudges_then_a_stage_move_in_a_burst_all_land_on_the_deal(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        burst(pilot, "2")  # a known start, below 100 after four nudges
        await settle(pilot)
        deal_id = selected(screen)
        start = deal_row(db, deal_id)
        assert start["probability"] == 20
        column = column_index(screen)
        burst(pilot, "plus", "plus", "plus", "plus", "right_square_bracket")
        await settle(pilot)
        after = deal_row(db, deal_id)
        assert after["probability"] == 40
        assert after["stage_id"] != start["stage_id"]
        assert after["version"] == start["version"] + 5  # type: ignore[operator]
        # The cursor followed the deal into the next stage.
        assert selected(screen) == deal_id
        assert column_index(screen) == column + 1


async def test_a_move_typed_behind_an_edit_is_where_the_cursor_stays(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        edited = selected(screen)
        burst(pilot, "7", "j", "j")
        await settle(pilot)
        assert deal_row(db, edited)["probability"] == 70
        column = screen.board.focused_column()
        assert column is not None
        assert column.deal_list.highlighted == 2  # not pulled back to the edited deal
        assert selected(screen) != edited


async def test_down_keys_in_a_burst_cross_the_columns_pages(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await every_open_deal(pilot)
        columns = screen.board.columns()
        biggest = max(range(len(columns)), key=lambda i: columns[i].stage.count)
        column = columns[biggest]
        steps = PAGE_SIZE + PAGE_SIZE // 2 + 3
        assert column.stage.count > steps + 1
        screen.board.focus_column(biggest)
        await settle(pilot)
        burst(pilot, *["j"] * steps)
        await settle(pilot, 8)
        assert column.first_row + (column.deal_list.highlighted or 0) == steps
        burst(pilot, *["k"] * 5)
        await settle(pilot, 8)
        assert column.first_row + (column.deal_list.highlighted or 0) == steps - 5


async def test_down_keys_in_a_burst_move_the_table_a_row_each(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await every_open_deal(pilot)
        await pilot.press("t")
        await settle(pilot)
        burst(pilot, "j", "j")
        await settle(pilot)
        table = screen.table
        assert screen.in_table
        assert table.first_row + table.cursor_row == 2
        steps = TABLE_PAGE + TABLE_PAGE // 2 + 7
        assert table.total > steps + 3
        burst(pilot, *["j"] * steps)
        await settle(pilot, 8)
        assert table.first_row + table.cursor_row == steps + 2
        burst(pilot, "k", "k", "k")
        await settle(pilot, 8)
        assert table.first_row + table.cursor_row == steps - 1


async def open_walk(pilot: object, app: object) -> ReviewScreen:
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, ReviewSetupScreen)  # type: ignore[attr-defined]
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_digits_and_spaces_in_a_burst_walk_the_review(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_board(pilot)
        screen = await open_walk(pilot, app)
        assert screen.state.total >= 4
        order = [item.deal_id for item in screen.state.items]
        start = screen.state.current_index
        first, second, third = order[start : start + 3]
        untouched = deal_row(db, third)
        burst(pilot, "7", "space", "3", "space", "space", "5")
        await settle(pilot, 8)
        assert deal_row(db, first)["probability"] == 70
        assert deal_row(db, second)["probability"] == 30
        assert screen.state.current_index == start + 3
        assert screen.reviewed is not None
        assert screen.reviewed.deal.id == order[start + 3]
        assert deal_row(db, order[start + 3])["probability"] == 50
        assert deal_row(db, third)["version"] == untouched["version"]  # passed over
        burst(pilot, "left", "left", "s")
        await settle(pilot, 8)
        assert screen.state.current_index == start + 2
        assert screen.state.items[start + 1].status == "skipped"


async def test_an_edit_typed_behind_a_page_crossing_move_is_for_the_deal_it_lands_on(
    db: Path,
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await every_open_deal(pilot)
        await pilot.press("t")
        await settle(pilot)
        table = screen.table
        last = len(table.cards) - 1
        table.move_cursor(row=last)
        on_the_page_end = selected(screen)
        before = deal_row(db, on_the_page_end)
        assert table.first_row + last + 1 < table.total  # the next row is on the next page
        burst(pilot, "j", "7")
        await settle(pilot, 8)
        landed = selected(screen)
        assert landed != on_the_page_end
        assert table.first_row + table.cursor_row == last + 1
        assert deal_row(db, landed)["probability"] == 70
        assert deal_row(db, on_the_page_end)["version"] == before["version"]


async def test_escape_behind_moves_pauses_the_review_where_they_reached(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_board(pilot)
        screen = await open_walk(pilot, app)
        start = screen.state.current_index
        burst(pilot, "space", "space", "escape")
        await settle(pilot, 8)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("r")
        await settle(pilot)
        again = app.screen
        assert isinstance(again, ReviewScreen)
        assert again.state.current_index == start + 2


async def test_manager_category_keys_in_a_burst_each_cycle_once(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(140, 40)) as pilot:
        await open_board(pilot)
        screen = await open_walk(pilot, app)
        shown = screen.reviewed
        assert shown is not None
        category = (
            shown.judgment.manager_category if shown.judgment else shown.deal.forecast_category
        )
        expected = next_category(next_category(category, backwards=True), backwards=True)
        burst(pilot, "M", "M")
        await settle(pilot, 8)
        now = screen.reviewed
        assert now is not None and now.deal.id == shown.deal.id
        assert now.judgment is not None
        assert now.judgment.manager_category == expected
        assert "error" not in screen.query_one("#status").classes
