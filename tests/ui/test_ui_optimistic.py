"""A keystroke edit shows at once, the write confirms it, and only what changed is read.

The writes are held on a `threading.Event` in the session, so each test can look at the
screen between the key and the write: what it shows there was worked out from what the
screen held, before anything was written."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from pipeline_tui.forecast import GroupBy
from pipeline_tui.forecast.metrics import ForecastFigures
from pipeline_tui.services.deals import DealCard, stage_columns
from pipeline_tui.services.edit_types import SetAmount
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.storage.faults import DiskFull
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.board import StageColumnView

from ..ui_support import (
    TODAY,
    copy_db,
    count_changes,
    deal_row,
    demo_template,
    make_app,
    open_board,
    settle,
)

SIZE = (160, 40)
# What a colleague's change to one deal costs to show: the change log since the last
# change seen (2 marks, 1 list), the header (6: stages, people, quotas, currency, rates,
# the aggregate), the flags' settings (1), the deal's stage's totals (4) and the deal (1).
LIVE_READS = 15


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


class Gate:
    """Holds every write of the app's session until `open`; `fail` makes them fail."""

    def __init__(self, ws: Workspace) -> None:
        self.event = threading.Event()
        self.fail: Exception | None = None
        self.calls = 0
        real = ws.edit

        def held(card: DealCard, edit: Any) -> Any:
            self.calls += 1
            assert self.event.wait(10), "the test never let the write go"
            if self.fail is not None:
                raise self.fail
            return real(card, edit)

        ws.edit = held  # type: ignore[method-assign]

    def open(self) -> None:
        self.event.set()


def counted_card(screen: MainScreen) -> tuple[StageColumnView, DealCard]:
    """Puts the cursor on a deal the header counts (reporting currency, not omitted, at
    a probability other than 70%) and returns it with its column."""
    currency = screen.workspace.settings.currency
    for index, column in enumerate(screen.board.columns()):
        for row, card in enumerate(column.cards):
            if (
                card.currency == currency
                and card.forecast_category in ("pipeline", "best_case", "commit")
                and card.probability != 70
                and screen.state.period.contains(card.close_date)
            ):
                screen.board.focus_column(index)
                column.deal_list.highlighted = row
                return column, card
    raise AssertionError("no counted deal on the board")


def weighted(amount: Decimal, probability: int) -> Decimal:
    return amount * probability / 100


