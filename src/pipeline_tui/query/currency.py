"""Sums of money across currencies: the one place every figure is converted.

SQL sums integer minor units grouped by (key, currency, the rate row in force at the
deal's close date); Python multiplies those few group sums by the exact `Decimal` rates
and keeps the result exact, to be rounded once per figure where it is shown. No float,
and no two currencies are ever added raw: a deal whose currency has no rate in force is
left out of the money and counted as unconverted instead. The rule is in
docs/metrics.md ("Currency").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, case, func, literal, select

from ..models import Deal, Rate, Settings, table_of
from ..money import CENT, MINOR_UNITS

RATE = table_of(Rate).c
DEAL = table_of(Deal).c
DEFAULT_CURRENCY = "USD"
WEIGHTED_PLACES = Decimal("0.0001")  # a hundredth of a cent: what SUM(amount x %) is in


def reporting_currency(conn: Connection) -> str:
    settings = table_of(Settings).c
    value = conn.execute(select(settings.currency).order_by(settings.id).limit(1)).scalar()
    return str(value or DEFAULT_CURRENCY).upper()


def load_rates(conn: Connection) -> dict[int, Decimal]:
    """Every rate row by id; there are a few per currency and month at most."""
    return {int(i): Decimal(r) for i, r in conn.execute(select(RATE.id, RATE.rate))}


def rate_in_force(reporting: str, today: date) -> ColumnElement[Any]:
    """The id of the rate row in force for each deal: the latest dated on or before its
    close date (today, for a deal without one). NULL for the reporting currency itself,
    and NULL when there is none: the deal is unconverted."""
    latest = (
        select(RATE.id)
        .where(
            RATE.currency == DEAL.currency,
            RATE.effective_date <= func.coalesce(DEAL.close_date, literal(today)),
        )
        .order_by(RATE.effective_date.desc())
        .limit(1)
        .correlate_except(table_of(Rate))
        .scalar_subquery()
    )
    return case((DEAL.currency == reporting, literal(None)), else_=latest)


@dataclass
class Converted:
    """One key's figures in the reporting currency, and the deals left unconverted."""

    money: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    unconverted: dict[str, int] = field(default_factory=dict)  # currency -> deals
    # The same for each of `Sums.involved_by`: name -> currency -> deals.
    unconverted_by: dict[str, dict[str, int]] = field(default_factory=dict)

    def amount(self, name: str) -> Decimal:
        return self.money.get(name, Decimal("0.00"))

    def count(self, name: str) -> int:
        return self.counts.get(name, 0)


@dataclass(frozen=True)
class Sums:
    """What to sum: money columns (value in minor units, or minor units x percent when
    `weighted`), plain counts, and which deals count as unconverted when they have no
    rate (those that take part in any figure)."""

    money: Mapping[str, tuple[ColumnElement[bool], Any]]
    counts: Mapping[str, ColumnElement[bool]] = field(default_factory=dict)
    weighted: frozenset[str] = frozenset()
    involved: ColumnElement[bool] | None = None
    # Further sets of deals counted as unconverted on their own (`Converted.unconverted_by`),
    # for figures of several scopes summed in one query.
    involved_by: Mapping[str, ColumnElement[bool]] = field(default_factory=dict)


def converted_sums(
    conn: Connection,
    key: Any,
    sums: Sums,
    conditions: Iterable[ColumnElement[bool]],
    *,
    today: date,
    from_: FromClause | None = None,
) -> dict[Any, Converted]:
    """`sums` over the deals meeting `conditions`, grouped by `key` (None: one group
    keyed None), each in the reporting currency."""
    reporting = reporting_currency(conn)
    rates = load_rates(conn)
    involved = sums.involved if sums.involved is not None else literal(True)
    inner_columns = [
        (key if key is not None else literal(None)).label("k"),
        DEAL.currency.label("cur"),
        rate_in_force(reporting, today).label("rate_id"),
        case((involved, 1), else_=0).label("involved_"),
        *(
            case((cond, value), else_=0).label(f"m_{name}")
            for name, (cond, value) in sums.money.items()
        ),
        *(case((cond, 1), else_=0).label(f"c_{name}") for name, cond in sums.counts.items()),
        *(case((cond, 1), else_=0).label(f"i_{name}") for name, cond in sums.involved_by.items()),
    ]
    inner = select(*inner_columns)
    if from_ is not None:
        inner = inner.select_from(from_)
    grouped = inner.where(*conditions).subquery("by_rate")
    names = [c.name for c in grouped.c if c.name not in ("k", "cur", "rate_id")]
    query = select(
        grouped.c.k,
        grouped.c.cur,
        grouped.c.rate_id,
        *(func.coalesce(func.sum(grouped.c[n]), 0) for n in names),
    ).group_by(grouped.c.k, grouped.c.cur, grouped.c.rate_id)
    exact: dict[Any, dict[str, Decimal]] = {}
    result: dict[Any, Converted] = {}
    for row in conn.execute(query):
        k, currency, rate_id = row[0], str(row[1] or "").upper(), row[2]
        values = dict(zip(names, (int(v) for v in row[3:]), strict=True))
        out = result.setdefault(k, Converted())
        for name in sums.counts:
            out.counts[name] = out.counts.get(name, 0) + values[f"c_{name}"]
        factor = Decimal(1) if currency == reporting else rates.get(rate_id) if rate_id else None
        if factor is None:
            if values["involved_"]:
                out.unconverted[currency] = out.unconverted.get(currency, 0) + values["involved_"]
            for name in sums.involved_by:
                if values[f"i_{name}"]:
                    by = out.unconverted_by.setdefault(name, {})
                    by[currency] = by.get(currency, 0) + values[f"i_{name}"]
            continue
        into = exact.setdefault(k, {})
        for name in sums.money:
            into[name] = into.get(name, Decimal(0)) + values[f"m_{name}"] * factor
    for k, out in result.items():
        into = exact.get(k, {})
        for name in sums.money:
            out.money[name] = round_figure(into.get(name, Decimal(0)), name in sums.weighted)
    return result


def round_figure(units: Decimal, weighted: bool = False) -> Decimal:
    """Minor units (times a percent, when `weighted`) to the figure, kept exact.

    Only a figure with a converted part can have more places than it is kept to (cents,
    or hundredths of a cent for weighted); it stays exact, so that rows add up to the
    total, and is rounded once, half to even, where it is shown (`money_text`,
    `format_money`) or stored (a snapshot's minor units).
    """
    places = WEIGHTED_PLACES if weighted else CENT
    value = units / (MINOR_UNITS * 100 if weighted else MINOR_UNITS)
    rounded = value.quantize(places, rounding=ROUND_HALF_EVEN)
    return rounded if rounded == value else value


def without_rate(
    conn: Connection, deals: Iterable[tuple[str | None, date | None]], today: date
) -> dict[str, int]:
    """Of these (currency, close date) pairs, how many per currency would be unconverted:
    not the reporting currency, and no rate in force on the close date (or today)."""
    reporting = reporting_currency(conn)
    first: dict[str, date] = {}
    for code, day in conn.execute(
        select(RATE.currency, func.min(RATE.effective_date)).group_by(RATE.currency)
    ):
        first[str(code).upper()] = day
    missing: dict[str, int] = {}
    for currency, close in deals:
        code = (currency or reporting).upper()
        if code == reporting:
            continue
        since = first.get(code)
        if since is None or since > (close or today):
            missing[code] = missing.get(code, 0) + 1
    return missing
