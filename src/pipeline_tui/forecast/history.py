"""Deals as they stood at an earlier moment, rebuilt from their change history.

Every edit writes one `deal_change` row per field with the old and the new value, so a
field's value at moment T is the old value of its first change after T, or today's value
if it has not changed since. A deal created after T did not exist yet. Owner and pipeline
are not in the history (no edit changes them), so they are taken as they are now; a
snapshot's deal rows are the way to know them as they were.

Only deals that moved are rebuilt: callers pass the ids (as a subquery) of deals updated
after T, since a deal untouched since T stands today as it stood then.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, and_, select

from ..models import (
    Deal,
    DealChange,
    ForecastCategory,
    ProcessChange,
    ProcessChangeKind,
    StageKind,
    table_of,
)
from ..money import to_minor
from ..query import StageInfo, as_utc, row_to

DEAL_TABLE, CHANGE_TABLE = table_of(Deal), table_of(DealChange)
DEAL, CHANGE = DEAL_TABLE.c, CHANGE_TABLE.c
LOG = table_of(ProcessChange).c
FIELDS = ("stage", "amount", "forecast_category", "close_date", "archived")


@dataclass(frozen=True)
class DealState:
    owner_id: int
    pipeline_id: int
    stage_id: int | None  # None: a stage name in the history that no stage has any more
    kind: str
    amount_minor: int
    category: str
    close_date: date | None
    archived: bool = False  # withdrawn: in no pipeline (a snapshot's rows never are)

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN.value

    @property
    def omitted(self) -> bool:
        return self.category == ForecastCategory.OMITTED.value


@dataclass(frozen=True)
class DealNow:
    id: int
    name: str
    created_at: datetime  # naive UTC
    state: DealState


@dataclass(frozen=True)
class Change:
    field: str
    old_value: str | None
    changed_at: datetime  # naive UTC


def deal_state(row: Mapping[Any, Any], stages: Mapping[int, StageInfo]) -> DealState:
    """A deal row (or a snapshot's copy of one) as a `DealState`; a stage that is gone
    counts as open."""
    stage = stages.get(row["stage_id"])
    kind = stage.kind if stage else StageKind.OPEN.value
    archived = bool(row.get("archived", False))
    return row_to(DealState, row, kind=kind, category=row["forecast_category"], archived=archived)


def load_moved(
    conn: Connection, ids: Any, after: datetime, stages: Mapping[int, StageInfo]
) -> dict[int, tuple[DealNow, list[Change]]]:
    """The deals whose ids `ids` (a select of ids) gives, as they are now, each with its
    changes to the forecast fields after `after`, oldest first. One query, so the ids
    are worked out once."""
    moved = ids.subquery("moved")
    changes = CHANGE_TABLE.alias("change")
    query = (
        select(
            DEAL.id,
            DEAL.name,
            DEAL.created_at,
            DEAL.owner_id,
            DEAL.pipeline_id,
            DEAL.stage_id,
            DEAL.amount_minor,
            DEAL.forecast_category,
            DEAL.close_date,
            DEAL.archived,
            changes.c.field,
            changes.c.old_value,
            changes.c.changed_at,
        )
        .select_from(
            DEAL_TABLE.join(moved, moved.c.id == DEAL.id).outerjoin(
                changes,
                and_(
                    changes.c.deal_id == DEAL.id,
                    changes.c.changed_at > as_utc(after),
                    changes.c.field.in_(FIELDS),
                ),
            )
        )
        .order_by(DEAL.id, changes.c.changed_at, changes.c.id)
    )
    result: dict[int, tuple[DealNow, list[Change]]] = {}
    for row in conn.execute(query).mappings():
        deal_id = row["id"]
        if deal_id not in result:
            now = DealNow(
                deal_id, row["name"], naive_utc(row["created_at"]), deal_state(row, stages)
            )
            result[deal_id] = (now, [])
        if row["field"] is not None:
            change = Change(row["field"], row["old_value"], naive_utc(row["changed_at"]))
            result[deal_id][1].append(change)
    return result


def state_at(
    deal: DealNow,
    changes: list[Change],
    when: datetime,
    stages_by_name: Mapping[tuple[int, str], StageInfo],
) -> DealState | None:
    """The deal at `when`; None if it did not exist yet."""
    when = naive_utc(when)
    if deal.created_at > when:
        return None
    now = deal.state
    stage_id, kind, amount, category, close, archived = (
        now.stage_id,
        now.kind,
        now.amount_minor,
        now.category,
        now.close_date,
        now.archived,
    )
    seen: set[str] = set()
    for change in changes:
        field, old = change.field, change.old_value
        if change.changed_at <= when or field in seen:
            continue
        seen.add(field)
        if field == "stage":
            stage = stages_by_name.get((now.pipeline_id, old or ""))
            # A stage renamed since: its kind is unknown, and most stages are open ones.
            stage_id, kind = (
                (None, StageKind.OPEN.value) if stage is None else (stage.id, stage.kind)
            )
        elif field == "amount":
            with suppress(InvalidOperation):  # unreadable history: today's is the best guess
                amount = to_minor(Decimal(old or "0"))
        elif field == "forecast_category":
            category = old or ForecastCategory.PIPELINE.value
        elif field == "archived":
            archived = old == "True"
        else:
            with suppress(ValueError):
                close = date.fromisoformat(old) if old else None
    if not seen:
        return now
    return DealState(
        now.owner_id, now.pipeline_id, stage_id, kind, amount, category, close, archived
    )


def stages_by_name(
    stages: Mapping[int, StageInfo], conn: Connection | None = None
) -> dict[tuple[int, str], StageInfo]:
    """Stages by (pipeline, name) as the history writes them; with `conn`, a stage renamed
    since answers to its earlier names too (the process log's renames)."""
    by_name = {(s.pipeline_id, s.name): s for s in stages.values()}
    if conn is not None:
        renames = select(LOG.stage_id, LOG.old_value).where(
            LOG.kind == ProcessChangeKind.STAGE_RENAMED.value
        )
        for stage_id, old in conn.execute(renames.order_by(LOG.id.desc())):
            stage = stages.get(stage_id)
            if stage is not None and old:
                by_name.setdefault((stage.pipeline_id, old), stage)
    return by_name


def naive_utc(value: datetime) -> datetime:
    """UTC without a zone, as SQLite hands timestamps back: cheap to compare by the
    hundred thousand."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
