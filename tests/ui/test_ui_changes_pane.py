"""What changed, as a new user meets it (issue 14, item 12): the table in use keeps the
keys after the `d` prompt, and the deal pane shows its dates whole at 80x24 and 160x48."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import DataTable, OptionList

from pipeline_tui.ui.screens.changes import ChangesScreen

from ..ui_support import copy_db, demo_template, make_app, open_board, settle


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


async def open_changes(pilot: object) -> ChangesScreen:
    await open_board(pilot)  # type: ignore[arg-type]
    await pilot.press("W")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ChangesScreen) and screen.result is not None
    return screen


@pytest.mark.parametrize("answer", [["-", "2", "w", "enter"], ["escape"]])
async def test_the_table_keeps_the_keys_after_the_since_prompt(
    template: Path, tmp_path: Path, answer: list[str]
) -> None:
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_changes(pilot)
        reps = screen.query_one("#changes-reps", DataTable)
        reps.focus()
        await pilot.press("down")
        await settle(pilot)
        assert reps.cursor_row == 1
        await pilot.press("d", "ctrl+u", *answer)
        await settle(pilot)
        assert app.focused is reps
        await pilot.press("down")
        await settle(pilot)
        assert reps.cursor_row == 2


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_deal_pane_shows_whole_dates(
    template: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=size) as pilot:
        screen = await open_changes(pilot)
        bars = screen.query_one("#changes-bars", OptionList)
        pushed = next(
            i for i in range(bars.option_count) if bars.get_option_at_index(i).id == "pushed_out"
        )
        bars.highlighted = pushed
        await settle(pilot)
        deals = screen.query_one("#changes-deals", DataTable)
        assert deals.row_count > 0
        # Every column in view: nothing is cut off at the pane's right edge.
        assert deals.virtual_size.width <= deals.scrollable_content_region.width
        assert deals.size.height >= 4  # room for a few deals under the header
        lines = [line.text for line in (deals.render_line(y) for y in range(2))]
        row = lines[1]
        assert len(re.findall(r"\d{4}-\d{2}-\d{2}", row)) == 2, lines
