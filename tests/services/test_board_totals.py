"""The board's first figures come from one grouped query over the deals, and they are the
numbers `report` prints and the stage columns' own query gives, on both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from pipeline_tui.forecast import GroupBy
from pipeline_tui.periods import quarter_containing
from pipeline_tui.seed import seed_demo
from pipeline_tui.services.deals import stage_columns
from pipeline_tui.services.edit_types import Archive
from pipeline_tui.services.workspace import BoardSnapshot, Workspace
from pipeline_tui.storage import make_engine, upgrade
from pipeline_tui.ui.state import ViewState

from ..conftest import fresh_pg_schema

TODAY = date(2026, 11, 26)
DEAL_READ = re.compile(r"\bFROM deal\b", re.IGNORECASE)


def foreign_money(engine: Engine) -> None:
    """Some deals in euros (with rates that change inside the quarter) and some in yen,
    which has no rate: the one query must convert and leave out exactly as the others."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO rate (currency, effective_date, rate) VALUES "
                "('EUR', '2025-01-01', '1.0813'), ('EUR', '2026-11-01', '1.1027')"
            )
        )
        conn.execute(text("UPDATE deal SET currency = 'EUR' WHERE id % 7 = 0"))
        conn.execute(text("UPDATE deal SET currency = 'JPY' WHERE id % 11 = 0"))
        conn.execute(text("UPDATE deal SET probability = 33 WHERE id % 5 = 0"))


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        address = f"sqlite:///{tmp_path / 'pipeline.db'}"
        engine = make_engine(address)
        upgrade(engine)
        seed_demo(engine, deals=900, seed=42, today=TODAY)
        foreign_money(engine)
        engine.dispose()
        yield address
        return
    with fresh_pg_schema() as schema:
        address = schema.url.render_as_string(hide_password=False)
        engine = make_engine(address)
        upgrade(engine)
        seed_demo(engine, deals=900, seed=42, today=TODAY)
        foreign_money(engine)
        engine.dispose()
        yield address


