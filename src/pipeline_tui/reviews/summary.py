"""Ending a review, and its summary: what was covered, changed, judged and agreed.

The changes are the history rows written on the review's deals between its start and its
end, by anyone: edits made in the meeting go through the board's own edit functions, so
the history is where they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from ..forecast.calls import CallFigures
from ..forecast.metrics import figures_dict, money_text
from ..forecast.snapshots import current_calls, snapshot_totals, total, write_snapshot
from ..models import DealChange, ItemStatus, ReviewStatus, Settings, SnapshotKind, table_of, utcnow
from ..query import as_utc, load_org, row_to
from .calls import MeetingCall, meeting_calls
from .errors import ReviewError
from .lookups import action_items, judgments
from .model import ActionItemView, JudgmentView, ReviewItemView, ReviewState
from .store import DEAL, DEAL_TABLE, ITEM, REVIEW, REVIEW_TABLE, USER, USER_TABLE, load_state
from .walk import (
    check_from,
    check_mark,
    check_position,
    check_seconds,
    leave_item,
    lock_open_review,
)

CHANGE_TABLE = table_of(DealChange)
CHANGE = CHANGE_TABLE.c


@dataclass(frozen=True)
class ChangeMade:
    deal_id: int
    deal_name: str
    field: str
    before: str | None
    after: str | None
    changed_by: str | None
    changed_at: datetime


@dataclass(frozen=True)
class ActionGroup:
    owner_id: int | None
    owner_name: str
    items: tuple[ActionItemView, ...]


@dataclass(frozen=True)
class ReviewSummary:
    review: ReviewState
    currency: str
    changes: tuple[ChangeMade, ...]
    judgments: tuple[JudgmentView, ...]  # recorded in this review, oldest first
    action_items: tuple[ActionGroup, ...]  # by owner
    forecast_start: CallFigures | None
    # The end snapshot; for a review still open, the forecast as it is now.
    forecast_end: CallFigures | None
    calls: tuple[MeetingCall, ...] = ()  # forecast calls stated in the meeting

    @property
    def final_judgments(self) -> tuple[JudgmentView, ...]:
        """Each deal's last judgment in this review, in the order they were made: an
        earlier one on the same deal was superseded."""
        last = {j.deal_id: j for j in self.judgments}
        return tuple(j for j in self.judgments if last[j.deal_id] is j)

    def items(self, status: ItemStatus) -> tuple[ReviewItemView, ...]:
        return tuple(i for i in self.review.items if i.status == status.value)

    def as_dict(self) -> dict[str, Any]:
        r = self.review
        p = r.period
        return {
            "id": r.id,
            "status": r.status,
            "started_by": r.started_by_name,
            "started_at": r.started_at.isoformat(),
            "ended_at": None if r.ended_at is None else r.ended_at.isoformat(),
            "elapsed_seconds": r.elapsed_seconds,
            "scope": {
                "label": r.scope_label,
                "owner_id": r.scope.owner_id,
                "subtree": r.scope.subtree,
                "pipeline_id": r.scope.pipeline_id,
            },
            "period": {
                "key": p.key,
                "start": None if p.start is None else p.start.isoformat(),
                "end": None if p.end is None else p.end.isoformat(),
            },
            "stage_ids": None if r.stage_ids is None else list(r.stage_ids),
            "min_amount": money_text(r.min_amount),
            "changed_only": r.changed_only,
            "counts": {
                "total": r.total,
                "reviewed": r.count(ItemStatus.REVIEWED),
                "skipped": r.count(ItemStatus.SKIPPED),
                "pending": r.count(ItemStatus.PENDING),
            },
            "deals": [
                {
                    "position": i.position,
                    "id": i.deal_id,
                    "name": i.deal_name,
                    "stage": i.stage_name,
                    "status": i.status,
                    "seconds_spent": i.seconds_spent,
                }
                for i in r.items
            ],
            "changes": [
                {
                    "deal_id": c.deal_id,
                    "deal": c.deal_name,
                    "field": c.field,
                    "before": c.before,
                    "after": c.after,
                    "by": c.changed_by,
                    "at": c.changed_at.isoformat(),
                }
                for c in self.changes
            ],
            "judgments": [_judgment_dict(j) for j in self.judgments],
            "calls": [c.as_dict() for c in self.calls],
            "action_items": [
                {
                    "owner": g.owner_name,
                    "items": [_action_dict(a) for a in g.items],
                }
                for g in self.action_items
            ],
            "forecast": {
                "start": _calls_dict(self.forecast_start),
                "end": _calls_dict(self.forecast_end),
            },
        }


def end_review(
    engine: Engine,
    review_id: int,
    *,
    today: date,
    seconds_spent: int = 0,
    mark: ItemStatus | str | None = None,
    from_index: int | None = None,
) -> ReviewSummary:
    """Close the review (recording the time on, and mark of, the current deal) and store
    the end snapshot, in one transaction; returns the summary. A mark needs `from_index`,
    as in `walk.move`."""
    status = check_mark(mark)
    seconds = check_seconds(seconds_spent)
    check_from(status, from_index)
    with engine.begin() as conn:
        row = lock_open_review(conn, review_id)
        check_position(conn, row, from_index)
        leave_item(conn, review_id, row["current_index"], status, seconds)
        now = utcnow()
        ended = conn.execute(
            update(REVIEW_TABLE)
            .where(REVIEW.id == review_id, REVIEW.status == ReviewStatus.OPEN.value)
            .values(
                status=ReviewStatus.ENDED.value,
                ended_at=now,
                elapsed_seconds=REVIEW.elapsed_seconds + seconds,
            )
        ).rowcount
        if not ended:
            raise ReviewError(f"Review {review_id} was ended or cancelled meanwhile.")
        state = load_state(conn, review_id)
        write_snapshot(
            conn,
            kind=SnapshotKind.REVIEW_END,
            period=state.period,
            scope=state.scope,
            as_of=today,
            review_id=review_id,
            taken_at=now,
        )
    return review_summary(engine, review_id, today=today)


def review_summary(engine: Engine, review_id: int, *, today: date | None = None) -> ReviewSummary:
    """Raises `ReviewNotFoundError` (a `LookupError`) for an unknown id."""
    with engine.connect() as conn:
        state = load_state(conn, review_id)
        settings = table_of(Settings).c
        currency = conn.execute(select(settings.currency).order_by(settings.id).limit(1)).scalar()
        deals = select(ITEM.deal_id).where(ITEM.review_id == review_id)
        query = (
            select(
                CHANGE.deal_id,
                DEAL.name.label("deal_name"),
                CHANGE.field,
                CHANGE.old_value.label("before"),
                CHANGE.new_value.label("after"),
                USER.display_name.label("changed_by"),
                CHANGE.changed_at,
            )
            .select_from(
                CHANGE_TABLE.join(DEAL_TABLE, DEAL.id == CHANGE.deal_id).outerjoin(
                    USER_TABLE, USER.id == CHANGE.changed_by_id
                )
            )
            .where(CHANGE.deal_id.in_(deals), CHANGE.changed_at > state.started_at)
            .order_by(CHANGE.changed_at, CHANGE.id)
        )
        if state.ended_at is not None:
            query = query.where(CHANGE.changed_at <= state.ended_at)
        changes = tuple(
            row_to(ChangeMade, row, changed_at=as_utc(row["changed_at"]))
            for row in conn.execute(query).mappings()
        )
        made = tuple(judgments(conn, review_id=review_id))
        calls = meeting_calls(conn, review_id)
        actions = action_items(conn, review_id=review_id)
        if state.end_snapshot_id is not None:
            end: CallFigures | None = snapshot_totals(conn, state.end_snapshot_id)
        elif state.is_open:
            org = load_org(conn)
            scope = state.scope.forecast_scope(org)
            end = total(current_calls(conn, state.period, scope, today=today).values())
        else:
            end = None  # cancelled: no end was recorded
    groups: dict[int | None, list[ActionItemView]] = {}
    for item in actions:
        groups.setdefault(item.owner_id, []).append(item)
    by_owner = sorted(
        (
            ActionGroup(owner, items[0].owner_name or "No owner", tuple(items))
            for owner, items in groups.items()
        ),
        key=lambda g: (g.owner_name.casefold(), g.owner_id or 0),
    )
    return ReviewSummary(
        state, currency or "USD", changes, made, tuple(by_owner), state.start_figures, end, calls
    )


def _calls_dict(calls: CallFigures | None) -> dict[str, Any] | None:
    if calls is None:
        return None
    return figures_dict(calls.figures) | {
        "rep_call": money_text(calls.rep_call),
        "manager_call": money_text(calls.manager_call),
        "judged_count": calls.manager.judged_count,
    }


def _judgment_dict(j: JudgmentView) -> dict[str, Any]:
    return {
        "id": j.id,
        "deal_id": j.deal_id,
        "deal": j.deal_name,
        "manager": j.manager_name,
        "category": j.category,
        "amount": money_text(j.amount),
        "note": j.note,
        "rep_category": j.rep_category,
        "rep_amount": money_text(j.rep_amount),
        "withdrawn": not j.active,
        "at": j.created_at.isoformat(),
    }


def _action_dict(a: ActionItemView) -> dict[str, Any]:
    return {
        "id": a.id,
        "deal_id": a.deal_id,
        "deal": a.deal_name,
        "text": a.text,
        "owner": a.owner_name,
        "due_date": None if a.due_date is None else a.due_date.isoformat(),
        "done": a.done,
        "author": a.author_name,
    }
