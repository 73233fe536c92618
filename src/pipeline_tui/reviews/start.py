"""Starting a review, finding the one to resume, listing them, and calling one off.

Starting is one transaction: the review row, its deals in walking order (copied by one
INSERT ... SELECT with ROW_NUMBER, so the database orders them), and the start snapshot.
A start that matches no deal writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    Engine,
    case,
    func,
    insert,
    select,
    update,
)

from ..forecast.snapshots import scope_columns, write_snapshot
from ..models import (
    ItemStatus,
    Pipeline,
    ReviewStatus,
    SnapshotKind,
    table_of,
    utcnow,
)
from ..money import to_minor
from ..periods import Period
from ..query import as_utc, load_org, row_to
from ..query.flags import load_flag_rules
from .errors import ReviewError
from .model import ReviewListing, ReviewScope, ReviewState
from .selection import check_amount, check_stages, item_selection
from .store import (
    ITEM,
    ITEM_TABLE,
    REVIEW,
    REVIEW_TABLE,
    load_state,
    previous_review,
    review_row,
    scope_of,
)

PIPELINE = table_of(Pipeline).c


def start_review(
    engine: Engine,
    *,
    started_by: int,
    scope: ReviewScope,
    period: Period,
    today: date,
    stage_ids: Sequence[int] | None = None,
    min_amount: Decimal | None = None,
    changed_only: bool = False,
    latest_stage_first: bool = True,
) -> ReviewState:
    """Open a review of the open deals closing in `period`, in `scope`, in these stages
    (None: every open stage), of at least `min_amount`, and with `changed_only` only those
    changed since the last review. Deals come stage by stage (latest stage first unless
    asked otherwise); within a stage the deals with an inspection flag first, then biggest
    first. Raises `ReviewError` for bad input or when no deal matches; nothing is written
    then."""
    minimum = check_amount(min_amount)
    with engine.begin() as conn:
        org = load_org(conn)
        for person, what in ((started_by, "who starts the review"), (scope.owner_id, "scope")):
            if person is not None and person not in org.people:
                raise ReviewError(f"There is no person with id {person} ({what}).")
        if (
            scope.pipeline_id is not None
            and conn.execute(select(PIPELINE.id).where(PIPELINE.id == scope.pipeline_id)).first()
            is None
        ):
            raise ReviewError(f"There is no pipeline with id {scope.pipeline_id}.")
        stages = check_stages(conn, scope, stage_ids)
        now = utcnow()
        review_id = conn.execute(
            insert(REVIEW_TABLE)
            .returning(REVIEW.id)
            .values(
                started_by_id=started_by,
                started_at=now,
                status=ReviewStatus.OPEN.value,
                **scope_columns(scope, period),
                stage_ids=None if stage_ids is None else ",".join(map(str, sorted(stages))),
                min_amount_minor=None if minimum is None else to_minor(minimum),
                changed_only=changed_only,
                latest_stage_first=latest_stage_first,
                current_index=0,
                elapsed_seconds=0,
            )
        ).scalar_one()
        row = review_row(conn, review_id)
        previous = previous_review(conn, row)
        selection = item_selection(
            review_id,
            stages=stages,
            deals=scope.forecast_scope(org).counted(period),
            minimum=minimum,
            changed_since=previous[1] if previous else None,
            changed_only=changed_only,
            latest_stage_first=latest_stage_first,
            flags=load_flag_rules(conn, today),
        )
        conn.execute(
            insert(ITEM_TABLE).from_select(
                ["review_id", "deal_id", "position", "stage_id", "status", "seconds_spent"],
                selection,
            )
        )
        # Counted rather than read from rowcount, which psycopg leaves at -1 here.
        added = conn.execute(
            select(func.count()).select_from(ITEM_TABLE).where(ITEM.review_id == review_id)
        ).scalar_one()
        if not added:
            raise ReviewError("No open deal matches that scope, period, stages and filters.")
        write_snapshot(
            conn,
            kind=SnapshotKind.REVIEW_START,
            period=period,
            scope=scope,
            as_of=today,
            review_id=review_id,
            taken_at=now,
            org=org,
        )
        return load_state(conn, review_id)


def get_review(engine: Engine, review_id: int) -> ReviewState:
    """Raises `ReviewNotFoundError` (a `LookupError`) for an unknown id."""
    with engine.connect() as conn:
        return load_state(conn, review_id)


def open_review(engine: Engine, user_id: int) -> ReviewState | None:
    """This person's latest unfinished review, to offer to resume; None if there is none."""
    query = (
        select(REVIEW.id)
        .where(REVIEW.started_by_id == user_id, REVIEW.status == ReviewStatus.OPEN.value)
        .order_by(REVIEW.started_at.desc(), REVIEW.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        review_id = conn.execute(query).scalar()
        return None if review_id is None else load_state(conn, review_id)


def cancel_review(engine: Engine, review_id: int) -> ReviewState:
    """Call an open review off: it is kept, marked cancelled, with no end snapshot."""
    with engine.begin() as conn:
        done = conn.execute(
            update(REVIEW_TABLE)
            .where(REVIEW.id == review_id, REVIEW.status == ReviewStatus.OPEN.value)
            .values(status=ReviewStatus.CANCELLED.value, ended_at=utcnow())
        ).rowcount
        if not done:
            row = review_row(conn, review_id)
            raise ReviewError(f"Review {review_id} is {row['status']}, not open.")
        return load_state(conn, review_id)


def list_reviews(
    engine: Engine,
    *,
    status: ReviewStatus | str | None = None,
    started_by: int | None = None,
    limit: int | None = None,
) -> list[ReviewListing]:
    """Newest first, with their deal counts."""
    counts = (
        select(
            ITEM.review_id,
            func.count().label("total"),
            func.sum(case((ITEM.status == ItemStatus.REVIEWED.value, 1), else_=0)).label("done"),
            func.sum(case((ITEM.status == ItemStatus.SKIPPED.value, 1), else_=0)).label("skip"),
        )
        .group_by(ITEM.review_id)
        .subquery()
    )
    query = (
        select(REVIEW_TABLE, counts.c.total, counts.c.done, counts.c.skip)
        .select_from(REVIEW_TABLE.outerjoin(counts, counts.c.review_id == REVIEW.id))
        .order_by(REVIEW.started_at.desc(), REVIEW.id.desc())
    )
    if status is not None:
        query = query.where(REVIEW.status == ReviewStatus(status).value)
    if started_by is not None:
        query = query.where(REVIEW.started_by_id == started_by)
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        org = load_org(conn)
        rows = conn.execute(query).mappings().all()
    result = []
    for row in rows:
        starter = org.people.get(row["started_by_id"])
        result.append(
            row_to(
                ReviewListing,
                row,
                started_by_name=starter.display_name if starter else "",
                started_at=as_utc(row["started_at"]),
                ended_at=None if row["ended_at"] is None else as_utc(row["ended_at"]),
                scope_label=scope_of(row).label(org),
                total=int(row["total"] or 0),
                reviewed=int(row["done"] or 0),
                skipped=int(row["skip"] or 0),
            )
        )
    return result
