"""How the figures query reads the deals: one close-date range on SQLite, whatever the size.

Spelled as a bare OR of the period's and the trailing year's branches, SQLite read each
branch through an index of its own and kept every row id it met in memory (a MULTI-INDEX
OR), which at 1M deals was several MiB of the app's peak memory per header read. The
figures themselves are held by the hand-computed tests in `test_forecast.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, event

from pipeline_tui.forecast import forecast_totals
from pipeline_tui.periods import parse_period
from pipeline_tui.query import Scope

from ..factories import Builder

TODAY = date(2026, 11, 26)


@contextmanager
def figures_statements(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """Every statement that sums the figures (`converted_sums`), with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "by_rate" in statement:
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def plan(conn: Connection, statement: str, params: Any) -> list[str]:
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params).all()
    return [str(row[3]) for row in rows]


def test_figures_read_one_close_date_range_on_sqlite(sqlite_engine: Engine) -> None:
    b = Builder(sqlite_engine)
    ann = b.user("ann")
    b.deal(ann, "Negotiate", "40000", date(2026, 12, 10), probability=80, category="commit")
    b.deal(ann, "Won", "20000", date(2026, 9, 30), category="closed")
    b.commit()
    q4 = parse_period("2026Q4", today=TODAY)
    with figures_statements(sqlite_engine) as seen, sqlite_engine.connect() as conn:
        figures = forecast_totals(conn, q4, today=TODAY)
        assert len(seen) == 1
        steps = plan(conn, *seen[0])
    assert figures.commit == Decimal("40000") and figures.trailing_won_value == Decimal("20000")
    assert not any("MULTI-INDEX OR" in step for step in steps), steps
    assert any("close_date>? AND close_date<?" in step for step in steps), steps


def test_a_later_period_leaves_out_the_gap_before_it(sqlite_engine: Engine) -> None:
    """The range spans the trailing year and the period; a deal closing between the two
    (after today, before the period) is in neither and counts nowhere."""
    b = Builder(sqlite_engine)
    ann = b.user("ann")
    b.deal(ann, "Negotiate", "100000", date(2027, 1, 5), probability=80, category="commit")
    b.deal(ann, "Negotiate", "30000", date(2027, 5, 2), probability=80, category="commit")
    b.deal(ann, "Won", "5000", date(2026, 11, 20), category="closed")
    b.deal(ann, "Won", "7000", date(2026, 11, 27), category="closed")  # after today
    b.commit()
    q2 = parse_period("2027Q2", today=TODAY)
    with sqlite_engine.connect() as conn:
        figures = forecast_totals(conn, q2, today=TODAY)
    assert figures.commit == Decimal("30000")
    assert figures.pipeline == Decimal("30000")
    assert figures.closed_won == Decimal("0")
    assert figures.trailing_won_value == Decimal("5000")


def test_the_scope_s_people_are_asked_for_once(sqlite_engine: Engine) -> None:
    """A scope of some people names them once, not in each of the two dozen sums: at 460
    people that was 13,000 parameters and ~11 MiB of SQLite's memory to compile."""
    b = Builder(sqlite_engine)
    ann, bob = b.user("ann"), b.user("bob")
    b.deal(ann, "Negotiate", "40000", date(2026, 12, 10), probability=80, category="commit")
    b.deal(bob, "Negotiate", "9000", date(2026, 12, 10), probability=80, category="commit")
    b.deal(ann, "Won", "20000", date(2026, 9, 30), category="closed")
    b.deal(bob, "Won", "3000", date(2026, 9, 30), category="closed")
    b.commit()
    assert ann.id is not None and b.pipeline.id is not None
    q4 = parse_period("2026Q4", today=TODAY)
    scope = Scope(frozenset({ann.id}), b.pipeline.id)
    with figures_statements(sqlite_engine) as seen, sqlite_engine.connect() as conn:
        figures = forecast_totals(conn, q4, scope, today=TODAY)
    assert figures.commit == Decimal("40000") and figures.trailing_won_value == Decimal("20000")
    assert figures.quota_basis is not None and figures.quota_basis.commit == Decimal("40000")
    assert [statement.count("owner_id IN") for statement, _ in seen] == [1]
