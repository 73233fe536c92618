"""The import screen's date order: `D` goes as the file says, day first, month first."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..ui_support import copy_db, demo_template, make_app, open_board, settle


@pytest.fixture
def db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    template = demo_template(tmp_path_factory)
    return copy_db(template, tmp_path / "pipeline.db")


async def test_d_cycles_the_date_order_and_the_dry_run_follows(db: Path, tmp_path: Path) -> None:
    from pipeline_tui.ui.screens.importing import ImportScreen

    path = tmp_path / "ambiguous.csv"
    path.write_text(
        "Deal - Title,Deal - Value,Deal - Owner,Deal - Stage,Deal - Expected close date\n"
        "Either Way,1000,Ines Vogel,Qualified,03/04/2016\n",
        encoding="utf-8",
    )
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        main = await open_board(pilot)
        main.action_import()
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await pilot.press(*str(path), "enter")
        await settle(pilot)
        seen = []
        for _ in range(4):
            assert screen.report is not None
            row = screen.report.preview[0] if screen.report.preview else {}
            order = (screen.options.dayfirst, screen.options.monthfirst)
            seen.append((order, screen.report.counts.rejected, row.get("close_date")))
            await pilot.press("D")
            await settle(pilot)
    assert seen == [
        ((False, False), 0, "2016-03-04"),  # reads either way: month first, and says so
        ((True, False), 0, "2016-04-03"),
        ((False, True), 0, "2016-03-04"),
        ((False, False), 0, "2016-03-04"),
    ]
