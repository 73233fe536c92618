"""Reading judgments and action items back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from ..models import Judgment, NoteKind, table_of
from ..money import from_minor
from ..query import as_utc, row_to
from .model import ActionItemView, JudgmentView
from .store import DEAL_TABLE, NOTE, NOTE_TABLE, USER_TABLE

JUDGMENT_TABLE = table_of(Judgment)
JUDGMENT = JUDGMENT_TABLE.c


def latest_judgment(
    conn: Connection, deal_id: int, *, include_withdrawn: bool = False
) -> JudgmentView | None:
    """The deal's judgment that counts now; None if there is none or it was withdrawn."""
    found = judgments(conn, deal_id=deal_id, latest_only=True)
    if not found or not (include_withdrawn or found[0].active):
        return None
    return found[0]


def judgments(
    conn: Connection,
    *,
    deal_id: int | None = None,
    review_id: int | None = None,
    latest_only: bool = False,
) -> list[JudgmentView]:
    """Oldest first (or only the latest one)."""
    manager, deal = USER_TABLE.alias("manager"), DEAL_TABLE
    query = (
        select(
            JUDGMENT_TABLE,
            deal.c.name.label("deal_name"),
            manager.c.display_name.label("manager_name"),
        )
        .select_from(
            JUDGMENT_TABLE.join(deal, deal.c.id == JUDGMENT.deal_id).join(
                manager, manager.c.id == JUDGMENT.manager_id
            )
        )
        .order_by(JUDGMENT.id.desc() if latest_only else JUDGMENT.id)
    )
    if deal_id is not None:
        query = query.where(JUDGMENT.deal_id == deal_id)
    if review_id is not None:
        query = query.where(JUDGMENT.review_id == review_id)
    if latest_only:
        query = query.limit(1)
    return [_judgment(row) for row in conn.execute(query).mappings()]


def _judgment(row: Any) -> JudgmentView:
    return row_to(
        JudgmentView,
        row,
        amount=None if row["amount_minor"] is None else from_minor(row["amount_minor"]),
        created_at=as_utc(row["created_at"]),
        rep_amount=from_minor(row["rep_amount_minor"]),
    )


def action_items(
    conn: Connection,
    *,
    deal_id: int | None = None,
    review_id: int | None = None,
    note_id: int | None = None,
) -> list[ActionItemView]:
    """Open ones first, then by due date (undated last), then oldest first."""
    owner, author, deal = USER_TABLE.alias("owner"), USER_TABLE.alias("author"), DEAL_TABLE
    query = (
        select(
            NOTE_TABLE,
            deal.c.name.label("deal_name"),
            owner.c.display_name.label("owner_name"),
            author.c.display_name.label("author_name"),
        )
        .select_from(
            NOTE_TABLE.join(deal, deal.c.id == NOTE.deal_id)
            .outerjoin(owner, owner.c.id == NOTE.owner_id)
            .outerjoin(author, author.c.id == NOTE.author_id)
        )
        .where(NOTE.kind == NoteKind.ACTION.value)
        .order_by(NOTE.done, NOTE.due_date.asc().nulls_last(), NOTE.created_at, NOTE.id)
    )
    for column, value in ((NOTE.deal_id, deal_id), (NOTE.review_id, review_id), (NOTE.id, note_id)):
        if value is not None:
            query = query.where(column == value)
    return [
        row_to(ActionItemView, row, done=bool(row["done"]), created_at=as_utc(row["created_at"]))
        for row in conn.execute(query).mappings()
    ]
