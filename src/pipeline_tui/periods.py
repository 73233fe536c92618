"""Forecast periods on the team's fiscal calendar.

A fiscal year is named for the calendar year in which it ends (the common convention:
with a February start, FY2027 runs from February 2026 to January 2027). With the
default January start, fiscal and calendar years coincide. `2026Q4` is the fourth
quarter of FY2026; `2026-11` is always the calendar month.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from .errors import InputError

ACCEPTED = (
    "2026Q4, 2026-11, FY2027, this-quarter, next-quarter, last-quarter, "
    "this-month, next-month, last-month, this-year, next-year, last-year or all"
)


# Far enough inside what `date` can hold that a period, or its neighbour on either side,
# never overflows: year 0 and year 10000 are typos, not forecasts.
FIRST_YEAR = 1900
LAST_YEAR = 9998


def check_day(day: date, what: str = "date") -> date:
    """`day`, if it is in the years the app works with; a one-line `InputError` if not."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(
            f"The {what} {day.isoformat()} is out of range: use a year from {FIRST_YEAR} "
            f"to {LAST_YEAR}"
        )
    return day


class PeriodError(InputError):
    def __init__(self, value: str, reason: str = "") -> None:
        self.value = value
        detail = f" ({reason})" if reason else ""
        super().__init__(f"Unknown period '{value}'{detail}. Try {ACCEPTED}.")


@dataclass(frozen=True)
class Period:
    """Closing dates from `start` to `end`, both inclusive; `all` has neither bound."""

    key: str
    kind: str  # "quarter", "month", "year" or "all"
    start: date | None
    end: date | None
    fiscal_year_start_month: int = 1

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            year, quarter = self.key.split("Q")
            return f"Q{quarter} FY{year}"
        if self.kind == "month" and self.start is not None:
            return self.start.strftime("%b %Y")
        if self.kind == "year":
            return self.key
        return "All time"

    def contains(self, day: date | None) -> bool:
        if self.start is None or self.end is None:
            return True
        return day is not None and self.start <= day <= self.end

    def shift(self, steps: int) -> Period:
        """The period `steps` before (negative) or after this one; `all` stays put."""
        if self.start is None:
            return self
        months = {"quarter": 3, "month": 1, "year": 12}[self.kind] * steps
        start = self.start + relativedelta(months=months)
        return _period_starting(self.kind, start, self.fiscal_year_start_month)


def fiscal_year_of(day: date, fiscal_year_start_month: int = 1) -> int:
    """The fiscal year (named by its ending calendar year) that contains `day`."""
    if fiscal_year_start_month == 1 or day.month < fiscal_year_start_month:
        return day.year
    return day.year + 1


def fiscal_year_start(fiscal_year: int, fiscal_year_start_month: int = 1) -> date:
    year = fiscal_year if fiscal_year_start_month == 1 else fiscal_year - 1
    return date(year, fiscal_year_start_month, 1)


def quarter_containing(day: date, fiscal_year_start_month: int = 1) -> Period:
    year_start = fiscal_year_start(
        fiscal_year_of(day, fiscal_year_start_month), fiscal_year_start_month
    )
    months_in = relativedelta(date(day.year, day.month, 1), year_start)
    quarter_index = (months_in.years * 12 + months_in.months) // 3
    start = year_start + relativedelta(months=3 * quarter_index)
    return _period_starting("quarter", start, fiscal_year_start_month)


def month_containing(day: date, fiscal_year_start_month: int = 1) -> Period:
    return _period_starting("month", day.replace(day=1), fiscal_year_start_month)


def year_containing(day: date, fiscal_year_start_month: int = 1) -> Period:
    start = fiscal_year_start(fiscal_year_of(day, fiscal_year_start_month), fiscal_year_start_month)
    return _period_starting("year", start, fiscal_year_start_month)


def all_time(fiscal_year_start_month: int = 1) -> Period:
    return Period("all", "all", None, None, fiscal_year_start_month)


def _period_starting(kind: str, start: date, fiscal_year_start_month: int) -> Period:
    months = {"quarter": 3, "month": 1, "year": 12}[kind]
    end = start + relativedelta(months=months, days=-1)
    fiscal_year = fiscal_year_of(start, fiscal_year_start_month)
    if kind == "quarter":
        first = fiscal_year_start(fiscal_year, fiscal_year_start_month)
        delta = relativedelta(start, first)
        key = f"{fiscal_year}Q{(delta.years * 12 + delta.months) // 3 + 1}"
    elif kind == "month":
        key = f"{start:%Y-%m}"
    else:
        key = f"FY{fiscal_year}"
    return Period(key, kind, start, end, fiscal_year_start_month)


_QUARTER = re.compile(r"^(?:FY)?(\d{4})\s*-?\s*Q([1-4])$|^Q([1-4])\s*-?\s*(?:FY)?(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^FY\s*(\d{4}|\d{2})$")
_RELATIVE = re.compile(r"^(this|next|last|previous|prev)[-_ ](quarter|month|year)$")


def parse_period(
    text: str, *, today: date | None = None, fiscal_year_start_month: int = 1
) -> Period:
    """`2026Q4`, `Q4-2026`, `2026-11`, `FY2027`, `FY27`, `this-quarter`, `all`, ..."""
    day = check_day(today or date.today(), "day given as today")
    try:
        period = _parse_period(text, day, fiscal_year_start_month)
    except PeriodError:
        raise
    except (ValueError, OverflowError) as exc:  # a year such as 0000 that dates can't hold
        raise PeriodError(text, "out of range") from exc
    for bound in (period.start, period.end):
        if bound is not None and not FIRST_YEAR <= bound.year <= LAST_YEAR:
            raise PeriodError(text, f"out of range: years {FIRST_YEAR} to {LAST_YEAR}")
    return period


def _parse_period(text: str, today: date, fiscal_year_start_month: int) -> Period:
    raw = text
    value = text.strip().upper()
    fy = fiscal_year_start_month
    if not value:
        raise PeriodError(raw, "empty")
    if value in {"ALL", "ALL-TIME"}:
        return all_time(fy)
    if match := _QUARTER.match(value):
        year = int(match.group(1) or match.group(4))
        quarter = int(match.group(2) or match.group(3))
        start = fiscal_year_start(year, fy) + relativedelta(months=3 * (quarter - 1))
        return _period_starting("quarter", start, fy)
    if match := _MONTH.match(value):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(raw, "month must be 01 to 12")
        return _period_starting("month", date(year, month, 1), fy)
    if match := _YEAR.match(value):
        digits = match.group(1)
        year = int(digits) if len(digits) == 4 else 2000 + int(digits)
        return _period_starting("year", fiscal_year_start(year, fy), fy)
    if match := _RELATIVE.match(value.lower()):
        which, unit = match.groups()
        current = {
            "quarter": quarter_containing,
            "month": month_containing,
            "year": year_containing,
        }[unit](today, fy)
        step = {"this": 0, "next": 1}.get(which, -1)
        return current.shift(step)
    raise PeriodError(raw)
