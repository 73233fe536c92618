"""Keys and answers that arrive after the review setup has gone, or twice.

A second `r` typed before the first has opened the setup, enter on Start with ctrl+s, a
character typed just before escape: each reached a screen that was already closing (or
opened a second copy of it) and stopped the app (`DuplicateIds`, `NoMatches`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_setup import ReviewSetupScreen

from ..ui_support import burst, copy_db, demo_template, make_app, open_board, settle

SIZES = [(160, 48), (80, 24)]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory, 300)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


def screens_of(app: object) -> list[type]:
    return [type(s) for s in app.screen_stack]  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
async def test_r_twice_in_a_burst_opens_one_setup(db: Path, size: tuple[int, int]) -> None:
    app = make_app(db)
    async with app.run_test(size=size) as pilot:
        await open_board(pilot)
        burst(pilot, "r", "r")
        await settle(pilot)
        assert screens_of(app).count(ReviewSetupScreen) == 1
        assert isinstance(app.screen, ReviewSetupScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


@pytest.mark.parametrize("size", SIZES)
async def test_r_escape_r_in_a_burst_leaves_the_board_usable(
    db: Path, size: tuple[int, int]
) -> None:
    app = make_app(db)
    async with app.run_test(size=size) as pilot:
        await open_board(pilot)
        burst(pilot, "r", "escape", "r", "escape")
        await settle(pilot)
        assert screens_of(app).count(ReviewSetupScreen) <= 1
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


async def test_enter_on_start_with_ctrl_s_starts_one_walk(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewSetupScreen)
        burst(pilot, "enter", "ctrl+s")  # the Start button has the focus
        await settle(pilot, 8)
        assert screens_of(app).count(ReviewScreen) == 1
        assert MainScreen in screens_of(app)  # the board is still under the walk


async def test_r_while_the_review_starts_opens_one_walk(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        burst(pilot, "ctrl+s", "r")  # `r` resumes the review the first key starts
        await settle(pilot, 8)
        assert screens_of(app).count(ReviewScreen) == 1


async def test_what_arrives_after_the_setup_closed_is_ignored(db: Path) -> None:
    """Escape and ctrl+s handled back to back, then the `Input.Changed` of a character
    typed just before them, landing once the fields are gone: as a burst delivers them
    when the app is busy."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, ReviewSetupScreen)
        typed = setup.query_one("#period-typed", Input)
        setup.action_cancel()
        setup.action_start()  # a second dismiss would close the board under it
        setup.action_cancel()
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        setup.on_input_changed(Input.Changed(typed, "2017Q2"))
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
