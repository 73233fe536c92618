"""Exchange rates: set one, import a file of them, list them.

A rate says how many units of the reporting currency (`settings.currency`) one unit of
a currency was worth from its date on. Rates are kept as the decimal text that was
given, so conversion is exact; the conversion itself is `query.currency`.
"""

from __future__ import annotations

import csv
import re
import stat
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update

from ..errors import InputError
from ..models import Rate, table_of
from ..periods import check_day
from ..query.currency import reporting_currency

RATE_TABLE = table_of(Rate)
RATE = RATE_TABLE.c
MAX_FILE_BYTES = 16 * 1024 * 1024  # years of daily rates for every currency fit in far less
MAX_RATE_DIGITS = 12
COLUMNS = ("currency", "date", "rate")
_CODE = re.compile(r"[A-Z]{3}")


class RateError(InputError):
    """A rate, or a rates file, that can't be used; nothing was written."""


@dataclass(frozen=True)
class RateView:
    currency: str
    effective_date: date
    rate: Decimal


def parse_currency(text: str) -> str:
    code = text.strip().upper()
    if not _CODE.fullmatch(code):
        raise RateError(f"{text.strip()!r} is not a currency code like EUR or GBP")
    return code


def parse_rate(text: str) -> Decimal:
    """A positive decimal such as `1.08`; no float ever sees it."""
    cleaned = text.strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0 or not re.fullmatch(r"[0-9]*\.?[0-9]+", cleaned):
        raise RateError(f"{cleaned!r} is not a rate: give a positive number such as 1.08")
    if len(cleaned.replace(".", "").lstrip("0")) > MAX_RATE_DIGITS:
        raise RateError(f"{cleaned!r} has more than {MAX_RATE_DIGITS} significant digits")
    return value


def parse_rate_date(text: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise RateError(f"{text.strip()!r} is not a date like 2026-11-01") from None
    return check_day(day, "rate date")


def set_rate(engine: Engine, currency: str, rate: str, day: date) -> RateView:
    """Adds the rate, or replaces the one of that currency on that day."""
    code, value, day = parse_currency(currency), parse_rate(rate), check_day(day, "rate date")
    with engine.begin() as conn:
        _refuse_reporting(conn, {code})
        _write(conn, code, day, value)
    return RateView(code, day, value)


def import_rates(engine: Engine, path: Path) -> list[RateView]:
    """Every row of a `currency,date,rate` CSV, all or nothing."""
    rows = read_rates_file(path)
    with engine.begin() as conn:
        _refuse_reporting(conn, {r.currency for r in rows})
        for r in rows:
            _write(conn, r.currency, r.effective_date, r.rate)
    return rows


def read_rates_file(path: Path) -> list[RateView]:
    """The file's rates; one `RateError` naming every bad row (by line) if any is bad."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise RateError(f"{path} is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise RateError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RateError(f"can't read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if header != list(COLUMNS):
        raise RateError(f"{path}: the first line must be the header {','.join(COLUMNS)}")
    rows: list[RateView] = []
    problems: list[str] = []
    seen: dict[tuple[str, date], int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(COLUMNS):
            problems.append(f"line {line}: expected 3 values, found {len(cells)}")
            continue
        try:
            row = RateView(
                parse_currency(cells[0]), parse_rate_date(cells[1]), parse_rate(cells[2])
            )
        except InputError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        key = (row.currency, row.effective_date)
        if key in seen:
            problems.append(
                f"line {line}: {row.currency} on {row.effective_date} is also on line {seen[key]}"
            )
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        )
        raise RateError(f"{path}: nothing imported: {shown}")
    if not rows:
        raise RateError(f"{path}: no rates in the file")
    return rows


def list_rates(engine: Engine) -> tuple[str, list[RateView]]:
    """The reporting currency, and every rate by currency and date."""
    with engine.connect() as conn:
        query = select(RATE.currency, RATE.effective_date, RATE.rate).order_by(
            RATE.currency, RATE.effective_date
        )
        rows = [RateView(c, d, Decimal(r)) for c, d, r in conn.execute(query)]
        return reporting_currency(conn), rows


def _refuse_reporting(conn: Connection, codes: set[str]) -> None:
    reporting = reporting_currency(conn)
    if reporting in codes:
        raise RateError(f"{reporting} is the reporting currency: its rate is always 1")


def _write(conn: Connection, code: str, day: date, value: Decimal) -> None:
    text = format(value.normalize(), "f")
    found = conn.execute(
        select(RATE.id).where(RATE.currency == code, RATE.effective_date == day)
    ).scalar()
    if found is None:
        conn.execute(insert(RATE_TABLE).values(currency=code, effective_date=day, rate=text))
    else:
        conn.execute(update(RATE_TABLE).where(RATE.id == found).values(rate=text))
