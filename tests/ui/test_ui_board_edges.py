"""The board's and table's rough edges a new user met (issue 14): undo away from the deal,
sorting, whole columns at 80x24, the table's key figures and the review dialog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline_tui.ui.screens.main import MainScreen

from ..ui_support import copy_db, deal_row, make_app, open_board, seed_file, settle

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_file(tmp_path_factory.mktemp("edges") / "template.db")


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def selected(screen: MainScreen) -> int | None:
    card = screen.selected_deal()
    return card.id if card else None


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


# 1. Undo acts on the person's own last change, wherever the cursor is ---------------------
async def test_undo_after_winning_a_columns_only_deal(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        card = screen.selected_deal()
        assert card is not None
        before = deal_row(db, card.id)
        # Search for its whole name: the deal is alone on the board.
        await pilot.press("slash", *card.name, "enter")
        await settle(pilot)
        assert [c.id for col in screen.board.columns() for c in col.cards] == [card.id]
        await pilot.press("w")
        await settle(pilot)
        assert deal_row(db, card.id)["forecast_category"] == "closed"
        assert screen.selected_deal() is None  # the column is empty now
        await pilot.press("u")
        await settle(pilot)
        assert "No deal selected" not in status(screen)
        assert status(screen).startswith("Undone: ")
        after = deal_row(db, card.id)
        assert after["forecast_category"] == before["forecast_category"]
        assert after["probability"] == before["probability"]
        assert selected(screen) == card.id  # the cursor is back on it
        await pilot.press("U")  # and redo, again from wherever the cursor is
        await settle(pilot)
        assert deal_row(db, card.id)["forecast_category"] == "closed"
        assert status(screen).startswith("Redone: ")


async def test_undo_takes_the_cursor_to_the_undone_deal(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        first = screen.board.focused_column()
        assert first is not None
        deal_id = selected(screen)
        assert deal_id is not None
        before = deal_row(db, deal_id)["probability"]
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("l", "j")  # on to another deal in another stage
        await settle(pilot)
        elsewhere = selected(screen)
        assert elsewhere is not None and elsewhere != deal_id
        untouched = deal_row(db, elsewhere)["version"]
        await pilot.press("u")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == before
        assert deal_row(db, elsewhere)["version"] == untouched  # not the deal under the cursor
        assert screen.board.focused_column() is first
        assert selected(screen) == deal_id


# 2. A new sort shows each list from its first deal ----------------------------------------
async def test_sorting_starts_every_column_at_its_first_card(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        columns = screen.board.columns()
        # Down a long column and part-way down its neighbour: both scrolled.
        longest = max(range(len(columns)), key=lambda i: len(columns[i].cards))
        screen.board.focus_column(longest)
        await pilot.press(*["j"] * 15)
        await settle(pilot)
        assert columns[longest].deal_list.scroll_y > 0
        await pilot.press("s")  # by amount, largest first
        await settle(pilot)
        assert "by amount" in str(screen.query_one("#context").render())
        for column in screen.board.columns():
            if not column.cards:
                continue
            deals = column.deal_list
            assert deals.scroll_y == 0, column.stage.name
            assert deals.highlighted == 0, column.stage.name
            assert column.cards[0].amount == max(c.amount for c in column.cards)
        assert screen.board.focused_column() is columns[longest]
        assert screen.selected_deal() == columns[longest].cards[0]


async def test_sorting_the_table_starts_at_its_first_row(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*["j"] * 40)
        await settle(pilot)
        table = screen.table
        assert table.cursor_row == 40 and table.scroll_y > 0
        await pilot.press("s")
        await settle(pilot)
        assert table.cursor_row == 0 and table.scroll_y == 0
        assert table.cards[0].amount == max(c.amount for c in table.cards)


# 4. A card's title is the deal's own name, the account beneath it -------------------------
async def test_card_titles_do_not_repeat_the_account(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        checked = 0
        for column in screen.board.columns():
            for index, card in enumerate(column.cards[:5]):
                assert card.account and card.name.startswith(f"{card.account} - ")
                option = column.deal_list.get_option_at_index(index)
                title, who, _ = str(option.prompt).split("\n")
                own = card.name.removeprefix(f"{card.account} - ")
                assert title[2:] == own or (title.endswith("…") and own.startswith(title[2:-1]))
                assert card.account not in title
                assert who.startswith(card.account[:10])
                checked += 1
        assert checked >= 10
