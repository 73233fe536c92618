"""The board, driven through the real app with the pilot, checked in the database after."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline_tui.cli import main as cli_main
from pipeline_tui.ui.screens.deal import DealScreen
from pipeline_tui.ui.screens.help import HelpScreen
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.prompt import Prompt

from ..ui_support import (
    TODAY,
    changes_of,
    copy_db,
    count_changes,
    deal_row,
    demo_template,
    make_app,
    open_board,
    settle,
)

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def selected(screen: MainScreen) -> int:
    card = screen.selected_deal()
    assert card is not None
    return card.id


def status(screen: MainScreen | DealScreen) -> str:
    return str(screen.query_one("#status").render())


async def test_header_equals_the_report_for_the_same_scope(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        shown = screen.figures
        assert screen.state.owner_key == "team"
    assert shown is not None
    assert (
        cli_main(
            [
                "report",
                "--db",
                str(db),
                "--format",
                "json",
                "--owner",
                "vp",
                "--pipeline",
                "New Business",
                "--today",
                TODAY.isoformat(),
            ]
        )
        == 0
    )
    totals = json.loads(capsys.readouterr().out)["totals"]
    assert f"{shown.pipeline:.2f}" == totals["pipeline"]
    assert f"{shown.commit:.2f}" == totals["commit"]
    assert f"{shown.weighted:.2f}" == totals["weighted"]
    assert f"{shown.closed_won:.2f}" == totals["closed_won"]
    assert f"{shown.quota:.2f}" == totals["quota"]


async def test_digits_and_nudges_set_probability(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        before = deal_row(db, deal_id)["probability"]
        await pilot.press("7")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 70
        await pilot.press("plus", "plus", "minus")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 75
        assert selected(screen) == deal_id  # the cursor stays on the deal
        assert "70% → 75%" in status(screen) or "75%" in status(screen)
    history = changes_of(db, deal_id)
    assert history[-4:] == [
        ("probability", str(before), "70", "tui"),
        ("probability", "70", "75", "tui"),
        ("probability", "75", "80", "tui"),
        ("probability", "80", "75", "tui"),
    ]


async def test_stage_moves_keep_the_reps_probability_unless_accepted(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        start = deal_row(db, deal_id)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        moved = deal_row(db, deal_id)
        assert moved["stage_id"] != start["stage_id"]
        assert moved["probability"] == start["probability"]  # the rep's call stands
        assert "y to use" in status(screen)
        # The cursor followed the deal into its new stage.
        assert selected(screen) == deal_id
        await pilot.press("y")
        await settle(pilot)
        accepted = deal_row(db, deal_id)
        assert accepted["probability"] != start["probability"]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert deal_row(db, deal_id)["stage_id"] == start["stage_id"]
    fields = [c[0] for c in changes_of(db, deal_id)]
    assert fields[-3:] == ["stage", "probability", "stage"]


async def test_y_without_a_stage_move_writes_nothing(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        before = count_changes(db)
        await pilot.press("y")
        await settle(pilot)
        assert "Nothing to accept" in status(screen)
        assert count_changes(db) == before


async def test_category_cycles(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        order = ["pipeline", "best_case", "commit", "omitted"]
        first = deal_row(db, deal_id)["forecast_category"]
        await pilot.press("c")
        await settle(pilot)
        after = deal_row(db, deal_id)["forecast_category"]
        assert after == order[(order.index(str(first)) + 1) % 4]


async def test_close_date_prompt_parses_relative_dates(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        await pilot.press("d")
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        await pilot.press("ctrl+u")  # clear the current value shown for editing
        await pilot.press(*"+2w", "enter")
        await settle(pilot)
        assert not prompt.is_open
        assert deal_row(db, deal_id)["close_date"] == (TODAY + timedelta(weeks=2)).isoformat()


async def test_bad_close_date_shows_why_and_writes_nothing(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        before, changes = deal_row(db, deal_id), count_changes(db)
        await pilot.press("d", "ctrl+u", *"soon", "enter")
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        error = str(prompt.query_one("#prompt-error").render())
        assert "soon" in error and "+2w" in error
        await pilot.press("escape")
        await settle(pilot)
        assert not prompt.is_open
        assert deal_row(db, deal_id) == before
        assert count_changes(db) == changes


async def test_pushing_into_a_later_quarter_counts_a_push(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        pushes = int(deal_row(db, deal_id)["push_count"])  # type: ignore[call-overload]
        await pilot.press("d", "ctrl+u", *"next-quarter", "enter")
        await settle(pilot)
        row = deal_row(db, deal_id)
        assert row["close_date"] == "2027-03-31"
        assert row["push_count"] == pushes + 1


async def test_amount_takes_shorthand_and_rejects_garbage(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        await pilot.press("a", "ctrl+u", *"12.5k", "enter")
        await settle(pilot)
        assert deal_row(db, deal_id)["amount_minor"] == 1_250_000
        before, changes = deal_row(db, deal_id), count_changes(db)
        await pilot.press("a", "ctrl+u", *"lots", "enter")
        await settle(pilot)
        error = str(screen.query_one(Prompt).query_one("#prompt-error").render())
        assert "lots" in error
        await pilot.press("escape")
        assert deal_row(db, deal_id) == before and count_changes(db) == changes


async def test_notes_and_next_steps(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        await pilot.press("n", *"Called the CFO", "enter")
        await settle(pilot)
        await pilot.press("n", *"next: Send the MSA", "enter")
        await settle(pilot)
        assert deal_row(db, deal_id)["next_step"] == "Send the MSA"
        changes = count_changes(db)
        await pilot.press("n", "enter")  # empty: refused
        await settle(pilot)
        assert "Type the note" in str(screen.query_one("#prompt-error").render())
        await pilot.press("escape")
        assert count_changes(db) == changes
    from ..ui_support import sql_engine

    engine = sql_engine(db)
    with engine.connect() as conn:
        from sqlalchemy import text

        notes = conn.execute(
            text("SELECT kind, text FROM note WHERE deal_id = :id ORDER BY id"), {"id": deal_id}
        ).all()
    engine.dispose()
    assert [tuple(n) for n in notes][-2:] == [
        ("note", "Called the CFO"),
        ("next_step", "Send the MSA"),
    ]


async def test_won_and_lost(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        won_id = selected(screen)
        await pilot.press("w")
        await settle(pilot)
        row = deal_row(db, won_id)
        assert row["probability"] == 100 and row["forecast_category"] == "closed"
        assert selected(screen) != won_id  # it left the open board
        lost_id = selected(screen)
        changes = count_changes(db)
        await pilot.press("x", "enter")  # a reason is required
        await settle(pilot)
        assert count_changes(db) == changes
        await pilot.press(*"Competitor", "enter")
        await settle(pilot)
        row = deal_row(db, lost_id)
        assert row["lost_reason"] == "Competitor" and row["probability"] == 0


async def test_undo_and_redo(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        before = deal_row(db, deal_id)["probability"]
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == before
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 30
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == before
        await pilot.press("U")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 30
        await pilot.press("u", "u")
        await settle(pilot)
        assert "Nothing to undo" in status(screen)
    # Undo is a change too: history only grows.
    b = str(before)
    assert [c[2] for c in changes_of(db, deal_id)][-6:] == ["30", b, "30", b, "30", b]


async def test_table_view_detail_and_help(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert screen.in_table and screen.table.row_count > 0
        deal_id = selected(screen)
        await pilot.press("5")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 50
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        detail = app.screen.detail
        assert detail is not None and detail.id == deal_id
        assert any(c.field == "probability" and c.new_value == "50" for c in detail.history)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_scope_period_search_and_moves(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        first_column = screen.board.focused_column()
        await pilot.press("l")
        assert screen.board.focused_column() is not first_column
        await pilot.press("h")
        assert screen.board.focused_column() is first_column
        await pilot.press("j")
        second = selected(screen)
        await pilot.press("k")
        assert selected(screen) != second
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert screen.state.period.key == "2027Q1"
        await pilot.press("comma")
        await settle(pilot)
        assert screen.state.period.key == "2026Q4"
        await pilot.press("o")
        await settle(pilot)
        assert screen.state.owner_key == "everyone"
        name = screen.selected_deal()
        assert name is not None
        word = name.account.split()[0] if name.account else name.name.split()[0]
        await pilot.press("slash", *word, "enter")
        await settle(pilot)
        for column in screen.board.columns():
            for card in column.cards:
                assert word.lower() in (card.name + (card.account or "")).lower()
        await pilot.press("escape")
        await settle(pilot)
        assert screen.state.search is None
        await pilot.press("q")
    assert app.return_code == 0


async def test_keymap_overrides_a_binding(db: Path, tmp_path: Path) -> None:
    app = make_app(db)
    app.config.keymap = {"deal.won": "W"}
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        deal_id = selected(screen)
        await pilot.press("w")
        await settle(pilot)
        assert deal_row(db, deal_id)["forecast_category"] != "closed"
        await pilot.press("W")
        await settle(pilot)
        assert deal_row(db, deal_id)["forecast_category"] == "closed"


async def test_unknown_user_exits_with_a_message(db: Path) -> None:
    app = make_app(db, user="nobody.here")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert app.return_code == 2


async def test_filters_sorts_and_pipelines(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("right")
        second = screen.board.focused_column()
        await pilot.press("left")
        assert screen.board.focused_column() is not second
        await pilot.press("tab")
        assert screen.board.focused_column() is second
        await pilot.press("C", "C")  # best case only
        await settle(pilot)
        cards = [c for col in screen.board.columns() for c in col.cards]
        assert cards and {c.forecast_category for c in cards} == {"best_case"}
        await pilot.press("C", "C", "C", "C")  # back to all categories
        await settle(pilot)
        await pilot.press("D")  # deals with no close date
        await settle(pilot)
        cards = [c for col in screen.board.columns() for c in col.cards]
        assert cards and all(c.close_date is None for c in cards)
        await pilot.press("D", "D")  # back to this period
        await settle(pilot)
        await pilot.press("S")  # stale: no change for 30 days
        await settle(pilot)
        stale = [c for col in screen.board.columns() for c in col.cards]
        assert stale and all((TODAY - c.updated_at.date()).days >= 30 for c in stale)
        await pilot.press("S")
        await settle(pilot)
        await pilot.press("s")  # by amount, largest first
        await settle(pilot)
        for column in screen.board.columns():
            amounts = [c.amount for c in column.cards]
            assert amounts == sorted(amounts, reverse=True)
        assert "by amount" in str(screen.query_one("#context").render())
        first_pipeline = screen.state.pipeline_id
        await pilot.press("p")
        await settle(pilot)
        assert screen.state.pipeline_id != first_pipeline
        names = [c.stage.name for c in screen.board.columns()]
        assert "Prospecting" not in names and names
        await pilot.press("t")
        await settle(pilot)
        await pilot.click("DealTable", offset=(2, 0))  # the Deal column's header
        await settle(pilot)
        names = [c.name.casefold() for c in screen.table.cards]
        assert screen.state.table_sort == "name" and names == sorted(names)
