"""Roll-ups of the forecast by rep, manager, stage or forecast category.

The database does the summing: one grouped query over the deals closing in the period
(answered from the covering index `ix_deal_forecast`), one over the trailing year for
win rates, and small lookups of stages, people and quotas. No deal row is loaded into
Python, so a roll-up costs the same few queries at a thousand deals or a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, Connection, and_, case, func, literal, select

from ..models import Deal, ForecastCategory, Pipeline, Quota, Stage, StageKind, User, table_of
from ..money import CENT, from_minor, weighted_from_sum
from ..org import OrgChart, Person
from ..periods import Period
from .metrics import ZERO, ForecastFigures, ForecastRow, figures_dict

CATEGORY_ORDER = [c.value for c in ForecastCategory]


class GroupBy(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    STAGE = "stage"
    CATEGORY = "category"


@dataclass(frozen=True)
class Scope:
    """Whose deals count: `owner_ids` None means everyone; `pipeline_id` None, all."""

    owner_ids: frozenset[int] | None = None
    pipeline_id: int | None = None


@dataclass(frozen=True)
class Rollup:
    period: Period
    by: GroupBy
    rows: list[ForecastRow]
    totals: ForecastFigures
    currency: str = "USD"
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        p = self.period
        return {
            "period": {
                "key": p.key,
                "start": p.start.isoformat() if p.start else None,
                "end": p.end.isoformat() if p.end else None,
            },
            "rows": [row.as_dict() for row in self.rows],
            "totals": figures_dict(self.totals),
        }


@dataclass(frozen=True)
class StageInfo:
    id: int
    pipeline_id: int
    pipeline_name: str
    name: str
    kind: str
    position: int
    pipeline_position: int


DEAL = table_of(Deal).c


def load_stages(conn: Connection) -> dict[int, StageInfo]:
    stage, pipeline = table_of(Stage).c, table_of(Pipeline).c
    query = select(
        stage.id,
        stage.pipeline_id,
        pipeline.name,
        stage.name,
        stage.kind,
        stage.position,
        pipeline.position,
    ).join_from(table_of(Stage), table_of(Pipeline), pipeline.id == stage.pipeline_id)
    return {row[0]: StageInfo(*row) for row in conn.execute(query)}


def load_org(conn: Connection) -> OrgChart:
    user = table_of(User).c
    query = select(
        user.id, user.login, user.display_name, user.role, user.manager_id, user.team, user.active
    )
    return OrgChart(Person(*row) for row in conn.execute(query))


def compute_rollup(
    conn: Connection,
    period: Period,
    by: GroupBy = GroupBy.REP,
    scope: Scope | None = None,
    *,
    today: date | None = None,
) -> Rollup:
    scope = scope or Scope()
    today = today or date.today()
    stages = load_stages(conn)
    org = load_org(conn)
    if scope.owner_ids is not None and scope.owner_ids >= set(org.people):
        # Everyone, spelled out: no filter reads the same rows and lets the index work.
        scope = replace(scope, owner_ids=None)
    people = scope.owner_ids if scope.owner_ids is not None else frozenset(org.people)
    quotas = quota_by_user(conn, period, people)

    if by in (GroupBy.REP, GroupBy.MANAGER):
        per_owner = _with_trailing(
            _figures(conn, DEAL.owner_id, period, scope, stages),
            _trailing(conn, DEAL.owner_id, period, scope, stages, today),
        )
        owners = (set(per_owner) | set(quotas)) & people
        totals = _sum(per_owner.get(o, ForecastFigures()) for o in owners)
        totals = totals.with_quota(_quota_sum(quotas, owners))
        if by is GroupBy.REP:
            rows = [
                _person_row(org, o, per_owner.get(o, ForecastFigures()), quotas.get(o))
                for o in sorted(owners, key=lambda o: _person_sort(org, o))
            ]
        else:
            rows = []
            for manager in org.managers():
                if manager not in people:
                    continue
                team = org.subtree(manager) & people
                figures = _sum(per_owner.get(o, ForecastFigures()) for o in team)
                rows.append(_person_row(org, manager, figures, _quota_sum(quotas, team)))
        return Rollup(period, by, rows, totals)

    column = DEAL.stage_id if by is GroupBy.STAGE else DEAL.forecast_category
    grouped = _figures(conn, column, period, scope, stages)
    overall = _with_trailing(
        _figures(conn, None, period, scope, stages),
        _trailing(conn, None, period, scope, stages, today),
    ).get(None, ForecastFigures())
    totals = overall.with_quota(_quota_sum(quotas, people))
    if by is GroupBy.STAGE:
        order = sorted(
            (s for s in stages.values() if scope.pipeline_id in (None, s.pipeline_id)),
            key=lambda s: (s.pipeline_position, s.pipeline_id, s.position),
        )
        single = len({s.pipeline_id for s in order}) == 1
        rows = [
            ForecastRow(
                s.name if single else f"{s.pipeline_name}: {s.name}",
                s.name,
                grouped.get(s.id, ForecastFigures()),
                per_person=False,
            )
            for s in order
        ]
    else:
        rows = [
            ForecastRow(
                c, c.replace("_", " ").title(), grouped.get(c, ForecastFigures()), per_person=False
            )
            for c in CATEGORY_ORDER
        ]
    return Rollup(period, by, rows, totals)


def forecast_totals(
    conn: Connection, period: Period, scope: Scope | None = None, *, today: date | None = None
) -> ForecastFigures:
    """The scope's figures as one row: what the header shows."""
    return compute_rollup(conn, period, GroupBy.REP, scope, today=today).totals


