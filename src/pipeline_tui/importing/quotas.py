"""`import --kind quotas`: a quota per person and period.

Columns `user` (login, email or name of a stored person), `period` (`2026Q3`, `2026-07`,
`FY2027` on the fiscal calendar in the settings, or `2026-07-01..2026-09-30`) and
`amount`. A quota for the same person and period as a stored one replaces its amount.
"""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from ..models import Quota, Settings, table_of
from ..money import from_minor, to_minor
from ..parsing import ParseError, parse_money
from ..periods import PeriodError, parse_period
from .directory import Directory
from .model import DryRunReport, ImportOptions, ImportSummary
from .people import Outcome, Row, finish, first_of, read_simple, report, simple_format
from .transaction import writing

QUOTA_TABLE = table_of(Quota)
QUOTA, SETTINGS = QUOTA_TABLE.c, table_of(Settings).c
FORMAT = simple_format(
    "quotas",
    "Quotas",
    user=("user", "login", "owner", "rep", "name", "email"),
    period=("period", "quarter"),
    amount=("amount", "quota"),
)
_RANGE_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\s*\.\.\s*([0-9]{4}-[0-9]{2}-[0-9]{2})")
_RELATIVE_RE = re.compile(r"\b(this|next|last|prev|previous)\b", re.IGNORECASE)
Key = tuple[int, date, date]


def dry_run_quotas(engine: Engine, path: Path, options: ImportOptions) -> DryRunReport:
    table, mapping, rows = read_simple(path, options, FORMAT, ("user", "period", "amount"))
    with engine.connect() as conn:
        outcome = _plan(conn, rows, table.unit, options)
        conn.rollback()
    return report(table, mapping, outcome, options)


def import_quotas(engine: Engine, path: Path, options: ImportOptions) -> ImportSummary:
    started = time.perf_counter()
    table, mapping, rows = read_simple(path, options, FORMAT, ("user", "period", "amount"))
    with writing(engine) as conn:
        outcome = _plan(conn, rows, table.unit, options)
        return finish(table, mapping, outcome, options, started)


def read_period(text: str, fiscal_year_start_month: int) -> tuple[date, date]:
    """A named period's first and last day; relative names and `all` are refused,
    since a file should mean the same next quarter as it does today."""
    if match := _RANGE_RE.fullmatch(text.strip()):
        try:
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        except ValueError as exc:
            raise PeriodError(text, str(exc)) from None
        if end < start:
            raise PeriodError(text, "the end is before the start")
        return start, end
    if _RELATIVE_RE.search(text):
        raise PeriodError(text, "a file needs a fixed period such as 2026Q3")
    period = parse_period(text, fiscal_year_start_month=fiscal_year_start_month)
    if period.start is None or period.end is None:
        raise PeriodError(text, "a quota needs a period with a start and an end")
    return period.start, period.end


def _plan(conn: Connection, rows: list[Row], unit: str, options: ImportOptions) -> Outcome:
    directory = Directory(conn)
    month = conn.execute(select(SETTINGS.fiscal_year_start_month).limit(1)).scalar() or 1
    stored: dict[Key, tuple[int, int]] = {
        (user_id, start, end): (quota_id, amount)
        for quota_id, user_id, start, end, amount in conn.execute(
            select(QUOTA.id, QUOTA.user_id, QUOTA.period_start, QUOTA.period_end,
                   QUOTA.amount_minor)
        )
    }  # fmt: skip
    keys: dict[int, Key] = {}
    amounts: dict[int, int] = {}
    for row in rows:
        found = directory.find_user(row.get("user")) if row.get("user") else []
        if len(found) != 1:
            why = "no person is" if not found else "more than one person is"
            row.reject("user", f"{why} called that; import the people first (--kind users)")
        try:
            start, end = read_period(row.get("period"), month)
        except PeriodError as exc:
            row.reject("period", str(exc))
        try:
            minor = to_minor(parse_money(row.get("amount")).amount)
        except ParseError as exc:
            row.reject("amount", str(exc))
        if not row.rejected:
            keys[id(row)] = (found[0].id or 0, start, end)
            amounts[id(row)] = minor
    first_of(rows, lambda r: keys.get(id(r)), "period", unit)

    outcome = Outcome(rows)
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[int, int]] = []
    for row in rows:
        if row.rejected:
            continue
        key, amount = keys[id(row)], amounts[id(row)]
        old = stored.get(key)
        if old is None:
            outcome.created += 1
            action = "create"
            inserts.append(dict(zip(("user_id", "period_start", "period_end"), key, strict=True))
                           | {"amount_minor": amount})  # fmt: skip
        elif old[1] != amount:
            outcome.updated += 1
            action = f"update: {from_minor(old[1])} -> {from_minor(amount)}"
            updates.append((old[0], amount))
        else:
            outcome.unchanged += 1
            action = "unchanged"
        if len(outcome.preview) < options.preview_rows:
            outcome.preview.append(
                {"line": str(row.line), "action": action, "user": row.get("user"),
                 "period": f"{key[1]}..{key[2]}", "amount": str(from_minor(amount))}
            )  # fmt: skip

    def write() -> None:
        if inserts:
            conn.execute(insert(QUOTA_TABLE), inserts)
        for quota_id, amount in updates:
            conn.execute(
                update(QUOTA_TABLE).where(QUOTA.id == quota_id).values(amount_minor=amount)
            )

    outcome.write = write
    return outcome
