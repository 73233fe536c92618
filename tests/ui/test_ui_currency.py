"""Money in another currency in the app: the amount prompt keeps the currency typed, the
card shows it, and the header says what its sums leave unconverted until a rate exists."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from pipeline_tui.cli import main as cli_main
from pipeline_tui.ui.screens.deal import DealScreen
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.rollup import RollupScreen
from pipeline_tui.ui.widgets.deal_view import deal_fields

from ..ui_support import (
    TODAY,
    changes_of,
    copy_db,
    deal_row,
    demo_template,
    make_app,
    open_board,
    settle,
)

SIZE = (160, 48)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def context(screen: MainScreen) -> str:
    return str(screen.query_one("#context").render())


def selected_card_text(screen: MainScreen) -> str:
    column = screen.board.focused_column()
    assert column is not None
    option = column.deal_list.get_option_at_index(column.deal_list.highlighted or 0)
    return str(option.prompt)


async def test_amount_in_euros_is_kept_shown_and_counted_unconverted(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        card = screen.selected_deal()
        assert card is not None and card.currency == "USD"
        assert "unconverted" not in context(screen)
        before = screen.figures
        assert before is not None

        await pilot.press("a", "ctrl+u", *"EUR 1.234,56", "enter")
        await settle(pilot)
        row = deal_row(db, card.id)
        assert (row["amount_minor"], row["currency"]) == (123456, "EUR")
        assert [c[0] for c in changes_of(db, card.id)][-2:] == ["amount", "currency"]
        assert "€1.2k" in selected_card_text(screen)
        status = str(screen.query_one("#status").render())
        # The old amount in the old currency, the new in the new one.
        assert "→ €1,234.56; Currency: USD → EUR" in status and "Amount: $" in status
        # No EUR rate yet: the deal is counted apart, never added at 1:1.
        assert "+ 1 deal unconverted (EUR)" in context(screen)
        after = screen.figures
        assert after is not None and after.unconverted == (("EUR", 1),)
        assert after.open_count == before.open_count

        await pilot.press("enter")  # the deal screen: its own currency
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        detail = app.screen.detail
        assert detail is not None and detail.currency == "EUR"
        fields = Console(width=120, record=True, file=io.StringIO())
        fields.print(deal_fields(detail, "USD", TODAY))  # what the screen shows, as text
        assert "€1,234.56" in fields.export_text()
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("R")  # the roll-up: in the reporting currency, saying what it left out
        await settle(pilot)
        assert isinstance(app.screen, RollupScreen)
        assert "+ 1 deal unconverted (EUR)" in str(app.screen.query_one("#rollup-title").render())

    rate = ["rates", "set", "EUR", "2", "--date", "2000-01-01", "--db", str(db)]
    assert cli_main(["--user", "admin", *rate]) == 0  # rates are an admin's (roles)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        assert "unconverted" not in context(screen)
        assert screen.figures is not None and screen.figures.unconverted == ()
