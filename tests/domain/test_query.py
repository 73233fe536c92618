"""The one SQL toolkit: one `Scope` and one `where` pick the same deals for every caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select

from pipeline_tui.periods import Period, parse_period
from pipeline_tui.query import DEAL, Scope, as_utc, load_stages, row_to, where

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)


@pytest.fixture
def deals(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann = b.user("ann", manager=mgr)
    bob = b.user("bob", manager=mgr)
    rows = {
        "ann open": b.deal(ann, "Propose", "100", date(2026, 12, 1), name="ann open"),
        "ann won": b.deal(ann, "Won", "200", date(2026, 11, 2), name="ann won"),
        "ann later": b.deal(ann, "Propose", "300", date(2027, 2, 1), name="ann later"),
        "bob open": b.deal(bob, "Qualify", "400", date(2026, 12, 5), name="bob open"),
        "bob lost": b.deal(bob, "Lost", "500", date(2026, 10, 9), name="bob lost"),
        "bob undated": b.deal(bob, "Qualify", "600", None, name="bob undated"),
    }
    result = {k: d.id or 0 for k, d in rows.items()} | {"ann": ann.id or 0}
    b.commit()
    return result


def picked(engine: Engine, scope: Scope, *, with_stages: bool) -> set[int]:
    with engine.connect() as conn:
        stages = load_stages(conn) if with_stages else None
        return set(conn.execute(select(DEAL.id).where(*where(scope, stages))).scalars())


@pytest.mark.parametrize(
    "scope",
    [
        Scope(),
        Scope(open_only=False),
        Scope(period=Q4),
        Scope(period=Q4, open_only=False),
        Scope(period=Q4, closing_in_period=False),
        Scope(no_close_date=True, period=Q4),
    ],
)
def test_stage_lists_and_plain_conditions_pick_the_same_deals(
    engine: Engine, deals: dict[str, int], scope: Scope
) -> None:
    # The board spells "open" and the pipeline as subqueries, the forecast as stage id
    # lists from `load_stages`; both must mean the same deals.
    assert picked(engine, scope, with_stages=True) == picked(engine, scope, with_stages=False)


def test_counted_keeps_whose_and_drops_the_boards_filters(
    engine: Engine, deals: dict[str, int]
) -> None:
    board = Scope(frozenset({deals["ann"]}), period=Q4, categories=frozenset({"commit"}))
    assert picked(engine, board, with_stages=False) == set()
    counted = board.counted(Q4)
    assert picked(engine, counted, with_stages=True) == {deals["ann open"], deals["ann won"]}
    open_only = board.counted(Q4, open_only=True)
    assert picked(engine, open_only, with_stages=True) == {deals["ann open"]}
    assert picked(engine, board.counted(None), with_stages=True) == {
        deals["ann open"],
        deals["ann won"],
        deals["ann later"],
    }


def test_a_pipeline_is_its_stages(engine: Engine, deals: dict[str, int]) -> None:
    with engine.connect() as conn:
        pipeline_id = next(iter(load_stages(conn).values())).pipeline_id
    everyone = picked(engine, Scope(open_only=False), with_stages=True)
    assert picked(engine, Scope(pipeline_id=pipeline_id, open_only=False), with_stages=True) == (
        everyone
    )
    assert picked(engine, Scope(pipeline_id=pipeline_id + 99), with_stages=True) == set()
    assert picked(engine, Scope(pipeline_id=pipeline_id + 99), with_stages=False) == set()


@dataclass(frozen=True)
class Pair:
    name: str
    amount: int
    when: datetime


def test_row_to_takes_columns_by_name_and_overrides() -> None:
    naive = datetime(2026, 1, 2, 3, 4)
    row = {"name": "x", "amount": 5, "when": naive, "extra": "ignored"}
    assert row_to(Pair, row, when=as_utc(naive)) == Pair("x", 5, naive.replace(tzinfo=UTC))
    with pytest.raises(KeyError):
        row_to(Pair, {"name": "x", "when": naive})


def test_as_utc_converts_aware_times() -> None:
    plus_two = datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(plus_two) == datetime(2026, 1, 2, 3, 0, tzinfo=UTC)
    assert as_utc(plus_two).tzinfo is UTC


def test_a_period_with_one_bound_is_from_or_until(engine: Engine, deals: dict[str, int]) -> None:
    since = Period("since", "window", date(2026, 12, 1), None)
    until = Period("until", "window", None, date(2026, 11, 2))
    from_december = {deals["ann open"], deals["ann later"], deals["bob open"]}
    assert picked(engine, Scope(period=since, open_only=False), with_stages=True) == from_december
    till_november = {deals["ann won"], deals["bob lost"]}
    assert picked(engine, Scope(period=until, open_only=False), with_stages=True) == till_november
