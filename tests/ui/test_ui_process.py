"""The process screen in the app: opened with E from the board (and from the palette), a
manager proposes what was observed, an admin accepts it with a reason and changes the
stages; a viewer only looks. Every change lands in the process log with who and why."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import DataTable, Input

from pipeline_tui.forecast.process import ProcessView
from pipeline_tui.ui.commands import commands_for
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.process import ProcessScreen

from ..ui_support import copy_db, demo_template, make_app, open_board, settle, sql_engine

SIZE = (120, 36)


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


def status(screen: ProcessScreen) -> str:
    return str(screen.query_one("#status").render())


async def open_process(pilot: object) -> ProcessScreen:
    await open_board(pilot)  # type: ignore[arg-type]
    await pilot.press("E")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ProcessScreen)
    return screen


async def test_a_manager_proposes_what_was_observed_and_an_admin_accepts_it(db: Path) -> None:
    app = make_app(db, user="vp")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_process(pilot)
        names = [s.name for s in screen.stages]
        proposal = names.index("Proposal")
        observed = screen.stages[proposal].observed_percent
        assert observed is not None
        await pilot.press(*["down"] * proposal, "a")
        await pilot.press("enter")  # the offered reason: what was observed
        await settle(pilot)
        assert "an admin accepts it" in status(screen)
        assert not screen.check_action("accept", ())  # a manager doesn't see A
        await pilot.press("A")
        await settle(pilot)
    stage_id, default = query(
        db, "SELECT id, default_probability FROM stage WHERE name='Proposal'"
    )[0]
    assert default == 50
    probabilities = query(db, "SELECT id, probability FROM deal ORDER BY id")

    app = make_app(db, user="admin")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_process(pilot)
        await pilot.press(*["down"] * proposal, "A")
        await pilot.press("enter")  # no reason: refused in the prompt
        await settle(pilot)
        assert "Say why" in str(screen.query_one("#prompt-error").render())
        screen.query_one("#prompt-input", Input).value = "the last year says so"
        await pilot.press("enter")
        await settle(pilot)
        assert f"now defaults to {observed}%" in status(screen)
        history = screen.query_one("#process-history", DataTable)
        assert history.row_count == 2
    assert query(db, f"SELECT default_probability FROM stage WHERE id={stage_id}") == [(observed,)]
    # New deals only: every deal kept the probability its rep gave it.
    assert query(db, "SELECT id, probability FROM deal ORDER BY id") == probabilities
    log = query(
        db,
        "SELECT p.kind, u.login, p.reason FROM process_change p "
        'JOIN "user" u ON u.id = p.changed_by_id ORDER BY p.id',
    )
    assert [(k, w) for k, w, _ in log] == [("proposal", "vp"), ("proposal_accepted", "admin")]
    assert log[1][2] == "the last year says so"


async def test_an_admin_adds_moves_renames_and_retires_a_stage(db: Path) -> None:
    app = make_app(db, user="admin")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_process(pilot)
        await pilot.press("n")
        screen.query_one("#prompt-input", Input).value = "Pilot, 25%"
        await pilot.press("enter")
        await settle(pilot)
        names = [s.name for s in screen.stages]
        assert names[1] == "Pilot"  # after the selected (first) stage
        await pilot.press("down", "J")  # one place later
        await settle(pilot)
        assert [s.name for s in screen.stages][2] == "Pilot"
        assert (
            screen.stages[screen.query_one("#process-stages", DataTable).cursor_row].name == "Pilot"
        )
        await pilot.press("e")
        screen.query_one("#prompt-input", Input).value = "Pilot [bold]run[/bold]"
        await pilot.press("enter")
        await settle(pilot)
        cell = screen.query_one("#process-stages", DataTable).get_row_at(2)[0]
        assert str(cell) == "Pilot [bold]run[/bold]"  # a name is text, never markup
        await pilot.press("x")
        await pilot.press("enter")
        await settle(pilot)
        assert "Retired Pilot [bold]run[/bold]" in status(screen)
        await pilot.press("up", "up", "x", "enter")  # Prospecting holds open deals
        await settle(pilot)
        assert "move them on first" in status(screen)
        await pilot.press("escape")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, MainScreen)
        assert "Pilot [bold]run[/bold]" not in [c.stage.name for c in board.board.columns()]
    kinds = [k for (k,) in query(db, "SELECT kind FROM process_change ORDER BY id")]
    assert kinds == ["stage_added", "stage_moved", "stage_renamed", "stage_retired"]


async def test_a_viewer_looks_and_the_palette_opens_it(db: Path) -> None:
    app = make_app(db, user="viewer")
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        titles = [c.title for c in commands_for(app, app.screen)]
        assert "The process under review" in titles
        screen = await open_process(pilot)
        assert "read-only" in status(screen)
        for action in ("propose", "accept", "add", "rename", "move", "retire"):
            assert not screen.check_action(action, ())
        for key in ("a", "A", "n", "e", "J", "x"):
            await pilot.press(key)
            await settle(pilot)
    assert query(db, "SELECT count(*) FROM process_change") == [(0,)]


async def test_the_layout_shows_at_once_while_the_figures_are_read(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db, user="viewer")
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        board = app.screen
        assert isinstance(board, MainScreen)
        release = threading.Event()
        read = board.workspace.process

        def slow_read(pipeline_id: int) -> ProcessView:
            release.wait(10)  # the history of a million deals, say
            return read(pipeline_id)

        monkeypatch.setattr(board.workspace, "process", slow_read)
        await pilot.press("E")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ProcessScreen)
        table = screen.query_one("#process-stages", DataTable)
        assert "New Business · reading…" in str(screen.query_one("#process-title").render())
        assert "Reading the stage history" in str(screen.query_one("#process-targets").render())
        assert len(table.columns) == 6 and table.row_count == 0
        release.set()
        await settle(pilot)
        title = str(screen.query_one("#process-title").render())
        assert "reading" not in title and "deals closed in the 12 months" in title
        assert table.row_count > 0
