"""Calls in the meeting: the walk shows each deal owner's call, asks for a rep's call when
it leaves their last deal (one `enter` keeps it), and the summary lists the calls made."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import Input, Static

from pipeline_tui.config import UserConfig
from pipeline_tui.forecast.call_store import insert_call
from pipeline_tui.periods import parse_period
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_summary import ReviewSummaryScreen

from ..factories import Builder
from ..ui_support import open_board, settle

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Dana manages Priya and Raj. The walk (latest stage first, biggest first): Priya's
    50k and Raj's 40k in Negotiate, then Priya's 30k in Propose. Priya called 25k / 60k
    before the meeting."""
    path = tmp_path / "pipeline.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    dana = b.user("dana", role="manager")
    priya = b.user("priya", manager=dana)
    raj = b.user("raj", manager=dana)
    b.deal(priya, "Negotiate", "50000", date(2026, 12, 10), category="commit")
    b.deal(raj, "Negotiate", "40000", date(2026, 12, 11), category="commit")
    b.deal(priya, "Propose", "30000", date(2026, 12, 12), category="best_case")
    b.commit()
    with engine.begin() as conn:
        insert_call(
            conn,
            person_id=priya.id or 0,
            scope="own",
            period=Q4,
            commit=Decimal(25000),
            best_case=Decimal(60000),
            most_likely=None,
            currency="USD",
            note=None,
            made_by_id=priya.id or 0,
            made_at=datetime(2026, 11, 20, tzinfo=UTC),
        )
    engine.dispose()
    return path


def shown(screen: ReviewScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_the_walk_asks_each_rep_for_their_call(db: Path) -> None:
    app = PipelineApp(
        f"sqlite:///{db}",
        user="dana",
        config=UserConfig(path=db.parent / "config.toml"),
        today=lambda: TODAY,
        clock=lambda: 1000.0,
        save_config=False,
        live=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "Priya's call: commit $25.0k, best case $60.0k" in shown(screen, "#review-call")
        prompt = screen.query_one("#prompt-input", Input)
        # Priya's first deal is not her last: no question yet.
        await pilot.press("space")
        await settle(pilot)
        assert not screen.prompt().is_open
        assert "Raj's call: none yet" in shown(screen, "#review-call")
        # Leaving Raj's only deal asks for his call, offered at the system's figures.
        await pilot.press("space")
        await settle(pilot)
        assert screen.prompt().is_open and prompt.value == "$40,000 / $40,000"
        assert "that was their last deal" in shown(screen, "#status")
        prompt.value = "35k / 45k; the renewal is safe"
        await pilot.press("enter")
        await settle(pilot)
        assert "Raj's call now: commit $35,000, best case $45,000" in shown(screen, "#status")
        # Priya's last deal: leaving it asks for hers, and one enter keeps it.
        assert "Priya's call" in shown(screen, "#review-call")
        await pilot.press("space")
        await settle(pilot)
        assert prompt.value == "$25,000 / $60,000"
        await pilot.press("enter")
        await settle(pilot)
        assert "Priya's call kept" in shown(screen, "#status")
        await pilot.press("e")
        await settle(pilot)
        summary = app.screen
        assert isinstance(summary, ReviewSummaryScreen)
        markdown = summary.markdown
    assert "## Forecast calls" in markdown
    assert "| Raj | $35,000 | $45,000 | first call | Dana |" in markdown
    assert "| Priya | $25,000 | $60,000 | kept | Dana |" in markdown

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT person_id, review_id IS NOT NULL, note FROM forecast_call ORDER BY id")
        ).all()
    engine.dispose()
    assert [(in_review, note) for _, in_review, note in rows] == [
        (False, None),
        (True, "the renewal is safe"),
        (True, None),
    ]
