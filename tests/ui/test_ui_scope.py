"""The same scope gives the same figures on every screen and in `report`: the board's
forecast header, the roll-up's tree and the review banner, read off the screen, against
`report --format json`, for Vic's team on the Renewals pipeline of docs/metrics.md's
"Quota and pipelines" example (quota, gap and coverage over all pipelines)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from textual.widgets import DataTable, Static

from pipeline_tui.cli import main as cli_main
from pipeline_tui.config import UserConfig
from pipeline_tui.money import format_money
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_setup import ReviewSetupScreen
from pipeline_tui.ui.screens.rollup import RollupScreen

from ..scope_examples import RENEWALS, TODAY, build_quota_example, database
from ..ui_support import open_board, settle

__all__ = ["database"]  # the fixture, used by name

SIZE = (160, 48)
ALL_PIPELINES_NOTE = "Renewals (quota, gap, coverage: all pipelines)"


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


def money(value: str) -> str:
    return format_money(Decimal(value), "USD", compact=True)


def report(capsys: pytest.CaptureFixture[str], url: str) -> dict[str, Any]:
    capsys.readouterr()
    code = cli_main(
        ["report", "--db", url, "--format", "json", "--today", TODAY,
         "--owner", "team", "--user", "vic", "--pipeline", "Renewals"]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    totals: dict[str, Any] = json.loads(out)["totals"]
    return totals


async def test_header_rollup_and_banner_agree_with_the_report(
    database: tuple[str, Engine], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = database
    build_quota_example(engine)
    totals = report(capsys, url)
    # The report itself says what the page works out by hand.
    assert {k: totals.get(k) for k in RENEWALS} == RENEWALS
    app = PipelineApp(
        url,
        user="vic",
        config=UserConfig(path=tmp_path / "config.toml"),
        today=lambda: date.fromisoformat(TODAY),
        clock=lambda: 1000.0,
        save_config=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        assert board.state.owner_key == "team"  # Vic manages: the board opens on his team
        await pilot.press("p")  # New Business -> Renewals
        await settle(pilot)
        assert ALL_PIPELINES_NOTE in plain(board.query_one("#context", Static))

        def tile(name: str) -> tuple[str, str]:
            label, value = plain(board.query_one(f"#tile-{name}", Static)).split("\n")
            return label, value

        assert tile("quota")[1] == money(totals["quota"])
        assert tile("won")[1] == money(totals["closed_won"])
        assert tile("commit")[1] == money(totals["commit"])
        assert tile("best")[1] == money(totals["best_case"])
        assert tile("weighted")[1] == money(totals["weighted"])
        assert tile("coverage")[1].startswith(f"{totals['coverage']:.1f}x/")
        assert tile("gap") == ("Gap", money(totals["gap"]))

        await pilot.press("R")
        await settle(pilot)
        rollup = app.screen
        assert isinstance(rollup, RollupScreen)
        assert ALL_PIPELINES_NOTE in plain(rollup.query_one("#rollup-title", Static))
        tree = rollup.query_one("#rollup-tree", DataTable)
        row = dict(
            zip(
                [c.label.plain for c in tree.ordered_columns],
                [cell.plain for cell in tree.get_row("organisation")],
                strict=True,
            )
        )
        assert row["Quota"] == money(totals["quota"])
        assert row["Won"] == money(totals["closed_won"])
        assert row["Commit"] == money(totals["commit"])
        assert row["Best case"] == money(totals["best_case"])
        assert row["Pipeline"] == money(totals["pipeline"])
        assert row["Weighted"] == money(totals["weighted"])
        assert row["Cover"] == f"{totals['coverage']:.1f}x"
        assert row["Gap"] == money(totals["gap"])
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewSetupScreen)
        await pilot.press("ctrl+s")  # my team, this quarter, every open Renewals stage
        await settle(pilot)
        walk = app.screen
        assert isinstance(walk, ReviewScreen)
        banner = plain(walk.query_one("#review-banner", Static))
        assert f"Commit {money(totals['commit'])}" in banner
        assert f"Best case {money(totals['best_case'])}" in banner
        assert f"Weighted {money(totals['weighted'])}" in banner
        assert f"Coverage {totals['coverage']:.2f}x (all pipelines)" in banner
        await pilot.press("escape")
        await settle(pilot)
