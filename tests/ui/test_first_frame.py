"""The first frame: the layout paints at once, the figures fill in as they arrive, and
what the first paint waits for stays small (no Alembic, no database layer, no screens)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

import pipeline_tui
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.forecast_bar import ForecastBar, Tile

from ..ui_support import make_app, open_board, seed_file

SRC = Path(pipeline_tui.__file__).resolve().parent.parent  # the package under test
SIZE = (160, 48)
LABELS = ["Quota", "Won", "Commit", "Best case", "Weighted", "Coverage", "Win rate", "Gap"]
# Not needed to paint the first frame: the database layer and the migrations tool.
HEAVY = ("alembic", "sqlalchemy", "sqlmodel", "pydantic", "psycopg")


def loaded_in_fresh_python(code: str) -> set[str]:
    """The modules `code` leaves imported in a fresh interpreter (it prints them)."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "HOME": "/tmp"},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(result.stdout.split())


def test_the_app_paints_its_first_frame_without_the_database_layer() -> None:
    loaded = loaded_in_fresh_python(
        """
        import sys
        from pipeline_tui.ui.app import PipelineApp
        print(*sys.modules)
        """
    )
    assert "pipeline_tui.ui.app" in loaded
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    # The session and every screen are imported by the worker, after the first paint.
    assert not {
        m for m in loaded if m.startswith(("pipeline_tui.services", "pipeline_tui.ui.screens"))
    }


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_file(tmp_path_factory.mktemp("first-frame") / "pipeline.db", deals=300)


def test_the_command_reaches_the_app_without_the_database_layer(db: Path) -> None:
    # What `pipeline-tui --db FILE` has imported when it hands over to the app: the
    # identity check read the SQLite file with the standard library (`precheck`), so no
    # SQLAlchemy, SQLModel, pydantic or migration tool, no session, and nothing only
    # other commands use; the app's worker imports the session after the first frame.
    loaded = loaded_in_fresh_python(
        f"""
        import sys
        import pipeline_tui.ui.app as app
        def run(url, *, user, config):
            print(*sys.modules)
            return 0
        app.run = run
        from pipeline_tui.cli import main
        assert main(["--db", {str(db)!r}, "--user", "vp"]) == 0
        """
    )
    assert "pipeline_tui.precheck" in loaded  # the check ran
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    prefixes = (
        "pipeline_tui.services",
        "pipeline_tui.storage",
        "pipeline_tui.models",
        "pipeline_tui.importing",
        "pipeline_tui.seed",
        "pipeline_tui.ui.screens",
    )
    assert not {m for m in loaded if m.startswith(prefixes)}


def test_a_login_nobody_has_is_refused_without_the_session_or_the_screen(db: Path) -> None:
    loaded = loaded_in_fresh_python(
        f"""
        import sys
        from pipeline_tui.cli import main
        code = main(["--db", {str(db)!r}, "--user", "vpp"])
        print(code, *sys.modules)
        """
    )
    assert "2" in loaded  # the exit status: the message itself is `tests/cli/test_precheck.py`'s
    # No session, no models, no screen. (The error's printing looks for passwords to hide
    # with SQLAlchemy's URL parser: after the refusal, not before the first frame.)
    heavy = ("sqlmodel", "pydantic", "alembic", "psycopg", "textual")
    assert not {m for m in loaded if m.split(".")[0] in heavy}
    assert not {m for m in loaded if m.startswith(("pipeline_tui.services", "pipeline_tui.ui"))}


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], threading.Event]]:
    """Holds a `Workspace` method until the test lets it go: the worker calling it
    waits, as on a slow database."""
    gates: list[threading.Event] = []

    def hold(name: str) -> threading.Event:
        gate = threading.Event()
        gates.append(gate)
        original = getattr(Workspace, name)

        def waiting(*args: Any, **kwargs: Any) -> Any:
            assert gate.wait(30), f"{name} was never let go"
            return original(*args, **kwargs)

        monkeypatch.setattr(Workspace, name, waiting)
        return gate

    yield hold
    for gate in gates:  # a failed test must not leave a worker waiting
        gate.set()


def tiles(pilot: Pilot[int]) -> list[str]:
    bar = pilot.app.screen.query_one(ForecastBar)
    return [str(tile.render()) for tile in bar.query(Tile)]


async def wait_for(pilot: Pilot[int], condition: Callable[[], bool]) -> None:
    for _ in range(750):  # generous: a loaded CI machine is slow, and this is no timing test
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("not on screen in 15 s")


async def test_the_layout_shows_before_the_session_is_open(
    db: Path, held: Callable[[str], threading.Event]
) -> None:
    opened = held("open")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(app.screen.query(ForecastBar)))
        shown = tiles(pilot)
        assert [t.split("\n")[0] for t in shown] == LABELS
        assert all(t.endswith("…") for t in shown)
        assert "Opening the pipeline" in str(app.screen.query_one("#context").render())
        opened.set()
        board = await open_board(pilot)
        assert not any(t.endswith("…") for t in tiles(pilot))
        assert board.board.columns()


async def test_the_board_is_laid_out_before_its_figures_arrive(
    db: Path, held: Callable[[str], threading.Event]
) -> None:
    figures = held("board")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        screen = app.screen
        assert isinstance(screen, MainScreen)
        await pilot.pause()
        # The main screen is up: its period and owner, the figures' labels waiting.
        assert screen.state.period.label in str(screen.query_one("#context").render())
        assert all(t.endswith("…") for t in tiles(pilot))
        assert not screen.board.columns()
        figures.set()
        await open_board(pilot)
        assert not any(t.endswith("…") for t in tiles(pilot))
