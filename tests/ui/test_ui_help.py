"""Help lists each key once, where it acts, with the binding id a keymap names (issue 14,
item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from textual.screen import Screen
from textual.widgets import Static

from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.keys import keys_by_binding
from pipeline_tui.ui.screens.deal import DealScreen
from pipeline_tui.ui.screens.help import HelpScreen, describe_keys

from ..ui_support import copy_db, demo_template, make_app, open_board, settle

SIZE = (120, 36)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory, 300)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return copy_db(template, tmp_path / "pipeline.db")


async def open_help(app: PipelineApp, pilot: object) -> tuple[Screen[object], str]:
    """Opens help over the current screen; returns that screen and help's text."""
    under = app.screen
    await pilot.press("question_mark")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(app.screen, HelpScreen)
    console = Console(width=110, record=True, color_system=None)
    console.print(app.screen.query_one("#help-keys", Static).content)
    text = console.export_text()
    await pilot.press("escape")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    return under, text


def listed_keys(screen: Screen[object]) -> list[str]:
    keys = []
    for _, rows in describe_keys(screen):
        for row in rows:
            if row.keys == "0–9":
                keys += [str(n) for n in range(10)]
            else:
                keys += row.keys.split(" / ")
    return keys


def check_help(under: Screen[object], text: str) -> None:
    active = keys_by_binding(under)
    for binding, _ in active.values():
        probability = binding.id and binding.id.startswith("deal.probability_")
        if binding.id is not None and (not probability or binding.id.endswith(("_0", "_up"))):
            assert binding.id in text, f"{binding.id} is not shown"
    keys = listed_keys(under)
    twice = sorted({key for key in keys if keys.count(key) > 1})
    assert not twice, f"listed more than once: {twice}"
    every_key = {key for _, bound in active.values() for key in bound}
    assert every_key == set(keys)  # and none is left out
    ids = {row_id for _, rows in describe_keys(under) for row in rows for row_id in row.ids}
    assert {b.id for b, _ in active.values() if b.id is not None} <= ids


async def test_board_help_lists_each_key_once_with_its_id(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        under, text = await open_help(app, pilot)
        check_help(under, text)
        groups = dict(describe_keys(under))
        moves = {row.keys: row for row in groups["Move"]}
        # `←` (the list's) and `h` (the screen's) do the same: one row, both ids.
        assert moves["← / h"].ids == ("board.left", "main.column_left")
        assert "↓ / j" in moves and "⏎" in moves
        scope = {row.keys for row in groups["Scope, filters and views"]}
        assert "esc" in scope and "h" not in scope
        deal = {row.keys: row for row in groups["Update the selected deal"]}
        assert deal["w"].ids == ("deal.won",) and deal["u / ^z"].ids == ("deal.undo",)
        assert "deal.probability_0 … _90" in text
        assert text.count("Move between") == 0  # the fixed list that repeated j, k, h, l


async def test_table_and_deal_help_list_each_key_once(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("t")
        await settle(pilot)
        check_help(*await open_help(app, pilot))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        under, text = await open_help(app, pilot)
        check_help(under, text)
        groups = dict(describe_keys(under))
        assert "deal.back" in {i for row in groups["Move"] for i in row.ids}


async def test_a_remapped_key_is_shown_once_under_its_id(db: Path) -> None:
    app = make_app(db)
    app.config.keymap = {"deal.won": "W"}  # W was "What changed": now the screen's is gone
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        under, text = await open_help(app, pilot)
        check_help(under, text)
        deal = {row.ids: row for row in dict(describe_keys(under))["Update the selected deal"]}
        assert deal[("deal.won",)].keys == "W"


async def test_review_help_lists_each_key_once(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        under, text = await open_help(app, pilot)
        assert type(under).__name__ == "ReviewScreen"
        check_help(under, text)
        review = {i for row in dict(describe_keys(under))["Review"] for i in row.ids}
        assert {"review.next", "review.judgment", "review.end"} <= review
