"""Forecast snapshots: one period and scope's figures at one moment, kept for comparison.

A snapshot stores one `snapshot_row` per owner (their own figures, so a manager's are the
sum over their subtree) and, unless told otherwise, one `snapshot_deal` per deal of the
period and scope as it stood. The deal rows are copied by a single INSERT ... SELECT on
the server: no deal passes through Python, so a snapshot of a million-deal database
costs one statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN
from typing import Any

from sqlalchemy import Connection, Engine, Integer, insert, literal, select

from ..errors import NotFoundError
from ..models import (
    ForecastSnapshot,
    SnapshotDeal,
    SnapshotKind,
    SnapshotRow,
    table_of,
    utcnow,
)
from ..money import MINOR_UNITS, from_minor, to_minor, weighted_from_sum
from ..org import OrgChart
from ..periods import Period
from ..query import (
    DEAL,
    Scope,
    as_utc,
    fiscal_year_start_month,
    load_org,
    load_stages,
    row_to,
    where,
)
from .calls import CallFigures, ManagerCall, manager_calls
from .metrics import ForecastFigures
from .rollup import owner_figures

SNAPSHOT_TABLE, ROW_TABLE = table_of(ForecastSnapshot), table_of(SnapshotRow)
SNAPSHOT_DEAL_TABLE = table_of(SnapshotDeal)
SNAPSHOT, ROW = SNAPSHOT_TABLE.c, ROW_TABLE.c
BASIS_COLUMNS = (
    "basis_won_minor",
    "basis_commit_minor",
    "basis_pipeline_minor",
    "basis_trailing_won_minor",
    "basis_trailing_lost_minor",
)


class SnapshotNotFoundError(NotFoundError):
    def __init__(self, snapshot_id: int) -> None:
        self.snapshot_id = snapshot_id
        super().__init__(f"There is no forecast snapshot with id {snapshot_id}.")


@dataclass(frozen=True)
class SnapshotScope:
    """Whose deals, as stored with a snapshot or review: one person (with everyone below
    them when `subtree`), or everyone. It names people rather than ids so a stored scope
    follows the org chart; `forecast_scope` resolves it to the one `Scope`."""

    owner_id: int | None = None
    subtree: bool = True
    pipeline_id: int | None = None

    def owner_ids(self, org: OrgChart) -> frozenset[int] | None:
        if self.owner_id is None:
            return None
        return org.subtree(self.owner_id) if self.subtree else frozenset({self.owner_id})

    def forecast_scope(self, org: OrgChart) -> Scope:
        return Scope(self.owner_ids(org), self.pipeline_id)

    def covers(
        self, org: OrgChart, owner_ids: frozenset[int] | None, pipeline_id: int | None
    ) -> bool:
        """Whether these owners' figures (in this pipeline, or all) can be read from it."""
        if pipeline_id != self.pipeline_id:
            return False
        mine = self.owner_ids(org)
        return mine is None or (owner_ids is not None and owner_ids <= mine)

    def label(self, org: OrgChart) -> str:
        if self.owner_id is None:
            return "Everyone"
        person = org.people.get(self.owner_id)
        name = person.display_name if person else f"user {self.owner_id}"
        return f"{name}'s team" if self.subtree and len(org.subtree(self.owner_id)) > 1 else name


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    taken_at: datetime
    as_of: date
    kind: str
    review_id: int | None
    period: Period
    scope: SnapshotScope
    with_deals: bool


def scope_columns(scope: SnapshotScope, period: Period) -> dict[str, Any]:
    """The period and scope as the snapshot and review tables both store them."""
    return {
        "period_key": period.key,
        "period_kind": period.kind,
        "period_start": period.start,
        "period_end": period.end,
        "scope_owner_id": scope.owner_id,
        "scope_subtree": scope.subtree,
        "pipeline_id": scope.pipeline_id,
    }


def stored_period(row: Mapping[Any, Any], fy: int) -> Period:
    """The period of a snapshot or review row (see `scope_columns`)."""
    return Period(row["period_key"], row["period_kind"], row["period_start"], row["period_end"], fy)


def stored_scope(row: Mapping[Any, Any]) -> SnapshotScope:
    """The scope of a snapshot or review row (see `scope_columns`)."""
    return SnapshotScope(row["scope_owner_id"], bool(row["scope_subtree"]), row["pipeline_id"])


