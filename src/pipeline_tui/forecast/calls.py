"""The rep's call and the manager's call, side by side.

The rep's call is closed won plus the open deals the rep put in `commit`. The manager's
call is closed won plus the open deals in `commit` by the manager's judgment: where the
latest judgment on a deal gives a category or an amount, those replace the rep's; where
there is none (or it was withdrawn), the rep's stand. Definitions: docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from ..models import Deal, ForecastCategory, Judgment, table_of
from ..periods import Period
from ..query import DEAL, Scope, load_stages, where
from ..query.currency import Sums, converted_sums
from .metrics import ZERO, ForecastFigures

JUDGMENT_TABLE, DEAL_TABLE = table_of(Judgment), table_of(Deal)
JUDGMENT = JUDGMENT_TABLE.c


@dataclass(frozen=True)
class ManagerCall:
    """The open part of the manager's call for some owners' deals."""

    commit: Decimal = ZERO
    judged_count: int = 0

    def __add__(self, other: ManagerCall) -> ManagerCall:
        return ManagerCall(self.commit + other.commit, self.judged_count + other.judged_count)


@dataclass(frozen=True)
class CallFigures:
    """Forecast figures with the manager's call beside the rep's."""

    figures: ForecastFigures
    manager: ManagerCall = ManagerCall()

    @property
    def rep_call(self) -> Decimal:
        return self.figures.forecast_call

    @property
    def manager_call(self) -> Decimal:
        return self.figures.closed_won + self.manager.commit

    def __add__(self, other: CallFigures) -> CallFigures:
        return CallFigures(self.figures + other.figures, self.manager + other.manager)

    def with_quota(self, quota: Decimal | None) -> CallFigures:
        return replace(self, figures=self.figures.with_quota(quota))


def latest_judgments() -> Any:
    """(deal_id, category, amount_minor) of each deal's latest judgment, as a subquery."""
    latest = (
        select(JUDGMENT.deal_id, func.max(JUDGMENT.id).label("id"))
        .group_by(JUDGMENT.deal_id)
        .subquery("latest_judgment")
    )
    return (
        select(JUDGMENT.deal_id, JUDGMENT.category, JUDGMENT.amount_minor)
        .join(latest, latest.c.id == JUDGMENT.id)
        .subquery("judged")
    )


def manager_calls(
    conn: Connection, period: Period, scope: Scope | None = None, *, today: date | None = None
) -> dict[int, ManagerCall]:
    """Per owner: the manager's commit over open deals closing in the period, and how many
    of those deals carry a judgment. One grouped query; judgments are few. A judged
    amount is in the deal's own currency and converts like the deal."""
    scope = scope or Scope()
    stages = load_stages(conn)
    judged = latest_judgments()
    category = func.coalesce(judged.c.category, DEAL.forecast_category)
    amount = func.coalesce(judged.c.amount_minor, DEAL.amount_minor)
    has_judgment = or_(judged.c.category.is_not(None), judged.c.amount_minor.is_not(None))
    committed = category == ForecastCategory.COMMIT.value
    sums = Sums(
        money={"commit": (committed, amount)},
        counts={"judged": has_judgment},
        involved=committed,
    )
    grouped = converted_sums(
        conn,
        DEAL.owner_id,
        sums,
        [and_(*where(scope.counted(period, open_only=True), stages))],
        today=today or date.today(),
        from_=DEAL_TABLE.outerjoin(judged, judged.c.deal_id == DEAL.id),
    )
    return {
        owner: ManagerCall(c.amount("commit"), c.count("judged")) for owner, c in grouped.items()
    }
