"""Cell values as the deal stores them, read with `parsing` and remembered.

Exports repeat the same few dates, probabilities and stage names thousands of times, so
every reader here remembers what it made of each distinct text: a 100,000-row file
parses its dates a few hundred times, not 100,000. A reader returns the value or a
`ParseError`, never raises, so the row loop stays a plain loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Generic, TypeVar

from dateutil import parser as dateutil_parser

from ..models import ForecastCategory
from ..parsing import Money, ParseError, parse_date, parse_money, parse_probability
from .dates import DATE_FORMS, DateOrder, serial_moment, settle

T = TypeVar("T")

EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
_TIME_RE = re.compile(
    r"(?P<day>.+?)[,T ]\s*(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]+)?)?"
    r"\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*(?P<tz>Z|UTC|GMT|[+-][0-9]{2}:?[0-9]{2})?"
)
_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_PLAIN_AMOUNT_RE = re.compile(
    r"(?:(?P<code>[A-Z]{3}) )?"
    r"(?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<cents>[0-9]{1,2}))?"
)
_MAX_PLAIN = Decimal(10**13)

CATEGORY_NAMES = {
    "pipeline": ForecastCategory.PIPELINE,
    "bestcase": ForecastCategory.BEST_CASE,
    "upside": ForecastCategory.BEST_CASE,
    "commit": ForecastCategory.COMMIT,
    "committed": ForecastCategory.COMMIT,
    "forecast": ForecastCategory.COMMIT,  # what older Salesforce orgs call commit
    "closed": ForecastCategory.CLOSED,
    "closedwon": ForecastCategory.CLOSED,
    "omitted": ForecastCategory.OMITTED,
    "omit": ForecastCategory.OMITTED,
    "notforecasted": ForecastCategory.OMITTED,
    "closedlost": ForecastCategory.OMITTED,
}
STATUS_NAMES = {
    "open": "open", "active": "open", "inprogress": "open",
    "won": "won", "closedwon": "won",
    "lost": "lost", "closedlost": "lost",
}  # fmt: skip
_SALESFORCE_ID_RE = re.compile(r"[a-zA-Z0-9]{15}")
# Which of five characters are capitals ("10010": the first and fourth), as a letter.
_SUFFIX_OF = {
    format(bits, "05b")[::-1]: "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[bits] for bits in range(32)
}
_CAPITALS = str.maketrans(
    {chr(c): "1" if chr(c).isupper() else "0" for c in range(128) if chr(c).isalnum()}
)


class Remembered(Generic[T]):
    """`parse(text)` for each distinct text once."""

    __slots__ = ("memo", "parse")

    def __init__(self, parse: Callable[[str], T]) -> None:
        self.parse = parse
        self.memo: dict[str, T | ParseError] = {}

    def __call__(self, text: str) -> T | ParseError:
        try:
            return self.memo[text]
        except KeyError:
            pass
        try:
            result: T | ParseError = self.parse(text)
        except ParseError as exc:
            result = exc
        self.memo[text] = result
        return result


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


class Readers:
    """One remembering reader per kind of value, for one file's options.

    `dayfirst` None means the file decides (`settle_dates`), as `dates` explains.
    """

    def __init__(
        self, *, today: date, dayfirst: bool | None, probability_is_fraction: bool
    ) -> None:
        self.today = today
        self.dates = DateOrder(dayfirst, dayfirst is not None)
        self.money = Remembered(read_money)
        self.probability = Remembered(
            _fraction_probability if probability_is_fraction else parse_probability
        )
        self.day = Remembered(self._day)
        self.timestamp = Remembered(self._timestamp)
        self.serial_day = Remembered(self._serial_day)
        self.serial_timestamp = Remembered(self._serial_timestamp)
        self.category = Remembered(read_category)
        self.status = Remembered(read_status)
        self.currency = Remembered(read_currency)
        self.count = Remembered(read_count)
        self.yes_no = Remembered(read_yes_no)

    def settle_dates(
        self, texts: Mapping[str, Iterable[str]], headers: Mapping[str, str]
    ) -> DateOrder:
        """Decide the file's date order from all its date columns, before reading any."""
        self.dates = settle(texts, self.dates.dayfirst if self.dates.given else None, headers)
        return self.dates

    def _day(self, text: str) -> date:
        _refuse_relative(text)
        stripped = text.strip()
        if why := self.dates.misread(stripped):
            raise ParseError(text, DATE_FORMS, what="a date", reason=f"it {why}")
        dayfirst = bool(self.dates.dayfirst)
        try:
            day = parse_date(stripped, today=self.today, dayfirst=dayfirst)
        except ParseError:
            match = _TIME_RE.fullmatch(stripped)
            try:
                if match is None:
                    day = _written_out(stripped, dayfirst)
                else:
                    day = parse_date(match["day"], today=self.today, dayfirst=dayfirst)
            except ParseError:
                # parse_date's own forms include `next friday`, which a file can't mean.
                raise ParseError(text, DATE_FORMS, what="a date") from None
        return _in_range(text, day)

    def _timestamp(self, text: str) -> datetime:
        """A date with an optional time of day and zone; no zone means UTC."""
        _refuse_relative(text)
        stripped = text.strip()
        try:
            moment = datetime.fromisoformat(stripped.replace(" UTC", "Z"))
        except ValueError:
            match = _TIME_RE.fullmatch(stripped)
            if match is None:
                day = self._day(stripped)
                return datetime.combine(day, time(), UTC)
            moment = _clock(text, self._day(match["day"]), match)
        else:
            _in_range(text, moment.date())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)

    def _serial_day(self, text: str) -> date:
        return self._serial_timestamp(text).date()

    def _serial_timestamp(self, text: str) -> datetime:
        moment = serial_moment(text)
        if moment is None:
            raise ParseError(text, DATE_FORMS, what="a date")
        return moment.replace(tzinfo=UTC)


