"""Reading what people type or export: amounts, probabilities and dates.

Every entry point (terminal UI, CLI, CSV importer) goes through these functions so a
value means the same thing wherever it was entered. Each parser either returns a value
or raises `ParseError`, whose message repeats the input and lists forms that would work,
so callers can show it to the user as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from typing import overload

from dateutil.parser import isoparse, isoparser, parserinfo
from dateutil.relativedelta import relativedelta

from .errors import InputError
from .money import CENT, CURRENCY_SYMBOLS

__all__ = [
    "Money",
    "ParseError",
    "parse_amount",
    "parse_date",
    "parse_money",
    "parse_probability",
    "parse_text",
]


class ParseError(InputError):
    """Input that none of the accepted forms match.

    `value` is the raw input and `accepted` a human-readable list of forms that would
    have worked; the message contains both.
    """

    def __init__(
        self, value: str, accepted: str, *, what: str = "a value", reason: str | None = None
    ) -> None:
        self.value = value
        self.accepted = accepted
        self.reason = reason
        # A pasted CSV cell can be huge; the message only needs enough to recognise it.
        shown = value if len(value) <= 60 else value[:57] + "..."
        detail = f": {reason}" if reason else ""
        super().__init__(f"Can't read {shown!r} as {what}{detail}. Try {accepted}.")


# --- money -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str | None = None


_MAX_AMOUNT = Decimal(10**13)
_MONEY_FORMS = "12000, 12,000.50, 12k, 1.5M, $12,000 or EUR 1.234,56"
_SCALES = {"k": 10**3, "m": 10**6, "b": 10**9, "bn": 10**9}
# Derived from what `format_money` prints, so its output always reads back.
_SYMBOL_CODES = {symbol: code for code, symbol in CURRENCY_SYMBOLS.items()}
_CURRENCY = "|".join(re.escape(s) for s in sorted(_SYMBOL_CODES, key=len, reverse=True))
# Digit-grouping characters that can never be a decimal point (Swiss, French, etc.).
_GROUPING = " '’\u00a0\u202f"
_MONEY_RE = re.compile(
    rf"(?P<sign>[-−]?)\s*(?P<before>{_CURRENCY}|[A-Z]{{3}})?\s*(?P<sign2>[-−]?)\s*"
    rf"(?P<number>[0-9][0-9.,{_GROUPING}]*?)\s*(?P<scale>(?i:bn|[kmb]))?"
    rf"\s*(?P<after>{_CURRENCY}|[A-Z]{{3}})?"
)
# Far longer than any real amount; bounds the regex's backtracking on pasted junk.
_MAX_MONEY_INPUT = 100


def parse_money(text: str, *, decimal_comma: bool | None = None) -> Money:
    """Read an amount with an optional currency and k/M/B scale.

    `decimal_comma` says which separator is the decimal point: True for `1.234,56`,
    False for `1,234.56`. When None the number decides:

    - with both `.` and `,`, whichever comes last is the decimal point;
    - with a single `,`, it is decimal if 1 or 2 digits follow (`12,5`) and thousands
      if 3 follow (`1,234`); several commas are always thousands;
    - a single `.` is decimal, several dots are thousands (`1.234.567`).

    Spaces and apostrophes always group thousands. Groups after the first must have
    exactly three digits, so `1.2.3` and `12,34,567` are rejected rather than guessed.
    The amount is exact: one finer than a cent (`0.004`, `$0.001`, `12.345`, `1.234567k`)
    is rejected rather than rounded, since rounding would store something other than
    what was typed (and a fraction of a cent would be stored as zero). The symbols `format_money`
    prints (`$`, `€`, `£`, `¥`, `A$`, `C$`) become ISO codes (USD, EUR, GBP, JPY, AUD,
    CAD); a three-letter uppercase code before or after the number is returned as it is.
    """

    def fail(reason: str | None = None) -> ParseError:
        return ParseError(text, _MONEY_FORMS, what="an amount", reason=reason)

    match = _MONEY_RE.fullmatch(text.strip()) if len(text) <= _MAX_MONEY_INPUT else None
    if match is None:
        raise fail()
    if match["sign"] or match["sign2"]:
        raise fail("amounts can't be negative")
    if match["before"] and match["after"]:
        raise fail("give the currency only once")
    digits = _plain_number(match["number"], decimal_comma)
    if digits is None:
        raise fail()
    scale = _SCALES[match["scale"].lower()] if match["scale"] else 1
    # The default 28-digit context would round long inputs before we get to cents.
    with localcontext() as context:
        context.prec = len(digits) + 20
        exact = Decimal(digits) * scale
        amount = exact.quantize(CENT, rounding=ROUND_HALF_EVEN)
    if exact >= _MAX_AMOUNT:
        raise fail(f"it's too large; amounts must be below {_MAX_AMOUNT:,}")
    if amount != exact:
        if amount == 0:
            raise fail("it's less than a cent; amounts are kept to the cent")
        raise fail("it's finer than a cent; give at most two decimals")
    code = match["before"] or match["after"]
    return Money(amount, _SYMBOL_CODES.get(code, code) if code else None)


def parse_amount(text: str, *, decimal_comma: bool | None = None) -> Decimal:
    """`parse_money` for callers that track the currency elsewhere."""
    return parse_money(text, decimal_comma=decimal_comma).amount


def _plain_number(number: str, decimal_comma: bool | None) -> str | None:
    """`1.234,56` -> `1234.56`, or None when the separators don't make sense."""
    if decimal_comma is None:
        decimal_comma = _looks_like_decimal_comma(number)
    point, thousands = (",", ".") if decimal_comma else (".", ",")
    whole, has_point, fraction = number.partition(point)
    if has_point and not re.fullmatch("[0-9]+", fraction):
        return None
    separators = f"[{re.escape(thousands + _GROUPING)}]"
    groups = re.split(separators, whole)
    if (
        len(groups) > 1
        and (
            len(set(re.findall(separators, whole))) > 1
            or not 1 <= len(groups[0]) <= 3
            or groups[0].startswith("0")  # `0,500` is a decimal written oddly, not 500
            or any(len(group) != 3 for group in groups[1:])
        )
    ):
        return None
    return "".join(groups) + (f".{fraction}" if has_point else "")


