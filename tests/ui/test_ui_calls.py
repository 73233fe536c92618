"""Forecast calls through the app, as the people in a weekly meeting make them: three reps
and their manager press `F`, the roll-up shows the calls, how old they are and the
manager's against the team's; once the quarter closes in the test's clock, each call's
error and bias are the ones worked out by hand below. The CLI reports the same numbers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import text
from textual.widgets import DataTable, Input, Static

from pipeline_tui.cli import main as cli_main
from pipeline_tui.config import UserConfig
from pipeline_tui.forecast.call_store import insert_call
from pipeline_tui.periods import parse_period
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.commands import commands_for
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.screens.rollup import CALL_COLUMNS, RollupScreen

from ..factories import Builder
from ..ui_support import open_board, settle

SIZE = (160, 48)
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 14, 9, 0, tzinfo=UTC)  # twelve days before TODAY
CLOSED = date(2027, 1, 5)  # Q4 FY2026 has ended
Q3 = parse_period("2026Q3")


class Clock:
    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Dana manages Priya, Raj and Lee. Q4 so far: Priya won 50k, has 30k in commit and
    20k in best case; Raj won 20k, has 40k in commit; Lee has 10k in commit and 30k in
    best case. In Q3 Priya won 80k (and had called 120k)."""
    path = tmp_path / "pipeline.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    dana = b.user("dana", role="manager")
    priya = b.user("priya", manager=dana)
    raj = b.user("raj", manager=dana)
    lee = b.user("lee", manager=dana)
    b.deal(priya, "Won", "50000", date(2026, 10, 15))
    b.deal(priya, "Negotiate", "30000", date(2026, 12, 10), category="commit", name="P commit")
    b.deal(priya, "Propose", "20000", date(2026, 12, 12), category="best_case")
    b.deal(raj, "Won", "20000", date(2026, 10, 20))
    b.deal(raj, "Negotiate", "40000", date(2026, 12, 5), category="commit", name="R commit")
    b.deal(lee, "Negotiate", "10000", date(2026, 12, 1), category="commit", name="L commit")
    b.deal(lee, "Propose", "30000", date(2026, 12, 2), category="best_case")
    b.deal(priya, "Won", "80000", date(2026, 8, 20))
    b.commit()
    with engine.begin() as conn:
        insert_call(
            conn,
            person_id=priya.id or 0,
            scope="own",
            period=Q3,
            commit=Decimal(120000),
            best_case=Decimal(150000),
            most_likely=None,
            currency="USD",
            note=None,
            made_by_id=priya.id or 0,
            made_at=datetime(2026, 8, 1, tzinfo=UTC),
        )
    engine.dispose()
    return path


def app_for(db: Path, user: str, clock: Clock) -> PipelineApp:
    return PipelineApp(
        f"sqlite:///{db}",
        user=user,
        config=UserConfig(path=db.parent / "config.toml"),
        today=clock,
        clock=lambda: 1000.0,
        save_config=False,
        live=False,
    )


