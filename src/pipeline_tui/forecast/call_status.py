"""Where each person's call stands in a period: the latest, how old, whether stale, the
change since the previous one, and for a manager the sum of their team's calls.

A call is stale when it was made before the last review of the caller's team started
(the meeting has moved on since) or more than `stale_days` ago. The one computation
behind the roll-up, the call prompt, the review walk and `calls list`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from ..models import Review, ReviewStatus, table_of
from ..org import OrgChart
from ..periods import Period
from .call_store import CallView, calls_for_period
from .metrics import ZERO, money_text

REVIEW = table_of(Review).c


@dataclass(frozen=True)
class CallStatus:
    person_id: int
    login: str
    label: str
    scope: str  # "own" for a rep, "team" for a manager
    latest: CallView | None
    previous: CallView | None
    age_days: int | None
    stale: bool
    # A manager's: the sum of the latest calls of the people reporting to them, and how
    # many of them have called.
    team_sum: Decimal | None = None
    team_called: int = 0
    team_size: int = 0

    @property
    def change(self) -> Decimal | None:
        """The commit's move since the previous call."""
        if self.latest is None or self.previous is None:
            return None
        return self.latest.commit - self.previous.commit

    @property
    def against_team(self) -> Decimal | None:
        """A manager's commit less the sum of the team's: positive, the manager calls more."""
        if self.latest is None or self.team_sum is None or not self.team_called:
            return None
        return self.latest.commit - self.team_sum

    def as_dict(self, org: OrgChart | None = None) -> dict[str, Any]:
        latest = self.latest
        return {
            "person": self.login,
            "name": self.label,
            "scope": self.scope,
            "commit": money_text(latest.commit) if latest else None,
            "best_case": money_text(latest.best_case) if latest else None,
            "most_likely": money_text(latest.most_likely) if latest else None,
            "note": latest.note if latest else None,
            "made_at": latest.made_at.isoformat() if latest else None,
            "made_by": _login(org, latest.made_by_id) if latest and org else None,
            "age_days": self.age_days,
            "stale": self.stale,
            "change": money_text(self.change),
            "team_sum": money_text(self.team_sum),
            "team_called": self.team_called,
            "team_size": self.team_size,
            "against_team": money_text(self.against_team),
        }


def _login(org: OrgChart | None, person_id: int) -> str | None:
    person = org.people.get(person_id) if org else None
    return person.login if person else None


def call_scope(org: OrgChart, person_id: int) -> str:
    """A manager calls for their team; everyone else for their own deals."""
    return "team" if person_id in org.managers() else "own"


def review_starts(conn: Connection, period: Period) -> list[tuple[int | None, bool, datetime]]:
    """(scope owner, with their subtree, started at) of the period's ended reviews."""
    query = select(REVIEW.scope_owner_id, REVIEW.scope_subtree, REVIEW.started_at).where(
        REVIEW.period_key == period.key, REVIEW.status == ReviewStatus.ENDED.value
    )
    return [(o, bool(s), _aware(t)) for o, s, t in conn.execute(query)]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def last_review_start(
    org: OrgChart, person_id: int, starts: Iterable[tuple[int | None, bool, datetime]]
) -> datetime | None:
    """When the latest ended review covering `person_id` began."""
    covering = [
        at
        for owner, subtree, at in starts
        if owner is None or owner == person_id or (subtree and person_id in org.subtree(owner))
    ]
    return max(covering, default=None)


def call_statuses(
    conn: Connection,
    org: OrgChart,
    period: Period,
    person_ids: Iterable[int],
    *,
    today: date,
    stale_days: int,
) -> dict[int, CallStatus]:
    """Each person's call status in `period`; a manager's team sum reads their direct
    reports' calls, whether or not those are among `person_ids`."""
    wanted = set(person_ids) & set(org.people)
    involved = set(wanted)
    for person in wanted:
        involved.update(org.direct_reports(person))
    calls = calls_for_period(conn, period.key, involved)
    starts = review_starts(conn, period)
    return {
        p: _status(org, p, calls, starts, today=today, stale_days=stale_days)
        for p in sorted(wanted)
    }


def _status(
    org: OrgChart,
    person_id: int,
    calls: Mapping[int, list[CallView]],
    starts: list[tuple[int | None, bool, datetime]],
    *,
    today: date,
    stale_days: int,
) -> CallStatus:
    person = org.people[person_id]
    mine = calls.get(person_id, [])
    latest = mine[0] if mine else None
    previous = mine[1] if len(mine) > 1 else None
    age = None if latest is None else max(0, (today - latest.made_at.date()).days)
    stale = False
    if latest is not None and age is not None:
        reviewed = last_review_start(org, person_id, starts)
        stale = age > stale_days or (reviewed is not None and latest.made_at < reviewed)
    scope = call_scope(org, person_id)
    team_sum, called, size = None, 0, 0
    if scope == "team":
        reports = org.direct_reports(person_id)
        latest_of_team = [calls[r][0].commit for r in reports if calls.get(r)]
        size, called = len(reports), len(latest_of_team)
        team_sum = sum(latest_of_team, ZERO)
    return CallStatus(
        person_id,
        person.login,
        person.display_name,
        scope,
        latest,
        previous,
        age,
        stale,
        team_sum,
        called,
        size,
    )
