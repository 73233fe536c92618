"""`N`: a new deal in four answers, driven through the real app and read back from the
database, the board and `report`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import Input

from pipeline_tui.cli import main as cli_main
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.prompt import Prompt

from ..ui_support import (
    TODAY,
    copy_db,
    count_changes,
    demo_template,
    make_app,
    open_board,
    settle,
    sql_engine,
)

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def query(db: Path, sql: str, **params: object) -> list[dict[str, object]]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text(sql), params).mappings()]
    engine.dispose()
    return rows


def counts(db: Path) -> tuple[int, int, int]:
    """Deals, accounts and change-log rows: what a refused new deal must leave alone."""
    found = query(
        db,
        "SELECT (SELECT COUNT(*) FROM deal) AS d, (SELECT COUNT(*) FROM account) AS a, "
        "(SELECT COUNT(*) FROM deal_change) AS c",
    )[0]
    return int(found["d"]), int(found["a"]), int(found["c"])  # type: ignore[call-overload]


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


def prompt_error(screen: MainScreen) -> str:
    return str(screen.query_one(Prompt).query_one("#prompt-error").render())


def prompt_label(screen: MainScreen) -> str:
    return str(screen.query_one(Prompt).query_one("#prompt-label").render())


def report_totals(db: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    args = ["report", "--db", str(db), "--format", "json", "--owner", "vp"]
    args += ["--pipeline", "New Business", "--today", TODAY.isoformat()]
    assert cli_main(args) == 0
    totals: dict[str, str] = json.loads(capsys.readouterr().out)["totals"]
    return totals


def an_account(db: Path) -> str:
    return str(query(db, "SELECT name FROM account ORDER BY name LIMIT 1")[0]["name"])


async def test_four_answers_make_a_deal_on_the_board_and_in_the_report(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = report_totals(db, capsys)
    account = an_account(db)
    deals, accounts, _ = counts(db)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("right")  # the second stage: the deal goes where the cursor is
        column = screen.board.focused_column()
        assert column is not None
        stage_id, stage_name = column.stage.stage_id, column.stage.name
        await pilot.press("N")
        assert stage_name in prompt_label(screen)
        # Tab takes the account offered for the first letters (read while the name was
        # typed), and moves on like enter.
        await pilot.press(*"Globex rollout", "enter")
        await settle(pilot)
        await pilot.press(*account[:4].lower(), "tab", *"12.5k", "enter", *"eoq", "enter")
        await settle(pilot)
        await settle(pilot)
        assert not screen.query_one(Prompt).is_open
        rows = query(db, "SELECT * FROM deal WHERE name = 'Globex rollout'")
        assert len(rows) == 1
        deal = rows[0]
        card = screen.selected_deal()
        assert card is not None and card.id == deal["id"]  # the cursor is on it
        shown = screen.figures
        assert "Added Globex rollout" in status(screen)
    vp = query(db, "SELECT id FROM user WHERE login = 'vp'")[0]["id"]
    stage = query(db, "SELECT * FROM stage WHERE id = :id", id=stage_id)[0]
    assert deal["owner_id"] == vp and deal["stage_id"] == stage_id
    assert deal["pipeline_id"] == stage["pipeline_id"]
    assert deal["probability"] == stage["default_probability"]
    assert deal["amount_minor"] == 1_250_000 and deal["currency"] == "USD"
    assert deal["close_date"] == "2026-12-31" and deal["forecast_category"] == "pipeline"
    # The account offered for its first letters, not a new one.
    used = query(db, "SELECT name FROM account WHERE id = :id", id=deal["account_id"])
    assert used[0]["name"] == account
    assert counts(db)[:2] == (deals + 1, accounts)
    log = query(db, "SELECT * FROM deal_change WHERE deal_id = :id", id=deal["id"])
    assert [(c["field"], c["old_value"], c["changed_by_id"], c["source"]) for c in log] == [
        ("created", None, vp, "tui")
    ]
    assert str(log[0]["new_value"]).startswith(TODAY.isoformat()[:4])
    # The same question gives the same number: the report moved by the new deal, and
    # the board's header says what the report says.
    after = report_totals(db, capsys)
    added = Decimal(after["pipeline"]) - Decimal(before["pipeline"])
    assert added == Decimal("12500.00")
    assert shown is not None and f"{shown.pipeline:.2f}" == after["pipeline"]


async def test_a_new_account_is_made_and_said(db: Path) -> None:
    _, accounts, _ = counts(db)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N", *"Pilot", "enter", *"Zyxwv Brand New Ltd", "enter")
        await pilot.press(*"EUR 1.234,56", "enter", *"+2w", "enter")
        await settle(pilot)
        await settle(pilot)
        assert "new account Zyxwv Brand New Ltd" in status(screen)
    assert counts(db)[1] == accounts + 1
    deal = query(db, "SELECT * FROM deal WHERE name = 'Pilot'")[0]
    assert deal["currency"] == "EUR" and deal["amount_minor"] == 123_456


@pytest.mark.parametrize(
    ("answers", "question", "why"),
    [
        (["   "], "1/4", "needs a name"),
        (["Deal", ""], "2/4 · Account", "Name the account"),
        (["Deal", "Acme", "-5"], "Amount", "can't be negative"),
        (["Deal", "Acme", "lots"], "Amount", "lots"),
        (["Deal", "Acme", ""], "Amount", "Give the amount"),
        (["Deal", "Acme", "10k", "soon"], "Close date", "soon"),
        (["Deal", "Acme", "10k", "2150-01-01"], "Close date", "out of range"),
        (["Deal", "Acme", "10k", ""], "Close date", "Give the close date"),
    ],
)
async def test_bad_answers_say_why_and_write_nothing(
    db: Path, answers: list[str], question: str, why: str
) -> None:
    before = counts(db)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N")
        for answer in answers:
            await pilot.press("ctrl+u", *answer, "enter")
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert prompt.is_open  # still on the question with the bad answer
        assert question in prompt_label(screen)
        assert why in prompt_error(screen)
        await pilot.press("escape")
        await settle(pilot)
        assert not prompt.is_open
        assert "nothing was written" in status(screen)
    assert counts(db) == before


async def test_escape_after_every_answer_writes_nothing(db: Path) -> None:
    before = counts(db)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N", *"Almost", "enter", *"Brand New Co", "enter", *"5k", "enter")
        assert "Close date" in prompt_label(screen)
        await pilot.press("escape")
        await settle(pilot)
    assert counts(db) == before


async def test_a_viewer_is_told_and_asked_nothing(db: Path) -> None:
    before = counts(db)
    app = make_app(db, user="viewer")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N")
        await settle(pilot)
        assert not screen.query_one(Prompt).is_open
        assert "viewer" in status(screen)
    assert counts(db) == before


async def test_in_the_table_the_selected_rows_stage(db: Path) -> None:
    app = make_app(db, user="mia.lopez")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("t")
        await settle(pilot)
        row = screen.selected_deal()
        assert row is not None
        await pilot.press("N", *"From the table", "enter", *"Table Co", "enter")
        await pilot.press(*"1k", "enter", *"eoq", "enter")
        await settle(pilot)
        await settle(pilot)
        card = screen.selected_deal()
        assert card is not None and card.name == "From the table"
    deal = query(db, "SELECT * FROM deal WHERE name = 'From the table'")[0]
    mia = query(db, "SELECT id FROM user WHERE login = 'mia.lopez'")[0]["id"]
    assert deal["stage_id"] == row.stage_id and deal["owner_id"] == mia


async def test_a_deal_outside_the_period_shown_says_where_it_went(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N", *"Next year", "enter", *"Later Co", "enter")
        await pilot.press(*"3k", "enter", *"2027-06-30", "enter")
        await settle(pilot)
        await settle(pilot)
        assert "not on this board" in status(screen)
        assert count_changes(db) > 0
    assert query(db, "SELECT close_date FROM deal WHERE name = 'Next year'") == [
        {"close_date": "2027-06-30"}
    ]


async def test_keys_typed_before_the_next_question_shows_are_its_start(db: Path) -> None:
    """On a busy machine the answer is taken a moment after enter: what was typed in
    that moment begins the next answer instead of being lost or added to this one."""
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N")
        field = screen.query_one("#prompt-input", Input)
        field.value = "Initech renewalBran"  # "Bran" typed after enter, before it was taken
        screen.query_one(Prompt).post_message(Input.Submitted(field, "Initech renewal"))
        await settle(pilot)
        assert "2/4" in prompt_label(screen) and field.value == "Bran"
        await pilot.press(*"d New", "enter", *"1k", "enter", *"eoq", "enter")
        await settle(pilot)
        await settle(pilot)
    deal = query(db, "SELECT * FROM deal WHERE name = 'Initech renewal'")
    assert len(deal) == 1
    account = query(db, "SELECT name FROM account WHERE id = :id", id=deal[0]["account_id"])
    assert account == [{"name": "Brand New"}]


async def test_u_after_a_new_deal_withdraws_it(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("N", *"Oops", "enter", *"Oops Co", "enter", *"1k", "enter")
        await pilot.press(*"eoq", "enter")
        await settle(pilot)
        await settle(pilot)
        card = screen.selected_deal()
        assert card is not None and card.name == "Oops"
        await pilot.press("u")
        await settle(pilot)
        assert "Undone: Oops" in status(screen)
        assert all(c.id != card.id for column in screen.board.columns() for c in column.cards)
    assert query(db, "SELECT archived FROM deal WHERE id = :id", id=card.id) == [{"archived": 1}]
