"""Which way round a file writes its dates, decided once for the whole file.

`04/03/26` is 4 March in Europe and 3 April in the US, and nothing in the value says
which. The file as a whole usually does: one `31/03/26` anywhere proves day first, one
`3/31/2026` month first. So every date column is looked at before any row is read:

- `--dayfirst` or `--monthfirst` decide, and a value that can't be read that way fails;
- else the file's proof decides (the side with more distinct values, month first on a
  tie), and when that is day first the dry run says so and suggests `--dayfirst`;
- else (every date reads either way) month first, as the CRMs' own exports write them by
  default, and the dry run says so with an example and names `--dayfirst`, so that a
  day-first file whose days all happen to be 12 or less is caught before it is imported.

A column whose every value is a whole number of days in the range imports accept is an
Excel date number column (Excel writes 42663 for 2016-10-20), read as such. Dotted
dates (`20.10.16`) are always day first and ISO ones year first, so they prove nothing.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..parsing import ParseError

# Excel's day 0; its 1900 leap-year bug only matters before March 1900.
EXCEL_EPOCH = date(1899, 12, 30)
FIRST_SERIAL, LAST_SERIAL = 32874, 73415  # 1990-01-01 and 2100-12-31, as imports accept
_SERIAL_RE = re.compile(r"(?P<days>[0-9]{5})(?:\.(?P<fraction>[0-9]+))?")
_ORDERED_RE = re.compile(
    r"(?P<first>[0-9]{1,2})(?P<sep>[/-])(?P<second>[0-9]{1,2})(?P=sep)(?:[0-9]{4}|[0-9]{2})\b"
)
DATE_FORMS = (
    "2026-12-31, 12/31/2026 or 12-31-26 (31/12/2026 with --dayfirst), 31.12.2026, "
    "31 Dec 2026, Dec 31, 2026 or an Excel date number"
)
# Problem topics: what is wrong, then what to do, so that many rows print as one line.
UNREADABLE = f"can't be read as dates. Dates are read as {DATE_FORMS}"
EITHER_WAY = (
    "could be day or month first, and nothing in the file proves which. "
    "Pass --dayfirst or --monthfirst"
)


@dataclass
class DateOrder:
    """What the file proves, and what the import will do."""

    dayfirst: bool | None  # None only before `settle` decides
    given: bool  # a flag decided, not the file
    proof: str | None = None  # a value that can only be read in the chosen order, if any
    serial_fields: frozenset[str] = frozenset()
    proof_field: str = ""
    notices: list[str] = field(default_factory=list)

    def misread(self, text: str) -> str | None:
        """Why `text` can't be read in the chosen order (a `Problem.topic`), or None."""
        match = _ORDERED_RE.match(text)
        if match is None:
            return None
        first, second = int(match["first"]), int(match["second"])
        if self.dayfirst is None:
            return EITHER_WAY if first != second and first <= 12 and second <= 12 else None
        month = second if self.dayfirst else first
        if month <= 12 or (first > 12 and second > 12):
            return None
        order, other = ("day", "month") if self.dayfirst else ("month", "day")
        if self.given:
            return (
                f"can only be {other} first, but --{order}first says {order} first. "
                f"Check the file, or pass --{other}first instead"
            )
        return (
            f"can only be {other} first, but the file's other dates are {order} first "
            f"(such as {self.proof!r}). Correct these, or pass --dayfirst or --monthfirst"
        )


def settle(
    texts: Mapping[str, Iterable[str]], dayfirst: bool | None, headers: Mapping[str, str]
) -> DateOrder:
    """The order for the file's date columns (`texts`: field -> its non-blank values)."""
    day_proof: list[tuple[str, str]] = []  # (value, field)
    month_proof: list[tuple[str, str]] = []
    serial: set[str] = set()
    ambiguous: dict[str, str] = {}
    for name, values in texts.items():
        distinct = list(dict.fromkeys(values))  # first seen first: the examples read in order
        if distinct and all(_is_serial(t) for t in distinct):
            serial.add(name)
            continue
        for text in distinct:
            match = _ORDERED_RE.match(text)
            if match is None:
                continue
            first, second = int(match["first"]), int(match["second"])
            if first > 12 >= second:
                day_proof.append((text, name))
            elif second > 12 >= first:
                month_proof.append((text, name))
            elif first != second and first <= 12 and second <= 12:
                ambiguous.setdefault(name, text)
    order = DateOrder(dayfirst, dayfirst is not None, serial_fields=frozenset(serial))
    if dayfirst is None and (day_proof or month_proof):
        order.dayfirst = len(day_proof) > len(month_proof)
    elif dayfirst is None:
        order.dayfirst = False
        if ambiguous:
            name, sample = next(iter(ambiguous.items()))
            where, read_as = headers.get(name, name), _month_first_example(sample)
            order.notices.append(
                f"dates such as {sample!r} in {where} could be day or month first and "
                f"nothing in the file says which: read month first ({read_as}); "
                "pass --dayfirst if they are day first"
            )
    proofs = day_proof if order.dayfirst else month_proof
    if proofs:
        order.proof, order.proof_field = proofs[0]
    if not order.given and order.dayfirst and order.proof is not None:
        where = headers.get(order.proof_field, order.proof_field)
        example = next(iter(ambiguous.values()), None)
        shown = f" ({example!r} as {_day_first_example(example)})" if example else ""
        order.notices.append(
            f"dates are read day first{shown} because {order.proof!r} in {where} can only "
            "be day first; pass --dayfirst to say so"
        )
    return order


def _month_first_example(text: str) -> str:
    match = _ORDERED_RE.match(text)
    assert match is not None
    return f"{int(match['second'])} {calendar.month_name[int(match['first'])]}"


def _day_first_example(text: str) -> str:
    match = _ORDERED_RE.match(text)
    assert match is not None
    return f"{int(match['first'])} {calendar.month_name[int(match['second'])]}"


def _is_serial(text: str) -> bool:
    match = _SERIAL_RE.fullmatch(text)
    return match is not None and FIRST_SERIAL <= int(match["days"]) <= LAST_SERIAL


def serial_moment(text: str) -> datetime | None:
    """An Excel date number as a naive datetime (the fraction is the time of day)."""
    match = _SERIAL_RE.fullmatch(text.strip())
    if match is None or not FIRST_SERIAL <= int(match["days"]) <= LAST_SERIAL:
        return None
    seconds = round(float("0." + (match["fraction"] or "0")) * 86400)
    start = datetime.combine(EXCEL_EPOCH, datetime.min.time())
    return start + timedelta(days=int(match["days"]), seconds=seconds)


def date_topic(error: ParseError) -> str:
    """The topic of a date that failed: the order it broke, or else unreadable."""
    reason = (error.reason or "").removeprefix("it ")
    return reason if reason == EITHER_WAY or reason.startswith("can only be") else UNREADABLE
