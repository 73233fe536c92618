"""Forecast periods on the team's fiscal calendar.

A fiscal year is named for the calendar year in which it ends (the common convention:
with a February start, FY2027 runs from February 2026 to January 2027). With the
default January start, fiscal and calendar years coincide. `2026Q4` is the fourth
quarter of FY2026; `2026-11` is always the calendar month.

"No close date" is a period too, for a review of the deals nobody has dated: it has no
bounds, like `all`, but holds only the deals without a close date.
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
NO_CLOSE_DATE_WORDS = frozenset({"NONE", "NO CLOSE DATE", "NO-CLOSE-DATE", "UNDATED"})


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
    def __init__(self, value: str, reason: str = "", *, says_what_to_type: bool = False) -> None:
        self.value = value
        detail = f" ({reason})" if reason else ""
        # A reason that already names what to type instead is enough on its own.
        hint = "" if says_what_to_type else f" Try {ACCEPTED}."
        super().__init__(f"Unknown period '{value}'{detail}.{hint}")


@dataclass(frozen=True)
class Period:
    """Closing dates from `start` to `end`, both inclusive; `all` has neither bound."""

    key: str
    kind: str  # "quarter", "month", "year", "all" or "none" (no close date)
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
        if self.kind == "none":
            return "No close date"
        return "All time"

    @property
    def no_close_date(self) -> bool:
        return self.kind == "none"

    def contains(self, day: date | None) -> bool:
        if self.no_close_date:
            return day is None
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


def no_close_date(fiscal_year_start_month: int = 1) -> Period:
    return Period("none", "none", None, None, fiscal_year_start_month)


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


_YEAR_PART = r"(?:FY ?(\d{4}|\d{2})|(\d{4}))"
_QUARTER = re.compile(rf"^{_YEAR_PART} ?-? ?Q([1-4])$|^Q([1-4]) ?-? ?{_YEAR_PART}$")
_MONTH = re.compile(r"^(\d{4})[-/.](\d{1,2})$|^(\d{1,2})[-/.](\d{4})$")
_MONTH_NAMED = re.compile(r"^([A-Z]{3,9})\.?[ -]?(\d{4})$|^(\d{4})[ -]?([A-Z]{3,9})\.?$")
_YEAR = re.compile(r"^FY ?(\d{4}|\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_RELATIVE = re.compile(r"^(this|current|next|last|previous|prev)[-_ ](quarter|month|year)$")
# English names, as the app's own month labels (`Nov 2026`) write them.
MONTH_NAMES = (
    "JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE",
    "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER",
)  # fmt: skip


def parse_period(
    text: str,
    *,
    today: date | None = None,
    fiscal_year_start_month: int = 1,
    allow_no_close_date: bool = False,
) -> Period:
    """`2026Q4`, `Q4 FY2026`, `2026-11`, `Nov 2026`, `FY2027`, `FY27`, `this quarter`,
    `all`, ...; with `allow_no_close_date`, `none` or `no close date` as well."""
    day = check_day(today or date.today(), "day given as today")
    try:
        period = _parse_period(text, day, fiscal_year_start_month, allow_no_close_date)
    except PeriodError:
        raise
    except (ValueError, OverflowError) as exc:  # a year such as 0000 that dates can't hold
        raise PeriodError(text, "out of range") from exc
    for bound in (period.start, period.end):
        if bound is not None and not FIRST_YEAR <= bound.year <= LAST_YEAR:
            raise PeriodError(text, f"out of range: years {FIRST_YEAR} to {LAST_YEAR}")
    return period


def _fiscal_year(digits: str) -> int:
    """`2027` or `27`: two digits are this century's, as in `FY27`."""
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def _month_number(name: str) -> int | None:
    """1-12 for a month's name or its first three letters or more (`Sep`, `Sept`)."""
    return next((i for i, full in enumerate(MONTH_NAMES, 1) if full.startswith(name)), None)


def _parse_period(
    text: str, today: date, fiscal_year_start_month: int, allow_no_close_date: bool
) -> Period:
    raw = text
    # One space between words, none inside `FY 2027`: the patterns then stay simple.
    value = " ".join(text.upper().split())
    fy = fiscal_year_start_month
    if not value:
        raise PeriodError(raw, "empty")
    if value in {"ALL", "ALL-TIME", "ALL TIME"}:
        return all_time(fy)
    if value in NO_CLOSE_DATE_WORDS:
        if allow_no_close_date:
            return no_close_date(fy)
        raise PeriodError(raw, "deals with no close date are in no period here")
    if match := _QUARTER.match(value):
        g = match.groups()
        fy_digits, plain, quarter = (g[0], g[1], g[2]) if g[2] else (g[4], g[5], g[3])
        year = _fiscal_year(plain or fy_digits)
        start = fiscal_year_start(year, fy) + relativedelta(months=3 * (int(quarter) - 1))
        return _period_starting("quarter", start, fy)
    if match := _MONTH.match(value):
        year_first, month_after, month_first, year_after = match.groups()
        year, month = int(year_first or year_after), int(month_after or month_first)
        if not 1 <= month <= 12:
            raise PeriodError(raw, "month must be 01 to 12")
        return _period_starting("month", date(year, month, 1), fy)
    if match := _MONTH_NAMED.match(value):
        name, year_after, year_first, name_after = match.groups()
        number = _month_number(name or name_after)
        if number is None:
            raise PeriodError(raw, f"'{(name or name_after).title()}' is not a month")
        return _period_starting("month", date(int(year_after or year_first), number, 1), fy)
    if match := _YEAR.match(value):
        return _period_starting("year", fiscal_year_start(_fiscal_year(match[1]), fy), fy)
    if match := _RELATIVE.match(value.lower()):
        which, unit = match.groups()
        current = {
            "quarter": quarter_containing,
            "month": month_containing,
            "year": year_containing,
        }[unit](today, fy)
        step = {"this": 0, "current": 0, "next": 1}.get(which, -1)
        return current.shift(step)
    reason, complete = _why_not(value, fy)
    raise PeriodError(raw, reason, says_what_to_type=complete)


def _why_not(value: str, fy: int) -> tuple[str, bool]:
    """What a near miss means, and whether that says what to type instead; ("", False)
    when it is no near miss."""
    if re.fullmatch(r"\d{4}", value):
        return f"a year alone: FY{value} for the fiscal year, {value}Q1 for a quarter", True
    if match := _DAY.match(value):
        try:
            day = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return "not a date", False
        quarter = quarter_containing(day, fy)
        return f"a day: {day:%Y-%m} for its month, {quarter.key} for its quarter", True
    return "", False