async def test_the_card_its_column_and_the_header_show_the_edit_before_it_is_written(
    db: Path,
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column, card = counted_card(screen)
        await pilot.pause()
        header, totals = screen.figures, column.stage
        assert header is not None
        gate = Gate(app.workspace)

        await pilot.press("7")
        # The write is held: what shows was worked out from what the screen holds.
        shown = column.selected()
        assert shown is not None and shown.id == card.id and shown.probability == 70
        rise = weighted(card.amount, 70) - weighted(card.amount, card.probability)
        assert column.stage.weighted == totals.weighted + rise
        assert column.stage.amount == totals.amount and column.stage.count == totals.count
        assert screen.figures is not None
        assert screen.figures.weighted == header.weighted + rise
        assert screen.figures.pipeline == header.pipeline
        assert deal_row(db, card.id)["probability"] == card.probability  # not written yet

        gate.open()
        await settle(pilot)
        assert deal_row(db, card.id)["probability"] == 70
        assert column.selected() is not None and column.selected().probability == 70  # type: ignore[union-attr]
        assert screen.figures.weighted == header.weighted + rise


async def test_a_burst_shows_every_key_in_order_and_lands_them_all(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column, card = counted_card(screen)
        await pilot.pause()
        header = screen.figures
        assert header is not None
        gate = Gate(app.workspace)
        await pilot.press("3", "plus", "plus", "minus")  # 3 -> 35 -> 40 -> 35
        shown = column.selected()
        assert shown is not None and shown.id == card.id and shown.probability == 35
        assert screen.figures is not None
        rise = weighted(card.amount, 35) - weighted(card.amount, card.probability)
        assert screen.figures.weighted == header.weighted + rise
        gate.open()
        await settle(pilot)
        assert gate.calls == 4
        assert deal_row(db, card.id)["probability"] == 35
        assert screen.figures.weighted == header.weighted + rise


async def test_a_failed_write_puts_the_card_and_figures_back_and_says_why(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column, card = counted_card(screen)
        await pilot.pause()
        header, totals, changes = screen.figures, column.stage, count_changes(db)
        gate = Gate(app.workspace)
        gate.fail = DiskFull("The disk is full: nothing was changed")

        await pilot.press("7")
        assert column.selected().probability == 70  # type: ignore[union-attr]
        assert screen.figures != header
        gate.open()
        await settle(pilot)

        back = column.selected()
        assert back is not None and back.id == card.id and back.probability == card.probability
        assert column.stage == totals
        assert screen.figures == header
        status = str(screen.query_one("#status").render())
        assert "disk is full" in status.lower()
        assert count_changes(db) == changes  # nothing written
        assert deal_row(db, card.id)["probability"] == card.probability


async def test_an_edit_the_rules_refuse_shows_nothing_and_says_why(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        last = screen.board.columns()[-1]
        assert last.cards
        screen.board.focus_column(len(screen.board.columns()) - 1)
        await pilot.pause()
        card = last.selected()
        assert card is not None
        header, totals, changes = screen.figures, last.stage, count_changes(db)
        await pilot.press("right_square_bracket")  # already in the last open stage
        assert last.stage == totals and screen.figures == header
        await settle(pilot)
        assert "last open stage" in str(screen.query_one("#status").render())
        assert last.selected() == card and screen.figures == header
        assert count_changes(db) == changes


def report_totals(db: Path, screen: MainScreen) -> ForecastFigures:
    """`pipeline-tui report`'s totals for what the board shows, from a session of its own."""
    with Workspace.for_command(f"sqlite:///{db}", "vp", today=TODAY) as ws:
        return ws.report(screen.state.period, GroupBy.REP, screen.state.scope).totals


async def test_after_edits_the_header_and_totals_are_the_databases_exactly(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        before = screen.figures
        assert before == report_totals(db, screen)
        counted_card(screen)
        await pilot.press("7", "c", "right_square_bracket")
        await settle(pilot)
        await pilot.press("j", "plus", "c", "c", "a")
        await pilot.press("ctrl+a", "ctrl+k", *"1234.57", "enter")
        await settle(pilot)
        await pilot.press("left", "3", "u")
        await settle(pilot)

        after = screen.figures
        assert after is not None and after != before
        assert after == report_totals(db, screen)  # Decimal for Decimal, field by field
        with Workspace.for_command(f"sqlite:///{db}", "vp", today=TODAY) as ws:
            fresh = ws.patch(
                screen.state.deal_filter(TODAY), screen.state.scope, deal_ids=(), stage_ids=None
            )
        assert [c.stage for c in screen.board.columns()] == fresh.columns


@contextlib.contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement the app's session sends while the block runs."""
    sent: list[str] = []

    def execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", execute)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", execute)


async def shown(pilot: Any, check: Any, seconds: float = 10.0) -> None:
    since = time.monotonic()
    while not check():
        assert time.monotonic() - since < seconds, "never shown"
        await pilot.pause(0.05)


async def live_settle(pilot: Any) -> None:
    app = pilot.app
    for _ in range(4):
        others = [w for w in app.workers if w.group != "live"]
        if others:
            await app.workers.wait_for_complete(others)
        await pilot.pause()


async def test_someone_elses_change_reads_only_that_deal_its_stage_and_the_header(
    db: Path,
) -> None:
    url = f"sqlite:///{db}"
    app = make_app(db, live=True)
    async with app.run_test(size=SIZE) as pilot:
        # The change watcher never finishes: wait for the other workers only.
        for _ in range(200):
            await live_settle(pilot)
            if isinstance(app.screen, MainScreen) and app.screen.board.columns():
                break
        await live_settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        column = screen.board.columns()[1]
        currency = app.workspace.settings.currency
        other_card = next(c for c in column.cards[1:] if c.currency == currency)
        header, totals = screen.figures, column.stage
        assert header is not None
        generation = screen._generation
        amount = other_card.amount + Decimal(1000)
        with statements(app.workspace.engine) as sent:
            with Workspace.open(url, "vp", today=lambda: TODAY) as colleague:
                colleague.edit(other_card, SetAmount(amount))
            await shown(pilot, lambda: any(c.amount == amount for c in column.cards))
            await live_settle(pilot)
        assert screen._generation == generation  # no reading of the whole board
        assert column.marked == other_card.id  # marked as someone else's change
        assert column.stage.amount == totals.amount + 1000
        assert screen.figures is not None and screen.figures != header
        assert screen.figures == report_totals(db, screen)
        # A page is ordered by the board's sort (a flag's lookup is a LIMIT too, in order
        # of the change log).
        pages = [s for s in sent if "OFFSET" in s and re.search(r"ORDER BY deal\.", s)]
        assert not pages  # the card changed in place: no page read again
        # The change log, the header (lookups and one aggregate), the deal's stage's totals
        # and the deal: the same few reads however many stages and deals there are.
        assert len(sent) <= LIVE_READS


def fresh_columns(db: Path, screen: MainScreen) -> list[Any]:
    """The board's stage totals for its filter, from a session of its own."""
    with Workspace.for_command(f"sqlite:///{db}", "vp", today=TODAY) as ws:
        flt = ws.seen(screen.state.deal_filter(ws.today()))
        pipeline_id = screen.state.pipeline_id
        return ws.run(lambda: stage_columns(ws.engine, flt, pipeline_id))


def fresh_card(db: Path, screen: MainScreen, card: DealCard) -> DealCard:
    """The deal as a page of the board reads it now (its inspection flags measured)."""
    with Workspace.for_command(f"sqlite:///{db}", "vp", today=TODAY) as ws:
        flt = replace(ws.seen(screen.state.deal_filter(ws.today())), search=card.name)
        cards = ws.deals(flt, sort="name", descending=False, offset=0, limit=50)
    return next(c for c in cards if c.id == card.id)


async def test_a_flagged_card_keeps_its_marks_while_its_edit_lands_and_after(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        currency = app.workspace.settings.currency
        found = [
            (i, r, c)
            for i, column in enumerate(screen.board.columns())
            for r, c in enumerate(column.cards)
            if c.flags and c.currency == currency and c.probability != 70
        ]
        index, row, card = found[0]
        screen.board.focus_column(index)
        column = screen.board.columns()[index]
        column.deal_list.highlighted = row
        await pilot.pause()
        gate = Gate(app.workspace)
        await pilot.press("7")
        shown = column.selected()
        assert shown is not None and shown.probability == 70 and shown.flags == card.flags
        gate.open()
        await settle(pilot)
        now = next(c for view in screen.board.columns() for c in view.cards if c.id == card.id)
        # Read again after the write, by the flag rules: what a page reads now.
        assert now.probability == 70
        assert now.flags == fresh_card(db, screen, card).flags
        assert now.flag_marks in str(column.deal_list.get_option_at_index(row).prompt)


async def test_with_a_filter_on_an_edit_leaves_the_columns_to_the_read(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await pilot.press("exclamation_mark")  # flagged deals only
        await settle(pilot)
        assert screen.state.flagged
        column, card = counted_card(screen)
        await pilot.pause()
        totals = column.stage
        gate = Gate(app.workspace)
        await pilot.press("7")
        shown = column.selected()
        # The card shows it at once.
        assert shown is not None and shown.id == card.id and shown.probability == 70
        # The edit may take the deal out of the filter: the totals wait for the read.
        assert column.stage == totals
        gate.open()
        await settle(pilot)
        assert [view.stage for view in screen.board.columns()] == fresh_columns(db, screen)
        assert screen.figures == report_totals(db, screen)
