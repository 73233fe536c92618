"""Forecast accuracy: what past snapshots called against what then actually closed.

For each snapshot of a period that has ended, the call at the time (closed won plus open
commit: the rep's call, and the manager's beside it) is set against the amount won in
that period as the deals stand today. Ratio = call / actual; error = |call - actual| /
actual. Definitions and a worked example: docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from statistics import fmean
from typing import Any

from sqlalchemy import Connection, Engine

from ..models import StageKind
from ..org import OrgChart
from ..periods import Period
from ..query import DEAL, Scope, load_org, load_stages, stage_ids, where
from ..query.currency import Sums, converted_sums
from .binding import reading
from .calls import CallFigures
from .metrics import ZERO, money_text, ratio
from .snapshots import SnapshotInfo, list_snapshots, snapshot_calls, total


@dataclass(frozen=True)
class AccuracyPoint:
    snapshot_id: int
    taken_at: datetime
    kind: str
    period: Period
    rep_call: Decimal
    manager_call: Decimal
    actual: Decimal

    @property
    def ratio(self) -> float | None:
        return ratio(self.rep_call, self.actual)

    @property
    def error(self) -> float | None:
        return _error(self.rep_call, self.actual)

    @property
    def manager_error(self) -> float | None:
        return _error(self.manager_call, self.actual)

    @property
    def days_before_end(self) -> int | None:
        end = self.period.end
        return None if end is None else (end - self.taken_at.date()).days

    def as_dict(self) -> dict[str, Any]:
        return {
            "snapshot_id": self.snapshot_id,
            "taken_at": self.taken_at.isoformat(),
            "kind": self.kind,
            "period": self.period.key,
            "days_before_end": self.days_before_end,
            "rep_call": money_text(self.rep_call),
            "manager_call": money_text(self.manager_call),
            "actual": money_text(self.actual),
            "ratio": _round(self.ratio),
            "error": _round(self.error),
            "manager_error": _round(self.manager_error),
        }


@dataclass(frozen=True)
class OwnerAccuracy:
    key: str
    label: str
    owner_id: int | None
    points: tuple[AccuracyPoint, ...]

    @property
    def mean_error(self) -> float | None:
        """Mean absolute percentage error over the snapshots whose period won anything."""
        return _mean(p.error for p in self.points)

    @property
    def mean_ratio(self) -> float | None:
        """Above 1: calls ran ahead of what closed (optimism); below 1, sandbagging."""
        return _mean(p.ratio for p in self.points)

    @property
    def manager_mean_error(self) -> float | None:
        return _mean(p.manager_error for p in self.points)

    def as_dict(self, *, with_points: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "snapshots": len(self.points),
            "mean_error": _round(self.mean_error),
            "mean_ratio": _round(self.mean_ratio),
            "manager_mean_error": _round(self.manager_mean_error),
        }
        if with_points:
            data["points"] = [p.as_dict() for p in self.points]
        return data


@dataclass(frozen=True)
class ForecastAccuracy:
    team: OwnerAccuracy
    by_owner: list[OwnerAccuracy]

    def as_dict(self) -> dict[str, Any]:
        return {
            "team": self.team.as_dict(with_points=True),
            "reps": [o.as_dict() for o in self.by_owner],
        }


def forecast_accuracy(
    bind: Engine | Connection,
    *,
    today: date,
    owner_ids: frozenset[int] | None = None,
    pipeline_id: int | None = None,
) -> ForecastAccuracy:
    """Every snapshot of an ended period (and this pipeline, or all) that covers these
    owners (None: everyone), oldest first; per owner, from the snapshots covering them."""
    with reading(bind) as conn:
        org = load_org(conn)
        snapshots = [
            s
            for s in list_snapshots(conn, ended_before=today)
            if s.scope.pipeline_id == pipeline_id and s.period.end is not None
        ]
        rows = snapshot_calls(conn, [s.id for s in snapshots])
        won = _won_by_period(conn, snapshots, pipeline_id)
    team = _points(org, snapshots, rows, won, owner_ids)
    owners = set().union(*(r.keys() for r in rows.values())) if rows else set()
    if owner_ids is not None:
        owners &= owner_ids
    by_owner = []
    for owner in sorted(owners, key=lambda o: _sort(org, o)):
        person = org.people.get(owner)
        points = _points(org, snapshots, rows, won, frozenset({owner}))
        if person and points:
            by_owner.append(OwnerAccuracy(person.login, person.display_name, owner, points))
    label = "Everyone" if owner_ids is None else "Team"
    return ForecastAccuracy(OwnerAccuracy("TOTAL", label, None, team), by_owner)


def _points(
    org: OrgChart,
    snapshots: list[SnapshotInfo],
    rows: dict[int, dict[int, CallFigures]],
    won: dict[tuple[date, date], dict[int, Decimal]],
    owner_ids: frozenset[int] | None,
) -> tuple[AccuracyPoint, ...]:
    points = []
    for s in snapshots:
        if not s.scope.covers(org, owner_ids, s.scope.pipeline_id):
            continue
        assert s.period.start is not None and s.period.end is not None
        calls = total(c for o, c in rows[s.id].items() if owner_ids is None or o in owner_ids)
        closed = won[(s.period.start, s.period.end)]
        actual = sum((v for o, v in closed.items() if owner_ids is None or o in owner_ids), ZERO)
        points.append(
            AccuracyPoint(
                s.id, s.taken_at, s.kind, s.period, calls.rep_call, calls.manager_call, actual
            )
        )
    return tuple(points)


def _won_by_period(
    conn: Connection, snapshots: list[SnapshotInfo], pipeline_id: int | None
) -> dict[tuple[date, date], dict[int, Decimal]]:
    """Won per owner in each snapshot's period, one grouped query per distinct period."""
    stages = load_stages(conn)
    won_ids = stage_ids(stages, StageKind.WON, pipeline_id)
    result: dict[tuple[date, date], dict[int, Decimal]] = {}
    for s in snapshots:
        start, end = s.period.start, s.period.end
        if start is None or end is None or (start, end) in result:
            continue
        won = DEAL.stage_id.in_(won_ids)
        grouped = converted_sums(
            conn,
            DEAL.owner_id,
            Sums(money={"won": (won, DEAL.amount_minor)}),
            [won, *where(Scope(pipeline_id=pipeline_id).counted(s.period), stages)],
            today=date.today(),
        )
        result[(start, end)] = {o: c.amount("won") for o, c in grouped.items()}
    return result


def _error(call: Decimal, actual: Decimal) -> float | None:
    return ratio(abs(call - actual), actual)


def _mean(values: Any) -> float | None:
    present = [v for v in values if v is not None]
    return fmean(present) if present else None


def _sort(org: OrgChart, owner: int) -> tuple[str, int]:
    person = org.people.get(owner)
    return ((person.display_name if person else "").casefold(), owner)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
