"""The forecast calls made in a review meeting, for its summary: who called what, and how
it moved from their call before."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from ..forecast.call_store import CALL, calls_in_review
from ..forecast.metrics import money_text
from ..money import from_minor
from ..query import load_org
from .store import DEAL, DEAL_TABLE, ITEM, ITEM_TABLE


@dataclass(frozen=True)
class MeetingCall:
    person_name: str
    scope: str  # "own" or "team"
    commit: Decimal
    best_case: Decimal
    before: Decimal | None  # their commit before this call; None: their first
    made_by_name: str

    @property
    def kept(self) -> bool:
        return self.before == self.commit

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person_name,
            "scope": self.scope,
            "commit": money_text(self.commit),
            "best_case": money_text(self.best_case),
            "before": money_text(self.before),
            "made_by": self.made_by_name,
        }


def meeting_calls(conn: Connection, review_id: int) -> tuple[MeetingCall, ...]:
    """The calls recorded in the review, oldest first."""
    org = load_org(conn)
    made = []
    for call in calls_in_review(conn, review_id):
        before = conn.execute(
            select(CALL.commit_minor)
            .where(
                CALL.person_id == call.person_id,
                CALL.period_key == call.period_key,
                CALL.id < call.id,
            )
            .order_by(CALL.id.desc())
            .limit(1)
        ).scalar()

        def name(person_id: int) -> str:
            person = org.people.get(person_id)
            return person.display_name if person else f"person {person_id}"

        made.append(
            MeetingCall(
                name(call.person_id),
                call.scope,
                call.commit,
                call.best_case,
                None if before is None else from_minor(before),
                name(call.made_by_id),
            )
        )
    return tuple(made)


def item_owners(conn: Connection, review_id: int) -> tuple[int, ...]:
    """Whose each deal of the review is now, in the walk's order."""
    query = (
        select(DEAL.owner_id)
        .select_from(ITEM_TABLE.join(DEAL_TABLE, DEAL.id == ITEM.deal_id))
        .where(ITEM.review_id == review_id)
        .order_by(ITEM.position)
    )
    return tuple(conn.execute(query).scalars())