def _stage_ids(stages: Mapping[int, StageInfo], kind: StageKind) -> list[int]:
    return [s.id for s in stages.values() if s.kind == kind.value]


def _scope_filter(
    period: Period, scope: Scope, stages: Mapping[int, StageInfo]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if period.start is not None and period.end is not None:
        conditions.append(DEAL.close_date.between(period.start, period.end))
    if scope.owner_ids is not None:
        conditions.append(DEAL.owner_id.in_(sorted(scope.owner_ids)))
    if scope.pipeline_id is not None:
        # By its stages rather than pipeline_id: stage_id is in the covering index, so
        # the query still never touches the table.
        ids = [s.id for s in stages.values() if s.pipeline_id == scope.pipeline_id]
        conditions.append(DEAL.stage_id.in_(ids))
    return conditions


def _figures(
    conn: Connection,
    key: Any,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
) -> dict[Any, ForecastFigures]:
    amount, probability = DEAL.amount_minor, DEAL.probability
    category = DEAL.forecast_category
    is_open = DEAL.stage_id.in_(_stage_ids(stages, StageKind.OPEN))
    is_won = DEAL.stage_id.in_(_stage_ids(stages, StageKind.WON))
    is_lost = DEAL.stage_id.in_(_stage_ids(stages, StageKind.LOST))
    counted = and_(is_open, category != ForecastCategory.OMITTED.value)

    def total(condition: ColumnElement[bool], value: Any) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    key_column = key if key is not None else literal(None)
    query = select(
        key_column,
        total(counted, amount),
        total(counted, amount * probability),
        total(counted, 1),
        total(and_(is_open, category == ForecastCategory.COMMIT.value), amount),
        total(and_(is_open, category == ForecastCategory.BEST_CASE.value), amount),
        total(is_won, amount),
        total(is_won, 1),
        total(is_lost, amount),
        total(is_lost, 1),
    ).where(*_scope_filter(period, scope, stages))
    if key is not None:
        query = query.group_by(key)
    result: dict[Any, ForecastFigures] = {}
    for row in conn.execute(query):
        k, pipe, weighted, n_open, commit, best, won, n_won, lost, n_lost = row
        if key is None and not (n_open or n_won or n_lost or pipe):
            continue
        result[k] = ForecastFigures(
            closed_won=from_minor(int(won)),
            commit=from_minor(int(commit)),
            best_case=from_minor(int(best)),
            pipeline=from_minor(int(pipe)),
            weighted=weighted_from_sum(weighted),
            open_count=int(n_open),
            won_count=int(n_won),
            lost_count=int(n_lost),
            lost_value=from_minor(int(lost)),
        )
    return result


def trailing_window(period: Period, today: date) -> tuple[date, date]:
    """The year of closed deals before the period (or before today, if sooner)."""
    end = today if period.start is None else min(period.start, today)
    return end - relativedelta(years=1), end - relativedelta(days=1)


def _trailing(
    conn: Connection,
    key: Any,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
    today: date,
) -> dict[Any, tuple[Decimal, Decimal]]:
    start, end = trailing_window(period, today)
    won_ids, lost_ids = _stage_ids(stages, StageKind.WON), _stage_ids(stages, StageKind.LOST)
    window = Period("trailing", "window", start, end)
    key_column = key if key is not None else literal(None)
    query = select(
        key_column,
        func.coalesce(func.sum(case((DEAL.stage_id.in_(won_ids), DEAL.amount_minor), else_=0)), 0),
        func.coalesce(func.sum(case((DEAL.stage_id.in_(lost_ids), DEAL.amount_minor), else_=0)), 0),
    ).where(*_scope_filter(window, scope, stages), DEAL.stage_id.in_(won_ids + lost_ids))
    if key is not None:
        query = query.group_by(key)
    return {
        k: (from_minor(int(won)), from_minor(int(lost))) for k, won, lost in conn.execute(query)
    }


def _with_trailing(
    figures: dict[Any, ForecastFigures], trailing: dict[Any, tuple[Decimal, Decimal]]
) -> dict[Any, ForecastFigures]:
    merged = dict(figures)
    for key, (won, lost) in trailing.items():
        base = merged.get(key, ForecastFigures())
        merged[key] = replace(base, trailing_won_value=won, trailing_lost_value=lost)
    return merged


def quota_by_user(conn: Connection, period: Period, user_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each person's quota for the period; a quota row that only overlaps the period
    counts in proportion to the days they share (a month of a quarterly quota is about
    a third of it)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    quota = table_of(Quota).c
    query = select(quota.user_id, quota.period_start, quota.period_end, quota.amount_minor).where(
        quota.user_id.in_(ids)
    )
    if period.start is not None and period.end is not None:
        query = query.where(quota.period_start <= period.end, quota.period_end >= period.start)
    result: dict[int, Decimal] = {}
    for user_id, q_start, q_end, amount_minor in conn.execute(query):
        amount = from_minor(amount_minor)
        if period.start is not None and period.end is not None:
            overlap = (min(q_end, period.end) - max(q_start, period.start)).days + 1
            length = (q_end - q_start).days + 1
            if overlap < length:
                amount = (amount * overlap / length).quantize(CENT, rounding=ROUND_HALF_EVEN)
        result[user_id] = result.get(user_id, ZERO) + amount
    return result


def _quota_sum(quotas: Mapping[int, Decimal], people: Iterable[int]) -> Decimal | None:
    found = [quotas[p] for p in people if p in quotas]
    return sum(found, ZERO) if found else None


def _sum(rows: Iterable[ForecastFigures]) -> ForecastFigures:
    total = ForecastFigures()
    for row in rows:
        total = total + row
    return total.with_quota(None)


def _person_row(
    org: OrgChart, person_id: int, figures: ForecastFigures, quota: Decimal | None
) -> ForecastRow:
    person = org.people.get(person_id)
    login = person.login if person else f"user-{person_id}"
    label = person.display_name if person else login
    return ForecastRow(login, label, figures.with_quota(quota))


def _person_sort(org: OrgChart, person_id: int) -> tuple[str, int]:
    person = org.people.get(person_id)
    return ((person.display_name if person else "").casefold(), person_id)


def owner_figures(
    conn: Connection, period: Period, scope: Scope | None = None, *, today: date | None = None
) -> dict[int, ForecastFigures]:
    """The `GroupBy.REP` rows keyed by user id: each owner's own figures and quota, for
    everyone in scope with deals (in the period or the trailing year) or a quota."""
    scope = scope or Scope()
    today = today or date.today()
    stages = load_stages(conn)
    org = load_org(conn)
    if scope.owner_ids is not None and scope.owner_ids >= set(org.people):
        scope = replace(scope, owner_ids=None)  # as in `compute_rollup`
    people = scope.owner_ids if scope.owner_ids is not None else frozenset(org.people)
    quotas = quota_by_user(conn, period, people)
    per_owner = _with_trailing(
        _figures(conn, DEAL.owner_id, period, scope, stages),
        _trailing(conn, DEAL.owner_id, period, scope, stages, today),
    )
    owners = (set(per_owner) | set(quotas)) & people
    return {o: per_owner.get(o, ForecastFigures()).with_quota(quotas.get(o)) for o in owners}
