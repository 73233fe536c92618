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
