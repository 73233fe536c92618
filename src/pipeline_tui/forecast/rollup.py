"""Roll-ups of the forecast by rep, manager, stage or forecast category.

The database does the summing: one grouped query over the deals closing in the period,
one over the trailing year for win rates, and small lookups of stages, people, quotas
and rates. Both group by currency and the rate in force too (`query.currency`), so the
few group sums are converted exactly in Python. No deal row is loaded into Python, so a
roll-up costs the same few queries at a thousand deals or a million.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, or_

from ..models import ForecastCategory, StageKind
from ..org import OrgChart
from ..periods import Period
from ..query import DEAL, Scope, StageInfo, load_org, load_stages, quota_by_user, stage_ids, where
from ..query.currency import Sums, converted_sums, reporting_currency
from .metrics import (
    ZERO,
    ForecastFigures,
    ForecastRow,
    figures_dict,
    merge_unconverted,
    pipeline_caption,
)
from .totals import scope_figures, trailing_window

CATEGORY_ORDER = [c.value for c in ForecastCategory]


class GroupBy(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    STAGE = "stage"
    CATEGORY = "category"


@dataclass(frozen=True)
class Rollup:
    period: Period
    by: GroupBy
    rows: list[ForecastRow]
    totals: ForecastFigures
    currency: str = "USD"
    extra: dict[str, Any] = field(default_factory=dict)
    scope_label: str = ""  # whose deals, as every screen names them
    pipeline_name: str | None = None  # None: all pipelines

    @property
    def title(self) -> str:
        """ "Forecast Q4 FY2027 by rep", and with one pipeline chosen
        "... · Renewals (quota, gap, coverage: all pipelines)"."""
        title = f"Forecast {self.period.label} by {self.by.value}"
        if self.pipeline_name is None:
            return title
        return f"{title} · {pipeline_caption(self.pipeline_name)}"

    def as_dict(self) -> dict[str, Any]:
        p = self.period
        return {
            "period": {
                "key": p.key,
                "start": p.start.isoformat() if p.start else None,
                "end": p.end.isoformat() if p.end else None,
            },
            "currency": self.currency,  # every money figure is in it (docs/metrics.md)
            "scope": {"owners": self.scope_label or None, "pipeline": self.pipeline_name},
            "rows": [row.as_dict() for row in self.rows],
            "totals": figures_dict(self.totals),
        }


def compute_rollup(
    conn: Connection,
    period: Period,
    by: GroupBy = GroupBy.REP,
    scope: Scope | None = None,
    *,
    today: date | None = None,
) -> Rollup:
    today = today or date.today()
    scope, stages, org, people, quotas = _setting(conn, period, scope)

    if by in (GroupBy.REP, GroupBy.MANAGER):
        per_owner, owners = _per_owner(conn, period, scope, stages, people, quotas, today)
        # The rows' exact sums add up to what `scope_figures` reads as one row (the header's
        # way, `totals`; a test holds the two equal): summed here, the report reads the
        # deals once instead of twice.
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
        return Rollup(period, by, rows, totals, reporting_currency(conn))

    column = DEAL.stage_id if by is GroupBy.STAGE else DEAL.forecast_category
    grouped = _figures(conn, column, period, scope, stages, today)
    totals = scope_figures(conn, period, scope, stages, today)
    totals = totals.with_quota(_quota_sum(quotas, people))
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
    return Rollup(period, by, rows, totals, reporting_currency(conn))


def _setting(
    conn: Connection, period: Period, scope: Scope | None
) -> tuple[Scope, dict[int, StageInfo], OrgChart, frozenset[int], dict[int, Decimal]]:
    """What every roll-up starts from: the scope, stages, org chart, the people in scope
    and their quotas for the period."""
    scope = scope or Scope()
    stages = load_stages(conn)
    org = load_org(conn)
    if scope.owner_ids is not None and scope.owner_ids >= set(org.people):
        # Everyone, spelled out: no filter reads the same rows and lets the index work.
        scope = replace(scope, owner_ids=None)
    people = scope.owner_ids if scope.owner_ids is not None else frozenset(org.people)
    return scope, stages, org, people, quota_by_user(conn, period, people)


def _per_owner(
    conn: Connection,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
    people: frozenset[int],
    quotas: Mapping[int, Decimal],
    today: date,
) -> tuple[dict[Any, ForecastFigures], set[int]]:
    """Each owner's figures (without quota), and the owners in scope with deals in the
    period or the trailing year, or a quota."""
    per_owner = _on_quota_basis(
        _with_trailing(
            _figures(conn, DEAL.owner_id, period, scope, stages, today),
            _trailing(conn, DEAL.owner_id, period, scope, stages, today),
        ),
        _quota_basis(conn, DEAL.owner_id, period, scope, stages, today),
    )
    return per_owner, (set(per_owner) | set(quotas)) & people


def _quota_basis(
    conn: Connection,
    key: Any,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
    today: date,
) -> dict[Any, ForecastFigures] | None:
    """With one pipeline chosen, the same figures over all pipelines: quotas are per
    person, not per pipeline, so gap and coverage measure everything the quota covers.
    None when every pipeline is counted already."""
    if scope.pipeline_id is None:
        return None
    everywhere = replace(scope, pipeline_id=None)
    return _with_trailing(
        _figures(conn, key, period, everywhere, stages, today),
        _trailing(conn, key, period, everywhere, stages, today),
    )


def _on_quota_basis(
    figures: dict[Any, ForecastFigures], bases: dict[Any, ForecastFigures] | None
) -> dict[Any, ForecastFigures]:
    if bases is None:
        return figures
    return {
        key: replace(
            figures.get(key, ForecastFigures()), quota_basis=bases.get(key, ForecastFigures())
        )
        for key in set(figures) | set(bases)
    }


def forecast_totals(
    conn: Connection, period: Period, scope: Scope | None = None, *, today: date | None = None
) -> ForecastFigures:
    """The scope's figures as one row: what the header shows, and `report`'s totals
    (`compute_rollup` reads them the same way): the lookups, then one aggregate."""
    today = today or date.today()
    scope, stages, _, people, quotas = _setting(conn, period, scope)
    return scope_figures(conn, period, scope, stages, today).with_quota(_quota_sum(quotas, people))


def _figures(
    conn: Connection,
    key: Any,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
    today: date,
) -> dict[Any, ForecastFigures]:
    amount, probability = DEAL.amount_minor, DEAL.probability
    category = DEAL.forecast_category
    is_open = DEAL.stage_id.in_(stage_ids(stages, StageKind.OPEN))
    is_won = DEAL.stage_id.in_(stage_ids(stages, StageKind.WON))
    is_lost = DEAL.stage_id.in_(stage_ids(stages, StageKind.LOST))
    counted = and_(is_open, category != ForecastCategory.OMITTED.value)
    sums = Sums(
        money={
            "pipeline": (counted, amount),
            "weighted": (counted, amount * probability),
            "commit": (and_(is_open, category == ForecastCategory.COMMIT.value), amount),
            "best_case": (and_(is_open, category == ForecastCategory.BEST_CASE.value), amount),
            "won": (is_won, amount),
            "lost": (is_lost, amount),
        },
        counts={"open": counted, "won": is_won, "lost": is_lost},
        weighted=frozenset({"weighted"}),
        involved=or_(counted, is_won, is_lost),
    )
    grouped = converted_sums(conn, key, sums, where(scope.counted(period), stages), today=today)
    result: dict[Any, ForecastFigures] = {}
    for k, c in grouped.items():
        result[k] = ForecastFigures(
            closed_won=c.amount("won"),
            commit=c.amount("commit"),
            best_case=c.amount("best_case"),
            pipeline=c.amount("pipeline"),
            weighted=c.amount("weighted"),
            open_count=c.count("open"),
            won_count=c.count("won"),
            lost_count=c.count("lost"),
            lost_value=c.amount("lost"),
            unconverted=merge_unconverted(c.unconverted),
        )
    return result


def _trailing(
    conn: Connection,
    key: Any,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
    today: date,
) -> dict[Any, tuple[Decimal, Decimal]]:
    start, end = trailing_window(period, today)
    won_ids, lost_ids = stage_ids(stages, StageKind.WON), stage_ids(stages, StageKind.LOST)
    window = Period("trailing", "window", start, end)
    is_won, is_lost = DEAL.stage_id.in_(won_ids), DEAL.stage_id.in_(lost_ids)
    sums = Sums(money={"won": (is_won, DEAL.amount_minor), "lost": (is_lost, DEAL.amount_minor)})
    conditions = [*where(scope.counted(window), stages), DEAL.stage_id.in_(won_ids + lost_ids)]
    grouped = converted_sums(conn, key, sums, conditions, today=today)
    return {k: (c.amount("won"), c.amount("lost")) for k, c in grouped.items()}


def _with_trailing(
    figures: dict[Any, ForecastFigures], trailing: dict[Any, tuple[Decimal, Decimal]]
) -> dict[Any, ForecastFigures]:
    merged = dict(figures)
    for key, (won, lost) in trailing.items():
        base = merged.get(key, ForecastFigures())
        merged[key] = replace(base, trailing_won_value=won, trailing_lost_value=lost)
    return merged


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
    today = today or date.today()
    scope, stages, _, people, quotas = _setting(conn, period, scope)
    per_owner, owners = _per_owner(conn, period, scope, stages, people, quotas, today)
    return {o: per_owner.get(o, ForecastFigures()).with_quota(quotas.get(o)) for o in owners}
