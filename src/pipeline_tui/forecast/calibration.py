"""Calibration: how well the probabilities reps gave matched what then happened.

For every closed deal the rep's last open probability (`probability_at_close`) is the
forecast and the outcome is 1 (won) or 0 (lost). The Brier score is the mean of
(p - outcome)^2 over those deals: 0 is perfect, 0.25 is what always saying 50% scores.
The reliability table groups the deals into probability bands and sets the mean stated
probability beside the share actually won. All sums are integer SQL aggregates (the
squared error in whole percent points), so the figures are exact. Definitions and a
worked example: docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Connection, Engine, case, func, select

from ..models import StageKind
from ..periods import Period
from ..query import DEAL, Scope, load_org, load_stages, stage_ids, where
from .binding import reading

BANDS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100))
# Long enough for a rep's probabilities to mean something, recent enough to be the rep's
# current habits; the roll-up and `report --calibration` both read this.
WINDOW_MONTHS = 12


@dataclass(frozen=True)
class CalibrationWindow:
    """The close dates calibration covers, inclusive; `since` None is all time."""

    since: date | None
    until: date | None

    @property
    def text(self) -> str:
        """`closed in the 12 months to 2026-11-30`, as every screen and report says it."""
        if self.since is None:
            return "closed at any time"
        until = "now" if self.until is None else self.until.isoformat()
        return f"closed in the {WINDOW_MONTHS} months to {until}"


def calibration_window(period: Period, today: date) -> CalibrationWindow:
    """The `WINDOW_MONTHS` up to the period's end, or up to today if sooner: a period still
    running is judged on what has closed so far. The period `all` covers all time."""
    until = today if period.end is None else min(period.end, today)
    if period.end is None:
        return CalibrationWindow(None, until)
    since = until - relativedelta(months=WINDOW_MONTHS) + relativedelta(days=1)
    return CalibrationWindow(since, until)


@dataclass(frozen=True)
class Band:
    """Deals whose stated probability p was low <= p < high (the last band takes 100)."""

    low: int
    high: int
    count: int = 0
    stated_sum: int = 0  # in percent points
    won: int = 0

    @property
    def label(self) -> str:
        return f"{self.low}-{self.high}%"

    @property
    def mean_stated(self) -> float | None:
        return self.stated_sum / self.count / 100 if self.count else None

    @property
    def win_rate(self) -> float | None:
        return self.won / self.count if self.count else None

    def __add__(self, other: Band) -> Band:
        return Band(
            self.low,
            self.high,
            self.count + other.count,
            self.stated_sum + other.stated_sum,
            self.won + other.won,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "band": self.label,
            "low": self.low,
            "high": self.high,
            "count": self.count,
            "mean_stated": _round(self.mean_stated),
            "win_rate": _round(self.win_rate),
        }


def empty_bands() -> tuple[Band, ...]:
    return tuple(Band(low, high) for low, high in BANDS)


@dataclass(frozen=True)
class RepCalibration:
    key: str
    label: str
    owner_id: int | None
    deals: int = 0
    won: int = 0
    stated_sum: int = 0
    squared_error: int = 0  # sum of (p - 100 * outcome)^2, p in percent points
    bands: tuple[Band, ...] = empty_bands()

    @property
    def brier(self) -> float | None:
        return self.squared_error / (10_000 * self.deals) if self.deals else None

    @property
    def mean_stated(self) -> float | None:
        return self.stated_sum / self.deals / 100 if self.deals else None

    @property
    def win_rate(self) -> float | None:
        return self.won / self.deals if self.deals else None

    @property
    def overconfidence(self) -> float | None:
        """Mean stated probability minus the share won: above 0, the rep promised more."""
        if self.mean_stated is None or self.win_rate is None:
            return None
        return self.mean_stated - self.win_rate

    def combined(
        self, other: RepCalibration, key: str, label: str, owner_id: int | None = None
    ) -> RepCalibration:
        return RepCalibration(
            key,
            label,
            owner_id,
            self.deals + other.deals,
            self.won + other.won,
            self.stated_sum + other.stated_sum,
            self.squared_error + other.squared_error,
            tuple(a + b for a, b in zip(self.bands, other.bands, strict=True)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "deals": self.deals,
            "won": self.won,
            "brier": _round(self.brier),
            "mean_stated": _round(self.mean_stated),
            "win_rate": _round(self.win_rate),
            "overconfidence": _round(self.overconfidence),
            "bands": [b.as_dict() for b in self.bands],
        }


def calibration(
    bind: Engine | Connection,
    *,
    owner_ids: frozenset[int] | None = None,
    since: date | None = None,
    until: date | None = None,
    pipeline_id: int | None = None,
) -> list[RepCalibration]:
    """Per owner, over closed deals with a close date from `since` to `until` (inclusive,
    either may be open) that have a recorded last open probability."""
    with reading(bind) as conn:
        return _calibration(conn, owner_ids, since, until, pipeline_id)


def _calibration(
    conn: Connection,
    owner_ids: frozenset[int] | None,
    since: date | None,
    until: date | None,
    pipeline_id: int | None,
) -> list[RepCalibration]:
    stages = load_stages(conn)
    org = load_org(conn)
    won_ids = stage_ids(stages, StageKind.WON, pipeline_id)
    lost_ids = stage_ids(stages, StageKind.LOST, pipeline_id)
    window = Period("calibration", "window", since, until)
    closed = Scope(owner_ids, pipeline_id, window, open_only=False)
    p = DEAL.probability_at_close
    band = case(*((p < high, k) for k, (_, high) in enumerate(BANDS[:-1])), else_=len(BANDS) - 1)
    outcome = case((DEAL.stage_id.in_(won_ids), 1), else_=0)
    error = p - 100 * outcome
    query = (
        select(
            DEAL.owner_id,
            band,
            func.count(),
            func.sum(p),
            func.sum(outcome),
            func.sum(error * error),
        )
        .where(
            DEAL.stage_id.in_(won_ids + lost_ids),
            p.is_not(None),
            *where(closed, stages),
        )
        .group_by(DEAL.owner_id, band)
    )
    per_owner: dict[int, RepCalibration] = {}
    for owner, k, count, stated, won, squared in conn.execute(query):
        person = org.people.get(owner)
        key, label = (person.login, person.display_name) if person else (str(owner), str(owner))
        bands = list(empty_bands())
        low, high = BANDS[int(k)]
        bands[int(k)] = Band(low, high, int(count), int(stated), int(won))
        row = RepCalibration(
            key, label, owner, int(count), int(won), int(stated), int(squared), tuple(bands)
        )
        if owner in per_owner:
            row = per_owner[owner].combined(row, key, label, owner)
        per_owner[owner] = row
    return sorted(per_owner.values(), key=lambda r: (r.label.casefold(), r.owner_id or 0))


def calibration_total(rows: list[RepCalibration], label: str = "Everyone") -> RepCalibration:
    result = RepCalibration("TOTAL", label, None)
    for row in rows:
        result = result.combined(row, "TOTAL", label)
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
