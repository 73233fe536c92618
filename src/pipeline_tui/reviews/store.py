"""Reading reviews back: the review row, its items, and the meeting before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from ..forecast.snapshots import (
    SNAPSHOT,
    snapshot_totals,
    stored_period,
    stored_scope,
)
from ..models import (
    Deal,
    ForecastSnapshot,
    Note,
    Review,
    ReviewItem,
    ReviewStatus,
    SnapshotKind,
    Stage,
    User,
    table_of,
)
from ..money import from_minor
from ..org import OrgChart
from ..query import as_utc, fiscal_year_start_month, load_org, row_to
from .errors import ReviewNotFoundError
from .model import ReviewItemView, ReviewScope, ReviewState

REVIEW_TABLE, ITEM_TABLE = table_of(Review), table_of(ReviewItem)
REVIEW, ITEM = REVIEW_TABLE.c, ITEM_TABLE.c
DEAL_TABLE, STAGE_TABLE, USER_TABLE = table_of(Deal), table_of(Stage), table_of(User)
DEAL, STAGE, USER = DEAL_TABLE.c, STAGE_TABLE.c, USER_TABLE.c
NOTE_TABLE = table_of(Note)
NOTE = NOTE_TABLE.c
SNAPSHOT_TABLE = table_of(ForecastSnapshot)


def review_row(conn: Connection, review_id: int, *, for_update: bool = False) -> RowMapping:
    query = select(REVIEW_TABLE).where(REVIEW.id == review_id)
    if for_update:
        query = query.with_for_update()  # PostgreSQL: two workers can't both end it
    row = conn.execute(query).mappings().first()
    if row is None:
        raise ReviewNotFoundError(review_id)
    return row


def scope_of(row: RowMapping) -> ReviewScope:
    return stored_scope(row)


def load_items(conn: Connection, review_id: int) -> tuple[ReviewItemView, ...]:
    query = (
        select(
            ITEM.position,
            ITEM.deal_id,
            DEAL.name.label("deal_name"),
            ITEM.stage_id,
            STAGE.name.label("stage_name"),
            DEAL.amount_minor,
            DEAL.currency,
            ITEM.status,
            ITEM.seconds_spent,
        )
        .select_from(
            ITEM_TABLE.join(DEAL_TABLE, DEAL.id == ITEM.deal_id).join(
                STAGE_TABLE, STAGE.id == ITEM.stage_id
            )
        )
        .where(ITEM.review_id == review_id)
        .order_by(ITEM.position)
    )
    return tuple(
        row_to(ReviewItemView, row, amount=from_minor(row["amount_minor"]))
        for row in conn.execute(query).mappings()
    )


def snapshot_id_of(conn: Connection, review_id: int, kind: SnapshotKind) -> int | None:
    query = select(SNAPSHOT.id).where(SNAPSHOT.review_id == review_id, SNAPSHOT.kind == kind.value)
    return conn.execute(query).scalar()


def previous_review(conn: Connection, row: RowMapping) -> tuple[int, datetime] | None:
    """The meeting before this one: the last review (`last_review`) that ended before
    this one started."""
    return last_review(conn, scope_of(row), before=row["started_at"], other_than=row["id"])


def last_review(
    conn: Connection,
    scope: ReviewScope,
    *,
    before: datetime | None = None,
    other_than: int | None = None,
) -> tuple[int, datetime] | None:
    """ "The last review", wherever it is asked for (a review's "changed since", what
    changed since the last review): the latest ended review of the same scope (person,
    team or everyone, and pipeline) if there is one, else the latest ended review of any
    scope; (id, ended at), or None when no review has ended."""
    base = (
        select(REVIEW.id, REVIEW.ended_at)
        .where(REVIEW.status == ReviewStatus.ENDED.value)
        .order_by(REVIEW.ended_at.desc(), REVIEW.id.desc())
        .limit(1)
    )
    if before is not None:
        base = base.where(REVIEW.ended_at <= before)
    if other_than is not None:
        base = base.where(REVIEW.id != other_than)
    same_scope = base.where(
        _same(REVIEW.scope_owner_id, scope.owner_id),
        REVIEW.scope_subtree == scope.subtree,
        _same(REVIEW.pipeline_id, scope.pipeline_id),
    )
    found = conn.execute(same_scope).first() or conn.execute(base).first()
    return None if found is None else (found[0], as_utc(found[1]))


def _same(column: Any, value: int | None) -> Any:
    return column.is_(None) if value is None else column == value


def last_reviewed(conn: Connection, deal_id: int, before: datetime) -> tuple[int, datetime] | None:
    """The latest ended review, ended by `before`, in which this deal was reviewed."""
    query = (
        select(REVIEW.id, REVIEW.ended_at)
        .select_from(REVIEW_TABLE.join(ITEM_TABLE, ITEM.review_id == REVIEW.id))
        .where(
            ITEM.deal_id == deal_id,
            ITEM.status == "reviewed",
            REVIEW.status == ReviewStatus.ENDED.value,
            REVIEW.ended_at <= before,
        )
        .order_by(REVIEW.ended_at.desc(), REVIEW.id.desc())
        .limit(1)
    )
    found = conn.execute(query).first()
    return None if found is None else (found[0], as_utc(found[1]))


def person_name(org: OrgChart, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    person = org.people.get(person_id)
    return person.display_name if person else f"user {person_id}"


def load_state(conn: Connection, review_id: int) -> ReviewState:
    row = review_row(conn, review_id)
    org = load_org(conn)
    scope = scope_of(row)
    start_id = snapshot_id_of(conn, review_id, SnapshotKind.REVIEW_START)
    end_id = snapshot_id_of(conn, review_id, SnapshotKind.REVIEW_END)
    previous = previous_review(conn, row)
    stage_ids = row["stage_ids"]
    return ReviewState(
        id=row["id"],
        status=row["status"],
        started_by_id=row["started_by_id"],
        started_by_name=person_name(org, row["started_by_id"]) or "",
        started_at=as_utc(row["started_at"]),
        ended_at=None if row["ended_at"] is None else as_utc(row["ended_at"]),
        scope=scope,
        scope_label=scope.label(org),
        period=stored_period(row, fiscal_year_start_month(conn)),
        stage_ids=tuple(int(s) for s in stage_ids.split(",")) if stage_ids else None,
        min_amount=None if row["min_amount_minor"] is None else from_minor(row["min_amount_minor"]),
        changed_only=bool(row["changed_only"]),
        latest_stage_first=bool(row["latest_stage_first"]),
        current_index=row["current_index"],
        elapsed_seconds=row["elapsed_seconds"],
        items=load_items(conn, review_id),
        start_snapshot_id=start_id,
        end_snapshot_id=end_id,
        start_figures=None if start_id is None else snapshot_totals(conn, start_id),
        previous_review_id=None if previous is None else previous[0],
        baseline_at=None if previous is None else previous[1],
    )
