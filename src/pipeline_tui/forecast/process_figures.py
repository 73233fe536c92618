"""The process view's two figures per stage, each from one set-based query over the stage
history (`deal_change` rows of the field `stage`) joined with the deals, however many
stages and deals there are: Python gets one row per stage for the shares and at most two
per stage for the medians, never the history itself.

Definitions: docs/metrics.md ("The process under review"); `forecast.process` explains
the names a stage answers to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, case, func, literal, select, union
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from ..models import Deal, DealChange, table_of
from ..query import as_utc
from .calibration import CalibrationWindow

DEAL_T, CHANGE_T = table_of(Deal), table_of(DealChange)
DEAL, CHANGE = DEAL_T.c, CHANGE_T.c
SECONDS_A_DAY = 86_400


class epoch_microseconds(FunctionElement[int]):
    """A timestamp as whole microseconds since 1970, exactly: day lengths are compared and
    ranked in SQL, so a float (SQLite's julianday) that rounds near a tie would not do."""

    type = Integer()
    inherit_cache = True


@compiles(epoch_microseconds, "sqlite")
def _sqlite_epoch(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite keeps timestamps as text 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's and the
    # bulk writers' format). strftime rounds a fraction to milliseconds, so the seconds are
    # read without it and the microseconds added from the text.
    x = compiler.process(element.clauses, **kw)
    return (
        f"(CAST(strftime('%s', substr({x}, 1, 19)) AS INTEGER) * 1000000 + "
        f"CASE WHEN substr({x}, 20, 1) = '.' "
        f"THEN CAST(substr(substr({x}, 21) || '000000', 1, 6) AS INTEGER) ELSE 0 END)"
    )


@compiles(epoch_microseconds, "postgresql")
def _postgresql_epoch(element: Any, compiler: Any, **kw: Any) -> str:
    # EXTRACT(EPOCH ...) is numeric (exact) from PostgreSQL 14.
    x = compiler.process(element.clauses, **kw)
    return f"CAST(EXTRACT(EPOCH FROM {x}) * 1000000 AS BIGINT)"


def _stage_of(column: Any, names: Mapping[str, int]) -> ColumnElement[Any]:
    """The stage a name in the history stands for (NULL: a name no stage answers to)."""
    if not names:
        return literal(None, Integer)
    return case(dict(names), value=column, else_=None)


def observed_shares(
    conn: Connection,
    pipeline_id: int,
    window: CalibrationWindow,
    names: Mapping[str, int],
    kinds: Mapping[int, str],
) -> dict[int, tuple[int, int]]:
    """(closed, won) per open stage: the deals ever in it (a stage change from or to one
    of its names) that closed, won or lost, in the window. One query."""
    open_names = {n: sid for n, sid in names.items() if kinds.get(sid) == "open"}
    won_ids = [sid for sid, kind in kinds.items() if kind == "won"]
    closed_ids = [sid for sid, kind in kinds.items() if kind != "open"]
    # `+ 0`: SQLite would otherwise start from the deals of the closed stages (most deals,
    # each looked up twice) rather than from the far fewer stage moves.
    conditions = [DEAL.pipeline_id == pipeline_id, (DEAL.stage_id + 0).in_(closed_ids)]
    if window.since is not None:
        conditions.append(DEAL.closed_date >= window.since)
    if window.until is not None:
        conditions.append(DEAL.closed_date <= window.until)
    won = case((DEAL.stage_id.in_(won_ids), 1), else_=0).label("won")

    def side(value: Any) -> Any:
        stage = _stage_of(value, open_names).label("stage_id")
        return (
            select(CHANGE.deal_id, stage, won)
            .join_from(CHANGE_T, DEAL_T, DEAL.id == CHANGE.deal_id)
            .where(*conditions, CHANGE.field == "stage")
        )

    # UNION (not ALL): a deal counts once per stage however often it went in and out.
    touched = union(side(CHANGE.old_value), side(CHANGE.new_value)).subquery("touched")
    query = (
        select(touched.c.stage_id, func.count(), func.sum(touched.c.won))
        .where(touched.c.stage_id.is_not(None))
        .group_by(touched.c.stage_id)
    )
    counted = {int(sid): (int(n), int(w)) for sid, n, w in conn.execute(query)}
    return {sid: counted.get(sid, (0, 0)) for sid, kind in kinds.items() if kind == "open"}


def _days(microseconds: int) -> Decimal:
    """A stay's length in days, as `Decimal(timedelta.total_seconds()) / 86400`."""
    seconds = Decimal(timedelta(microseconds=microseconds).total_seconds())
    return seconds / SECONDS_A_DAY


def stay_medians(
    conn: Connection, pipeline_id: int, window: CalibrationWindow, names: Mapping[str, int]
) -> dict[int, tuple[int, Decimal]]:
    """(stays, median days) per stage over the stays that ended within the window, from
    entering the stage (the move into it, or the deal's creation) to the move out. One
    query: the stays are ranked in SQL and only the middle one or two come back."""
    since = None if window.since is None else as_utc(datetime.combine(window.since, time.min))
    until = None if window.until is None else as_utc(datetime.combine(window.until, time.max))
    order = (CHANGE.changed_at, CHANGE.id)
    # Each stage move ends a stay in the stage it left, begun at the deal's previous move
    # (or its creation). Every stage move of the pipeline is read: one pass over the
    # history, in SQL; only its figures come back.
    moves = (
        select(
            _stage_of(CHANGE.old_value, names).label("stage_id"),
            CHANGE.changed_at.label("left_at"),
            func.coalesce(
                func.lag(CHANGE.changed_at).over(partition_by=CHANGE.deal_id, order_by=order),
                DEAL.created_at,
            ).label("entered_at"),
        )
        .join_from(CHANGE_T, DEAL_T, DEAL.id == CHANGE.deal_id)
        .where(DEAL.pipeline_id == pipeline_id, CHANGE.field == "stage")
        .subquery("moves")
    )
    length = epoch_microseconds(moves.c.left_at) - epoch_microseconds(moves.c.entered_at)
    ended = [moves.c.stage_id.is_not(None), length >= 0]
    if since is not None:
        ended.append(moves.c.left_at >= since)
    if until is not None:
        ended.append(moves.c.left_at <= until)
    m = select(moves.c.stage_id, length.label("length")).where(*ended).subquery("stays")
    ranked = select(
        m.c.stage_id,
        m.c.length,
        func.row_number().over(partition_by=m.c.stage_id, order_by=m.c.length).label("n"),
        func.count().over(partition_by=m.c.stage_id).label("stays"),
    )
    r = ranked.subquery("ranked")
    # The middle of n sorted lengths: the ((n + 1) / 2)th and ((n + 2) / 2)th, integer
    # division: one row when n is odd, two when it is even.
    middle = (
        select(r.c.stage_id, r.c.stays, r.c.length)
        .where(r.c.n.in_([(r.c.stays + 1) // 2, (r.c.stays + 2) // 2]))
        .order_by(r.c.stage_id, r.c.n)
    )
    found: dict[int, tuple[int, list[Decimal]]] = {}
    for stage_id, stays, length in conn.execute(middle):
        found.setdefault(int(stage_id), (int(stays), []))[1].append(_days(int(length)))
    # statistics.median of the middle pair is (a + b) / 2, as it is of the whole list.
    return {sid: (stays, Decimal(median(lengths))) for sid, (stays, lengths) in found.items()}


__all__ = ["epoch_microseconds", "observed_shares", "stay_medians"]
