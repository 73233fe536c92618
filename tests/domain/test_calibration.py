"""Calibration and forecast accuracy against examples worked out by hand.

Calibration (closed deals, the rep's last open probability p, outcome 1 if won):

    ann  won 90, won 70, lost 60, lost 20, won 30
         squared errors (points^2): 100 + 900 + 3600 + 400 + 4900 = 9900
         Brier = 9900 / (10,000 * 5) = 0.198
         bands: 20-40: p 20 lost, 30 won -> 2 deals, stated 25%, won 50%
                60-80: p 60 lost, 70 won -> 2 deals, stated 65%, won 50%
                80-100: p 90 won          -> 1 deal, stated 90%, won 100%
    bob  won 100, lost 0: Brier 0; 0 falls in 0-20, 100 in 80-100
    both 9900 / 70,000 = 0.141428...; stated 370 / 700; won 4 / 7
    left out: a closed deal with no recorded probability, one closing before the window,
    and an open deal.

Accuracy (Q3 has ended; ann won 50,000 in it and bob 10,000):

    snapshot   ann call (manager)   bob call (manager)   team call  error  manager error
    08-15      10 + 30 = 40 (45)    0 + 26 = 26 (15)     66         10%    0%
    09-20      40 + 8 = 48 (50)     5 + 7 = 12 (10)      60         0%     0%
    ann: errors 20% and 4% -> 12%, ratios 0.8 and 0.96 -> 0.88; manager 10%, 0% -> 5%
    bob: errors 160% and 20% -> 90%, ratios 2.6 and 1.2 -> 1.9; manager 50%, 0% -> 25%
    Left out: a Q4 snapshot (Q4 has not ended) and one of a single pipeline.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from pipeline_tui.cli import main
from pipeline_tui.forecast.accuracy import forecast_accuracy
from pipeline_tui.forecast.calibration import (
    calibration,
    calibration_total,
    calibration_window,
)
from pipeline_tui.forecast.calibration_text import calibration_markdown, calibration_report
from pipeline_tui.forecast.calls import CallFigures, ManagerCall
from pipeline_tui.forecast.metrics import ForecastFigures
from pipeline_tui.forecast.snapshots import write_rows
from pipeline_tui.models import Deal, ForecastSnapshot, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services import edits

from ..factories import Builder

TODAY = date(2026, 11, 26)
D = Decimal
DEAL = table_of(Deal).c


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann, bob = b.user("ann", manager=mgr), b.user("bob", manager=mgr)
    stated: list[tuple[Deal, int | None]] = []
    for stage, p, day in [
        ("Won", 90, date(2026, 3, 1)),
        ("Won", 70, date(2026, 4, 1)),
        ("Lost", 60, date(2026, 5, 1)),
        ("Lost", 20, date(2026, 6, 1)),
        ("Won", 30, date(2026, 6, 15)),
        ("Won", None, date(2026, 6, 16)),  # closed before probabilities were kept
        ("Lost", 80, date(2025, 1, 1)),  # before the window
    ]:
        stated.append((b.deal(ann, stage, "1000", day), p))
    stated.append((b.deal(bob, "Won", "1000", date(2026, 6, 20)), 100))
    stated.append((b.deal(bob, "Lost", "1000", date(2026, 6, 21)), 0))
    stated.append((b.deal(bob, "Negotiate", "1000", date(2026, 12, 1), probability=80), 80))
    # Q3 (only these): ann won 30k + 20k, bob 10k; a loss doesn't count.
    b.deal(ann, "Won", "30000", date(2026, 8, 10))
    b.deal(ann, "Won", "20000", date(2026, 9, 25))
    b.deal(bob, "Won", "10000", date(2026, 7, 20))
    b.deal(ann, "Lost", "40000", date(2026, 9, 1))
    ids = {u.login: u.id for u in (mgr, ann, bob) if u.id is not None}
    b.commit()
    with engine.begin() as conn:
        for deal, p in stated:
            conn.execute(
                update(table_of(Deal)).where(DEAL.id == deal.id).values(probability_at_close=p)
            )
    return ids


def test_brier_score_and_reliability_bands(engine: Engine, people: dict[str, int]) -> None:
    rows = calibration(engine, since=date(2026, 1, 1), until=date(2026, 12, 31))
    by_key = {r.key: r for r in rows}
    ann, bob = by_key["ann"], by_key["bob"]
    assert (ann.deals, ann.won, ann.squared_error) == (5, 3, 9900)
    assert ann.brier == pytest.approx(0.198)
    assert ann.mean_stated == pytest.approx(2.7 / 5) and ann.win_rate == pytest.approx(0.6)
    assert [(b.label, b.count, b.mean_stated, b.win_rate) for b in ann.bands] == [
        ("0-20%", 0, None, None),
        ("20-40%", 2, pytest.approx(0.25), pytest.approx(0.5)),
        ("40-60%", 0, None, None),
        ("60-80%", 2, pytest.approx(0.65), pytest.approx(0.5)),
        ("80-100%", 1, pytest.approx(0.9), pytest.approx(1.0)),
    ]
    assert bob.brier == 0 and [b.count for b in bob.bands] == [1, 0, 0, 0, 1]
    total = calibration_total(rows)
    assert (total.deals, total.won) == (7, 4)
    assert total.brier == pytest.approx(9900 / 70_000)
    assert total.mean_stated == pytest.approx(370 / 700)
    assert total.overconfidence == pytest.approx(370 / 700 - 4 / 7)
    assert [b.count for b in total.bands] == [1, 2, 0, 2, 2]
    only_bob = calibration(engine, owner_ids=frozenset({people["bob"]}))
    assert [r.key for r in only_bob] == ["bob"]
    assert calibration(engine, since=date(2027, 1, 1)) == []


def test_closing_a_deal_keeps_the_reps_last_open_probability(
    engine: Engine, people: dict[str, int]
) -> None:
    with engine.connect() as conn:
        deal_id = conn.execute(select(DEAL.id).where(DEAL.stage_id == 3)).scalars().first()
        assert deal_id is not None  # bob's open Negotiate deal, at 80%
        version = conn.execute(select(DEAL.version).where(DEAL.id == deal_id)).scalar_one()
    done = edits.set_probability(engine, deal_id, version, 65, user_id=None, source="cli")
    won = edits.mark_won(
        engine, deal_id, done.deal.version, user_id=None, source="cli", today=TODAY
    )
    lost = edits.mark_lost(
        engine, deal_id, won.deal.version, "Changed their mind", user_id=None, source="cli"
    )
    with engine.connect() as conn:
        stored = conn.execute(
            select(DEAL.probability, DEAL.probability_at_close).where(DEAL.id == deal_id)
        ).one()
    # Won at 65%; then lost: still 65, not the 100 the won deal showed.
    assert tuple(stored) == (0, 65) and lost.deal.probability == 0


def snapshot(
    engine: Engine,
    period: str,
    taken: date,
    calls: dict[int, tuple[str, str, str]],
    *,
    pipeline_id: int | None = None,
    owner: int | None = None,
) -> int:
    """A stored snapshot with these (closed won, commit, manager's commit) per owner."""
    p = parse_period(period)
    with engine.begin() as conn:
        snapshot_id = conn.execute(
            table_of(ForecastSnapshot)
            .insert()
            .returning(table_of(ForecastSnapshot).c.id)
            .values(
                taken_at=datetime.combine(taken, datetime.min.time(), UTC),
                as_of=taken,
                kind="weekly",
                period_key=p.key,
                period_kind=p.kind,
                period_start=p.start,
                period_end=p.end,
                scope_owner_id=owner,
                scope_subtree=True,
                pipeline_id=pipeline_id,
                with_deals=False,
            )
        ).scalar_one()
        write_rows(
            conn,
            snapshot_id,
            {
                o: CallFigures(
                    ForecastFigures(closed_won=D(won), commit=D(commit)), ManagerCall(D(manager))
                )
                for o, (won, commit, manager) in calls.items()
            },
        )
    return int(snapshot_id)


def test_forecast_accuracy_of_past_snapshots(engine: Engine, people: dict[str, int]) -> None:
    ann, bob = people["ann"], people["bob"]
    s1 = snapshot(
        engine,
        "2026Q3",
        date(2026, 8, 15),
        {ann: ("10000", "30000", "35000"), bob: ("0", "26000", "15000")},
    )
    s2 = snapshot(
        engine,
        "2026Q3",
        date(2026, 9, 20),
        {ann: ("40000", "8000", "10000"), bob: ("5000", "7000", "5000")},
    )
    snapshot(engine, "2026Q4", date(2026, 11, 1), {ann: ("0", "1", "1")})
    snapshot(engine, "2026Q3", date(2026, 9, 1), {ann: ("0", "1", "1")}, pipeline_id=1)

    result = forecast_accuracy(engine, today=TODAY)
    team = result.team
    assert [p.snapshot_id for p in team.points] == [s1, s2]
    first, second = team.points
    assert (first.rep_call, first.manager_call, first.actual) == (
        D("66000"),
        D("60000"),
        D("60000"),
    )
    assert (first.error, first.ratio, first.manager_error) == (
        pytest.approx(0.1),
        pytest.approx(1.1),
        0,
    )
    assert (second.rep_call, second.error) == (D("60000"), 0)
    assert (first.days_before_end, second.days_before_end) == (46, 10)
    assert team.mean_error == pytest.approx(0.05) and team.mean_ratio == pytest.approx(1.05)
    assert team.manager_mean_error == 0
    by_key = {o.key: o for o in result.by_owner}
    assert set(by_key) == {"ann", "bob"}
    assert [p.error for p in by_key["ann"].points] == [pytest.approx(0.2), pytest.approx(0.04)]
    assert by_key["ann"].mean_error == pytest.approx(0.12)
    assert by_key["ann"].mean_ratio == pytest.approx(0.88)
    assert by_key["ann"].manager_mean_error == pytest.approx(0.05)
    assert by_key["bob"].mean_error == pytest.approx(0.9)
    assert by_key["bob"].mean_ratio == pytest.approx(1.9)
    assert by_key["bob"].manager_mean_error == pytest.approx(0.25)
    data = result.as_dict()
    assert data["team"]["points"][0]["rep_call"] == "66000.00"
    assert data["reps"][0] == {
        "key": "ann",
        "label": "Ann",
        "snapshots": 2,
        "mean_error": 0.12,
        "mean_ratio": 0.88,
        "manager_mean_error": 0.05,
    }


def test_a_team_snapshot_counts_for_its_people_only(engine: Engine, people: dict[str, int]) -> None:
    ann, mgr = people["ann"], people["mgr"]
    team_only = snapshot(engine, "2026Q3", date(2026, 9, 2), {ann: ("0", "50000", "0")}, owner=mgr)
    assert forecast_accuracy(engine, today=TODAY).team.points == ()
    for owners in (frozenset({ann}), frozenset({mgr, ann, people["bob"]})):
        result = forecast_accuracy(engine, today=TODAY, owner_ids=owners)
        assert [p.snapshot_id for p in result.team.points] == [team_only]
    only_ann = forecast_accuracy(engine, today=TODAY, owner_ids=frozenset({ann}))
    assert only_ann.team.points[0].error == 0  # called 50,000, won 50,000


def test_the_report_section(engine: Engine, people: dict[str, int]) -> None:
    report = calibration_report(engine, period=parse_period("2026Q3"), today=TODAY)
    # The year up to the end of Q3: 2025-10-01 to 2026-09-30; bob's and ann's as above.
    assert (report.since, report.until) == (date(2025, 10, 1), date(2026, 9, 30))
    assert report.total.deals == 7
    data = report.as_dict()
    assert data["window"] == {
        "start": "2025-10-01",
        "end": "2026-09-30",
        "text": "closed in the 12 months to 2026-09-30",
    }
    assert data["totals"]["brier"] == round(9900 / 70_000, 4)
    markdown = calibration_markdown(report)
    assert "| Ann | 5 | 0.198 | 54.0% | 60.0% | -6.0 pts |" in markdown
    assert "| 80-100% | 2 | 95.0% | 100.0% |" in markdown


def test_the_window_example_of_the_metrics_page(engine: Engine, people: dict[str, int]) -> None:
    """docs/metrics.md, "Window example": on 2026-11-26 Q3's window is 2025-10-01 to
    2026-09-30 and Q4's 2025-11-27 to 2026-11-26; ann's deal lost at 80% on 2025-01-01
    counts only for `all`: 6 deals, (9900 + 6400) / 60,000 = 0.2717 (points squared)."""
    q3, q4 = (
        calibration_window(parse_period("2026Q3"), TODAY),
        calibration_window(parse_period("2026Q4", today=TODAY), TODAY),
    )
    assert (q3.since, q3.until) == (date(2025, 10, 1), date(2026, 9, 30))
    assert (q4.since, q4.until) == (date(2025, 11, 27), date(2026, 11, 26))
    assert q4.text == "closed in the 12 months to 2026-11-26"
    ann = {"ann": people["ann"]}
    for period, deals, brier in (("2026Q3", 5, 0.198), ("all", 6, 0.272)):
        report = calibration_report(
            engine,
            period=parse_period(period, today=TODAY),
            today=TODAY,
            owner_ids=frozenset(ann.values()),
        )
        (row,) = report.reps
        assert (row.key, row.deals, round(row.brier or 0, 3)) == ("ann", deals, brier)
    everything = calibration_window(parse_period("all", today=TODAY), TODAY)
    assert everything.since is None and everything.text == "closed at any time"


def test_report_calibration_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "seeded.db")
    assert (
        main(["seed", "--deals", "3000", "--seed", "4", "--today", "2026-11-26", "--db", db]) == 0
    )
    base = ["report", "--db", db, "--period", "2026Q4", "--today", "2026-11-26"]
    assert main([*base, "--format", "json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert main([*base, "--format", "json", "--calibration"]) == 0
    data = json.loads(capsys.readouterr().out)
    # The report's own keys are untouched; calibration is one more.
    assert {k: v for k, v in data.items() if k != "calibration"} == plain
    calibration_data = data["calibration"]
    assert calibration_data["window"] == {
        "start": "2025-11-27",
        "end": "2026-11-26",
        "text": "closed in the 12 months to 2026-11-26",
    }
    totals = calibration_data["totals"]
    assert totals["deals"] > 300 and 0.1 < totals["brier"] < 0.3
    # The demo's reps are a little over-confident: they say more than they win.
    assert 0 < totals["overconfidence"] < 0.15
    assert sum(b["count"] for b in totals["bands"]) == totals["deals"]
    assert len(calibration_data["accuracy"]["team"]["points"]) == 24  # 8 quarters x 3
    assert main([*base, "--format", "markdown", "--calibration"]) == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("# Forecast Q4 FY2026 by rep\n")
        and "## Calibration (deals closed in the 12 months to 2026-11-26)" in out
    )
    assert main([*base, "--calibration"]) == 0
    assert "Reliability" in capsys.readouterr().out
    assert main([*base, "--format", "csv", "--calibration"]) == 2
    assert "not csv" in capsys.readouterr().err
