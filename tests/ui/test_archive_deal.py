"""`A`: archiving the selected deal after a y/n, driven through the real app and read back
from the database, the board and `report`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline_tui.cli import main as cli_main
from pipeline_tui.ui.keys import keys_by_binding
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


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


def board_ids(screen: MainScreen) -> set[int]:
    return {card.id for column in screen.board.columns() for card in column.cards}


def pipeline_total(db: Path, capsys: pytest.CaptureFixture[str]) -> Decimal:
    args = ["report", "--db", str(db), "--format", "json", "--owner", "vp"]
    args += ["--pipeline", "New Business", "--today", TODAY.isoformat()]
    assert cli_main(args) == 0
    return Decimal(json.loads(capsys.readouterr().out)["totals"]["pipeline"])


async def test_y_archives_it_out_of_the_board_and_the_report(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = pipeline_total(db, capsys)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        card = screen.selected_deal()
        assert card is not None
        await pilot.press("A")
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        await pilot.press("y", "enter")
        await settle(pilot)
        assert card.id not in board_ids(screen)
        assert "Archived" in status(screen)
        shown = screen.figures
    assert deal_row(db, card.id)["archived"] == 1
    assert [c[:3] for c in changes_of(db, card.id)][-1] == ("archived", "False", "True")
    # The board's header and the report agree, and both lost the deal's amount.
    after = pipeline_total(db, capsys)
    assert shown is not None and f"{shown.pipeline:.2f}" == f"{after:.2f}"
    assert card.forecast_category != "omitted"  # the first deal of the board counts
    assert before - after == card.amount


async def test_u_brings_an_archived_deal_back(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        card = screen.selected_deal()
        assert card is not None
        shown = screen.figures
        await pilot.press("A", "y", "enter")
        await settle(pilot)
        assert card.id not in board_ids(screen)
        await pilot.press("u")
        await settle(pilot)
        assert card.id in board_ids(screen)
        assert screen.figures == shown
    assert deal_row(db, card.id)["archived"] == 0
    assert [c[:3] for c in changes_of(db, card.id)][-2:] == [
        ("archived", "False", "True"),
        ("archived", "True", "False"),
    ]


@pytest.mark.parametrize("keys", [["n", "enter"], ["enter"], ["escape"]])
async def test_anything_but_y_keeps_the_deal(db: Path, keys: list[str]) -> None:
    changes = count_changes(db)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        card = screen.selected_deal()
        assert card is not None
        await pilot.press("A", *keys)
        await settle(pilot)
        assert not screen.query_one(Prompt).is_open
        assert card.id in board_ids(screen)
    assert count_changes(db) == changes and deal_row(db, card.id)["archived"] == 0


async def test_an_unclear_answer_asks_again(db: Path) -> None:
    changes = count_changes(db)
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("A", *"maybe", "enter")
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        assert "y to archive" in str(prompt.query_one("#prompt-error").render())
    assert count_changes(db) == changes


@pytest.mark.parametrize("user", ["vp", "viewer"])
async def test_a_viewer_cannot_archive(db: Path, user: str) -> None:
    changes = count_changes(db)
    app = make_app(db, user=user)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        # The key is listed (help, palette) where it works, and only there.
        assert ("deal.archive" in keys_by_binding(screen)) is (user == "vp")
        await pilot.press("A")
        assert screen.query_one(Prompt).is_open is (user == "vp")
        await pilot.press("y", "enter")
        await settle(pilot)
    assert (count_changes(db) == changes) is (user == "viewer")
