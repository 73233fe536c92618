"""The settings on the process screen (E): listed with their values; an admin changes the
selected one with `c` (a bad value says why in the status line and writes nothing), the
change lands in the process log, and the board's stale filter follows `stale_days` at
once, counting what the session counts for the same question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import DataTable, Input

from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.process import ProcessScreen

from ..ui_support import copy_db, demo_template, make_app, open_board, settle, sql_engine

SIZE = (80, 24)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return rows


def stale_count(board: MainScreen) -> int:
    return sum(c.stage.count for c in board.board.columns())


async def test_an_admin_changes_stale_days_and_the_board_follows_at_once(db: Path) -> None:
    app = make_app(db, user="admin")
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        board = app.screen
        assert isinstance(board, MainScreen)
        await pilot.press("o")  # everyone's deals (an admin has no team)
        await pilot.press("S")
        await settle(pilot)
        assert board.state.stale and board.state.stale_days == 30
        before = stale_count(board)
        await pilot.press("E")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProcessScreen)
        settings = screen.query_one("#process-settings", DataTable)
        names = [r.label for r in screen.settings]
        assert names[:10] == [
            "fiscal_year_start_month",
            "currency",
            "coverage_target",
            "win_rate_target",
            "head_login",
            "reps_own_team_only",
            "call_stale_days",
            "flag_push_count",
            "stale_days",
            "flag_review_days",
        ]
        assert any(n.endswith(": days_limit") for n in names[10:])
        settings.focus()
        settings.move_cursor(row=names.index("stale_days"))
        await pilot.press("c")
        field = screen.query_one("#prompt-input", Input)
        assert field.value == "30"  # the value, offered for editing
        field.value = "0"
        await pilot.press("enter")
        await settle(pilot)
        assert "1 to 3650, not 0" in str(screen.query_one("#status").render())
        assert query(db, "SELECT stale_days FROM settings") == [(30,)]
        await pilot.press("c")
        field.value = "7; reviews are weekly"
        await pilot.press("enter")
        await settle(pilot)
        assert "stale_days: 30 → 7" in str(screen.query_one("#status").render())
        assert settings.get_row_at(names.index("stale_days"))[1].plain == "7"
        history = screen.query_one("#process-history", DataTable)
        assert "stale_days 30 → stale_days 7" in str(history.get_row_at(0)[3])
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is board
        assert board.state.stale_days == 7
        after = stale_count(board)
        ws = board.workspace
        flt = board.state.deal_filter(ws.today())
        assert board.state.owner_ids is None
        assert after == ws.count(replace(flt, stale_days=7)) > before, (after, before)
    assert query(db, "SELECT stale_days FROM settings") == [(7,)]
    assert query(
        db,
        "SELECT p.kind, p.old_value, p.new_value, p.reason, u.login FROM process_change p "
        'JOIN "user" u ON u.id = p.changed_by_id',
    ) == [("setting", "stale_days 30", "stale_days 7", "reviews are weekly", "admin")]


async def test_no_one_but_an_admin_is_offered_the_key(db: Path) -> None:
    app = make_app(db, user="vp")
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("E")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProcessScreen)
        assert screen.settings and not screen.check_action("change_setting", ())
        await pilot.press("c")
        await settle(pilot)
        assert not screen.query_one("#prompt-input", Input).display or not (
            screen.query_one("#prompt-input", Input).has_focus
        )
    assert query(db, "SELECT count(*) FROM process_change") == [(0,)]


async def test_a_new_fiscal_calendar_puts_the_board_on_its_quarter(db: Path) -> None:
    app = make_app(db, user="admin")
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        board = app.screen
        assert isinstance(board, MainScreen)
        assert board.state.period.start == date(2026, 10, 1)
        await pilot.press("E")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProcessScreen)
        settings = screen.query_one("#process-settings", DataTable)
        settings.focus()
        settings.move_cursor(row=0)  # fiscal_year_start_month
        await pilot.press("c")
        screen.query_one("#prompt-input", Input).value = "February"
        await pilot.press("enter")
        await settle(pilot)
        assert "fiscal_year_start_month: 1 → 2" in str(screen.query_one("#status").render())
        await pilot.press("escape")
        await settle(pilot)
        # Quarters from February: November 2026 starts one.
        assert (board.state.period.start, board.state.period.end) == (
            date(2026, 11, 1),
            date(2027, 1, 31),
        )
