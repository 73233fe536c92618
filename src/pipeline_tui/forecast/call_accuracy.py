"""How well people's forecast calls held: each closed period's call against what was won.

For every period that has ended (its last day before today), a person's call is their
latest call for it, and the actual is what was won in it as the deals stand today: their
own deals for a rep's call, everyone's below them (their own included) for a manager's.

- error = commit called - actual won, in money, and as a share of the actual;
- bias = the mean of the signed percentage errors over the closed periods: positive is
  optimism (calls above what closed), negative is sandbagging.

Definitions and a worked example: docs/metrics.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import fmean
from typing import Any

from sqlalchemy import Connection

from ..models import StageKind
from ..org import OrgChart
from ..periods import Period
from ..query import DEAL, Scope, load_stages, stage_ids, where
from ..query.currency import Sums, converted_sums
from .call_store import CallView, calls_of
from .metrics import ZERO, money_text

HISTORY_POINTS = 12


@dataclass(frozen=True)
class ScoredCall:
    period_key: str
    call: CallView
    actual: Decimal

    @property
    def error(self) -> Decimal:
        return self.call.commit - self.actual

    @property
    def error_pct(self) -> float | None:
        """Signed: the error as a share of what was won (None when nothing was)."""
        if not self.actual:
            return None
        return float(self.error / self.actual)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period_key,
            "commit": money_text(self.call.commit),
            "actual": money_text(self.actual),
            "error": money_text(self.error),
            "error_pct": _round(self.error_pct),
        }


@dataclass(frozen=True)
class CallAccuracy:
    person_id: int
    login: str
    label: str
    scope: str  # "own" or "team"
    scored: tuple[ScoredCall, ...]  # closed periods, oldest first
    history: tuple[Decimal, ...]  # every call's commit, oldest first (the last few)

    @property
    def bias(self) -> float | None:
        """Mean signed percentage error: + optimism, - sandbagging."""
        values = [s.error_pct for s in self.scored if s.error_pct is not None]
        return fmean(values) if values else None

    @property
    def mean_abs_error(self) -> float | None:
        values = [abs(s.error_pct) for s in self.scored if s.error_pct is not None]
        return fmean(values) if values else None

    @property
    def mean_error(self) -> Decimal | None:
        """Mean signed error in money."""
        if not self.scored:
            return None
        return sum((s.error for s in self.scored), ZERO) / len(self.scored)

    @property
    def last(self) -> ScoredCall | None:
        return self.scored[-1] if self.scored else None

    @property
    def leaning(self) -> str:
        bias = self.bias
        if bias is None:
            return ""
        return "optimistic" if bias > 0 else "sandbagging" if bias < 0 else "on the number"

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.login,
            "name": self.label,
            "scope": self.scope,
            "periods": len(self.scored),
            "bias": _round(self.bias),
            "leaning": self.leaning,
            "mean_abs_error": _round(self.mean_abs_error),
            "mean_error": money_text(self.mean_error),
            "scored": [s.as_dict() for s in self.scored],
            "history": [money_text(v) for v in self.history],
        }


def call_accuracy(
    conn: Connection, org: OrgChart, *, today: date, person_ids: Iterable[int] | None = None
) -> list[CallAccuracy]:
    """Everyone (of `person_ids`) who has made a call, by name."""
    calls = calls_of(conn, person_ids)
    by_person: dict[int, list[CallView]] = {}
    for call in calls:
        by_person.setdefault(call.person_id, []).append(call)
    closed = {(c.period_start, c.period_end) for c in calls if c.period_end < today}
    won = {bounds: _won(conn, *bounds, today) for bounds in closed}
    result = []
    for person_id, mine in by_person.items():
        person = org.people.get(person_id)
        if person is None:
            continue
        latest: dict[str, CallView] = {}
        for call in mine:  # oldest first: the last one per period stays
            latest[call.period_key] = call
        scored = []
        for key, call in sorted(latest.items(), key=lambda kv: kv[1].period_start):
            bounds = (call.period_start, call.period_end)
            if bounds not in won:
                continue
            owners = org.subtree(person_id) if call.scope == "team" else {person_id}
            actual = sum((v for o, v in won[bounds].items() if o in owners), ZERO)
            scored.append(ScoredCall(key, call, actual))
        history = tuple(c.commit for c in mine[-HISTORY_POINTS:])
        scope = mine[-1].scope
        result.append(
            CallAccuracy(
                person_id,
                person.login,
                person.display_name,
                scope,
                tuple(scored),
                history,
            )
        )
    result.sort(key=lambda a: (a.label.casefold(), a.person_id))
    return result


def _won(conn: Connection, start: date, end: date, today: date) -> dict[int, Decimal]:
    """Won per owner with a close date in [start, end], every pipeline."""
    stages = load_stages(conn)
    won_ids = stage_ids(stages, StageKind.WON)
    period = Period("closed", "window", start, end)
    is_won = DEAL.stage_id.in_(won_ids)
    grouped = converted_sums(
        conn,
        DEAL.owner_id,
        Sums(money={"won": (is_won, DEAL.amount_minor)}),
        [is_won, *where(Scope().counted(period), stages)],
        today=today,
    )
    return {o: c.amount("won") for o, c in grouped.items()}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
