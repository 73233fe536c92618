"""The forecast engine against a pipeline whose every figure was worked out by hand.

The numbers in the comments are the hand computation; docs/metrics.md has the
definitions they follow.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from pipeline_tui.forecast import GroupBy, Scope, compute_rollup
from pipeline_tui.forecast.metrics import ForecastFigures
from pipeline_tui.forecast.rollup import load_org, quota_by_user, trailing_window
from pipeline_tui.periods import parse_period

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)


@pytest.fixture
def team(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    vp = b.user("vp", role="manager")
    mgr = b.user("mgr", manager=vp, role="manager")
    ann = b.user("ann", manager=mgr)
    bob = b.user("bob", manager=mgr)
    cat = b.user("cat", manager=vp)
    q4_start, q4_end = date(2026, 10, 1), date(2026, 12, 31)
    b.quota(ann, q4_start, q4_end, "100000")
    b.quota(bob, q4_start, q4_end, "50000")
    b.quota(cat, q4_start, q4_end, "80000")

    b.deal(ann, "Won", "30000", date(2026, 10, 15), category="closed")
    b.deal(ann, "Negotiate", "40000", date(2026, 12, 10), probability=80, category="commit")
    b.deal(ann, "Propose", "20000", date(2026, 11, 30), probability=50, category="best_case")
    b.deal(ann, "Qualify", "10000", date(2026, 12, 20), probability=10)
    b.deal(ann, "Lost", "25000", date(2026, 10, 20), category="omitted")
    b.deal(ann, "Qualify", "5000", date(2026, 12, 1), probability=10, category="omitted")
    b.deal(bob, "Won", "10000", date(2026, 11, 1), category="closed")
    b.deal(bob, "Propose", "60000", date(2026, 12, 15), probability=40)
    b.deal(bob, "Lost", "10000", date(2026, 11, 5), category="omitted")
    b.deal(bob, "Lost", "5000", date(2026, 10, 2), category="omitted")
    b.deal(cat, "Negotiate", "50000", date(2026, 12, 31), probability=90, category="commit")
    b.deal(cat, "Qualify", "7000", None)  # no close date: in no bounded period
    # Outside Q4: the trailing year (2025-10-01 to 2026-09-30) and next quarter.
    b.deal(ann, "Won", "20000", date(2026, 9, 30), category="closed")
    b.deal(ann, "Lost", "60000", date(2026, 6, 1), category="omitted")
    b.deal(bob, "Won", "40000", date(2026, 3, 1), category="closed")
    b.deal(cat, "Lost", "40000", date(2026, 2, 1), category="omitted")
    b.deal(ann, "Lost", "99000", date(2025, 9, 30), category="omitted")  # a day too early
    b.deal(ann, "Negotiate", "100000", date(2027, 1, 5), probability=80, category="commit")
    ids = {"vp": vp.id, "mgr": mgr.id, "ann": ann.id, "bob": bob.id, "cat": cat.id}
    b.commit()
    return {k: v for k, v in ids.items() if v is not None}


def D(text: str) -> Decimal:
    return Decimal(text)


def figures_by_key(engine: Engine, by: GroupBy, scope: Scope | None = None) -> dict[str, object]:
    with engine.connect() as conn:
        rollup = compute_rollup(conn, Q4, by, scope, today=TODAY)
    return {row.key: row.figures for row in rollup.rows} | {"TOTAL": rollup.totals}


def test_rep_figures_match_the_hand_computation(engine: Engine, team: dict[str, int]) -> None:
    rows = figures_by_key(engine, GroupBy.REP)
    ann = rows["ann"]
    assert isinstance(ann, ForecastFigures)
    assert ann.quota == D("100000")
    assert ann.closed_won == D("30000")
    assert ann.commit == D("40000")
    assert ann.best_case == D("20000")
    assert ann.pipeline == D("70000")  # 40k + 20k + 10k; the omitted 5k is left out
    assert ann.weighted == D("43000")  # 40k*.8 + 20k*.5 + 10k*.1
    assert (ann.open_count, ann.won_count, ann.lost_count) == (3, 1, 1)
    assert ann.coverage == pytest.approx(1.0)  # 70k / (100k - 30k)
    assert ann.win_rate == pytest.approx(0.5)  # 1 / (1 + 1)
    assert ann.win_rate_value == pytest.approx(30 / 55)  # 30k / (30k + 25k)
    assert ann.trailing_win_rate == pytest.approx(0.25)  # 20k / (20k + 60k)
    assert ann.needed_coverage == pytest.approx(4.0)
    assert ann.gap == D("30000")  # 100k - 30k won - 40k commit

    bob = rows["bob"]
    assert isinstance(bob, ForecastFigures)
    assert bob.pipeline == D("60000") and bob.weighted == D("24000")
    assert bob.coverage == pytest.approx(1.5)  # 60k / (50k - 10k)
    assert bob.win_rate == pytest.approx(1 / 3)
    assert bob.win_rate_value == pytest.approx(0.4)  # 10k / (10k + 10k + 5k)
    assert bob.needed_coverage == pytest.approx(1.0)  # won everything last year
    assert bob.gap == D("40000")

    cat = rows["cat"]
    assert isinstance(cat, ForecastFigures)
    assert cat.coverage == pytest.approx(0.625)  # 50k / 80k
    assert cat.win_rate is None  # nothing closed this quarter
    assert cat.needed_coverage is None  # won nothing last year: no finite multiple
    assert cat.gap == D("30000")
    assert "vp" not in rows and "mgr" not in rows  # no deals, no quota


def test_totals_are_the_whole_scope(engine: Engine, team: dict[str, int]) -> None:
    total = figures_by_key(engine, GroupBy.REP)["TOTAL"]
    assert isinstance(total, ForecastFigures)
    assert total.quota == D("230000")
    assert total.closed_won == D("40000")
    assert total.commit == D("90000")
    assert total.pipeline == D("180000")
    assert total.weighted == D("112000")
    assert (total.open_count, total.won_count, total.lost_count) == (5, 2, 3)
    assert total.coverage == pytest.approx(180 / 190)
    assert total.win_rate == pytest.approx(0.4)
    assert total.win_rate_value == pytest.approx(0.5)  # 40k / (40k + 40k)
    assert total.needed_coverage == pytest.approx(160 / 60)  # 1 / (60k / 160k)
    assert total.gap == D("100000")


def test_manager_rows_roll_up_the_whole_subtree(engine: Engine, team: dict[str, int]) -> None:
    rows = figures_by_key(engine, GroupBy.MANAGER)
    mgr, vp = rows["mgr"], rows["vp"]
    assert isinstance(mgr, ForecastFigures) and isinstance(vp, ForecastFigures)
    assert mgr.quota == D("150000") and mgr.closed_won == D("40000")
    assert mgr.pipeline == D("130000")
    assert mgr.coverage == pytest.approx(130 / 110)
    assert vp == rows["TOTAL"]


def test_scope_limits_rows_and_totals(engine: Engine, team: dict[str, int]) -> None:
    with engine.connect() as conn:
        org = load_org(conn)
    scope = Scope(owner_ids=org.subtree(team["mgr"]))
    rows = figures_by_key(engine, GroupBy.REP, scope)
    assert set(rows) == {"ann", "bob", "TOTAL"}
    total = rows["TOTAL"]
    assert isinstance(total, ForecastFigures)
    assert total.quota == D("150000") and total.commit == D("40000")


def test_stage_rows(engine: Engine, team: dict[str, int]) -> None:
    rows = figures_by_key(engine, GroupBy.STAGE)
    assert list(rows) == ["Qualify", "Propose", "Negotiate", "Won", "Lost", "TOTAL"]
    propose, negotiate = rows["Propose"], rows["Negotiate"]
    assert isinstance(propose, ForecastFigures) and isinstance(negotiate, ForecastFigures)
    assert propose.pipeline == D("80000") and propose.weighted == D("34000")
    assert negotiate.pipeline == D("90000") and negotiate.weighted == D("77000")
    won = rows["Won"]
    assert isinstance(won, ForecastFigures)
    assert won.closed_won == D("40000") and won.won_count == 2
    total = rows["TOTAL"]
    assert isinstance(total, ForecastFigures) and total.quota == D("230000")
    assert total.needed_coverage == pytest.approx(160 / 60)


def test_category_rows(engine: Engine, team: dict[str, int]) -> None:
    rows = figures_by_key(engine, GroupBy.CATEGORY)
    assert list(rows)[:5] == ["pipeline", "best_case", "commit", "closed", "omitted"]
    pipeline = rows["pipeline"]
    assert isinstance(pipeline, ForecastFigures) and pipeline.pipeline == D("70000")
    omitted = rows["omitted"]
    assert isinstance(omitted, ForecastFigures)
    assert omitted.pipeline == 0 and omitted.lost_count == 3


def test_all_time_includes_deals_without_a_close_date(engine: Engine, team: dict[str, int]) -> None:
    with engine.connect() as conn:
        rollup = compute_rollup(conn, parse_period("all"), GroupBy.REP, today=TODAY)
    assert rollup.totals.pipeline == D("287000")  # 180k + 7k undated + 100k next quarter
    assert rollup.as_dict()["period"] == {"key": "all", "start": None, "end": None}


def test_quota_is_prorated_by_days_for_a_month(engine: Engine, team: dict[str, int]) -> None:
    november = parse_period("2026-11")
    with engine.connect() as conn:
        quotas = quota_by_user(conn, november, [team["ann"]])
    assert quotas[team["ann"]] == D("32608.70")  # 100k * 30 / 92 days


def test_trailing_window_ends_before_the_period_or_today() -> None:
    assert trailing_window(Q4, TODAY) == (date(2025, 10, 1), date(2026, 9, 30))
    next_q = Q4.shift(1)
    assert trailing_window(next_q, TODAY) == (date(2025, 11, 26), date(2026, 11, 25))


def test_json_shape(engine: Engine, team: dict[str, int]) -> None:
    with engine.connect() as conn:
        data = compute_rollup(conn, Q4, GroupBy.REP, today=TODAY).as_dict()
    assert data["period"] == {"key": "2026Q4", "start": "2026-10-01", "end": "2026-12-31"}
    ann = next(r for r in data["rows"] if r["key"] == "ann")
    assert ann["quota"] == "100000.00" and ann["weighted"] == "43000.00"
    assert ann["coverage"] == 1.0 and ann["needed_coverage"] == 4.0
    assert set(data["totals"]) == set(ann) - {"key"}
