"""Days and quarters around `today`, as the text the database stores.

Dates are stored as ISO text on SQLite and parsed from text by PostgreSQL's COPY, so
every date and time of day is formatted once here and then joined by plain string
concatenation in the hot loops. Timestamps of one format compare correctly as strings.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date
from statistics import NormalDist
from typing import Any

from .vocabulary import QUARTERS_AHEAD, QUARTERS_BACK

Row = tuple[Any, ...]

# Deals are created up to ~200 days before the earliest close date, and notes and
# change history look a few weeks past the latest; the day table covers both margins.
_MARGIN_BEFORE, _MARGIN_AFTER = 400, 60


class Timeline:
    def __init__(self, today: date, timestamp_suffix: str) -> None:
        self.today = today.toordinal()
        first = today.year * 12 + (today.month - 1) // 3 * 3 - 3 * QUARTERS_BACK
        # Calendar quarters, as the fiscal year starts in January: starts of the 13
        # quarters in the window, then the day after the window.
        self.quarter_starts = [
            date((month := first + 3 * k) // 12, month % 12 + 1, 1).toordinal()
            for k in range(QUARTERS_BACK + QUARTERS_AHEAD + 2)
        ]
        self.first_day = self.quarter_starts[0] - _MARGIN_BEFORE
        span = self.quarter_starts[-1] + _MARGIN_AFTER - self.first_day
        self.day_iso = [date.fromordinal(self.first_day + k).isoformat() for k in range(span)]
        # Whole minutes of office hours (UTC): deterministic and easy to read.
        self.times = [
            f" {h:02d}:{m:02d}:00.000000{timestamp_suffix}" for h in range(8, 18) for m in range(60)
        ]

    @property
    def quarters(self) -> int:
        return len(self.quarter_starts) - 1

    def quarter_of(self, day: int) -> int:
        """The window's quarter index for a day inside the window."""
        return bisect_right(self.quarter_starts, day) - 1

    def iso(self, day: int) -> str:
        return self.day_iso[day - self.first_day]

    def quarter_bounds(self, quarter: int) -> tuple[str, str]:
        return self.iso(self.quarter_starts[quarter]), self.iso(
            self.quarter_starts[quarter + 1] - 1
        )


def lookup_table(pairs: Sequence[tuple[Any, float]], size: int = 1000) -> list[Any]:
    """A list in which each item fills its share of `size` slots.

    Indexing it with `int(random() * size)` is a weighted choice for the price of one
    `random()` call, several times cheaper than `Random.choices`.
    """
    total = sum(weight for _, weight in pairs)
    table: list[Any] = []
    running = 0.0
    for item, weight in pairs:
        running += weight
        table.extend([item] * (round(size * running / total) - len(table)))
    return table


def lookup_normal(mean: float, spread: float, size: int = 1000, step: int = 5) -> list[int]:
    """A lookup table (as `lookup_table`) of a normal distribution's quantiles, rounded to
    `step`: a normal draw for one `random()` call, with no draws spent building it."""
    dist = NormalDist(mean, spread)
    return [step * round(dist.inv_cdf((k + 0.5) / size) / step) for k in range(size)]