def _looks_like_decimal_comma(number: str) -> bool:
    last_comma, last_dot = number.rfind(","), number.rfind(".")
    if last_comma >= 0 and last_dot >= 0:
        return last_comma > last_dot
    if last_comma >= 0:
        return number.count(",") == 1 and len(number) - last_comma - 1 in (1, 2)
    return number.count(".") > 1


# --- probability -------------------------------------------------------------------

_PROBABILITY_FORMS = "70, 70% or 12.5%"
_PROBABILITY_RE = re.compile(r"(?P<sign>[-−+]?)\s*(?P<number>[0-9]+(?:[.,][0-9]+)?)\s*%?")


def parse_probability(text: str) -> int:
    """A win probability in whole percent, 0..100.

    Decimals are rounded half up because CRM exports sometimes carry `12.5%`; a
    decimal comma (`12,5`) is accepted too since there are no thousands to confuse it with.
    """
    match = _PROBABILITY_RE.fullmatch(text.strip())
    if match is None:
        raise ParseError(text, _PROBABILITY_FORMS, what="a probability")
    value = Decimal(match["number"].replace(",", "."))
    if match["sign"] in ("-", "−") or value > 100:
        raise ParseError(
            text, _PROBABILITY_FORMS, what="a probability", reason="it must be between 0 and 100"
        )
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- dates -------------------------------------------------------------------------

_DATE_FORMS = "2026-12-31, {numeric}, today, +2w, +3d, eom, eoq, next-quarter or next friday"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_OFFSET_RE = re.compile(r"(?P<sign>[+-]) ?(?P<count>[0-9]{1,5}) ?(?P<unit>[dwmqy])")
_UNIT_MONTHS = {"m": 1, "q": 3, "y": 12}
_ISO_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ].+)?")
_YEAR_FIRST_RE = re.compile(r"(?P<year>[0-9]{4})/(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})")
_NUMERIC_RE = re.compile(
    r"(?P<first>[0-9]{1,2})(?P<sep>[/.-])(?P<second>[0-9]{1,2})(?P=sep)(?P<year>[0-9]{4}|[0-9]{2})"
)
_DAY_MONTH_RE = re.compile(
    r"(?P<day>[0-9]{1,2})[ -](?P<month>[a-z]{3,9})\.?[ -](?P<year>[0-9]{4}|[0-9]{2})",
    re.IGNORECASE,
)
_MONTH_DAY_RE = re.compile(
    r"(?P<month>[a-z]{3,9})\.? (?P<day>[0-9]{1,2})(?:st|nd|rd|th)?,? (?P<year>[0-9]{4})",
    re.IGNORECASE,
)


@overload
def parse_text(
    value: str | None, limit: int, *, empty: str, too_long: str, error: type[InputError] = ...
) -> str: ...
@overload
def parse_text(
    value: str | None, limit: int, *, empty: None, too_long: str, error: type[InputError] = ...
) -> str | None: ...
def parse_text(
    value: str | None,
    limit: int,
    *,
    empty: str | None,
    too_long: str,
    error: type[InputError] = InputError,
) -> str | None:
    """Free text (a name, a note, a reason) without the space around it; None when nothing
    is left and `empty` is None (the text may be left out). Raises `error(empty)` when
    text is needed and there is none, and `error(too_long)` past `limit` characters: the
    messages are the caller's, `too_long` naming `{length}` and `{limit}` if it wants."""
    text = (value or "").strip()
    if not text:
        if empty is not None:
            raise error(empty)
        return None
    if len(text) > limit:
        raise error(too_long.format(length=len(text), limit=limit))
    return text