def _written_out(text: str, dayfirst: bool) -> date:
    """Layouts with the month as a word that `parse_date` doesn't list (`Thursday,
    October 20, 2016`), read by dateutil. Only with a month name: numbers alone are
    left to the file's order, which dateutil would quietly swap when one can't fit."""
    if not re.search(r"[A-Za-z]{3}", text):
        raise ParseError(text, DATE_FORMS, what="a date")
    try:
        # A part the text doesn't give would come from the default: two defaults that
        # differ in every part give the same date only when the text gave them all.
        one = dateutil_parser.parse(text, default=datetime(2001, 1, 1), dayfirst=dayfirst)
        two = dateutil_parser.parse(text, default=datetime(2002, 2, 2), dayfirst=dayfirst)
    except (ValueError, OverflowError):
        raise ParseError(text, DATE_FORMS, what="a date") from None
    if one.date() != two.date():
        raise ParseError(text, DATE_FORMS, what="a date", reason="part of the date is missing")
    return one.date()


def _refuse_relative(text: str) -> None:
    """`parse_date` also reads `today` or `+2w`, which mean nothing in a file."""
    stripped = text.strip()
    if not re.search(r"[0-9]", stripped) or stripped[:1] in "+-":
        raise ParseError(text, DATE_FORMS, what="a date")


def _in_range(text: str, day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise ParseError(
            text,
            DATE_FORMS,
            what="a date",
            reason=f"it must be from {EARLIEST.year} to {LATEST.year}",
        )
    return day


def _clock(text: str, day: date, match: re.Match[str]) -> datetime:
    hour, minute, second = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise ParseError(text, DATE_FORMS, what="a date and time")
        hour = hour % 12 + (12 if match["ampm"][0] in "Pp" else 0)
    zone: timezone = UTC
    if match["tz"] and match["tz"][0] in "+-":
        digits = match["tz"][1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        zone = timezone(offset if match["tz"][0] == "+" else -offset)
    try:
        return datetime.combine(day, time(hour, minute, second), zone)
    except ValueError:
        raise ParseError(text, DATE_FORMS, what="a date and time") from None


def read_money(text: str) -> Money:
    """`parse_money`, with a shortcut for the form exports write nearly every amount in.

    `USD 485,000.00`, `485000` or `12,500.5`: an optional code, comma-grouped or plain
    digits and at most two decimals. For these `parse_money` gives the same answer (a
    property test holds the two together) at a fifth of the cost, which is a second
    per 100,000 distinct amounts. Anything else goes to `parse_money` itself.
    """
    match = _PLAIN_AMOUNT_RE.fullmatch(text)
    if match is None:
        return parse_money(text)
    amount = Decimal(match["whole"].replace(",", "") + "." + (match["cents"] or "").ljust(2, "0"))
    if amount >= _MAX_PLAIN:
        return parse_money(text)  # which says why it is too large
    return Money(amount, match["code"])


def _fraction_probability(text: str) -> int:
    """HubSpot writes probabilities as 0..1; with a % sign, it is a percentage."""
    if "%" in text:
        return parse_probability(text)
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise ParseError(text, "0.9 or 90%", what="a probability") from None
    if not value.is_finite() or not 0 <= value <= 1:
        raise ParseError(
            text, "0.9 or 90%", what="a probability", reason="as a fraction it must be 0 to 1"
        )
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def read_category(text: str) -> str:
    found = CATEGORY_NAMES.get(squash(text))
    if found is None:
        raise ParseError(
            text, "Pipeline, Best Case, Commit, Closed or Omitted", what="a forecast category"
        )
    return found.value


def read_status(text: str) -> str:
    found = STATUS_NAMES.get(squash(text))
    if found is None:
        reason = "deleted deals can't be imported" if squash(text) == "deleted" else None
        raise ParseError(text, "Open, Won or Lost", what="a deal status", reason=reason)
    return found


YES_NO = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}


def read_yes_no(text: str) -> bool:
    """An `archived` cell: yes or no, as the export writes it, or true/false, 1/0."""
    found = YES_NO.get(text.strip().casefold())
    if found is None:
        raise ParseError(text, "yes or no (or true/false, 1/0)", what="yes or no")
    return found


def read_currency(text: str) -> str:
    code = text.strip().upper()
    if not _CURRENCY_RE.fullmatch(code):
        raise ParseError(text, "a three-letter code such as USD or EUR", what="a currency")
    return code


def read_count(text: str) -> int:
    stripped = text.strip()
    if not stripped.isdigit() or len(stripped) > 6:
        raise ParseError(text, "0, 1, 2, ...", what="a count")
    return int(stripped)


def salesforce_id(text: str) -> str:
    """The 18-character form of a Salesforce id, which a 15-character one can be widened
    to: matching then works whichever of the two an export used."""
    if len(text) != 15 or not _SALESFORCE_ID_RE.fullmatch(text):
        return text
    # Each suffix character encodes which of five id characters are capital letters.
    flags = text.translate(_CAPITALS)
    return text + _SUFFIX_OF[flags[:5]] + _SUFFIX_OF[flags[5:10]] + _SUFFIX_OF[flags[10:]]


__all__ = ["Money", "ParseError", "Readers", "Remembered", "salesforce_id", "squash"]