def current_calls(
    conn: Connection, period: Period, scope: Scope | None = None, *, today: date | None = None
) -> dict[int, CallFigures]:
    """Each owner's figures now, with the manager's call beside the rep's."""
    figures = owner_figures(conn, period, scope, today=today)
    managers = manager_calls(conn, period, scope, today=today)
    return {
        owner: CallFigures(
            figures.get(owner, ForecastFigures()), managers.get(owner, ManagerCall())
        )
        for owner in set(figures) | set(managers)
    }


def write_snapshot(
    conn: Connection,
    *,
    kind: SnapshotKind | str,
    period: Period,
    scope: SnapshotScope,
    as_of: date,
    review_id: int | None = None,
    taken_at: datetime | None = None,
    with_deals: bool = True,
    org: OrgChart | None = None,
) -> int:
    """Store the snapshot inside the caller's transaction; returns its id."""
    kind = SnapshotKind(kind)
    org = org or load_org(conn)
    forecast_scope = scope.forecast_scope(org)
    snapshot_id = conn.execute(
        insert(SNAPSHOT_TABLE)
        .returning(SNAPSHOT.id)
        .values(
            taken_at=taken_at or utcnow(),
            as_of=as_of,
            kind=kind.value,
            review_id=review_id,
            with_deals=with_deals,
            **scope_columns(scope, period),
        )
    ).scalar_one()
    calls = current_calls(conn, period, forecast_scope, today=as_of)
    write_rows(conn, int(snapshot_id), calls)
    if with_deals:
        columns = ("owner_id", "pipeline_id", "stage_id", "amount_minor", "probability")
        conn.execute(
            insert(SNAPSHOT_DEAL_TABLE).from_select(
                ["snapshot_id", "deal_id", *columns, "forecast_category", "close_date"],
                select(
                    literal(int(snapshot_id), Integer),
                    DEAL.id,
                    *(DEAL[c] for c in columns),
                    DEAL.forecast_category,
                    DEAL.close_date,
                ).where(*where(forecast_scope.counted(period), load_stages(conn))),
            )
        )
    return int(snapshot_id)


def write_rows(conn: Connection, snapshot_id: int, calls: dict[int, CallFigures]) -> None:
    if calls:
        conn.execute(insert(ROW_TABLE), [_row(snapshot_id, o, c) for o, c in sorted(calls.items())])


def _row(snapshot_id: int, owner_id: int, call: CallFigures) -> dict[str, Any]:
    f = call.figures
    return {
        "snapshot_id": snapshot_id,
        "owner_id": owner_id,
        "quota_minor": None if f.quota is None else to_minor(f.quota),
        "closed_won_minor": to_minor(f.closed_won),
        "commit_minor": to_minor(f.commit),
        "best_case_minor": to_minor(f.best_case),
        "pipeline_minor": to_minor(f.pipeline),
        # Exact in one currency (SUM(amount_minor * probability) / 10,000 to begin with);
        # a converted figure is rounded here, once, half to even.
        "weighted_units": int(
            (f.weighted * MINOR_UNITS * 100).to_integral_value(rounding=ROUND_HALF_EVEN)
        ),
        "lost_minor": to_minor(f.lost_value),
        "open_count": f.open_count,
        "won_count": f.won_count,
        "lost_count": f.lost_count,
        "trailing_won_minor": to_minor(f.trailing_won_value),
        "trailing_lost_minor": to_minor(f.trailing_lost_value),
        "manager_commit_minor": to_minor(call.manager.commit),
        "judged_count": call.manager.judged_count,
    } | _basis_columns(f.quota_basis)


def _basis_columns(basis: ForecastFigures | None) -> dict[str, int | None]:
    values = (
        (None,) * 5
        if basis is None
        else (
            to_minor(basis.closed_won),
            to_minor(basis.commit),
            to_minor(basis.pipeline),
            to_minor(basis.trailing_won_value),
            to_minor(basis.trailing_lost_value),
        )
    )
    return dict(zip(BASIS_COLUMNS, values, strict=True))


