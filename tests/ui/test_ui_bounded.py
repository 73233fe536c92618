"""No screen loads all deals: what is fetched for drawing stays bounded by the window."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from pipeline_tui.services import workspace as workspace_module
from pipeline_tui.ui.widgets.board import PAGE_SIZE
from pipeline_tui.ui.widgets.deal_table import TABLE_PAGE

from ..ui_support import make_app, open_board, seed_file, settle

DEALS = 30_000
AGGREGATE = re.compile(r"\b(count|sum|max)\s*\(", re.IGNORECASE)
BY_ID = re.compile(r"deal\.id (=|IN)", re.IGNORECASE)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_file(tmp_path_factory.mktemp("bounded") / "big.db", deals=DEALS)


async def test_fetches_stay_bounded_by_the_window(
    big_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetched: list[tuple[int, int]] = []  # (limit asked for, rows returned)
    real_list_deals = workspace_module.list_deals

    def counting_list_deals(engine: Engine, flt: Any, **kwargs: Any) -> Any:
        rows = real_list_deals(engine, flt, **kwargs)
        fetched.append((kwargs["limit"], len(rows)))
        return rows

    monkeypatch.setattr(workspace_module, "list_deals", counting_list_deals)
    unbounded: list[str] = []

    def check_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = " ".join(statement.split())
        reads_deals = re.search(r"\bFROM deal\b", text) and text.lstrip().upper().startswith(
            "SELECT"
        )
        if (
            reads_deals
            and "LIMIT" not in text.upper()
            and not AGGREGATE.search(text)
            and not BY_ID.search(text)
        ):
            unbounded.append(text[:200])

    event.listen(Engine, "before_cursor_execute", check_statement)
    try:
        app = make_app(big_db)
        async with app.run_test(size=(160, 48)) as pilot:
            screen = await open_board(pilot)
            await pilot.press("o")  # from the team to everyone: the biggest scope
            await settle(pilot)
            await pilot.press("D", "D")  # any close date: every open deal
            assert screen.state.owner_key == "everyone"
            await settle(pilot)
            column = max(screen.board.columns(), key=lambda c: c.stage.count)
            assert column.stage.count > 3 * PAGE_SIZE  # the scroll below has to page
            column.deal_list.focus()
            for _ in range(3 * PAGE_SIZE):
                await pilot.press("j")
            await settle(pilot)
            assert column.first_row > 0
            await pilot.press("G")
            await settle(pilot)
            assert column.first_row + len(column.cards) == column.stage.count
            await pilot.press("g")
            await settle(pilot)
            assert column.first_row == 0 and column.deal_list.highlighted == 0
            await pilot.press("G")
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("G")
            await settle(pilot)
            assert screen.table.first_row > 0
            held = sum(len(c.cards) for c in screen.board.columns()) + len(screen.table.cards)
            columns = len(screen.board.columns())
    finally:
        event.remove(Engine, "before_cursor_execute", check_statement)

    assert unbounded == []
    assert fetched, "the board never asked for deals"
    assert all(limit <= max(PAGE_SIZE, TABLE_PAGE) for limit, _ in fetched)
    assert all(rows <= limit for limit, rows in fetched)
    assert held <= columns * PAGE_SIZE + TABLE_PAGE
    assert sum(rows for _, rows in fetched) < DEALS / 10
