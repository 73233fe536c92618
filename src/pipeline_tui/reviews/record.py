"""What a manager records on a deal during a review: a judgment, an action item.

A judgment is the manager's own category and amount for a deal, kept beside the rep's
call (never over it): rows are only ever added, and the latest one per deal counts. An
action item is a note of kind `action` with an owner, a due date and the review it came
from. Each function is one transaction; bad input raises `ReviewError` and writes nothing.

Each write also takes what its caller read: the deal's version (a judgment is a call on
the rep's numbers as they were shown, an action item is about the deal as discussed)
and, for judgments, the id of the judgment then in force (None: none was). If either
moved on, `ReviewConflict` says what changed and nothing is written, so two managers
judging one deal at once can't silently replace each other's call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from ..display import clean
from ..labels import category_label
from ..models import ForecastCategory, NoteKind, ReviewStatus, StageKind, utcnow
from ..money import format_money, to_minor
from ..parsing import parse_text
from ..services.conflicts import conflict_message, when
from ..services.writes import check_version
from .errors import ReviewConflict, ReviewError
from .lookups import JUDGMENT_TABLE, action_items, latest_judgment
from .model import ActionItemView, JudgmentView
from .store import (
    DEAL,
    DEAL_TABLE,
    ITEM,
    NOTE,
    NOTE_TABLE,
    STAGE,
    STAGE_TABLE,
    USER,
    review_row,
)

MAX_TEXT = 4000
MAX_AMOUNT = Decimal(10**13)
EARLIEST_DUE, LATEST_DUE = date(2000, 1, 1), date(2100, 12, 31)
JUDGED_CATEGORIES = tuple(c.value for c in ForecastCategory if c is not ForecastCategory.CLOSED)


def record_judgment(
    engine: Engine,
    review_id: int | None,
    deal_id: int,
    manager_id: int,
    category: ForecastCategory | str | None,
    amount: Decimal | None,
    note: str | None = None,
    *,
    expected_version: int,
    expected_judgment_id: int | None,
) -> JudgmentView:
    """The manager's call on an open deal: a category (not `closed`) and/or an amount
    (None keeps the rep's). `review_id` None records it outside a meeting.
    `expected_version` and `expected_judgment_id` are the deal and judgment it was made
    on (see the module docstring)."""
    if category is not None and str(category) not in JUDGED_CATEGORIES:
        raise ReviewError(f"A judgment's category is one of {', '.join(JUDGED_CATEGORIES)}.")
    if category is None and amount is None:
        raise ReviewError("A judgment needs a category or an amount (or withdraw it instead).")
    minor = None if amount is None else _amount_minor(amount)
    too_long = "That note is {length} characters; the limit is {limit}."
    text = parse_text(note, MAX_TEXT, empty=None, too_long=too_long, error=ReviewError)
    seen = _Seen(check_version(expected_version), expected_judgment_id)
    return _write_judgment(
        engine,
        review_id,
        deal_id,
        manager_id,
        None if category is None else str(category),
        minor,
        text,
        seen,
    )


def withdraw_judgment(
    engine: Engine,
    review_id: int | None,
    deal_id: int,
    manager_id: int,
    *,
    expected_version: int,
    expected_judgment_id: int,
) -> JudgmentView:
    """Let the rep's call stand again: adds a judgment with no category and no amount."""
    seen = _Seen(check_version(expected_version), expected_judgment_id)
    return _write_judgment(engine, review_id, deal_id, manager_id, None, None, None, seen)


@dataclass(frozen=True)
class _Seen:
    version: int
    judgment_id: int | None


def _write_judgment(
    engine: Engine,
    review_id: int | None,
    deal_id: int,
    manager_id: int,
    category: str | None,
    amount_minor: int | None,
    note: str | None,
    seen: _Seen,
) -> JudgmentView:
    with engine.begin() as conn:
        deal = _open_deal(conn, deal_id)
        _check_read(conn, deal, seen.version, "judgment")
        _check_judgment(
            conn, deal, seen.judgment_id, withdrawing=category is None and amount_minor is None
        )
        _check_person(conn, manager_id, "manager")
        if review_id is not None:
            _check_in_review(conn, review_id, deal_id)
        conn.execute(
            insert(JUDGMENT_TABLE).values(
                deal_id=deal_id,
                manager_id=manager_id,
                review_id=review_id,
                category=category,
                amount_minor=amount_minor,
                note=note,
                created_at=utcnow(),
                rep_category=deal["forecast_category"],
                rep_amount_minor=deal["amount_minor"],
            )
        )
        judgment = latest_judgment(conn, deal_id, include_withdrawn=True)
    assert judgment is not None
    return judgment


def add_action_item(
    engine: Engine,
    review_id: int | None,
    deal_id: int,
    text: str,
    owner_id: int,
    due_date: date | None,
    author_id: int | None,
    *,
    expected_version: int,
) -> ActionItemView:
    """An action item on the deal (as it was at `expected_version`): what, who does it,
    by when."""
    body = parse_text(
        text,
        MAX_TEXT,
        empty="The action item needs some text.",
        too_long="That action item is {length} characters; the limit is {limit}.",
        error=ReviewError,
    )
    version = check_version(expected_version)
    if isinstance(due_date, datetime):
        due_date = due_date.date()
    if due_date is not None and not EARLIEST_DUE <= due_date <= LATEST_DUE:
        raise ReviewError(f"Due date {due_date.isoformat()} is out of range.")
    with engine.begin() as conn:
        deal = _lock_deal(conn, deal_id)
        if deal is None:
            raise ReviewError(f"There is no deal with id {deal_id}.")
        _check_read(conn, deal, version, "action item")
        _check_person(conn, owner_id, "owner")
        if author_id is not None:
            _check_person(conn, author_id, "author")
        if review_id is not None:
            _check_in_review(conn, review_id, deal_id)
        note_id = conn.execute(
            insert(NOTE_TABLE)
            .returning(NOTE.id)
            .values(
                deal_id=deal_id,
                author_id=author_id,
                text=body,
                created_at=utcnow(),
                kind=NoteKind.ACTION.value,
                due_date=due_date,
                done=False,
                owner_id=owner_id,
                review_id=review_id,
            )
        ).scalar_one()
        return action_items(conn, note_id=note_id)[0]


def set_action_done(engine: Engine, note_id: int, done: bool = True) -> ActionItemView:
    """Marks the item done (or not). Not checked against a read (not yet used by the
    app): it writes only this one flag, to the value asked for, and nothing else."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(NOTE_TABLE)
            .where(NOTE.id == note_id, NOTE.kind == NoteKind.ACTION.value)
            .values(done=done)
        ).rowcount
        if not changed:
            raise ReviewError(f"There is no action item with id {note_id}.")
        return action_items(conn, note_id=note_id)[0]


def _lock_deal(conn: Connection, deal_id: int) -> Any:
    """The deal, locked (PostgreSQL) until the write commits: checking what was read and
    writing must not let another write in between."""
    return (
        conn.execute(
            select(
                DEAL.id,
                DEAL.version,
                DEAL.currency,
                DEAL.forecast_category,
                DEAL.amount_minor,
                STAGE.kind,
            )
            .join_from(DEAL_TABLE, STAGE_TABLE, STAGE.id == DEAL.stage_id)
            .where(DEAL.id == deal_id)
            .with_for_update(of=DEAL_TABLE)
        )
        .mappings()
        .first()
    )


def _check_read(conn: Connection, deal: Any, version: int, what: str) -> None:
    if deal["version"] != version:
        raise ReviewConflict(
            conflict_message(
                conn,
                deal["id"],
                version,
                deal["version"],
                currency=deal["currency"],
                what=what,
            )
        )


def _check_judgment(conn: Connection, deal: Any, seen_id: int | None, *, withdrawing: bool) -> None:
    """The judgment in force must be the one the caller saw (withdrawn ones are none)."""
    current = latest_judgment(conn, deal["id"])
    if (current.id if current else None) == seen_id:
        if withdrawing and current is None:
            raise ReviewError("There is no judgment on this deal to withdraw.")
        return
    last = latest_judgment(conn, deal["id"], include_withdrawn=True)
    if last is None:  # the caller named a judgment this deal never had
        raise ReviewError("There is no judgment on this deal.")
    who = clean(last.manager_name)
    if last.active:
        amount = format_money(last.manager_amount, deal["currency"])
        call = f"{clean(category_label(last.manager_category))} {amount}"
        said = f"{who} made the call {call} at {when(last.created_at)}"
    else:
        said = f"{who} withdrew the manager's call at {when(last.created_at)}"
    raise ReviewConflict(f"{said}; your judgment was not saved and the deal has been reloaded.")


def _open_deal(conn: Connection, deal_id: int) -> Any:
    row = _lock_deal(conn, deal_id)
    if row is None:
        raise ReviewError(f"There is no deal with id {deal_id}.")
    if row["kind"] != StageKind.OPEN.value:
        raise ReviewError(f"This deal is {row['kind']}; judgments apply to open deals.")
    return row


def _check_person(conn: Connection, person_id: int, what: str) -> None:
    if conn.execute(select(USER.id).where(USER.id == person_id)).first() is None:
        raise ReviewError(f"There is no person with id {person_id} ({what}).")


def _check_in_review(conn: Connection, review_id: int, deal_id: int) -> None:
    review = review_row(conn, review_id)
    if review["status"] != ReviewStatus.OPEN.value:
        raise ReviewError(f"Review {review_id} is {review['status']}; it can't be added to.")
    found = conn.execute(
        select(ITEM.id).where(ITEM.review_id == review_id, ITEM.deal_id == deal_id)
    ).first()
    if found is None:
        raise ReviewError(f"Deal {deal_id} is not one of review {review_id}'s deals.")


def _amount_minor(amount: Decimal) -> int:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise ReviewError(f"An amount must be a Decimal, not {type(amount).__name__}.")
    value = Decimal(amount)
    if not value.is_finite() or not 0 <= value < MAX_AMOUNT:
        raise ReviewError(f"An amount must be at least 0 and below {MAX_AMOUNT:,}.")
    return to_minor(value)
