"""The process view's figures come from a fixed number of set-based queries, however many
stages the pipeline has, and give exactly what the first version's walk through every
deal's history in Python gave (kept below as the reference), on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, case, delete, event, exists, func, or_, select, text

from pipeline_tui.forecast.calibration import CalibrationWindow
from pipeline_tui.forecast.process import process_stages, stage_names
from pipeline_tui.models import Deal, DealChange, ProcessChange, Stage, StageKind, table_of
from pipeline_tui.query import as_utc
from pipeline_tui.seed import seed_demo
from pipeline_tui.services.deals import DealFilter, stage_columns
from pipeline_tui.services.workspace import Workspace

from .test_process import TODAY, WINDOW, seed, url  # noqa: F401 - `url`, a fixture

DEAL_T, CHANGE_T = table_of(Deal), table_of(DealChange)
DEAL, CHANGE = DEAL_T.c, CHANGE_T.c
Figures = dict[int, tuple[int, int, Decimal | None, int]]


# -- the reference: the first version, one query per stage and every stay in Python ------


def reference(conn: Connection, pipeline_id: int, window: CalibrationWindow) -> Figures:
    """(closed, won, median days, stays) per stage, as the first version computed them."""
    names = stage_names(conn, pipeline_id)
    stage_t = table_of(Stage)
    kinds: dict[int, str] = {
        sid: kind
        for sid, kind in conn.execute(
            select(stage_t.c.id, stage_t.c.kind).where(stage_t.c.pipeline_id == pipeline_id)
        )
    }
    won_ids = [sid for sid, kind in kinds.items() if kind == StageKind.WON.value]
    closed_ids = [sid for sid, kind in kinds.items() if kind != StageKind.OPEN.value]
    conditions = [DEAL.pipeline_id == pipeline_id, DEAL.stage_id.in_(closed_ids)]
    if window.since is not None:
        conditions.append(DEAL.closed_date >= window.since)
    if window.until is not None:
        conditions.append(DEAL.closed_date <= window.until)
    shares: dict[int, tuple[int, int]] = {}
    for stage_id, kind in kinds.items():
        if kind != StageKind.OPEN.value:
            continue
        aliases = [n for n, sid in names.items() if sid == stage_id]
        was_in = exists().where(
            CHANGE.deal_id == DEAL.id,
            CHANGE.field == "stage",
            or_(CHANGE.old_value.in_(aliases), CHANGE.new_value.in_(aliases)),
        )
        query = select(
            func.count(), func.coalesce(func.sum(case((DEAL.stage_id.in_(won_ids), 1), else_=0)), 0)
        ).where(*conditions, was_in)
        closed, won = conn.execute(query).one()
        shares[stage_id] = (int(closed), int(won))

    since = None if window.since is None else as_utc(datetime.combine(window.since, time.min))
    until = None if window.until is None else as_utc(datetime.combine(window.until, time.max))
    query = (
        select(DEAL.id, DEAL.created_at, CHANGE.old_value, CHANGE.changed_at)
        .join_from(CHANGE_T, DEAL_T, DEAL.id == CHANGE.deal_id)
        .where(DEAL.pipeline_id == pipeline_id, CHANGE.field == "stage")
        .order_by(DEAL.id, CHANGE.changed_at, CHANGE.id)
    )
    stays: dict[int, list[Decimal]] = {}
    deal_id: int | None = None
    entered = datetime.min
    for row in conn.execute(query):
        if row.id != deal_id:
            deal_id, entered = row.id, as_utc(row.created_at)
        left = as_utc(row.changed_at)
        stage_id = names.get(row.old_value or "")
        inside = (since is None or left >= since) and (until is None or left <= until)
        if stage_id is not None and inside and left >= entered:
            seconds = Decimal((left - entered).total_seconds())
            stays.setdefault(stage_id, []).append(seconds / 86_400)
        entered = left
    return {
        sid: (
            *shares.get(sid, (0, 0)),
            Decimal(median(stays[sid])) if stays.get(sid) else None,
            len(stays.get(sid, [])),
        )
        for sid in kinds
    }


def current(conn: Connection, pipeline_id: int, window: CalibrationWindow) -> Figures:
    return {
        s.id: (s.closed, s.won, s.median_days, s.stays)
        for s in process_stages(conn, pipeline_id, window)
    }


# -- a fixed number of queries ------------------------------------------------------------


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_view_reads_in_a_fixed_number_of_queries_however_many_stages(
    url: str,  # noqa: F811 - the worked example's fixture, on each backend
) -> None:
    with Workspace.for_command(url, "ada", today=TODAY) as ws:
        with statements(ws.engine) as few:
            small = ws.process(1)
        for n in range(6):
            ws.add_stage(1, f"Step {n}", 10 + n, "more stages")
        with statements(ws.engine) as many:
            large = ws.process(1)
    assert sum(s.is_open for s in large.stages) == sum(s.is_open for s in small.stages) + 6
    assert len(many) == len(few), many
    # Nothing reads the stage history once per stage: two statements touch it at all.
    assert len([s for s in many if "deal_change" in s]) == 2


# -- exactly the reference's figures ------------------------------------------------------


def test_a_seeded_demo_gives_the_reference_figures(engine: Engine) -> None:
    seed_demo(engine, deals=1500, seed=7, today=TODAY)
    with engine.begin() as conn:  # a rename: the history keeps the old name
        stage = conn.execute(text("SELECT id, pipeline_id, name FROM stage WHERE id = 4")).one()
        conn.execute(text("UPDATE stage SET name = 'Renamed' WHERE id = :s"), {"s": stage.id})
        conn.execute(
            table_of(ProcessChange).insert(),
            {
                "kind": "stage_renamed",
                "pipeline_id": stage.pipeline_id,
                "stage_id": stage.id,
                "old_value": stage.name,
                "new_value": "Renamed",
                "changed_at": datetime(2026, 11, 1, tzinfo=UTC),
            },
        )
    windows = (WINDOW, CalibrationWindow(None, TODAY), CalibrationWindow(date(2026, 6, 1), None))
    with engine.connect() as conn:
        pipelines = [p for (p,) in conn.execute(text("SELECT id FROM pipeline"))]
        for pipeline_id in pipelines:
            for window in windows:
                expected = reference(conn, pipeline_id, window)
                assert any(stays for *_, stays in expected.values())
                assert current(conn, pipeline_id, window) == expected, (pipeline_id, window)


NAMES = ["Qualify", "Propose", "Negotiate", "Won", "Lost", "Pitch", "Nobody's", None]
START = datetime(2025, 6, 1, tzinfo=UTC)


def moment() -> st.SearchStrategy[datetime]:
    """Times over 20 months, to the microsecond, some of them on the same instant."""
    exact = st.integers(0, 600 * 86_400 * 10**6).map(lambda us: START + timedelta(microseconds=us))
    whole = st.integers(0, 600).map(lambda d: START + timedelta(days=d))
    return st.one_of(exact, whole)


deal_strategy = st.tuples(
    st.sampled_from(["Qualify", "Propose", "Negotiate", "Won", "Lost"]),  # where it is now
    moment(),  # created
    st.one_of(st.none(), st.dates(date(2025, 6, 1), date(2027, 1, 31))),  # closed date
    st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES), moment()), max_size=6),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    deals=st.lists(deal_strategy, max_size=12),
    window=st.sampled_from(
        [WINDOW, CalibrationWindow(None, TODAY), CalibrationWindow(date(2026, 3, 1), None)]
    ),
)
def test_any_history_gives_the_reference_figures(
    engine: Engine, deals: list[Any], window: CalibrationWindow
) -> None:
    ensure_seeded(engine)
    with engine.begin() as conn:
        conn.execute(delete(CHANGE_T))
        conn.execute(delete(DEAL_T))
        stage = dict(conn.execute(text("SELECT name, id FROM stage WHERE pipeline_id = 1")).all())
        for n, (now, created, closed, moves) in enumerate(deals):
            deal_id = conn.execute(
                DEAL_T.insert().returning(DEAL.id),
                {
                    "name": f"H{n}",
                    "owner_id": 1,
                    "pipeline_id": 1,
                    "stage_id": stage[now],
                    "amount_minor": 100_000,
                    "created_at": created,
                    "updated_at": created,
                    "stage_entered_at": created,
                    "closed_date": closed,
                },
            ).scalar_one()
            for old, new, at in moves:
                conn.execute(
                    CHANGE_T.insert(),
                    {
                        "deal_id": deal_id,
                        "field": "stage",
                        "old_value": old,
                        "new_value": new,
                        "changed_at": at,
                    },
                )
    with engine.connect() as conn:
        assert current(conn, 1, window) == reference(conn, 1, window)


def ensure_seeded(engine: Engine) -> None:
    """The people and stages of the worked example once, with Propose once called Pitch."""
    with engine.connect() as conn:
        if conn.execute(text("SELECT COUNT(*) FROM stage")).scalar_one():
            return
    seed(engine)
    with engine.begin() as conn:
        conn.execute(
            table_of(ProcessChange).insert(),
            {
                "kind": "stage_renamed",
                "pipeline_id": 1,
                "stage_id": conn.execute(
                    text("SELECT id FROM stage WHERE name = 'Propose'")
                ).scalar_one(),
                "old_value": "Pitch",
                "new_value": "Propose",
                "changed_at": START,
            },
        )


def test_open_deals_are_the_boards_column_counts_archived_ones_left_out(
    url: str,  # noqa: F811 - the worked example's fixture, on each backend
) -> None:
    with Workspace.for_command(url, "ada", today=TODAY) as ws:
        with ws.engine.begin() as conn:  # D6 sits in Propose; another deal there, archived
            conn.execute(
                text(
                    "INSERT INTO deal (name, owner_id, pipeline_id, stage_id, amount_minor,"
                    " currency, probability, forecast_category, created_at, updated_at,"
                    " stage_entered_at, push_count, version, archived)"
                    " SELECT 'Parked', owner_id, pipeline_id, stage_id, amount_minor, currency,"
                    " probability, forecast_category, created_at, updated_at,"
                    " stage_entered_at, 0, 1, :yes FROM deal WHERE name = 'D6'"
                ),
                {"yes": True},
            )
        view = ws.process(1)
        columns = stage_columns(ws.engine, DealFilter(), 1)
    assert {s.id: s.open_deals for s in view.stages if s.is_open} == {
        c.stage_id: c.count for c in columns
    }
    assert [s.open_deals for s in view.stages if s.name == "Propose"] == [1]
