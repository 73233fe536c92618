"""The lookups every package starts from: the org chart, stages, quotas and settings.

They are small tables (people, stages and quotas number in the hundreds at most), so each
is read whole or by a short id list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import Connection, Select, select

from ..models import DealChange, Pipeline, Quota, Settings, Stage, StageKind, User, table_of
from ..money import CENT, from_minor
from ..org import OrgChart, Person
from ..periods import Period
from .rows import row_to

NO_QUOTA = Decimal("0.00")
STAGE_TABLE, PIPELINE_TABLE = table_of(Stage), table_of(Pipeline)
STAGE, PIPELINE = STAGE_TABLE.c, PIPELINE_TABLE.c


@dataclass(frozen=True)
class StageInfo:
    id: int
    pipeline_id: int
    pipeline_name: str
    name: str
    kind: str
    position: int
    pipeline_position: int


@dataclass(frozen=True)
class StageOption:
    id: int
    name: str
    kind: str
    default_probability: int
    position: int
    # Retired: kept for its deals and history, offered for no move or new deal.
    retired: bool = False


def load_stages(conn: Connection) -> dict[int, StageInfo]:
    """Every stage of every pipeline, by id."""
    query = select(
        STAGE.id,
        STAGE.pipeline_id,
        PIPELINE.name.label("pipeline_name"),
        STAGE.name,
        STAGE.kind,
        STAGE.position,
        PIPELINE.position.label("pipeline_position"),
    ).join_from(STAGE_TABLE, PIPELINE_TABLE, PIPELINE.id == STAGE.pipeline_id)
    return {row["id"]: row_to(StageInfo, row) for row in conn.execute(query).mappings()}


def stage_ids(
    stages: Mapping[int, StageInfo], kind: StageKind | None = None, pipeline_id: int | None = None
) -> list[int]:
    """The ids of the stages of this kind (None: any) in this pipeline (None: any)."""
    return [
        s.id
        for s in stages.values()
        if (kind is None or s.kind == kind.value) and pipeline_id in (None, s.pipeline_id)
    ]


def load_pipeline_stages(conn: Connection, pipeline_id: int) -> list[StageOption]:
    """All the pipeline's stages (open, won and lost) in position order."""
    query = (
        select(
            STAGE.id,
            STAGE.name,
            STAGE.kind,
            STAGE.default_probability,
            STAGE.position,
            STAGE.retired,
        )
        .where(STAGE.pipeline_id == pipeline_id)
        .order_by(STAGE.position, STAGE.id)
    )
    return [row_to(StageOption, row) for row in conn.execute(query).mappings()]


def load_org(conn: Connection) -> OrgChart:
    user = table_of(User).c
    query = select(
        user.id, user.login, user.display_name, user.role, user.manager_id, user.team, user.active
    )
    return OrgChart(row_to(Person, row) for row in conn.execute(query).mappings())


def quota_by_user(conn: Connection, period: Period, user_ids: Iterable[int]) -> dict[int, Decimal]:
    """Each person's quota for the period; a quota row that only overlaps the period
    counts in proportion to the days they share (a month of a quarterly quota is about
    a third of it)."""
    ids = sorted(set(user_ids))
    # Undated deals close in no period, so no quota is theirs.
    if not ids or period.no_close_date:
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
        result[user_id] = result.get(user_id, NO_QUOTA) + amount
    return result


def fiscal_year_start_month(conn: Connection) -> int:
    settings = table_of(Settings).c
    month = conn.execute(
        select(settings.fiscal_year_start_month).order_by(settings.id).limit(1)
    ).scalar()
    return int(month or 1)


def deal_changes(deal_id: int) -> Select[Any]:
    """A deal's change rows with the name of who made each (None for an import or someone
    no longer in the org chart), for the caller to order and limit."""
    change, user = table_of(DealChange), table_of(User)
    return (
        select(
            change.c.id,
            change.c.field,
            change.c.old_value,
            change.c.new_value,
            change.c.changed_by_id,
            user.c.display_name.label("who"),
            change.c.changed_at,
            change.c.source,
        )
        .select_from(change.outerjoin(user, user.c.id == change.c.changed_by_id))
        .where(change.c.deal_id == deal_id)
    )