def parse_date(
    text: str,
    *,
    today: date | None = None,
    dayfirst: bool = False,
    fiscal_year_start_month: int = 1,
) -> date:
    """Read a calendar date, written out or relative to `today`.

    Written: `2026-12-31` (an ISO datetime keeps the date as written, whatever the
    zone), `2026/12/31`, `12/31/2026`, `12/31/26` or `12-31-26` (day first with `dayfirst`),
    `31.12.2026` (always day first), `Dec 31, 2026`, `31 Dec 2026`, `31-Dec-26`.
    Two-digit years land within 50 years of `today`. Every part must be written: a
    bare `12` or `dec` is rejected rather than completed from today.

    Relative, case-insensitive: `today`, `tomorrow`, `yesterday`; `+3d`, `-1w`, `+1m`,
    `+1q`, `+1y`; `next week` (+7 days), `next month`; `eom`, `eoq`, `eoy` and
    `next-quarter` (end of this month, this fiscal quarter, this fiscal year, next
    fiscal quarter, with the fiscal year starting on `fiscal_year_start_month`); a
    weekday such as `fri`, `friday` or `next friday` (the first one after today).
    """
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1..12, not {fiscal_year_start_month}")
    if today is None:
        today = date.today()
    elif isinstance(today, datetime):
        today = today.date()
    accepted = _DATE_FORMS.format(numeric="31/12/2026" if dayfirst else "12/31/2026")

    def fail(reason: str | None = None) -> ParseError:
        return ParseError(text, accepted, what="a date", reason=reason)

    cleaned = " ".join(text.split())
    try:
        found = _relative_date(cleaned.lower(), today, fiscal_year_start_month)
        if found is None:
            found = _written_date(cleaned, today, dayfirst, fail)
    except ParseError:
        raise
    # Impossible dates (Feb 30) and arithmetic past year 9999 both end up here.
    except (ValueError, OverflowError):
        found = None
    if found is None:
        raise fail()
    return found


def _relative_date(text: str, today: date, fiscal_start: int) -> date | None:
    offset = _OFFSET_RE.fullmatch(text)
    if offset:
        count = int(offset["count"]) * (-1 if offset["sign"] == "-" else 1)
        unit = offset["unit"]
        if unit in _UNIT_MONTHS:
            return today + relativedelta(months=count * _UNIT_MONTHS[unit])
        return today + relativedelta(days=count * (7 if unit == "w" else 1))

    into_fiscal_year = (today.month - fiscal_start) % 12
    into_quarter = into_fiscal_year % 3
    # day=31 clamps to the month's last day, so each of these is "end of month N ahead".
    named = {
        "today": relativedelta(),
        "tomorrow": relativedelta(days=1),
        "yesterday": relativedelta(days=-1),
        "next week": relativedelta(weeks=1),
        "next month": relativedelta(months=1),
        "eom": relativedelta(day=31),
        "eoq": relativedelta(months=2 - into_quarter, day=31),
        "eoy": relativedelta(months=11 - into_fiscal_year, day=31),
        "next quarter": relativedelta(months=5 - into_quarter, day=31),
    }
    named |= {
        "end of month": named["eom"],
        "end of quarter": named["eoq"],
        "end of year": named["eoy"],
    }
    key = text.replace("-", " ")
    if key in named:
        return today + named[key]

    weekday = re.fullmatch(r"(?:next )?([a-z]{3,})", text)
    if weekday:
        for number, name in enumerate(_WEEKDAYS):
            if name.startswith(weekday[1]):
                return today + relativedelta(days=1, weekday=number)
    return None


def _written_date(
    text: str, today: date, dayfirst: bool, fail: Callable[[str], ParseError]
) -> date | None:
    if _ISO_RE.fullmatch(text):
        isoparse(text)  # only to reject a malformed time or zone
        # The date as written: converting zones or 24:00 would move it to another day.
        return isoparser().parse_isodate(text[:10])

    if match := _YEAR_FIRST_RE.fullmatch(text):
        return date(int(match["year"]), int(match["month"]), int(match["day"]))

    if match := _NUMERIC_RE.fullmatch(text):
        year = _full_year(match["year"], today)
        first, second = int(match["first"]), int(match["second"])
        if match["sep"] == "." or dayfirst:
            day, month = first, second
        else:
            month, day = first, second
        try:
            return date(year, month, day)
        except ValueError:
            if match["sep"] == ".":
                raise
            # Hint at the other order only when it works; if not, this raises plainly.
            swapped = date(year, day, month)
        # Say how it was read, not how to switch: the switch differs by caller (a CLI
        # flag for imports, nothing at all in the app's prompts).
        order = "day" if dayfirst else "month"
        raise fail(
            f"there is no month {month} (this reads {order} first); write {swapped.isoformat()}"
        )

    for pattern in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        if match := pattern.fullmatch(text):
            named_month = parserinfo().month(match["month"])
            if named_month is None:
                return None
            return date(_full_year(match["year"], today), named_month, int(match["day"]))
    return None


def _full_year(digits: str, today: date) -> int:
    if len(digits) == 4:
        return int(digits)
    # dateutil's rule (within 50 years), but anchored on `today` rather than the clock
    # so a fixed `today` gives reproducible answers.
    year = today.year // 100 * 100 + int(digits)
    if abs(year - today.year) >= 50:
        year += 100 if year < today.year else -100
    return year
