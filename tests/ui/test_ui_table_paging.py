"""Holding `j` in the table: a page turn reads only its rows, and the page beyond is read
before the cursor gets there, so no key waits for the database and none is lost."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.services.workspace import Workspace
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.deal_table import PREFETCH_MARGIN, TABLE_PAGE

from ..ui_support import burst, make_app, open_board, seed_file, settle

SIZE = (120, 36)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_file(tmp_path_factory.mktemp("paging") / "pipeline.db")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How often the session was asked for the header's figures, a count and a page."""
    counted: Counter[str] = Counter()
    for name in ("header", "count", "deals"):
        real = getattr(Workspace, name)

        def counting(self: Workspace, *args: Any, _real: Any = real, _name: str = name,
                     **kwargs: Any) -> Any:  # fmt: skip
            counted[_name] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(Workspace, name, counting)
    yield counted


async def open_table(pilot: Any) -> MainScreen:
    screen = await open_board(pilot)
    await pilot.press("D", "D")  # any close date: the table runs to several pages
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    assert screen.in_table and screen.table.total > 3 * TABLE_PAGE
    return screen


async def test_the_page_beyond_is_read_ahead_and_turned_to_without_a_read(
    db: Path, reads: Counter[str]
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_table(pilot)
        table = screen.table
        assert table.first_row == 0 and len(table.cards) == TABLE_PAGE
        # One row short of where the page beyond is asked for: nothing read yet.
        table.move_cursor(row=TABLE_PAGE - 2 - PREFETCH_MARGIN)
        await settle(pilot)
        reads.clear()
        await pilot.press("j")
        await settle(pilot)
        assert reads == Counter(deals=1)  # the page beyond, and only its rows
        # Across the page's end in one burst, as a held key sends them.
        keys = PREFETCH_MARGIN + 5
        start = table.first_row + table.cursor_row
        burst(pilot, *["j"] * keys)
        await settle(pilot, 8)
        assert table.first_row > 0  # the page turned
        assert table.first_row + table.cursor_row == start + keys  # every key moved a row
        assert reads == Counter(deals=1)  # turned to the page read ahead: no read at all


async def test_a_page_turn_not_read_ahead_reads_only_the_page(
    db: Path, reads: Counter[str]
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_table(pilot)
        table = screen.table
        table.move_cursor(row=TABLE_PAGE - 1)  # straight to the end: nothing read ahead
        await settle(pilot)
        reads.clear()
        burst(pilot, "j", "j", "j")
        await settle(pilot, 8)
        assert table.first_row + table.cursor_row == TABLE_PAGE + 2
        # The page, not the forecast's figures or the count again (nothing changed).
        assert reads["header"] == 0 and reads["count"] == 0
        assert reads["deals"] >= 1


def test_the_real_app_keeps_its_startup_heap_out_of_full_collections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A full collection over the ~240,000 objects there once the session is open stopped
    a held key's frames for a quarter second at a time; tests, which start many apps in
    one process, leave it off (frozen objects are never collected)."""
    from pipeline_tui.config import UserConfig
    from pipeline_tui.ui import app as app_module

    started: list[bool] = []

    def run(self: app_module.PipelineApp) -> int:
        started.append(self.freeze_heap)
        return 0

    monkeypatch.setattr(app_module.PipelineApp, "run", run)
    assert app_module.run("sqlite://", user=None, config=UserConfig()) == 0
    assert started == [True]
    assert make_app(Path("unused.db")).freeze_heap is False


async def test_a_turn_while_the_page_is_still_read_ahead_waits_for_that_read(
    db: Path, reads: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_table(pilot)
        table = screen.table
        table.move_cursor(row=TABLE_PAGE - 2 - PREFETCH_MARGIN)
        await settle(pilot)
        reads.clear()
        gate, asked = threading.Event(), threading.Event()
        counting = Workspace.deals

        def held(self: Workspace, *args: Any, **kwargs: Any) -> Any:
            asked.set()
            assert gate.wait(30)
            return counting(self, *args, **kwargs)

        monkeypatch.setattr(Workspace, "deals", held)
        await pilot.press("j")  # the page beyond is asked for, and held
        assert await asyncio.to_thread(asked.wait, 30)
        start = table.first_row + table.cursor_row
        keys = PREFETCH_MARGIN + 5  # past the page's end while it is still being read
        burst(pilot, *["j"] * keys)
        await pilot.pause()
        gate.set()
        await settle(pilot, 8)
        assert table.first_row + table.cursor_row == start + keys
        assert reads == Counter(deals=1)  # the turn took the read under way, not another
