"""The session's forecast calls: submitting one, where everyone's stand, how they held.

The rules live here once, for the app and the CLI alike: a rep submits their own call, a
manager their team's (or, for someone below them, that person's), an admin anyone's, a
viewer none (`Policy.check_call`); a call is for a period still running; its figures are
checked (`forecast.call_input.check_call`). A refused or bad call writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection

from ..errors import InputError, NotFoundError
from ..forecast import Scope, forecast_totals
from ..forecast.call_accuracy import CallAccuracy, call_accuracy
from ..forecast.call_input import CallAmounts, check_call
from ..forecast.call_status import CallStatus, call_scope, call_statuses
from ..forecast.call_store import CallView, calls_in_review, calls_of, insert_call
from ..models import Role
from ..org import Person
from ..periods import Period
from ..reviews.calls import item_owners
from .logins import unknown_login
from .session_base import SessionBase

T = TypeVar("T")
SELLERS = (Role.REP.value, Role.MANAGER.value)


@dataclass(frozen=True)
class CallPrompt:
    """What the call prompt shows: the person's status, the system's figures for their
    deals (their team's, for a manager), and what to offer for one `enter`."""

    status: CallStatus
    system: CallAmounts
    offered: CallAmounts


class CallsDoor(SessionBase):
    def caller(self, login: str | None = None) -> Person:
        """Whose call: the named person, or whoever is acting."""
        if login is None:
            return self.me
        person = self.org.by_login(login)
        if person is None:
            raise NotFoundError(unknown_login(login, [p.login for p in self.org.people.values()]))
        return person

    def submit_call(
        self,
        figures: CallAmounts,
        period: Period,
        *,
        person_id: int | None = None,
        review_id: int | None = None,
    ) -> CallView:
        """Appends `person_id`'s (default: my) call for `period`, made by me."""
        self._writable()
        who = self.me.id if person_id is None else person_id
        self.policy.check_call(who)
        person = self.org.people.get(who)
        if person is None or person.role not in SELLERS:
            name = person.display_name if person else f"person {who}"
            role = person.role if person else "unknown"
            raise InputError(f"{name} is {_a(role)}: forecast calls are made by reps and managers")
        if period.start is None or period.end is None:
            raise InputError("A call is for a quarter, a month or a year, not for all time")
        if period.end < self.today():
            raise InputError(
                f"{period.label} has closed: a call is for a period still running "
                "(it is scored against what was won once the period closes)"
            )
        check_call(figures, self.settings.currency)
        scope = call_scope(self.org, who)

        def write() -> CallView:
            with self.engine.begin() as conn:
                return insert_call(
                    conn,
                    person_id=who,
                    scope=scope,
                    period=period,
                    commit=figures.commit,
                    best_case=figures.best_case,
                    most_likely=figures.most_likely,
                    currency=self.settings.currency,
                    note=figures.note,
                    made_by_id=self.me.id,
                    review_id=review_id,
                )

        return self.run(write)

    def call_statuses(self, period: Period, person_ids: Iterable[int]) -> dict[int, CallStatus]:
        """Where each person's call stands (`forecast.call_status`)."""
        wanted = frozenset(person_ids)

        def read() -> dict[int, CallStatus]:
            with self.engine.connect() as conn:
                return call_statuses(
                    conn,
                    self.org,
                    period,
                    wanted,
                    today=self.today(),
                    stale_days=self.settings.call_stale_days,
                )

        return self.run(read)

    def callers(self, scope: Scope) -> list[int]:
        """Who calls among the people this scope (as this person may see it) covers:
        reps and managers, by name."""
        owners = self.seen(scope).owner_ids
        people = [
            p
            for p in self.org.people.values()
            if p.role in SELLERS and (owners is None or p.id in owners)
        ]
        people.sort(key=lambda p: (p.display_name.casefold(), p.id))
        return [p.id for p in people]

    def list_calls(self, period: Period, scope: Scope) -> list[CallStatus]:
        """`calls list`: everyone's latest call in scope, by name."""
        ids = self.callers(scope)
        statuses = self.call_statuses(period, ids)
        return [statuses[p] for p in ids if p in statuses]

    def call_prompt(self, period: Period, person_id: int | None = None) -> CallPrompt:
        """The prompt behind `F`: one `enter` keeps the latest call, or takes the system's
        figures when there is none yet."""
        who = self.me.id if person_id is None else person_id
        status = self.call_statuses(period, [who])[who]
        owners = self.org.subtree(who) if status.scope == "team" else frozenset({who})

        def figures() -> CallAmounts:
            with self.engine.connect() as conn:
                f = forecast_totals(conn, period, Scope(owner_ids=owners), today=self.today())
            commit = f.closed_won + f.commit
            return CallAmounts(commit, commit + f.best_case)

        system = self.run(figures)
        latest = status.latest
        offered = (
            system
            if latest is None
            else CallAmounts(latest.commit, latest.best_case, latest.most_likely)
        )
        return CallPrompt(status, system, offered)

    def call_history(self, login: str | None = None) -> list[CallView]:
        """Every call of one person, oldest first (`calls show`)."""
        person = self.caller(login)
        return self.run(lambda: _read(self, lambda conn: calls_of(conn, [person.id])))

    def review_owners(self, review_id: int) -> tuple[int, ...]:
        """Whose each deal of a review is, in the walk's order: where a rep's part ends."""
        return self.run(lambda: _read(self, lambda conn: item_owners(conn, review_id)))

    def calls_in_review(self, review_id: int) -> list[CallView]:
        return self.run(lambda: _read(self, lambda conn: calls_in_review(conn, review_id)))

    def call_accuracy(self, scope: Scope) -> list[CallAccuracy]:
        """How past calls held, for the people in scope (`report --calibration`, `R`)."""
        ids = self.callers(scope)
        return self.run(
            lambda: _read(
                self, lambda conn: call_accuracy(conn, self.org, today=self.today(), person_ids=ids)
            )
        )


def _a(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


def _read(session: SessionBase, read: Callable[[Connection], T]) -> T:
    with session.engine.connect() as conn:
        return read(conn)
