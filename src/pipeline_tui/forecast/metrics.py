"""Forecast figures for one roll-up row, and the ratios derived from them.

Definitions are in docs/metrics.md; each has a hand-computed example in the tests.
Everything here is plain arithmetic on aggregates that SQL has already summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

ZERO = Decimal("0.00")


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> float | None:
    """A ratio for display and JSON; undefined (None) when nothing is below the line."""
    if not denominator or denominator <= 0:
        return None
    return float(Decimal(numerator) / Decimal(denominator))


@dataclass(frozen=True)
class ForecastFigures:
    """Additive figures: two rows can be summed field by field."""

    quota: Decimal | None = None
    closed_won: Decimal = ZERO
    commit: Decimal = ZERO
    best_case: Decimal = ZERO
    pipeline: Decimal = ZERO
    weighted: Decimal = ZERO
    open_count: int = 0
    won_count: int = 0
    lost_count: int = 0
    lost_value: Decimal = ZERO
    # Closed in the trailing year before the period: the base for needed coverage.
    trailing_won_value: Decimal = ZERO
    trailing_lost_value: Decimal = ZERO
    # Deals in the period whose currency has no rate in force: (currency, count) pairs,
    # left out of every money figure above (but in the counts).
    unconverted: tuple[tuple[str, int], ...] = ()
    # What the quota is measured against when it covers more than these figures do: the
    # same people's figures over all pipelines, when these are one pipeline's (quotas
    # are per person, not per pipeline). None: these figures themselves.
    quota_basis: ForecastFigures | None = None

    def __add__(self, other: ForecastFigures) -> ForecastFigures:
        values: dict[str, Any] = {}
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if f.name == "quota":
                values[f.name] = None if a is None and b is None else (a or ZERO) + (b or ZERO)
            elif f.name == "unconverted":
                values[f.name] = merge_unconverted(a, b)
            elif f.name == "quota_basis":
                values[f.name] = None if a is None and b is None else self.basis + other.basis
            else:
                values[f.name] = a + b
        return ForecastFigures(**values)

    @property
    def unconverted_count(self) -> int:
        return sum(n for _, n in self.unconverted)

    @property
    def unconverted_currencies(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.unconverted)

    @property
    def basis(self) -> ForecastFigures:
        """The figures gap, coverage and needed coverage are worked out from."""
        return self.quota_basis or self

    @property
    def all_pipelines(self) -> bool:
        """True when quota, gap and coverage cover more pipelines than the other figures."""
        return self.quota_basis is not None

    def with_quota(self, quota: Decimal | None) -> ForecastFigures:
        return replace(self, quota=quota)

    @property
    def remaining_quota(self) -> Decimal | None:
        if self.quota is None:
            return None
        return self.quota - self.basis.closed_won

    @property
    def coverage(self) -> float | None:
        """Open pipeline closing in the period / quota still to close."""
        remaining = self.remaining_quota
        if remaining is None:
            return None
        return ratio(self.basis.pipeline, remaining)

    @property
    def win_rate(self) -> float | None:
        return ratio(self.won_count, self.won_count + self.lost_count)

    @property
    def win_rate_value(self) -> float | None:
        return ratio(self.closed_won, self.closed_won + self.lost_value)

    @property
    def trailing_win_rate(self) -> float | None:
        """By value, because coverage is a value ratio too."""
        return ratio(self.trailing_won_value, self.trailing_won_value + self.trailing_lost_value)

    @property
    def needed_coverage(self) -> float | None:
        rate = self.basis.trailing_win_rate
        if not rate:
            return None
        return 1 / rate

    @property
    def forecast_call(self) -> Decimal:
        """What the team says it will land: won so far plus open commit."""
        return self.closed_won + self.commit

    @property
    def gap(self) -> Decimal | None:
        """Quota not yet covered by won plus commit; negative means ahead of quota."""
        if self.quota is None:
            return None
        return self.quota - self.basis.forecast_call


def merge_unconverted(
    *parts: Iterable[tuple[str, int]] | Mapping[str, int],
) -> tuple[tuple[str, int], ...]:
    """(currency, count) pairs added up, sorted by currency."""
    merged: dict[str, int] = {}
    for part in parts:
        for currency, count in part.items() if isinstance(part, Mapping) else part:
            merged[currency] = merged.get(currency, 0) + count
    return tuple(sorted((c, n) for c, n in merged.items() if n))


def unconverted_text(figures: ForecastFigures) -> str:
    """`+ 2 deals unconverted (EUR)`, or nothing when every deal converted."""
    return unconverted_note(figures.unconverted)


def unconverted_note(pairs: Iterable[tuple[str, int]]) -> str:
    """(currency, count) pairs as `+ 2 deals unconverted (EUR)`; nothing when none."""
    pairs = [(c, n) for c, n in pairs if n]
    count = sum(n for _, n in pairs)
    if not count:
        return ""
    currencies = ", ".join(c for c, _ in pairs)
    return f"+ {count} deal{'' if count == 1 else 's'} unconverted ({currencies})"


@dataclass(frozen=True)
class ForecastRow:
    key: str
    label: str
    figures: ForecastFigures
    # Quota and coverage are only meaningful per person (or for the whole scope).
    per_person: bool = True

    def as_dict(self) -> dict[str, Any]:
        return figures_dict(self.figures, per_person=self.per_person) | {"key": self.key}


def pipeline_caption(pipeline_name: str | None) -> str:
    """Which pipelines a figure set covers, as every screen says it: quotas are per
    person, so with one pipeline chosen, quota, gap and coverage still cover them all."""
    if pipeline_name is None:
        return "all pipelines"
    return f"{pipeline_name} (quota, gap, coverage: all pipelines)"


def money_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def figures_dict(f: ForecastFigures, *, per_person: bool = True) -> dict[str, Any]:
    """The report's JSON shape: money as decimal strings, ratios as numbers or null."""
    return {
        "quota": money_text(f.quota) if per_person else None,
        "closed_won": money_text(f.closed_won),
        "commit": money_text(f.commit),
        "best_case": money_text(f.best_case),
        "pipeline": money_text(f.pipeline),
        "weighted": money_text(f.weighted),
        "open_count": f.open_count,
        "won_count": f.won_count,
        "lost_count": f.lost_count,
        "coverage": _round(f.coverage) if per_person else None,
        "win_rate": _round(f.win_rate),
        "win_rate_value": _round(f.win_rate_value),
        "needed_coverage": _round(f.needed_coverage) if per_person else None,
        "gap": money_text(f.gap) if per_person else None,
        "unconverted": {currency: count for currency, count in f.unconverted},
        # Set when quota, gap and coverage cover more than the other figures (one pipeline's).
        "quota_basis": "all pipelines" if per_person and f.all_pipelines else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
