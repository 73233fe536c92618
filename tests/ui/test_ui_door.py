"""One door: a screen and a command asking the same question get the same answer because
they ask the same `Workspace` method, not two paths that happen to agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.cli import main as cli_main
from pipeline_tui.config import UserConfig
from pipeline_tui.forecast.waterfall_model import Waterfall
from pipeline_tui.seed import seed_demo
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.changes import ChangesScreen

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


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, Waterfall]]]:
    """Every `Workspace.changes` call, from whichever front end: its arguments and result."""
    seen: list[tuple[Any, Waterfall]] = []
    real = Workspace.changes

    def spy(self: Workspace, since: Any, period: Any, scope: Any) -> Waterfall:
        result = real(self, since, period, scope)
        seen.append(((since, period, scope), result))
        return result

    monkeypatch.setattr(Workspace, "changes", spy)
    yield seen


async def test_what_changed_screen_and_changes_command_share_one_method(
    url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    calls: list[tuple[Any, Waterfall]],
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
        pipeline = dict(board.workspace.pipelines)[board.state.pipeline_id]
        await pilot.press("W")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        assert screen.result is not None
        shown = screen.result
        await pilot.press("escape")
    assert len(calls) == 1 and calls[0][1] is shown  # the screen shows what the door gave

    rc = cli_main(
        [
            "changes",
            "--db",
            url,
            "--since",
            "last-review",
            "--period",
            period.key,
            "--owner",
            "vp",
            "--pipeline",
            pipeline,
            "--today",
            TODAY.isoformat(),
            "--format",
            "json",
        ]
    )
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(calls) == 2  # the command went through the very same method
    (ui_args, ui_result), (cli_args, cli_result) = calls
    assert cli_args == ui_args  # the same question: since, period and scope
    assert cli_result.as_dict() == ui_result.as_dict()
    assert printed == json.loads(json.dumps(cli_result.as_dict(), default=str)) | {
        "currency": printed["currency"]
    }
    assert ui_result.team.movements and any(m.deals for m in ui_result.team.movements)
