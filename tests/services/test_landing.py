"""Where the board opens when the current quarter is empty: where the data is."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event

from pipeline_tui.periods import month_containing, parse_period, quarter_containing
from pipeline_tui.query import Scope
from pipeline_tui.services.landing import Landing, find_landing

from ..factories import Builder

TODAY = date(2026, 11, 26)
THIS_QUARTER = quarter_containing(TODAY)


def history(engine: Engine, *, bob_now: bool = False) -> dict[str, int]:
    """A 2016-2017 history: ann's latest open deal closes in May 2017, her latest deal of
    all (won) in September 2017; bob has only closed deals, the latest in March 2017.
    With `bob_now`, bob has one open deal closing this quarter as well."""
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann = b.user("ann", manager=mgr)
    bob = b.user("bob", manager=mgr)
    b.deal(ann, "Propose", "100", date(2016, 11, 3))
    b.deal(ann, "Negotiate", "200", date(2017, 5, 20))
    b.deal(ann, "Won", "300", date(2017, 9, 1))
    b.deal(ann, "Qualify", "50", None)
    b.deal(bob, "Lost", "400", date(2017, 3, 9))
    if bob_now:
        b.deal(bob, "Qualify", "70", date(2026, 12, 1))
    ids = {"mgr": mgr.id or 0, "ann": ann.id or 0, "bob": bob.id or 0}
    b.commit()
    return ids


def test_an_all_history_database_opens_on_its_latest_open_deal(engine: Engine) -> None:
    history(engine)
    landing = find_landing(engine, Scope(), THIS_QUARTER)
    assert landing == Landing(parse_period("2017Q2"), open_deals=True, go=True)


def test_with_no_open_deal_in_scope_the_latest_deal_of_all(engine: Engine) -> None:
    people = history(engine)
    landing = find_landing(engine, Scope(frozenset({people["bob"]})), THIS_QUARTER)
    assert landing == Landing(parse_period("2017Q1"), open_deals=False, go=True)


def test_a_month_on_the_board_lands_on_a_month(engine: Engine) -> None:
    history(engine)
    landing = find_landing(engine, Scope(), month_containing(TODAY))
    assert landing is not None and landing.period == parse_period("2017-05")


def test_deals_this_quarter_keep_the_board_where_it_is(engine: Engine) -> None:
    people = history(engine, bob_now=True)
    assert find_landing(engine, Scope(), THIS_QUARTER) is None
    assert find_landing(engine, Scope(frozenset({people["bob"]})), THIS_QUARTER) is None
    # Someone else has deals now: ann's board is only told where her data is.
    landing = find_landing(engine, Scope(frozenset({people["ann"]})), THIS_QUARTER)
    assert landing == Landing(parse_period("2017Q2"), open_deals=True, go=False)


def test_nothing_dated_and_all_time_stay_put(engine: Engine) -> None:
    b = Builder(engine)
    ann = b.user("ann")
    b.deal(ann, "Qualify", "50", None)
    b.commit()
    assert find_landing(engine, Scope(), THIS_QUARTER) is None
    assert find_landing(engine, Scope(), parse_period("all")) is None


@pytest.mark.parametrize("whose", ["bob", "everyone"])
def test_every_lookup_is_answered_from_an_index(sqlite_engine: Engine, whose: str) -> None:
    people = history(sqlite_engine)
    if whose == "everyone":  # ann's open deals end the search at the second lookup
        with sqlite_engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE deal SET stage_id = 5 WHERE owner_id = ?", (people["ann"],)
            )
    statements: list[tuple[str, Any]] = []

    def seen(conn: object, cursor: object, sql: str, params: Any, *args: object) -> None:
        if "FROM deal" in sql:
            statements.append((sql, params))

    owners = None if whose == "everyone" else frozenset({people[whose]})
    event.listen(sqlite_engine, "before_cursor_execute", seen)
    try:
        find_landing(sqlite_engine, Scope(owners, 1), THIS_QUARTER)
    finally:
        event.remove(sqlite_engine, "before_cursor_execute", seen)
    assert len(statements) == 3  # anyone this quarter, then the latest open, then any
    with sqlite_engine.connect() as conn:
        for sql, params in statements:
            plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
            for detail in (str(row[-1]) for row in plan):
                # A search by an index's leading columns, or a read of an index alone.
                assert detail.startswith("SEARCH deal USING") or "COVERING INDEX" in detail, (
                    sql,
                    detail,
                )
