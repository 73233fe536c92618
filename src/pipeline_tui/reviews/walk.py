"""The walk: one deal at a time, moving on, and the forecast banner.

Edits to a deal during the walk are the board's own (`services.edits`, called by the UI
with the deal's version); the review only records where the meeting is, how long each
deal took, and which deals were reviewed or skipped.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, Engine, RowMapping, func, select, update

from ..forecast.snapshots import (
    current_calls,
    snapshot_totals,
    stored_period,
    total,
)
from ..models import DealChange, ItemStatus, ReviewStatus, SnapshotKind, table_of, utcnow
from ..query import as_utc, fiscal_year_start_month, load_org
from ..services.detail import get_deal
from .errors import ReviewConflict, ReviewError
from .lookups import action_items, latest_judgment
from .model import DIFF_FIELDS, FieldDiff, ReviewedDeal, ReviewForecast, ReviewState
from .store import (
    ITEM,
    ITEM_TABLE,
    REVIEW,
    REVIEW_TABLE,
    last_reviewed,
    load_state,
    review_row,
    scope_of,
    snapshot_id_of,
)

CHANGE = table_of(DealChange).c
MAX_SECONDS = 24 * 3600  # a deal talked about for more than a day is a stuck timer


def move(
    engine: Engine,
    review_id: int,
    to_index: int,
    *,
    mark: ItemStatus | str | None = None,
    seconds_spent: int = 0,
    from_index: int | None = None,
) -> ReviewState:
    """Leave the current deal (adding `seconds_spent` to its time and the meeting's, and
    marking it `reviewed` or `skipped` if asked) and go to item `to_index` (0-based).
    Moving to the current index records time or a mark without moving.

    A mark is a decision about the deal the caller was looking at, so it takes that
    position, `from_index`, and is refused with `ReviewConflict` if the review has
    moved on meanwhile (another session walking it); time alone may omit it."""
    status = check_mark(mark)
    seconds = check_seconds(seconds_spent)
    check_from(status, from_index)
    if isinstance(to_index, bool) or not isinstance(to_index, int):
        raise ReviewError(f"A position must be a whole number, not {to_index!r}.")
    with engine.begin() as conn:
        row = lock_open_review(conn, review_id)
        count = conn.execute(
            select(func.count()).select_from(ITEM_TABLE).where(ITEM.review_id == review_id)
        ).scalar_one()
        if not 0 <= to_index < count:
            raise ReviewError(f"This review has deals 0 to {count - 1}, not {to_index}.")
        check_position(conn, row, from_index)
        leave_item(conn, review_id, row["current_index"], status, seconds)
        conn.execute(
            update(REVIEW_TABLE)
            .where(REVIEW.id == review_id)
            .values(current_index=to_index, elapsed_seconds=REVIEW.elapsed_seconds + seconds)
        )
        return load_state(conn, review_id)


def leave_item(
    conn: Connection, review_id: int, position: int, status: ItemStatus | None, seconds: int
) -> None:
    values: dict[str, object] = {"seconds_spent": ITEM.seconds_spent + seconds}
    if status is not None:
        values["status"] = status.value
        values["reviewed_at"] = utcnow() if status is ItemStatus.REVIEWED else None
    conn.execute(
        update(ITEM_TABLE)
        .where(ITEM.review_id == review_id, ITEM.position == position)
        .values(values)
    )


def check_from(status: ItemStatus | None, from_index: int | None) -> None:
    if status is not None and from_index is None:
        raise ReviewError("Marking a deal needs the position of the deal that was marked.")
    if from_index is not None and (isinstance(from_index, bool) or not isinstance(from_index, int)):
        raise ReviewError(f"A position must be a whole number, not {from_index!r}.")


def check_position(conn: Connection, row: RowMapping, from_index: int | None) -> None:
    """The review must still be where the caller saw it (checked under the row lock)."""
    if from_index is None or row["current_index"] == from_index:
        return
    count = conn.execute(
        select(func.count()).select_from(ITEM_TABLE).where(ITEM.review_id == row["id"])
    ).scalar_one()
    raise ReviewConflict(
        f"The review moved on to deal {row['current_index'] + 1} of {count} meanwhile "
        "(in another session); your mark was not saved and the review has been reloaded."
    )


def lock_open_review(conn: Connection, review_id: int) -> RowMapping:
    row = review_row(conn, review_id, for_update=True)
    if row["status"] != ReviewStatus.OPEN.value:
        raise ReviewError(f"Review {review_id} is {row['status']}; it can't be changed.")
    return row


def check_mark(mark: ItemStatus | str | None) -> ItemStatus | None:
    if mark is None:
        return None
    try:
        status = ItemStatus(mark)
    except ValueError:
        status = ItemStatus.PENDING
    if status is ItemStatus.PENDING:
        raise ReviewError(f"A deal is marked 'reviewed' or 'skipped', not {mark!r}.")
    return status


def check_seconds(seconds: int) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ReviewError(f"Seconds must be a whole number, not {seconds!r}.")
    if not 0 <= seconds <= MAX_SECONDS:
        raise ReviewError(f"Seconds spent must be 0 to {MAX_SECONDS}, not {seconds}.")
    return seconds


def review_deal(
    engine: Engine, review_id: int, deal_id: int | None = None, *, today: date | None = None
) -> ReviewedDeal:
    """A deal of the review (default: the current one) with what changed since it was last
    reviewed, what changed in this meeting, the manager's judgment and its action items.

    "Since the last review" is since the end of the latest ended review in which this deal
    was reviewed; for a deal never reviewed, since the end of the previous review of this
    scope (or of any scope); with no earlier review at all, there is nothing to compare.
    """
    with engine.connect() as conn:
        state = load_state(conn, review_id)
        if deal_id is None:
            if state.current is None:
                raise ReviewError("This review has no current deal.")
            deal_id = state.current.deal_id
        index = next((i for i, it in enumerate(state.items) if it.deal_id == deal_id), None)
        if index is None:
            raise ReviewError(f"Deal {deal_id} is not one of review {review_id}'s deals.")
        last = last_reviewed(conn, deal_id, state.started_at)
        baseline_id: int | None
        baseline_at: datetime | None
        if last is not None:
            baseline_id, baseline_at = last
        else:
            baseline_id, baseline_at = state.previous_review_id, state.baseline_at
        before = (
            () if baseline_at is None else field_diffs(conn, deal_id, baseline_at, state.started_at)
        )
        during = field_diffs(conn, deal_id, state.started_at, state.ended_at)
        judgment = latest_judgment(conn, deal_id)
        actions = tuple(action_items(conn, deal_id=deal_id))
    return ReviewedDeal(
        deal=get_deal(engine, deal_id, today=today),
        item=state.items[index],
        progress=state.progress(index),
        baseline_at=baseline_at,
        baseline_review_id=baseline_id,
        changes_since_last_review=before,
        changes_in_review=during,
        judgment=judgment,
        action_items=actions,
    )


def field_diffs(
    conn: Connection, deal_id: int, after: datetime, until: datetime | None
) -> tuple[FieldDiff, ...]:
    """Per forecast field changed after `after` (and by `until`): the value before the
    first change and after the last; a field changed back and forth is left out."""
    query = (
        select(CHANGE.field, CHANGE.old_value, CHANGE.new_value)
        .where(
            CHANGE.deal_id == deal_id,
            CHANGE.field.in_(DIFF_FIELDS),
            CHANGE.changed_at > as_utc(after),
        )
        .order_by(CHANGE.changed_at, CHANGE.id)
    )
    if until is not None:
        query = query.where(CHANGE.changed_at <= as_utc(until))
    first: dict[str, str | None] = {}
    last: dict[str, str | None] = {}
    for field, old, new in conn.execute(query):
        first.setdefault(field, old)
        last[field] = new
    return tuple(
        FieldDiff(f, first[f], last[f]) for f in DIFF_FIELDS if f in first and first[f] != last[f]
    )


def review_forecast(engine: Engine, review_id: int, *, today: date) -> ReviewForecast:
    """The banner: the review's forecast at its start (from the start snapshot) and now.
    Reads only the review row, so it stays quick however many deals the review has."""
    with engine.connect() as conn:
        row = review_row(conn, review_id)
        org = load_org(conn)
        period = stored_period(row, fiscal_year_start_month(conn))
        start_id = snapshot_id_of(conn, review_id, SnapshotKind.REVIEW_START)
        start = None if start_id is None else snapshot_totals(conn, start_id)
        now = current_calls(conn, period, scope_of(row).forecast_scope(org), today=today)
    return ReviewForecast(start, total(now.values()))
