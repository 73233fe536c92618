"""Which deals: one `Scope` value and one `where` that turns it into SQL conditions.

The board, the forecast, the reviews and the snapshots all pick their deals through it.
The board uses every field; figures (forecast, snapshots, calls) count every deal of the
scope's people and pipeline closing in the period, whatever the board's filters, so they
go through `Scope.counted`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, false, func, or_, select

from ..models import Account, Deal, Stage, StageKind, table_of
from ..periods import Period
from .flags import FlagRules, any_flag
from .loaders import StageInfo, stage_ids

DEAL, ACCOUNT, STAGE = table_of(Deal).c, table_of(Account).c, table_of(Stage).c


@dataclass(frozen=True)
class Scope:
    """`owner_ids` None means everyone; `pipeline_id` None, every pipeline; `period` None
    (or `all`, without bounds), any close date; a period with one bound, from or until;
    the "no close date" period, the deals without one."""

    owner_ids: frozenset[int] | None = None
    pipeline_id: int | None = None
    period: Period | None = None
    # False: the period is shown (in the header) but does not filter the deals.
    closing_in_period: bool = True
    # Replaces the period condition: such deals close in no period.
    no_close_date: bool = False
    stage_id: int | None = None
    categories: frozenset[str] | None = None
    stale_days: int | None = None
    search: str | None = None
    # The board shows open deals unless asked otherwise; figures go through `counted`.
    open_only: bool = True
    # The day `stale_days` counts back from; None: today.
    today: date | None = None
    # Only deals with an inspection flag; `flag_rules` (filled in by the reads that take
    # a connection, `with_flag_rules`) says what the flags are measured against.
    flagged: bool = False
    flag_rules: FlagRules | None = None
    # Archived deals are withdrawn: left out of everything unless asked for (what
    # changed looks at them, to say they left).
    with_archived: bool = False

    def counted(self, period: Period | None, *, open_only: bool = False) -> Scope:
        """What figures count: these people's deals in this pipeline closing in `period`,
        of every stage kind (or open ones only), none of the board's filters."""
        return Scope(self.owner_ids, self.pipeline_id, period, open_only=open_only)

    @property
    def search_text(self) -> str:
        return (self.search or "").strip().lower()


def where(scope: Scope, stages: Mapping[int, StageInfo] | None = None) -> list[ColumnElement[bool]]:
    """The scope as WHERE conditions on the deal table (and the account, for a search).

    With `stages` (from `load_stages`), the pipeline and "open" are spelled as stage id
    lists: stage_id is in the covering forecast index, so a grouped query over the deals
    never touches the table. Without, they are conditions on pipeline_id and a subquery.
    """
    conditions: list[ColumnElement[bool]] = []
    period = scope.period
    if scope.no_close_date or (period is not None and period.no_close_date):
        conditions.append(DEAL.close_date.is_(None))
    elif scope.closing_in_period and period is not None:
        if period.start is not None and period.end is not None:
            conditions.append(DEAL.close_date.between(period.start, period.end))
        elif period.start is not None:
            conditions.append(DEAL.close_date >= period.start)
        elif period.end is not None:
            conditions.append(DEAL.close_date <= period.end)
    if not scope.with_archived:
        conditions.append(DEAL.archived == false())
    if scope.owner_ids is not None:
        conditions.append(DEAL.owner_id.in_(sorted(scope.owner_ids)))
    if stages is not None:
        if scope.pipeline_id is not None or scope.open_only:
            kind = StageKind.OPEN if scope.open_only else None
            conditions.append(DEAL.stage_id.in_(stage_ids(stages, kind, scope.pipeline_id)))
    else:
        if scope.pipeline_id is not None:
            conditions.append(DEAL.pipeline_id == scope.pipeline_id)
        if scope.open_only:
            # A handful of stage ids: the IN list lets the deal indexes on stage_id work.
            open_stages = select(STAGE.id).where(STAGE.kind == StageKind.OPEN.value)
            conditions.append(DEAL.stage_id.in_(open_stages.scalar_subquery()))
    if scope.stage_id is not None:
        conditions.append(DEAL.stage_id == scope.stage_id)
    if scope.categories is not None:
        conditions.append(DEAL.forecast_category.in_(sorted(scope.categories)))
    if scope.stale_days is not None:
        today = scope.today or date.today()
        cutoff = datetime.combine(today - timedelta(days=scope.stale_days), time.min, UTC)
        conditions.append(DEAL.updated_at < cutoff)
    if scope.flagged:
        if scope.flag_rules is None:
            raise ValueError("a flagged-only scope needs its flag rules (with_flag_rules)")
        conditions.append(any_flag(scope.flag_rules))
    needle = scope.search_text
    if needle:
        # SQLite's lower() folds ASCII only, so non-ASCII matches only in the same case.
        conditions.append(
            or_(
                func.lower(DEAL.name).contains(needle, autoescape=True),
                func.lower(ACCOUNT.name).contains(needle, autoescape=True),
            )
        )
    return conditions
