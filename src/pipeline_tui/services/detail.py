"""One deal in full: the card, its notes, its change history and its pipeline's stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, select

from ..models import DealChange, Note, Pipeline, table_of
from ..query import StageOption, as_utc, deal_changes, load_pipeline_stages, row_to
from ..query.flags import load_flag_rules
from .cards import DEAL, DEAL_TABLE, USER, USER_TABLE, DealCard, load_card
from .errors import DealNotFoundError

NOTE_TABLE, CHANGE_TABLE = table_of(Note), table_of(DealChange)
NOTE, CHANGE, PIPELINE = NOTE_TABLE.c, CHANGE_TABLE.c, table_of(Pipeline).c


@dataclass(frozen=True)
class NoteView:
    id: int
    author_id: int | None
    author_name: str | None
    kind: str
    text: str
    due_date: date | None
    done: bool
    created_at: datetime


@dataclass(frozen=True)
class ChangeView:
    id: int
    field: str
    old_value: str | None
    new_value: str | None
    who: str | None
    when: datetime
    source: str


@dataclass(frozen=True)
class DealDetail(DealCard):
    pipeline_name: str
    owner_login: str
    lost_reason: str | None
    closed_date: date | None
    days_in_stage: int
    age_days: int
    notes: list[NoteView]
    history: list[ChangeView]
    stages: list[StageOption]


def get_deal(
    engine: Engine,
    deal_id: int,
    *,
    today: date | None = None,
    notes_limit: int = 200,
    history_limit: int = 500,
) -> DealDetail:
    """The deal with its newest notes and changes first; a long-lived deal fed by a nightly
    import can collect thousands of changes, hence the limits.

    Raises `DealNotFoundError` (a `LookupError`) for an unknown id.
    """
    today = today or date.today()
    with engine.connect() as conn:
        card = load_card(conn, deal_id, load_flag_rules(conn, today))
        extra = conn.execute(
            select(PIPELINE.name, USER.login, DEAL.lost_reason, DEAL.closed_date)
            .select_from(DEAL_TABLE)
            .join(table_of(Pipeline), PIPELINE.id == DEAL.pipeline_id)
            .join(USER_TABLE, USER.id == DEAL.owner_id)
            .where(DEAL.id == deal_id)
        ).one()
        notes = _notes(conn, deal_id, notes_limit)
        history = _history(conn, deal_id, history_limit)
        stages = load_pipeline_stages(conn, card.pipeline_id)
    pipeline_name, owner_login, lost_reason, closed_date = extra
    return DealDetail(
        **vars(card),
        pipeline_name=pipeline_name,
        owner_login=owner_login,
        lost_reason=lost_reason,
        closed_date=closed_date,
        days_in_stage=max(0, (today - card.stage_entered_at.date()).days),
        age_days=max(0, (today - card.created_at.date()).days),
        notes=notes,
        history=history,
        stages=stages,
    )


def deal_history(
    engine: Engine, deal_id: int, *, limit: int | None = None
) -> tuple[str, list[ChangeView]]:
    """The deal's name and its changes, newest first: all of them, or the newest `limit`.

    Raises `DealNotFoundError` for an unknown id.
    """
    with engine.connect() as conn:
        name = conn.execute(select(DEAL.name).where(DEAL.id == deal_id)).scalar()
        if name is None:
            raise DealNotFoundError(deal_id)
        return name, _history(conn, deal_id, limit)


def _notes(conn: Connection, deal_id: int, limit: int) -> list[NoteView]:
    query = (
        select(
            NOTE.id,
            NOTE.author_id,
            USER.display_name.label("author_name"),
            NOTE.kind,
            NOTE.text,
            NOTE.due_date,
            NOTE.done,
            NOTE.created_at,
        )
        .select_from(NOTE_TABLE.outerjoin(USER_TABLE, USER.id == NOTE.author_id))
        .where(NOTE.deal_id == deal_id)
        .order_by(NOTE.created_at.desc(), NOTE.id.desc())
        .limit(limit)
    )
    return [
        row_to(NoteView, row, done=bool(row["done"]), created_at=as_utc(row["created_at"]))
        for row in conn.execute(query).mappings()
    ]


def _history(conn: Connection, deal_id: int, limit: int | None) -> list[ChangeView]:
    newest_first = deal_changes(deal_id).order_by(CHANGE.changed_at.desc(), CHANGE.id.desc())
    query = newest_first.limit(limit)
    return [
        row_to(ChangeView, row, when=as_utc(row["changed_at"]))
        for row in conn.execute(query).mappings()
    ]
