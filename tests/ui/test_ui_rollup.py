"""The roll-up screen's calibration read off the screen and set against the CLI's report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from pipeline_tui.cli import main as cli_main
from pipeline_tui.config import UserConfig
from pipeline_tui.seed import seed_demo
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.rollup import RollupScreen

from ..conftest import fresh_pg_schema
from ..ui_support import DEMO_DEALS, TODAY, copy_db, demo_template, open_board, settle

SIZE = (160, 48)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(
    request: pytest.FixtureRequest, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The demo organisation, seeded on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{copy_db(demo_template(tmp_path_factory), tmp_path / 'pipeline.db')}"
        return
    with fresh_pg_schema() as schema:
        text = schema.url.render_as_string(hide_password=False)
        seeding = make_engine(text)
        upgrade(seeding)
        seed_demo(seeding, deals=DEMO_DEALS, seed=42, today=TODAY)
        seeding.dispose()
        yield text


def cell(value: object) -> str:
    return str(value).strip()


async def test_rollup_calibration_equals_the_reports(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = PipelineApp(
        url,
        user="vp",
        config=UserConfig(path=tmp_path / "config.toml"),
        today=lambda: TODAY,
        clock=lambda: 1000.0,
        save_config=False,
    )
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        period = board.state.period
        # The board shows one pipeline, and so does its roll-up: the report is asked for it.
        pipeline = dict(board.workspace.pipelines)[board.state.pipeline_id]
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RollupScreen)
        table = screen.query_one("#rollup-calibration", DataTable)
        shown = {
            cell(row[0]): (int(cell(row[1])), cell(row[2]))
            for row in (table.get_row_at(i) for i in range(table.row_count))
        }
        caption = str(screen.query_one("#rollup-calibration-caption", Static).render())
        await pilot.press("escape")
    rc = cli_main(
        [
            "report",
            "--db",
            url,
            "--period",
            period.key,
            "--pipeline",
            pipeline,
            "--today",
            TODAY.isoformat(),
            "--calibration",
            "--format",
            "json",
        ]
    )
    assert rc == 0
    report = json.loads(capsys.readouterr().out)["calibration"]
    reps = {r["label"]: (r["deals"], f"{r['brier']:.3f}") for r in report["reps"]}
    assert reps and len(reps) >= 3
    # Every rep the roll-up shows, with the very deal count and Brier score of the report.
    assert {name: shown[name] for name in reps} == reps
    assert caption.startswith(f"Calibration, {pipeline} deals {report['window']['text']}:")
    assert report["window"]["text"] == f"closed in the 12 months to {TODAY.isoformat()}"
