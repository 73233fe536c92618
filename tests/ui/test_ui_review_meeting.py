"""The review meeting as a new user meets it (issue 14, items 7 to 11): the banner, leaving
and quitting, the summary's order, where it is saved, and whose deals it starts from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.containers import VerticalScroll
from textual.widgets import Select, Static

from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_setup import ReviewSetupScreen
from pipeline_tui.ui.screens.review_summary import ReviewSummaryScreen
from pipeline_tui.ui.widgets.prompt import Prompt

from ..ui_support import copy_db, demo_template, make_app, open_board, settle, sql_engine

SIZE = (160, 48)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data folder (platformdirs reads XDG_DATA_HOME) in the test's own folder."""
    home = tmp_path / "data-home"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home / "pipeline-tui"


def plain(widget: Static) -> str:
    content = widget.content
    return content.plain if hasattr(content, "plain") else str(content)


async def start_review(pilot: object) -> ReviewScreen:
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    assert isinstance(pilot.app.screen, ReviewSetupScreen)  # type: ignore[attr-defined]
    await pilot.press("ctrl+s")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    screen = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, ReviewScreen) and screen.reviewed is not None
    return screen


def open_reviews(db: Path) -> list[tuple[int, str]]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, status FROM review ORDER BY id")).all()
    engine.dispose()
    return [(int(r[0]), str(r[1])) for r in rows]


async def test_the_banner_shows_a_before_and_after_only_when_it_reads_differently(
    template: Path, tmp_path: Path
) -> None:
    """Item 7: a change smaller than the compact rounding reads as the figure and its
    change, never `$1.7M→$1.7M`."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        screen = await start_review(pilot)
        assert screen.reviewed is not None
        amount = screen.reviewed.deal.amount
        await pilot.press("a", "ctrl+u", *str(int(amount) + 1000), "enter")
        await settle(pilot)
        banner = plain(screen.query_one("#review-banner", Static))
    assert "Weighted" in banner
    same = re.findall(r"(\$[0-9.,]+[kMB]?)→(\$[0-9.,]+[kMB]?)", banner)
    assert all(a != b for a, b in same), banner
    # The weighted figure moved by the deal's probability of $1,000: shown as a change.
    assert re.search(r"Weighted \$[0-9.]+[kM] \+\$[0-9]+", banner), banner


async def test_q_in_a_review_asks_first_and_keeps_the_review(
    template: Path, tmp_path: Path
) -> None:
    """Item 8: `q` mid-review asks; `n` stays, `y` quits; the review is kept either way."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        screen = await start_review(pilot)
        await pilot.press("q")
        await settle(pilot)
        prompt = screen.query_one(Prompt)
        assert app.is_running and prompt.is_open
        asked = plain(prompt.query_one("#prompt-label", Static))
        assert "kept" in asked and "r" in asked
        await pilot.press("n", "enter")
        await settle(pilot)
        assert app.screen is screen and not prompt.is_open
        assert "kept" in plain(screen.query_one("#status", Static))
        await pilot.press("q", "y", "enter")
        await settle(pilot)
    assert app.return_code == 0
    assert open_reviews(db)[-1][1] == "open"  # the seed ended one before it


async def test_escape_pauses_the_review_and_says_how_to_resume(
    template: Path, tmp_path: Path
) -> None:
    """Item 8: escape leaves the walk and the board says "Review paused: r resumes"."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        await start_review(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is board
        assert "Review paused: r resumes" in plain(board.query_one("#status", Static))
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)


async def walk_and_end(pilot: object, screen: ReviewScreen) -> ReviewSummaryScreen:
    """Judges the first deal twice (the second supersedes), adds an action item, reviews
    two deals, skips one and ends with the rest not reached."""
    await pilot.press("m", *"best 35k first thought", "enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("m", *"commit 40k champion signed", "enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("f", *"Send the MSA", "enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("space", "space", "s")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("e")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    summary = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(summary, ReviewSummaryScreen)
    return summary


async def test_the_summary_starts_with_what_was_decided(template: Path, tmp_path: Path) -> None:
    """Item 9: decisions first, then the deals walked; those not reached are counted; a
    superseded judgment is left out; `end` reaches the bottom."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_board(pilot)
        screen = await start_review(pilot)
        pending = screen.state.total - 3
        summary = await walk_and_end(pilot, screen)
        markdown = summary.markdown
        body = summary.query_one("#summary-body", VerticalScroll)
        await pilot.press("end")
        await settle(pilot)
        assert body.max_scroll_y > 0 and body.scroll_y == body.max_scroll_y
        await pilot.press("home")
        await settle(pilot)
        assert body.scroll_y == 0
    decided = markdown.index("## What the meeting decided")
    order = [
        markdown.index(heading)
        for heading in ("Changes made", "Manager judgments", "Action items", "## Deals:")
    ]
    assert decided < order[0] < order[1] < order[2] < order[3], markdown
    assert "champion signed" in markdown and "first thought" not in markdown
    assert f"{pending} deals were not reached." in markdown
    assert "| pending |" not in markdown
    deal_rows = markdown[order[3] :].count("| reviewed |") + markdown[order[3] :].count(
        "| skipped |"
    )
    assert deal_rows == 3


async def test_w_saves_in_the_data_folder_and_says_where(
    template: Path, tmp_path: Path, data_home: Path
) -> None:
    """Item 10: `w` offers the data folder's reviews/ and says the full path written; a
    folder that isn't there is a clear message and nothing is written."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        screen = await start_review(pilot)
        summary = await walk_and_end(pilot, screen)
        review_id = summary.summary.review.id
        await pilot.press("w")
        await settle(pilot)
        prompt = summary.query_one(Prompt)
        missing = tmp_path / "no-such-folder" / "x.md"
        await pilot.press("ctrl+u", *str(missing), "enter")
        await settle(pilot)
        assert prompt.is_open
        assert "There is no folder" in plain(prompt.query_one("#prompt-error", Static))
        assert not missing.parent.exists()
        await pilot.press("escape", "w")
        await settle(pilot)
        await pilot.press("enter")  # the default
        await settle(pilot)
        status = plain(summary.query_one("#status", Static))
    written = data_home / "reviews" / f"review-{review_id}.md"
    assert written.read_text(encoding="utf-8") == summary.markdown
    assert str(written) in status


async def test_whose_deals_starts_from_the_boards_owner(template: Path, tmp_path: Path) -> None:
    """Item 11: with the board on everyone (or one rep), the review offers the same."""
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        assert isinstance(board, MainScreen)
        board.set_owner("everyone")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, ReviewSetupScreen)
        assert setup.query_one("#scope", Select).value == (None, True)
        await pilot.press("escape")
        await settle(pilot)
        board.set_owner("mia.lopez")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, ReviewSetupScreen)
        mia = board.state.owner.person_id
        assert setup.query_one("#scope", Select).value == (mia, False)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert "Mia Lopez" in app.screen.state.scope_label
