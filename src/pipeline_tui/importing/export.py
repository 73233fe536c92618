"""`pipeline-tui export`: deals, people, quotas or change history as CSV or JSON.

The deal export is the `csv` import layout: its headers are the import's field names,
and it adds `status` (the stage's kind, so stages such as `Renewed` come back as won)
and `owner_login` (so people come back as the same people), which is why exporting and
importing into an empty database gives the same deals. Money is a decimal string,
dates ISO 8601, timestamps ISO 8601 in UTC. Rows are streamed, so a large database
exports in constant memory. A CSV cell a spreadsheet would run as a formula gets a `'` in
front (see `formula`), which importing the export removes again.

Archived deals are withdrawn from the pipeline and from every figure, so a deal export
leaves them out too, as the board does, and says how many it left out. With `archived`
they are in it, with an `archived` column (yes/no) that the import reads back: otherwise
exporting and importing into a new database would bring them back as live deals.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy import Engine, Select, false, func, select
from sqlalchemy.orm import aliased

from ..models import Account, Deal, DealChange, Pipeline, Quota, Settings, Stage, User, table_of
from ..money import from_minor
from ..periods import month_containing, quarter_containing, year_containing
from .formula import neutralise

EXPORT_KINDS = ("deals", "users", "quotas", "changes")
EXPORT_FORMATS = ("csv", "json")
DEAL_FIELDS = (
    "external_id", "name", "account", "owner", "owner_login", "pipeline", "stage", "status",
    "amount", "currency", "probability", "forecast_category", "close_date", "closed_date",
    "created", "stage_entered_at", "next_step", "lost_reason", "push_count",
)  # fmt: skip
# With archived deals in the export: the deal fields and whether each is archived.
ARCHIVED_DEAL_FIELDS = (*DEAL_FIELDS, "archived")
USER_FIELDS = ("login", "name", "email", "role", "manager", "team", "active")
QUOTA_FIELDS = ("user", "period", "amount")
CHANGE_FIELDS = (
    "deal_external_id", "deal", "field", "old_value", "new_value", "changed_by", "changed_at",
    "source",
)  # fmt: skip
# The header of each export a file can be imported from: how an import knows its own.
IMPORTABLE = {"deals": DEAL_FIELDS, "users": USER_FIELDS, "quotas": QUOTA_FIELDS}
# Other headers an export of a kind can have, recognised as ours all the same.
IMPORTABLE_TOO = {"deals": (ARCHIVED_DEAL_FIELDS,)}
BATCH = 2_000

D, A, U = table_of(Deal).c, table_of(Account).c, table_of(User).c
P, S, Q, C = table_of(Pipeline).c, table_of(Stage).c, table_of(Quota).c, table_of(DealChange).c


@dataclass(frozen=True)
class Exported:
    """What an export wrote: `count` rows, and `archived_left_out` archived deals it
    didn't (a deal export without `archived`; 0 otherwise)."""

    count: int
    archived_left_out: int = 0


def export(
    engine: Engine, out: TextIO, *, kind: str = "deals", fmt: str = "csv", archived: bool = False
) -> Exported:
    """Write every row of `kind` to `out`: for deals, the live ones, or with `archived`
    the archived ones too (and an `archived` column)."""
    if kind not in EXPORT_KINDS:
        raise ValueError(f"unknown kind {kind!r}; use {', '.join(EXPORT_KINDS)}")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use {', '.join(EXPORT_FORMATS)}")
    fields, query = _QUERIES[kind]()
    left_out = 0
    if kind == "deals":
        if archived:
            fields, query = ARCHIVED_DEAL_FIELDS, query.add_columns(D.archived)
        else:
            query = query.where(D.archived == false())
    with engine.connect() as conn:
        month = conn.execute(select(table_of(Settings).c.fiscal_year_start_month)).scalar() or 1
        if kind == "deals" and not archived:
            counted = select(func.count()).select_from(table_of(Deal)).where(D.archived)
            left_out = conn.execute(counted).scalar_one()
        result = conn.execution_options(yield_per=BATCH).execute(query)
        rows = (_ROW[kind](row._mapping, month) for row in result)
        writer = _write_json if fmt == "json" else _write_csv
        count = writer(out, fields, rows)
    return Exported(count, left_out)


