"""Forecast calls as stored: each person's stated figures for a period, append-only.

A call is never updated: a new number is a new row, and the latest row per person and
period is their call. The rows themselves are the log of who said what and when (the
maker may be the person's manager, or an admin, acting for them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from ..models import ForecastCall, table_of, utcnow
from ..money import from_minor, to_minor
from ..org import OrgChart
from ..periods import Period
from .metrics import money_text

CALL_TABLE = table_of(ForecastCall)
CALL = CALL_TABLE.c


@dataclass(frozen=True)
class CallView:
    id: int
    person_id: int
    scope: str  # "own" or "team"
    period_key: str
    period_start: date
    period_end: date
    commit: Decimal
    best_case: Decimal
    most_likely: Decimal | None
    currency: str
    note: str | None
    made_by_id: int
    made_at: datetime
    review_id: int | None = None

    def as_dict(self, org: OrgChart | None = None) -> dict[str, Any]:
        def login(person_id: int) -> str | None:
            person = org.people.get(person_id) if org else None
            return person.login if person else None

        return {
            "id": self.id,
            "person": login(self.person_id),
            "scope": self.scope,
            "period": self.period_key,
            "commit": money_text(self.commit),
            "best_case": money_text(self.best_case),
            "most_likely": money_text(self.most_likely),
            "currency": self.currency,
            "note": self.note,
            "made_by": login(self.made_by_id),
            "made_at": self.made_at.isoformat(),
            "review_id": self.review_id,
        }


def _view(row: Any) -> CallView:
    made_at = row.made_at
    if made_at.tzinfo is None:  # SQLite hands back naive UTC
        made_at = made_at.replace(tzinfo=UTC)
    return CallView(
        id=row.id,
        person_id=row.person_id,
        scope=row.scope,
        period_key=row.period_key,
        period_start=row.period_start,
        period_end=row.period_end,
        commit=from_minor(row.commit_minor),
        best_case=from_minor(row.best_case_minor),
        most_likely=None if row.most_likely_minor is None else from_minor(row.most_likely_minor),
        currency=row.currency,
        note=row.note,
        made_by_id=row.made_by_id,
        made_at=made_at,
        review_id=row.review_id,
    )


def insert_call(
    conn: Connection,
    *,
    person_id: int,
    scope: str,
    period: Period,
    commit: Decimal,
    best_case: Decimal,
    most_likely: Decimal | None,
    currency: str,
    note: str | None,
    made_by_id: int,
    review_id: int | None = None,
    made_at: datetime | None = None,
) -> CallView:
    """Appends one call (the caller has checked who may make it and its figures)."""
    assert period.start is not None and period.end is not None
    values = {
        "person_id": person_id,
        "scope": scope,
        "period_key": period.key,
        "period_kind": period.kind,
        "period_start": period.start,
        "period_end": period.end,
        "commit_minor": to_minor(commit),
        "best_case_minor": to_minor(best_case),
        "most_likely_minor": None if most_likely is None else to_minor(most_likely),
        "currency": currency,
        "note": note,
        "made_by_id": made_by_id,
        "made_at": made_at or utcnow(),
        "review_id": review_id,
    }
    new_id = conn.execute(insert(CALL_TABLE).values(**values).returning(CALL.id)).scalar_one()
    row = conn.execute(select(CALL_TABLE).where(CALL.id == new_id)).one()
    return _view(row)


def calls_for_period(
    conn: Connection, period_key: str, person_ids: Iterable[int] | None = None
) -> dict[int, list[CallView]]:
    """Per person, their calls for the period, newest first."""
    query = select(CALL_TABLE).where(CALL.period_key == period_key)
    if person_ids is not None:
        query = query.where(CALL.person_id.in_(sorted(set(person_ids))))
    result: dict[int, list[CallView]] = {}
    for row in conn.execute(query.order_by(CALL.id.desc())):
        result.setdefault(row.person_id, []).append(_view(row))
    return result


def calls_of(conn: Connection, person_ids: Iterable[int] | None = None) -> list[CallView]:
    """Every call (of these people), oldest first."""
    query = select(CALL_TABLE)
    if person_ids is not None:
        query = query.where(CALL.person_id.in_(sorted(set(person_ids))))
    return [_view(row) for row in conn.execute(query.order_by(CALL.id))]


def calls_in_review(conn: Connection, review_id: int) -> list[CallView]:
    """The calls made during one review meeting, oldest first."""
    query = select(CALL_TABLE).where(CALL.review_id == review_id).order_by(CALL.id)
    return [_view(row) for row in conn.execute(query)]
