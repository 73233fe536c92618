"""The demo the pictures show: a seeded database, the app on it, and waiting for its workers."""

from __future__ import annotations

import contextlib
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from pipeline_tui.config import UserConfig
from pipeline_tui.seed import seed_demo
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.main import MainScreen

TODAY = date(2026, 11, 26)
# Wall-clock time for screens that show when something happened (snapshots freeze it).
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
DEMO_DEALS = 2_000


def seed_file(path: Path, deals: int = DEMO_DEALS) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_demo(engine, deals=deals, seed=42, today=TODAY)
    engine.dispose()
    return path


def copy_db(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


def make_app(
    db: Path | str,
    *,
    user: str | None = "vp",
    config_dir: Path | None = None,
    live: bool = False,
) -> PipelineApp:
    """The app on a file (or a database URL). `live`: watch for others' changes; off by
    default, so that a picture never depends on when a poll lands."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    folder = config_dir or (db.parent if isinstance(db, Path) else Path.cwd())
    config = UserConfig(path=folder / "config.toml")
    return PipelineApp(
        url,
        user=user,
        config=config,
        today=lambda: TODAY,
        clock=lambda: 1000.0,  # meeting timers stand still
        save_config=False,
        live=live,
    )


async def settle(pilot: Pilot[int], rounds: int = 4) -> None:
    """Lets workers finish and their messages land, a few times over: a loaded board can
    start the next load (paging, following a moved deal)."""
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled):  # the app may be exiting
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def open_board(pilot: Pilot[int]) -> MainScreen:
    for _ in range(100):
        await settle(pilot, 1)
        screen = pilot.app.screen
        if isinstance(screen, MainScreen) and screen.board.columns():
            await settle(pilot)
            return screen
    raise AssertionError(f"the board never showed; screen is {pilot.app.screen}")
