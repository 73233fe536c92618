"""The waterfall's bars and rows, and their JSON shape."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from ..errors import InputError
from ..periods import Period
from ..query.currency import round_figure
from .history import DealState
from .metrics import ZERO, money_text


class WaterfallError(InputError):
    """A waterfall that can't be drawn as asked (shown to the user as it is)."""


class Bar(StrEnum):
    NEW = "new"
    PULLED_IN = "pulled_in"
    REOPENED = "reopened"
    RESTORED = "restored"
    MOVED_IN = "moved_in"
    INCREASED = "increased"
    DECREASED = "decreased"
    WON = "won"
    LOST = "lost"
    PUSHED_OUT = "pushed_out"
    OMITTED = "omitted"
    MOVED_OUT = "moved_out"

    @property
    def sign(self) -> int:
        return 1 if self in _ADDS else -1

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


_ADDS = frozenset({Bar.NEW, Bar.PULLED_IN, Bar.REOPENED, Bar.RESTORED, Bar.MOVED_IN, Bar.INCREASED})


@dataclass(frozen=True)
class MovedDeal:
    """One deal behind a bar: what it moved the bar by, and how it stood at each end."""

    id: int
    name: str
    owner_id: int
    amount: Decimal
    before: Decimal | None
    after: Decimal | None
    close_before: date | None
    close_after: date | None

    @classmethod
    def of(
        cls,
        deal_id: int,
        name: str,
        amount_minor: int,
        before: DealState | None,
        after: DealState | None,
        factor: Decimal = Decimal(1),
    ) -> MovedDeal:
        """`factor`: the deal's rate to the reporting currency (see `waterfall`)."""
        owner = after.owner_id if after is not None else before.owner_id if before else 0
        return cls(
            deal_id,
            name,
            owner,
            round_figure(amount_minor * factor),
            None if before is None else round_figure(before.amount_minor * factor),
            None if after is None else round_figure(after.amount_minor * factor),
            None if before is None else before.close_date,
            None if after is None else after.close_date,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "owner_id": self.owner_id,
            "amount": money_text(self.amount),
            "before": money_text(self.before),
            "after": money_text(self.after),
            "close_before": _iso(self.close_before),
            "close_after": _iso(self.close_after),
        }


@dataclass(frozen=True)
class Movement:
    bar: Bar
    amount: Decimal  # never negative; `signed` says which way it moves the pipeline
    deals: tuple[MovedDeal, ...]

    @property
    def signed(self) -> Decimal:
        return self.amount * self.bar.sign

    def as_dict(self) -> dict[str, Any]:
        return {
            "bar": self.bar.value,
            "label": self.bar.label,
            "sign": self.bar.sign,
            "amount": money_text(self.amount),
            "count": len(self.deals),
            "deals": [d.as_dict() for d in self.deals],
        }


@dataclass(frozen=True)
class WaterfallRow:
    key: str
    label: str
    owner_id: int | None
    start: Decimal
    end: Decimal
    start_count: int
    end_count: int
    movements: tuple[Movement, ...]  # every bar, in `Bar` order, empty ones included

    def movement(self, bar: Bar) -> Movement:
        return next(m for m in self.movements if m.bar is bar)

    @property
    def balanced(self) -> bool:
        return self.start + sum((m.signed for m in self.movements), ZERO) == self.end

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "start": money_text(self.start),
            "end": money_text(self.end),
            "start_count": self.start_count,
            "end_count": self.end_count,
            "bars": [m.as_dict() for m in self.movements],
        }


def build_row(
    key: str,
    label: str,
    owner_id: int | None,
    start: list[Decimal],
    end: list[Decimal],
    moved: Iterable[tuple[Bar, MovedDeal]],
) -> WaterfallRow:
    """`start` and `end` are [amount in minor units of the reporting currency, number of
    deals]."""
    deals: dict[Bar, list[MovedDeal]] = {bar: [] for bar in Bar}
    for bar, deal in moved:
        deals[bar].append(deal)
    movements = tuple(
        Movement(
            bar,
            sum((d.amount for d in deals[bar]), ZERO),
            tuple(sorted(deals[bar], key=lambda d: (-d.amount, d.id))),
        )
        for bar in Bar
    )
    return WaterfallRow(
        key,
        label,
        owner_id,
        round_figure(start[0]),
        round_figure(end[0]),
        int(start[1]),
        int(end[1]),
        movements,
    )


@dataclass(frozen=True)
class Waterfall:
    period: Period
    since: datetime
    until: datetime | None  # None: now
    snapshot_id: int | None  # the start snapshot, when the start came from one
    team: WaterfallRow
    reps: list[WaterfallRow]
    # Deals in the pipeline whose currency has no rate: (currency, count), left out.
    unconverted: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        p = self.period
        return {
            "period": {"key": p.key, "start": _iso(p.start), "end": _iso(p.end)},
            "since": self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "snapshot_id": self.snapshot_id,
            "team": self.team.as_dict(),
            "reps": [r.as_dict() for r in self.reps],
            "unconverted": dict(self.unconverted),
        }


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
