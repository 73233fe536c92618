"""Which deals a review walks: checks on the request, and "changed since the last review"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from ..models import DealChange, ItemStatus, Pipeline, StageKind, table_of
from ..money import to_minor
from ..query import Scope, load_stages, where
from ..query import stage_ids as stage_ids_of
from ..query.flags import FlagRules, any_flag, last_reviewed_at
from .errors import ReviewError
from .model import DIFF_FIELDS, ReviewScope
from .store import DEAL, DEAL_TABLE, STAGE, STAGE_TABLE

CHANGE = table_of(DealChange).c
PIPELINE_TABLE = table_of(Pipeline)
PIPELINE = PIPELINE_TABLE.c
MAX_AMOUNT = Decimal(10**13)


def changed_since_condition(baseline: datetime | None) -> Any:
    """Created or changed in a forecast field since the deal was last reviewed (in an
    ended review), or else since the previous review of this scope; with neither, every
    deal counts as changed."""
    since = func.coalesce(last_reviewed_at(), literal(baseline, DateTime(timezone=True)))
    changed = exists().where(
        CHANGE.deal_id == DEAL.id, CHANGE.field.in_(DIFF_FIELDS), CHANGE.changed_at > since
    )
    return or_(since.is_(None), DEAL.created_at > since, changed)


def check_amount(amount: Decimal | None) -> Decimal | None:
    if amount is None:
        return None
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ReviewError(f"A minimum amount must be a Decimal, not {type(amount).__name__}.")
    value = Decimal(amount)
    if not value.is_finite() or not 0 <= value < MAX_AMOUNT:
        raise ReviewError(f"A minimum amount must be at least 0 and below {MAX_AMOUNT:,}.")
    return value


def check_stages(
    conn: Connection, scope: ReviewScope, stage_ids: Sequence[int] | None
) -> list[int]:
    stages = load_stages(conn)
    wanted = (
        stage_ids_of(stages, StageKind.OPEN)
        if stage_ids is None
        else list(dict.fromkeys(stage_ids))
    )
    if scope.pipeline_id is not None:
        outside = [s for s in wanted if s in stages and stages[s].pipeline_id != scope.pipeline_id]
        if stage_ids is not None and outside:
            raise ReviewError(f"Stage {outside[0]} is not in the review's pipeline.")
        wanted = [s for s in wanted if s not in outside]
    for stage_id in wanted:
        if stage_id not in stages:
            raise ReviewError(f"There is no stage with id {stage_id}.")
        if stages[stage_id].kind != StageKind.OPEN.value:
            raise ReviewError(
                f"'{stages[stage_id].name}' is not an open stage; reviews walk open deals."
            )
    if not wanted:
        raise ReviewError("A review needs at least one open stage.")
    return wanted


def item_selection(
    review_id: int,
    *,
    stages: list[int],
    deals: Scope,
    minimum: Decimal | None,
    changed_since: datetime | None,
    changed_only: bool,
    latest_stage_first: bool,
    flags: FlagRules | None = None,
) -> Select[Any]:
    """The review's items as rows to insert: its deals numbered in walking order (stage by
    stage in pipeline order; within a stage the deals with an inspection flag first, when
    `flags` says how to tell; then biggest deal first), the numbering done by the database.
    `deals` says whose and when; `stages` (checked open) stand for "open" and the pipeline."""
    conditions: list[Any] = [DEAL.stage_id.in_(stages), *where(deals)]
    if minimum is not None:
        conditions.append(DEAL.amount_minor >= to_minor(minimum))
    if changed_only:
        conditions.append(changed_since_condition(changed_since))
    stage_order = STAGE.position.desc() if latest_stage_first else STAGE.position.asc()
    flagged_first = (
        case((any_flag(flags), 0), else_=1) if flags is not None else literal(0, Integer)
    )
    position = func.row_number().over(
        order_by=(
            PIPELINE.position,
            PIPELINE.id,
            stage_order,
            flagged_first,
            DEAL.amount_minor.desc(),
            DEAL.id,
        )
    )
    return (
        select(
            literal(review_id, Integer),
            DEAL.id,
            position - 1,
            DEAL.stage_id,
            literal(ItemStatus.PENDING.value),
            literal(0, Integer),
        )
        .select_from(
            DEAL_TABLE.join(STAGE_TABLE, STAGE.id == DEAL.stage_id).join(
                PIPELINE_TABLE, PIPELINE.id == DEAL.pipeline_id
            )
        )
        .where(and_(*conditions))
    )
