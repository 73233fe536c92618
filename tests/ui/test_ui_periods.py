"""Historical data opens where the data is; any period is a prompt away; reviews take any
period and "no close date". Driven through the real app on a 2016-2017 history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from textual.widgets import Input, Select

from pipeline_tui.seed import seed_demo
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.review import ReviewScreen
from pipeline_tui.ui.screens.review_setup import ReviewSetupScreen
from pipeline_tui.ui.widgets.prompt import Prompt

from ..ui_support import TODAY, copy_db, count_changes, make_app, open_board, settle, sql_engine

SIZE = (120, 36)
# The history was live on this day; the app runs on TODAY (26 Nov 2026), years later.
HISTORY_DAY = date(2017, 5, 15)
# Fiscal years start in February: FY2017 runs from February 2016 to January 2017.
FISCAL_START = 2


def fiscal_quarter(day: date) -> tuple[str, str]:
    """(key, label) of the February-start fiscal quarter holding `day`, worked out here."""
    fiscal_year = day.year + 1 if day.month >= FISCAL_START else day.year
    quarter = (day.month - FISCAL_START) % 12 // 3 + 1
    return f"{fiscal_year}Q{quarter}", f"Q{quarter} FY{fiscal_year}"


@pytest.fixture(scope="module")
def history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "history.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_demo(engine, deals=400, seed=7, today=HISTORY_DAY)
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET fiscal_year_start_month = :m"), {"m": FISCAL_START})
        # An imported history has no meeting left open.
        conn.execute(text("UPDATE review SET status = 'ended' WHERE status = 'open'"))
    engine.dispose()
    return path


@pytest.fixture
def history(history_template: Path, tmp_path: Path) -> Path:
    return copy_db(history_template, tmp_path / "pipeline.db")


def scalar(db: Path, sql: str, **params: object) -> object:
    engine = sql_engine(db)
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar()
    engine.dispose()
    return value


FIRST_PIPELINE = "(SELECT id FROM pipeline ORDER BY position, id LIMIT 1)"
OPEN_IN_FIRST_PIPELINE = (
    "FROM deal d JOIN stage s ON s.id = d.stage_id "
    f"WHERE s.kind = 'open' AND d.pipeline_id = {FIRST_PIPELINE}"
)


def open_deals_between(db: Path, start: date, end: date) -> int:
    return int(
        scalar(  # type: ignore[call-overload]
            db,
            f"SELECT COUNT(*) {OPEN_IN_FIRST_PIPELINE} AND d.close_date BETWEEN :a AND :b",
            a=start.isoformat(),
            b=end.isoformat(),
        )
    )


def on_board(screen: MainScreen) -> int:
    return sum(column.stage.count for column in screen.board.columns())


def status(screen: MainScreen) -> str:
    return str(screen.query_one("#status").render())


def header(screen: MainScreen) -> str:
    return str(screen.query_one("#context").render())


async def go_to(pilot: object, typed: str) -> None:
    await pilot.press("P", "ctrl+u", *typed, "enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_a_history_opens_on_its_latest_open_deals(history: Path) -> None:
    latest = date.fromisoformat(
        str(scalar(history, f"SELECT MAX(d.close_date) {OPEN_IN_FIRST_PIPELINE}"))
    )
    assert latest < date(2019, 1, 1) < TODAY
    key, label = fiscal_quarter(latest)
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await settle(pilot)
        period = screen.state.period
        assert period.key == key
        assert (
            status(screen) == f"No deals this quarter; showing {label}, the latest with open deals"
        )
        assert label in header(screen)
        assert period.start is not None and period.end is not None
        assert on_board(screen) == open_deals_between(history, period.start, period.end) > 0


async def test_a_live_database_opens_on_this_quarter(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from ..ui_support import demo_template

    db = copy_db(demo_template(tmp_path_factory, 300), tmp_path / "live.db")
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await settle(pilot)
        assert screen.state.period.key == "2026Q4"
        assert "No deals" not in status(screen)


async def test_someone_elses_deals_this_quarter_only_get_a_notice(history: Path) -> None:
    """Another team has a deal closing now: the board stays, says where the data is, and
    the prompt offers to go there."""
    rep = str(
        scalar(
            history,
            "SELECT u.login FROM user u WHERE u.role = 'rep' AND EXISTS (SELECT 1 FROM deal d "
            f"JOIN stage s ON s.id = d.stage_id WHERE d.owner_id = u.id AND s.kind = 'open' "
            f"AND d.pipeline_id = {FIRST_PIPELINE} AND d.close_date IS NOT NULL) "
            "ORDER BY u.id LIMIT 1",
        )
    )
    engine = sql_engine(history)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE deal SET close_date = :day WHERE id = (SELECT d.id FROM deal d "
                "JOIN user u ON u.id = d.owner_id WHERE u.login != :rep ORDER BY d.id LIMIT 1)"
            ),
            {"day": TODAY.isoformat(), "rep": rep},
        )
        mine = conn.execute(
            text(
                f"SELECT MAX(d.close_date) {OPEN_IN_FIRST_PIPELINE} AND d.owner_id = "
                "(SELECT id FROM user WHERE login = :rep)"
            ),
            {"rep": rep},
        ).scalar()
    engine.dispose()
    key, label = fiscal_quarter(date.fromisoformat(str(mine)))
    app = make_app(history, user=rep)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await settle(pilot)
        this_quarter = fiscal_quarter(TODAY)[0]
        assert screen.state.period.key == this_quarter
        assert status(screen) == (
            f"No deals here this quarter; the latest with open deals is {label} (P goes there)"
        )
        await pilot.press("P")
        assert screen.query_one("#prompt-input", Input).value == key
        await pilot.press("enter")
        await settle(pilot)
        assert screen.state.period.key == key


async def test_go_to_period_takes_what_people_type(history: Path) -> None:
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await settle(pilot)
        await go_to(pilot, "2017-05")
        assert screen.state.period.key == "2017-05"
        assert "May 2017" in header(screen) and status(screen) == "Showing May 2017"
        assert on_board(screen) == open_deals_between(history, date(2017, 5, 1), date(2017, 5, 31))
        # A February fiscal year: Q1 FY2017 is February to April 2016.
        await go_to(pilot, "Q1 2017")
        period = screen.state.period
        assert (period.start, period.end) == (date(2016, 2, 1), date(2016, 4, 30))
        assert on_board(screen) == open_deals_between(history, date(2016, 2, 1), date(2016, 4, 30))
        await go_to(pilot, "FY2017")
        assert (screen.state.period.start, screen.state.period.end) == (
            date(2016, 2, 1),
            date(2017, 1, 31),
        )
        await go_to(pilot, "this quarter")
        assert screen.state.period.key == fiscal_quarter(TODAY)[0] == "2027Q4"
        assert on_board(screen) == 0
        await go_to(pilot, "last quarter")
        assert screen.state.period.key == "2027Q3"


async def test_go_to_period_refuses_bad_input_and_changes_nothing(history: Path) -> None:
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await settle(pilot)
        before, shown, changes = screen.state, on_board(screen), count_changes(history)
        await go_to(pilot, "2017")
        prompt = screen.query_one(Prompt)
        assert prompt.is_open
        error = str(prompt.query_one("#prompt-error").render())
        assert "a year alone: FY2017 for the fiscal year, 2017Q1 for a quarter" in error
        await pilot.press("ctrl+u", *"soon", "enter")
        await settle(pilot)
        assert prompt.is_open and "Unknown period 'soon'" in str(
            prompt.query_one("#prompt-error").render()
        )
        await pilot.press("escape")
        await settle(pilot)
        assert not prompt.is_open
        assert screen.state == before and on_board(screen) == shown
        assert count_changes(history) == changes


async def test_the_palette_and_help_name_the_go_to_key(history: Path) -> None:
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        await settle(pilot)
        from pipeline_tui.ui.commands import commands_for
        from pipeline_tui.ui.screens.help import KeyRow, describe_keys

        found = [c for c in commands_for(app, screen) if c.title == "Go to period…"]
        assert len(found) == 1 and found[0].help.endswith("(P)")
        rows = dict(describe_keys(screen))["Scope, filters and views"]
        assert KeyRow("P", "Go to period…", ("main.go_to_period",)) in rows
        found[0].callback()
        await settle(pilot)
        assert screen.query_one(Prompt).is_open


def review_row(db: Path) -> dict[str, object] | None:
    engine = sql_engine(db)
    with engine.connect() as conn:
        row = (
            conn.execute(
                text("SELECT * FROM review WHERE status = 'open' ORDER BY id DESC LIMIT 1")
            )
            .mappings()
            .first()
        )
    engine.dispose()
    return None if row is None else dict(row)


def review_deals(db: Path, review_id: object) -> set[int]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        ids = conn.execute(
            text("SELECT deal_id FROM review_item WHERE review_id = :r"), {"r": review_id}
        ).scalars()
        result = set(ids)
    engine.dispose()
    return result


def open_deal_ids(db: Path, condition: str) -> set[int]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        result = set(
            conn.execute(text(f"SELECT d.id {OPEN_IN_FIRST_PIPELINE} AND {condition}")).scalars()
        )
    engine.dispose()
    return result


async def test_a_review_of_a_typed_period(history: Path) -> None:
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ReviewSetupScreen)
        app.screen.query_one("#period-typed", Input).value = "2017-06"
        await settle(pilot)
        said = str(app.screen.query_one("#period-meaning").render())
        assert said == "Jun 2017: 2017-06-01 to 2017-06-30"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen), str(app.screen.query_one("#status").render())
        assert app.screen.state.period.key == "2017-06"
        assert "Jun 2017" in str(app.screen.query_one("#review-progress").render())
    row = review_row(history)
    assert row is not None
    assert (row["period_key"], row["period_start"], row["period_end"]) == (
        "2017-06",
        "2017-06-01",
        "2017-06-30",
    )
    expected = open_deal_ids(history, "d.close_date BETWEEN '2017-06-01' AND '2017-06-30'")
    assert review_deals(history, row["id"]) == expected and expected


async def test_a_review_refuses_a_period_it_cannot_read(history: Path) -> None:
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, ReviewSetupScreen)
        setup.query_one("#period-typed", Input).value = "2017-13"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is setup
        said = setup.query_one("#period-meaning")
        assert said.display and "month must be 01 to 12" in str(said.render())
    assert review_row(history) is None


@pytest.mark.parametrize("how", ["picked", "typed"])
async def test_a_review_of_the_deals_with_no_close_date(history: Path, how: str) -> None:
    app = make_app(history)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        setup = app.screen
        assert isinstance(setup, ReviewSetupScreen)
        if how == "picked":
            setup.query_one("#period", Select).value = "none"
        else:
            setup.query_one("#period-typed", Input).value = "no close date"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert app.screen.state.period.label == "No close date"
        assert "No close date" in str(app.screen.query_one("#review-progress").render())
    row = review_row(history)
    assert row is not None
    assert (row["period_key"], row["period_start"], row["period_end"]) == ("none", None, None)
    expected = open_deal_ids(history, "d.close_date IS NULL")
    assert review_deals(history, row["id"]) == expected and expected