def _basis(row: Any) -> ForecastFigures | None:
    if row.basis_won_minor is None:
        return None
    return ForecastFigures(
        closed_won=from_minor(row.basis_won_minor),
        commit=from_minor(row.basis_commit_minor),
        pipeline=from_minor(row.basis_pipeline_minor),
        trailing_won_value=from_minor(row.basis_trailing_won_minor),
        trailing_lost_value=from_minor(row.basis_trailing_lost_minor),
    )


def take_snapshot(
    engine: Engine,
    *,
    period: Period,
    scope: SnapshotScope,
    today: date,
    kind: SnapshotKind | str = SnapshotKind.WEEKLY,
    with_deals: bool = True,
) -> SnapshotInfo:
    """Take and store a snapshot now, in its own transaction."""
    with engine.begin() as conn:
        snapshot_id = write_snapshot(
            conn, kind=kind, period=period, scope=scope, as_of=today, with_deals=with_deals
        )
        return load_snapshot(conn, snapshot_id)


def _info(row: Mapping[Any, Any], fy: int) -> SnapshotInfo:
    return row_to(
        SnapshotInfo,
        row,
        taken_at=as_utc(row["taken_at"]),
        period=stored_period(row, fy),
        scope=stored_scope(row),
        with_deals=bool(row["with_deals"]),
    )


def load_snapshot(conn: Connection, snapshot_id: int) -> SnapshotInfo:
    row = conn.execute(select(SNAPSHOT_TABLE).where(SNAPSHOT.id == snapshot_id)).mappings().first()
    if row is None:
        raise SnapshotNotFoundError(snapshot_id)
    return _info(row, fiscal_year_start_month(conn))


def list_snapshots(
    conn: Connection, *, period_key: str | None = None, ended_before: date | None = None
) -> list[SnapshotInfo]:
    """Oldest first; `ended_before` keeps those whose period ended before that day."""
    query = select(SNAPSHOT_TABLE).order_by(SNAPSHOT.taken_at, SNAPSHOT.id)
    if period_key is not None:
        query = query.where(SNAPSHOT.period_key == period_key)
    if ended_before is not None:
        query = query.where(SNAPSHOT.period_end < ended_before)
    fy = fiscal_year_start_month(conn)
    return [_info(row, fy) for row in conn.execute(query).mappings()]


def snapshot_calls(
    conn: Connection, snapshot_ids: Iterable[int]
) -> dict[int, dict[int, CallFigures]]:
    """snapshot id -> owner id -> that owner's stored figures."""
    ids = sorted(set(snapshot_ids))
    result: dict[int, dict[int, CallFigures]] = {i: {} for i in ids}
    if not ids:
        return result
    for row in conn.execute(select(ROW_TABLE).where(ROW.snapshot_id.in_(ids))):
        result[row.snapshot_id][row.owner_id] = _call(row)
    return result


def _call(row: Any) -> CallFigures:
    figures = ForecastFigures(
        quota=None if row.quota_minor is None else from_minor(row.quota_minor),
        closed_won=from_minor(row.closed_won_minor),
        commit=from_minor(row.commit_minor),
        best_case=from_minor(row.best_case_minor),
        pipeline=from_minor(row.pipeline_minor),
        weighted=weighted_from_sum(row.weighted_units),
        open_count=row.open_count,
        won_count=row.won_count,
        lost_count=row.lost_count,
        lost_value=from_minor(row.lost_minor),
        trailing_won_value=from_minor(row.trailing_won_minor),
        trailing_lost_value=from_minor(row.trailing_lost_minor),
        quota_basis=_basis(row),
    )
    return CallFigures(figures, ManagerCall(from_minor(row.manager_commit_minor), row.judged_count))


def total(calls: Iterable[CallFigures]) -> CallFigures:
    """Summed like the roll-up's totals: quota is None only when no one has one."""
    result = CallFigures(ForecastFigures())
    for call in calls:
        result = result + call
    return result


def snapshot_totals(
    conn: Connection, snapshot_id: int, owner_ids: frozenset[int] | None = None
) -> CallFigures:
    """The snapshot's figures for these owners (None: everyone in it)."""
    rows = snapshot_calls(conn, [snapshot_id])[snapshot_id]
    return total(c for o, c in rows.items() if owner_ids is None or o in owner_ids)