async def call_as(db: Path, user: str, clock: Clock, typed: str | None) -> tuple[str, str]:
    """`F` as `user`: what the prompt offered and what the status line said around it;
    `typed` replaces the offer (None: one `enter` submits it)."""
    app = app_for(db, user, clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_board(pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MainScreen)
        field = screen.query_one("#prompt-input", Input)
        offered = field.value
        beside = str(screen.query_one("#status", Static).render())
        if typed is not None:
            field.value = typed
        await pilot.press("enter")
        await settle(pilot)
        said = str(screen.query_one("#status", Static).render())
        assert "saved" in said, said
    return offered, beside


async def rollup_rows(db: Path, clock: Clock) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The roll-up as Dana sees it: the tree's and the calibration's cells by label."""
    app = app_for(db, "dana", clock)
    async with app.run_test(size=SIZE) as pilot:
        board = await open_board(pilot)
        assert board.state.period.key == "2026Q4"
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RollupScreen)

        def cells(table_id: str) -> dict[str, list[str]]:
            table = screen.query_one(table_id, DataTable)
            rows = (table.get_row_at(i) for i in range(table.row_count))
            # A name without the tree's guides (├─ └─ │) drawn before it.
            return {
                str(r[0]).lstrip(" │├└─").strip(): [str(c).strip() for c in r[1:]] for r in rows
            }

        return cells("#rollup-tree"), cells("#rollup-calibration")


def calls_json(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    assert cli_main(["calls", "list", "--db", str(db), "--format", "json", *args]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


async def test_calls_in_the_rollup_and_their_accuracy(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock(TODAY)
    # Priya called twelve days ago, taking the system's figures with one enter: commit is
    # won 50k + commit 30k, best case that plus her 20k best case.
    with time_machine.travel(EARLIER, tick=False):
        offered, _ = await call_as(db, "priya", clock, None)
    assert offered == "$80,000 / $100,000"
    with time_machine.travel(NOW, tick=False):
        offered, _ = await call_as(db, "raj", clock, "55k / 70k; the renewal lands early")
        assert offered == "$60,000 / $60,000"
        await call_as(db, "lee", clock, "5k / 40k")
        # A bad call is refused in the prompt, says why and writes nothing.
        app = app_for(db, "lee", clock)
        async with app.run_test(size=SIZE) as pilot:
            await open_board(pilot)
            await pilot.press("F")
            await settle(pilot)
            app.screen.query_one("#prompt-input", Input).value = "50k / 40k"
            await pilot.press("enter")
            await settle(pilot)
            error = str(app.screen.query_one("#prompt-error", Static).render())
            assert "above the best case" in error
        # Dana calls for the team, with her reps' calls beside the prompt: 80 + 55 + 5.
        offered, beside = await call_as(db, "dana", clock, "150k / 200k")
        assert "reps' calls $140k 3/3" in beside
        # Lee has called once: a second call shows the change since the first.
        await call_as(db, "lee", clock, "10k / 40k")

        tree, _ = await rollup_rows(db, clock)
    columns = {name: i for i, name in enumerate(CALL_COLUMNS)}

    def call_cells(label: str) -> dict[str, str]:
        return {name: tree[label][i] for name, i in columns.items()}

    assert call_cells("Priya") == {
        "Call": "$80.0k",
        "Made": "stale 12d ago",  # older than the 7 days the settings allow
        "Δ call": "—",
        "Team's calls": "",
        "vs team": "",
    }
    assert call_cells("Raj")["Call"] == "$55.0k" and call_cells("Raj")["Made"] == "today"
    assert call_cells("Lee")["Δ call"] == "+$5.0k"
    # Dana's 150k against her reps' 80 + 55 + 10: she calls 5k more than they do.
    assert call_cells("Dana") == {
        "Call": "$150k",
        "Made": "today",
        "Δ call": "—",
        "Team's calls": "$145k 3/3",
        "vs team": "+$5.0k",
    }

    # The CLI says the same.
    listed = calls_json(db, capsys, "--period", "2026Q4", "--today", TODAY.isoformat())
    by_person = {row["person"]: row for row in listed["calls"]}  # type: ignore[attr-defined]
    assert by_person["priya"]["commit"] == "80000.00" and by_person["priya"]["stale"] is True
    assert by_person["priya"]["age_days"] == 12
    assert by_person["lee"]["change"] == "5000.00"
    assert by_person["dana"]["team_sum"] == "145000.00"
    assert by_person["dana"]["against_team"] == "5000.00"

    # The quarter plays out: Priya's and Lee's commits close won, Raj's is lost.
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        stage = {
            name: conn.execute(text("SELECT id FROM stage WHERE name = :n"), {"n": name}).scalar()
            for name in ("Won", "Lost")
        }
        for deal, outcome in (("P commit", "Won"), ("L commit", "Won"), ("R commit", "Lost")):
            conn.execute(
                text("UPDATE deal SET stage_id = :s WHERE name = :n"),
                {"s": stage[outcome], "n": deal},
            )
    engine.dispose()
    # Won in Q4: Priya 50k + 30k = 80k, Raj 20k, Lee 10k; Dana's team 110k.
    # Errors: Priya 80k - 80k = 0 (and Q3: 120k - 80k = +50%): bias +25%, mean error 25%;
    # Raj 55k - 20k = +35k, +175%; Lee 10k - 10k = 0; Dana 150k - 110k = +40k, +36%.
    clock.today = CLOSED  # nothing closes in Q1 FY2027: the board opens on Q4 again
    _, calibration = await rollup_rows(db, clock)
    error, bias = 10, 11  # the calibration table's Call error and Call bias columns
    assert (calibration["Priya"][error], calibration["Priya"][bias]) == ("25%", "+25%")
    assert (calibration["Raj"][error], calibration["Raj"][bias]) == ("175%", "+175%")
    assert (calibration["Lee"][error], calibration["Lee"][bias]) == ("0%", "+0%")
    assert calibration["Priya"][bias + 1] == "█▁"  # her calls: 120k in Q3, then 80k
    assert (calibration["Dana (team)"][error], calibration["Dana (team)"][bias]) == (
        "36%",
        "+36%",
    )

    assert (
        cli_main(
            [
                "report",
                "--db",
                str(db),
                "--calibration",
                "--format",
                "json",
                "--today",
                "2027-01-05",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    held = {a["person"]: a for a in report["calibration"]["calls"]}
    assert held["priya"]["bias"] == 0.25 and held["priya"]["leaning"] == "optimistic"
    assert [s["error"] for s in held["priya"]["scored"]] == ["40000.00", "0.00"]
    assert held["raj"]["scored"][0]["error"] == "35000.00" and held["raj"]["bias"] == 1.75
    assert held["dana"]["scored"][0]["actual"] == "110000.00"
    assert held["dana"]["bias"] == round(40000 / 110000, 4)


async def test_palette_offers_the_call_and_a_viewer_has_none(db: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(
            text(
                'INSERT INTO "user" (login, display_name, role, active) '
                "VALUES ('vic', 'Vic', 'viewer', true)"
            )
        )
    engine.dispose()
    clock = Clock(TODAY)
    for user, offered in (("raj", True), ("vic", False)):
        app = app_for(db, user, clock)
        async with app.run_test(size=SIZE) as pilot:
            board = await open_board(pilot)
            titles = {str(c.title) for c in commands_for(app, board)}
            assert ("Submit my call" in titles) is offered, user
            await pilot.press("F")
            await settle(pilot)
            # A viewer has no F, as no edit key: nothing opens.
            assert board.prompt().is_open is offered, user