@contextmanager
def deal_reads(ws: Workspace) -> Iterator[list[str]]:
    """Every statement that reads the deal table, while the block runs."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if DEAL_READ.search(statement):
            seen.append(statement)

    event.listen(ws.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ws.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("who", ["vp", "sam.cohen", "casey.byrne"])
def test_the_first_screens_counts_and_sums_are_one_query_and_equal_the_report(
    url: str, who: str
) -> None:
    with Workspace.open(url, who, today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        flt = state.deal_filter(ws.today())
        pipeline_id = state.scope.pipeline_id
        assert pipeline_id is not None
        with deal_reads(ws) as seen:
            snapshot = ws.board(flt, state.scope, sort="close_date", descending=False,
                                offsets={}, page_size=1)  # fmt: skip
        # One grouped query for the header and the columns; then one page per column.
        # Besides: the change mark live updates start from (the newest deal id, one index
        # lookup, no scan of the deals).
        marks = [s for s in seen if "max(deal.id)" in s]
        assert len(marks) == 1, marks
        seen = [s for s in seen if s not in marks]
        totals = [s for s in seen if "GROUP BY" in s.upper()]
        assert len(totals) == 1, totals
        assert len(seen) == 1 + len(snapshot.pages)

        period = state.period
        report = ws.report(period, GroupBy.REP, state.scope)
        assert snapshot.figures == report.totals
        assert snapshot.figures == ws.forecast(state.scope, flt)
        columns = ws.run(lambda: stage_columns(ws.engine, ws.seen(flt), pipeline_id))
        assert [p.stage for p in snapshot.pages] == columns
        # The data is worth comparing: money converted, some left out, deals in columns.
        assert snapshot.figures.pipeline > 0 and snapshot.figures.closed_won > 0
        assert dict(snapshot.figures.unconverted).get("JPY", 0) > 0
        assert sum(c.count for c in columns) > 0


@pytest.mark.parametrize("one_currency", [False, True])
def test_everyones_board_equals_the_report_in_one_currency_or_several(
    url: str, one_currency: bool
) -> None:
    # Everyone's deals (no owner filter) and the vp's (all but two) are summed by stage
    # without an owner key, every currency together, the others' then taken off.
    if one_currency:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("UPDATE deal SET currency = 'USD'"))
        engine.dispose()
    with Workspace.open(url, "vp", today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        assert state.scope.owner_ids is not None  # admin and viewer are not the vp's
        team = state.deal_filter(ws.today())
        everyone = replace(team, owner_ids=None)
        for flt in (team, everyone):
            scope = replace(state.scope, owner_ids=flt.owner_ids)
            pipeline_id = scope.pipeline_id
            assert pipeline_id is not None
            snapshot = ws.board(flt, scope, sort="amount", descending=True, offsets={},
                                page_size=1)  # fmt: skip
            assert snapshot.figures == ws.report(state.period, GroupBy.REP, scope).totals
            columns = ws.run(lambda: stage_columns(ws.engine, ws.seen(flt), pipeline_id))  # noqa: B023
            assert [p.stage for p in snapshot.pages] == columns
            left_out = dict(snapshot.figures.unconverted)
            assert (left_out == {}) == one_currency, left_out


def test_a_filtered_board_and_other_periods_still_equal_the_report(url: str) -> None:
    with Workspace.open(url, "vp", today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        for period in (quarter_containing(date(2026, 5, 1), 1), quarter_containing(TODAY, 1)):
            for changes in ({}, {"search": "a"}, {"categories": frozenset({"commit"})}):
                st = replace(state, period=period)
                flt = replace(st.deal_filter(ws.today()), **changes)
                pipeline_id = st.scope.pipeline_id
                assert pipeline_id is not None
                snapshot = ws.board(flt, st.scope, sort="amount", descending=True, offsets={},
                                    page_size=1)  # fmt: skip
                assert snapshot.figures == ws.report(period, GroupBy.REP, st.scope).totals
                columns = ws.run(lambda: stage_columns(ws.engine, flt, pipeline_id))  # noqa: B023
                assert [p.stage for p in snapshot.pages] == columns


def test_an_archived_deal_leaves_the_one_query_as_it_leaves_the_report(url: str) -> None:
    with Workspace.open(url, "vp", today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        flt = state.deal_filter(ws.today())
        pipeline_id = state.scope.pipeline_id
        assert pipeline_id is not None

        def board() -> BoardSnapshot:
            return ws.board(flt, state.scope, sort="amount", descending=True, offsets={},
                            page_size=20)  # fmt: skip

        before = board()
        cards = (c for p in before.pages for c in p.cards)
        biggest = next(c for c in cards if (c.currency or "USD") == "USD")  # no conversion
        ws.edit(biggest, Archive())
        after = board()
        assert after.figures.pipeline == before.figures.pipeline - biggest.amount
        assert after.figures == ws.report(state.period, GroupBy.REP, state.scope).totals
        columns = ws.run(lambda: stage_columns(ws.engine, ws.seen(flt), pipeline_id))
        assert [p.stage for p in after.pages] == columns


def test_a_retired_empty_stage_is_no_column_either_way(url: str) -> None:
    with Workspace.open(url, "admin", today=lambda: TODAY) as admin:
        admin.add_stage(1, "Demo day", 20)
        with admin.engine.connect() as conn:
            stage_id = conn.execute(text("SELECT id FROM stage WHERE name = 'Demo day'")).scalar()
        admin.retire_stage(int(stage_id))
    with Workspace.open(url, "vp", today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        flt = state.deal_filter(ws.today())
        snapshot = ws.board(flt, state.scope, sort="amount", descending=True, offsets={},
                            page_size=1)  # fmt: skip
        assert state.scope.pipeline_id == 1  # the pipeline the stage was added to
        assert "Demo day" not in [p.stage.name for p in snapshot.pages]
        columns = ws.run(lambda: stage_columns(ws.engine, ws.seen(flt), 1))
        assert [p.stage for p in snapshot.pages] == columns


def test_the_query_reads_the_covering_forecast_index_alone(tmp_path: Path) -> None:
    address = f"sqlite:///{tmp_path / 'pipeline.db'}"
    engine = make_engine(address)
    upgrade(engine)
    seed_demo(engine, deals=300, seed=42, today=TODAY)
    engine.dispose()
    with Workspace.open(address, "vp", today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        captured: list[tuple[str, object]] = []

        def record(_c: object, _k: object, statement: str, params: object, *_: object) -> None:
            if "GROUP BY" in statement.upper() and DEAL_READ.search(statement):
                captured.append((statement, params))

        event.listen(ws.engine, "before_cursor_execute", record)
        ws.board(state.deal_filter(ws.today()), state.scope, sort="close_date",
                 descending=False, offsets={}, page_size=1)  # fmt: skip
        event.remove(ws.engine, "before_cursor_execute", record)
        (statement, params), *_ = captured
        with ws.engine.connect() as conn:
            plan = " | ".join(
                str(row[-1])
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)  # type: ignore[arg-type]
            )
    # The closed and the open stages' deals from the stage-led covering index, the other
    # currencies' from the close-date one; never the table.
    assert "SEARCH deal USING COVERING INDEX ix_deal_stage_cover (stage_id=? AND close_date>?" in (
        plan
    ), plan
    assert "SEARCH deal USING COVERING INDEX ix_deal_forecast (close_date>? AND close_date<?)" in (
        plan
    ), plan
    reads = [step for step in plan.split(" | ") if " deal " in f"{step} "]
    assert all("COVERING INDEX" in step for step in reads), plan


def test_the_header_is_the_exact_sum_rounded_once_on_every_path(url: str) -> None:
    """Converted money in fractions of a cent (docs/metrics.md: figures are kept exact and
    rounded once, where shown): the first load, the header read after an edit, the
    roll-up's totals and `report` give the same exact sum, which the rows add up to."""
    with Workspace.open(url, "admin", today=lambda: TODAY) as admin, admin.engine.begin() as conn:
        # 10.01 EUR at 1.1027 is 11.038027 USD: every person's sum ends in a part of a cent.
        conn.execute(text("UPDATE deal SET amount_minor = 1001 WHERE currency = 'EUR'"))
    with Workspace.open(url, "vp", today=lambda: TODAY) as ws:
        state = ViewState.initial(ws)
        flt = state.deal_filter(ws.today())
        snapshot = ws.board(flt, state.scope, sort="amount", descending=True, offsets={},
                            page_size=1)  # fmt: skip
        report = ws.report(state.period, GroupBy.REP, state.scope)
        rows = [r for r in report.rows if r.per_person]
        # Worth comparing: the sums have parts of a cent, and the rows add up exactly.
        cents = report.totals.pipeline.quantize(Decimal("0.01"))
        assert report.totals.pipeline != cents
        assert sum(r.figures.pipeline for r in rows) == report.totals.pipeline
        assert sum(r.figures.weighted for r in rows) == report.totals.weighted
        assert snapshot.figures == report.totals
        assert snapshot.figures == ws.header(state.scope, flt)
        assert snapshot.figures == ws.forecast(state.scope, flt)
