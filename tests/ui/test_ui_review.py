"""A whole forecast meeting through the real app, checked in the database afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main as cli_main
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_setup import ReviewSetupScreen
from pipeline_tui.ui.screens.review_summary import ReviewSummaryScreen

from ..ui_support import copy_db, deal_row, demo_template, make_app, open_board, settle, sql_engine

SIZE = (140, 40)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


def walk(app: object) -> ReviewScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_a_whole_meeting(
    template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = copy_db(template, tmp_path / "pipeline.db")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # where `w` saves by default
    app = make_app(db)
    app.clock = lambda: 1000.0  # a frozen meeting clock
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewSetupScreen)
        await pilot.click("#min-amount")
        await pilot.press(*"40k")
        await pilot.press("ctrl+s")
        await settle(pilot)
        screen = walk(app)
        first = screen.state
        assert first.total >= 6 and first.min_amount == 40000
        # Walk until the second stage starts, at least five deals.
        stages_seen, walked = {first.progress().stage_name}, []
        while len(stages_seen) < 2 or len(walked) < 5:
            assert screen.reviewed is not None
            walked.append(screen.reviewed.deal.id)
            await pilot.press("space")
            await settle(pilot)
            stages_seen.add(screen.state.progress().stage_name)
        # Decisions on the deal in front of the room.
        deal_id = screen.reviewed.deal.id  # type: ignore[union-attr]
        await pilot.press("3")
        await settle(pilot)
        assert deal_row(db, deal_id)["probability"] == 30
        await pilot.press("d", "ctrl+u", *"next-quarter", "enter")
        await settle(pilot)
        assert deal_row(db, deal_id)["close_date"] == "2027-03-31"
        await pilot.press("p")  # slips a quarter more, in one key
        await settle(pilot)
        assert deal_row(db, deal_id)["close_date"] == "2027-06-30"
        await pilot.press("m", *"best 35k champion left", "enter")
        await settle(pilot)
        await pilot.press("f", *"Find a new champion @vp due:+1w", "enter")
        await settle(pilot)
        assert screen.reviewed is not None and screen.reviewed.judgment is not None
        assert screen.reviewed.action_items[-1].owner_name is not None
        at = screen.state.current_index
        await pilot.press("q", "y", "enter")  # quit mid-way (q asks first)
        await settle(pilot)
    assert app.return_code == 0

    again = make_app(db)
    async with again.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        assert isinstance(board, MainScreen)
        assert "r resumes" in str(board.query_one("#status").render())
        await pilot.press("r")
        await settle(pilot)
        screen = walk(again)
        assert screen.state.current_index == at  # where it stopped
        await pilot.press("s", "space")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(again.screen, ReviewSummaryScreen)
        summary = again.screen.summary
        await pilot.press("w", "enter")  # save as review-ID.md in the data folder
        await settle(pilot)
    review_id = summary.review.id
    saved = tmp_path / "pipeline-tui" / "reviews" / f"review-{review_id}.md"
    markdown = saved.read_text(encoding="utf-8")
    assert "champion left" in markdown and "Find a new champion" in markdown
    assert "probability" in markdown.lower()

    engine = sql_engine(db)
    with engine.connect() as conn:
        review = conn.execute(
            text(
                "SELECT status, (SELECT COUNT(*) FROM forecast_snapshot s WHERE s.review_id = "
                "review.id AND s.kind = 'review_end') FROM review WHERE id = :id"
            ),
            {"id": review_id},
        ).one()
        statuses = dict(
            conn.execute(
                text(
                    "SELECT status, COUNT(*) FROM review_item WHERE review_id = :id GROUP BY status"
                ),
                {"id": review_id},
            ).all()
        )
        judged = conn.execute(
            text("SELECT category, amount_minor FROM judgment WHERE review_id = :id"),
            {"id": review_id},
        ).all()
    engine.dispose()
    assert tuple(review) == ("ended", 1)  # and its end-of-meeting snapshot
    assert statuses["reviewed"] >= len(walked) and statuses["skipped"] == 1
    assert [tuple(j) for j in judged] == [("best_case", 3_500_000)]

    assert cli_main(["review", "show", str(review_id), "--format", "json", "--db", str(db)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "ended"
    assert shown["counts"]["skipped"] == 1
    assert any(c["field"] == "probability" for c in shown["changes"])
