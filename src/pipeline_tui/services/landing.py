"""Where the board should open when the current period is empty: where the data is.

An imported 2016-2017 history has nothing this quarter, and pressing `<` thirty-nine
times is no way to find it. Up to four index lookups say whether the period is empty and,
if it is, the latest close date of an open deal (else of any deal) in the board's scope;
on 300,000 deals they take a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, Engine, func, select

from ..periods import Period, month_containing, quarter_containing, year_containing
from ..query import DEAL, Scope, StageInfo, load_stages, where

Stages = Mapping[int, StageInfo]


@dataclass(frozen=True)
class Landing:
    """The period where the scope's data is, and what the board should do about it."""

    period: Period
    # True: the latest period with an open deal; False: no open deal anywhere in scope,
    # so the latest with any deal.
    open_deals: bool
    # True: no deal of anyone's closes in the current period (the database is all history),
    # so the board goes there; False: others have deals now, so it only says where.
    go: bool


def find_landing(engine: Engine, scope: Scope, current: Period) -> Landing | None:
    """None when the scope has deals closing in `current` (or has no dated deal at all);
    else the period of the same kind as `current` holding the scope's latest open deal,
    or its latest deal when none is open."""
    if current.start is None or current.end is None:
        return None
    whose = Scope(scope.owner_ids, scope.pipeline_id)
    with engine.connect() as conn:
        stages = load_stages(conn)
        anyone = _any_closing(conn, Scope(period=current, open_only=False), stages)
        if anyone and _any_closing(conn, replace(whose, period=current, open_only=False), stages):
            return None
        latest = _latest_close(conn, replace(whose, open_only=True), stages)
        open_deals = latest is not None
        if latest is None:
            latest = _latest_close(conn, replace(whose, open_only=False), stages)
    if latest is None:
        return None
    # Nothing in scope closes in `current`, so the latest close date is in another period.
    return Landing(like(current, latest), open_deals=open_deals, go=not anyone)


def like(current: Period, day: date) -> Period:
    """The period of the same kind as `current` (a quarter, a month, a year) holding `day`."""
    containing = {"month": month_containing, "year": year_containing}.get(
        current.kind, quarter_containing
    )
    return containing(day, current.fiscal_year_start_month)


def _any_closing(conn: Connection, scope: Scope, stages: Stages) -> bool:
    # The forecast index leads with close_date: one range probe.
    query = select(DEAL.id).where(*where(scope, stages)).limit(1)
    return conn.execute(query).first() is not None


def _latest_close(conn: Connection, scope: Scope, stages: Stages) -> date | None:
    # Stage ids stand for "open" and the pipeline: the covering stage index answers alone.
    query = select(func.max(DEAL.close_date)).where(*where(scope, stages))
    value = conn.execute(query).scalar()
    return None if value is None else _as_date(value)


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    # SQLite hands back an aggregate over a date column as its text.
    return date.fromisoformat(str(value))
