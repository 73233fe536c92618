"""A review of the deals nobody has dated, on both databases.

mgr manages ann and bob. Undated: ann's Propose 30,000 and bob's Qualify 5,000 (open) and
a lost 7,000 of bob's (its close date cleared by hand). Dated: ann's Negotiate 40,000 in
December. Quotas: ann 100,000 for Q4. A review of "no close date" walks the two open
undated deals, Propose first (the later stage); its start snapshot counts 35,000 of
pipeline, weighted 30,000 x 50% + 5,000 x 10% = 15,500, and no quota (undated deals
belong to no period), so no coverage.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select, text

from pipeline_tui import reviews
from pipeline_tui.periods import no_close_date, parse_period
from pipeline_tui.query import DEAL, Scope, load_stages, quota_by_user, where

from ..factories import Builder

TODAY = date(2026, 11, 26)


def build(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann, bob = b.user("ann", manager=mgr), b.user("bob", manager=mgr)
    b.quota(ann, date(2026, 10, 1), date(2026, 12, 31), "100000")
    ids = {
        "mgr": mgr.id or 0,
        "ann": ann.id or 0,
        "a30": b.deal(ann, "Propose", "30000", None, probability=50).id or 0,
        "b05": b.deal(bob, "Qualify", "5000", None, probability=10).id or 0,
        "lost": b.deal(bob, "Lost", "7000", date(2026, 11, 2)).id or 0,
        "a40": b.deal(ann, "Negotiate", "40000", date(2026, 12, 15)).id or 0,
    }
    b.commit()
    with engine.begin() as conn:
        conn.execute(text("UPDATE deal SET close_date = NULL WHERE id = :i"), {"i": ids["lost"]})
    return ids


def test_the_no_close_date_period_picks_the_undated_deals(engine: Engine) -> None:
    ids = build(engine)
    with engine.connect() as conn:
        stages = load_stages(conn)
        for stage_lists in (stages, None):
            picked = set(
                conn.execute(
                    select(DEAL.id).where(
                        *where(Scope(period=no_close_date(), open_only=False), stage_lists)
                    )
                ).scalars()
            )
            assert picked == {ids["a30"], ids["b05"], ids["lost"]}
        assert quota_by_user(conn, no_close_date(), [ids["ann"]]) == {}
        # The quarter still has ann's quota: only the undated "period" has none.
        quarter = parse_period("2026Q4", today=TODAY)
        assert quota_by_user(conn, quarter, [ids["ann"]]) == {ids["ann"]: Decimal("100000")}


def test_a_review_of_the_deals_with_no_close_date(engine: Engine) -> None:
    ids = build(engine)
    state = reviews.start_review(
        engine,
        started_by=ids["mgr"],
        scope=reviews.ReviewScope(ids["mgr"]),
        period=no_close_date(),
        today=TODAY,
    )
    assert [item.deal_id for item in state.items] == [ids["a30"], ids["b05"]]
    assert state.period == no_close_date() and state.period.label == "No close date"
    again = reviews.get_review(engine, state.id)
    assert again.period == no_close_date()
    start = again.start_figures
    assert start is not None
    figures = start.figures
    assert figures.pipeline == Decimal("35000")
    assert figures.weighted == Decimal("15500")
    assert figures.quota in (None, Decimal(0)) and figures.coverage is None


def test_a_review_of_no_close_date_ends_with_its_summary(engine: Engine) -> None:
    ids = build(engine)
    state = reviews.start_review(
        engine,
        started_by=ids["mgr"],
        scope=reviews.ReviewScope(ids["mgr"]),
        period=no_close_date(),
        today=TODAY,
    )
    summary = reviews.end_review(engine, state.id, today=TODAY)
    assert summary.forecast_end is not None
    assert summary.forecast_end.figures.pipeline == Decimal("35000")
    assert summary.as_dict()["period"]["key"] == "none"
    assert "No close date" in reviews.summary_markdown(summary).splitlines()[0]