def _write_csv(out: TextIO, fields: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    # The csv module only quotes a value holding the line terminator, so a lone carriage
    # return would end the row early (and could start a new one with a formula).
    quoting = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(fields)
    count = 0
    for row in rows:
        cells = ["" if row[f] is None else neutralise(_text(row[f])) for f in fields]
        (quoting if any("\r" in cell for cell in cells) else writer).writerow(cells)
        count += 1
    return count


def _write_json(out: TextIO, fields: tuple[str, ...], rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    out.write("[")
    for row in rows:
        item = {f: _json(row[f]) for f in fields}
        out.write(("," if count else "") + "\n  " + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    return _text(value)


def _deals() -> tuple[tuple[str, ...], Select[Any]]:
    columns = (
        D.external_id, D.name, A.name.label("account"), U.display_name.label("owner"),
        U.login.label("owner_login"), P.name.label("pipeline"), S.name.label("stage"),
        S.kind.label("status"), D.amount_minor, D.currency, D.probability,
        D.forecast_category, D.close_date, D.closed_date, D.created_at.label("created"),
        D.stage_entered_at, D.next_step, D.lost_reason, D.push_count,
    )  # fmt: skip
    query = (
        select(*columns)
        .select_from(table_of(Deal))
        .join(table_of(User), U.id == D.owner_id)
        .join(table_of(Pipeline), P.id == D.pipeline_id)
        .join(table_of(Stage), S.id == D.stage_id)
        .outerjoin(table_of(Account), A.id == D.account_id)
        .order_by(D.id)
    )
    return DEAL_FIELDS, query


def _deal_row(m: Any, _month: int) -> dict[str, Any]:
    row = dict(m) | {"amount": from_minor(m["amount_minor"])}
    if "archived" in row:
        # yes/no, as the app says it: a person reads this column, and the import reads it back.
        row["archived"] = "yes" if row["archived"] else "no"
    return row


def _users() -> tuple[tuple[str, ...], Select[Any]]:
    boss = aliased(table_of(User))
    columns = (
        U.login, U.display_name.label("name"), U.email, U.role, boss.c.login.label("manager"),
        U.team, U.active,
    )  # fmt: skip
    query = (
        select(*columns)
        .select_from(table_of(User))
        .outerjoin(boss, boss.c.id == U.manager_id)
        .order_by(U.id)
    )
    return USER_FIELDS, query


def _quotas() -> tuple[tuple[str, ...], Select[Any]]:
    query = (
        select(U.login.label("user"), Q.period_start, Q.period_end, Q.amount_minor)
        .select_from(table_of(Quota))
        .join(table_of(User), U.id == Q.user_id)
        .order_by(U.login, Q.period_start, Q.id)
    )
    return QUOTA_FIELDS, query


def _quota_row(m: Any, month: int) -> dict[str, Any]:
    return {"user": m["user"], "period": period_name(m["period_start"], m["period_end"], month),
            "amount": from_minor(m["amount_minor"])}  # fmt: skip


def period_name(start: date, end: date, fiscal_year_start_month: int) -> str:
    """`2026Q3`, `2026-07` or `FY2027` when the dates are exactly one, else `start..end`."""
    for containing in (quarter_containing, month_containing, year_containing):
        period = containing(start, fiscal_year_start_month)
        if period.start == start and period.end == end:
            return period.key
    return f"{start.isoformat()}..{end.isoformat()}"


def _changes() -> tuple[tuple[str, ...], Select[Any]]:
    columns = (
        D.external_id.label("deal_external_id"), D.name.label("deal"), C.field, C.old_value,
        C.new_value, U.login.label("changed_by"), C.changed_at, C.source,
    )  # fmt: skip
    query = (
        select(*columns)
        .select_from(table_of(DealChange))
        .join(table_of(Deal), D.id == C.deal_id)
        .outerjoin(table_of(User), U.id == C.changed_by_id)
        .order_by(C.changed_at, C.id)
    )
    return CHANGE_FIELDS, query


def _same(m: Any, _month: int) -> dict[str, Any]:
    return dict(m)


_QUERIES = {"deals": _deals, "users": _users, "quotas": _quotas, "changes": _changes}
_ROW = {"deals": _deal_row, "users": _same, "quotas": _quota_row, "changes": _same}
