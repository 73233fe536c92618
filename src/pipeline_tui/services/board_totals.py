"""The board's counts and sums in one query: the forecast bar's figures and every stage
column's totals.

Separately, the header takes a grouped query over the period and one over the trailing
year (twice each with one pipeline chosen, for the quota basis), and the columns one
more: five passes over the same deals, most of the time to the first useful screen at a
million deals. Here one pass over the deals closing in the trailing year or the period
groups them by owner, stage, forecast category, period or not, currency and the rate in
force, using the covering forecast index (`ix_deal_forecast`, led by the close date);
the few hundred groups are then folded into exactly what `forecast.totals.scope_figures`
and `deals.stage_columns` give (every sum exact, converted per currency and rate, rounded
once), so the board shows the numbers `report` prints. `tests/services/
test_board_totals.py` holds the two ways equal.

For everyone's deals, or all but a few people's (the head's team), that one statement
reads the stages' covering index in its own order rather than sorting every deal in the
range (`_everyones`); a narrow team's goes through the owner index (`_groups`).

Only the board's plain view (the period, owners and pipeline, no search or filter) is
answered here; the caller falls back to the separate queries otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal_column,
    null,
    or_,
    select,
)

from ..forecast.metrics import ForecastFigures, merge_unconverted
from ..forecast.rollup import _quota_sum, _setting, _with_trailing
from ..forecast.totals import trailing_window
from ..models import ForecastCategory, StageKind
from ..periods import Period
from ..query import DEAL, Scope, StageInfo, stage_ids
from ..query.currency import load_rates, rate_in_force, reporting_currency, round_figure
from .cards import STAGE
from .deals import StageColumn

OMITTED, COMMIT = ForecastCategory.OMITTED.value, ForecastCategory.COMMIT.value
BEST_CASE = ForecastCategory.BEST_CASE.value
# Owners in the SQL only when they are at most a quarter of everyone (see `_groups`).
FEW_OWNERS_SHARE = 4
# The parts of everyone's statement (`_everyones`), told apart by their first column.
CLOSED_PART, OPEN_PART, FOREIGN_PART = 0, 1, 2


@dataclass(frozen=True)
class Group:
    """One row of the grouped query: `deals` deals of one owner, stage and category, in
    the period or the trailing year, in one currency at one rate."""

    owner: int
    stage: int
    category: str | None
    in_period: bool
    deals: int
    amount: int  # minor units
    weighted: int  # minor units x percent
    factor: Decimal | None  # to the reporting currency; None: no rate in force
    currency: str


@dataclass
class _Exact:
    """A key's sums before rounding, as `query.currency.converted_sums` keeps them."""

    money: dict[str, Decimal] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    unconverted: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, value: Decimal) -> None:
        self.money[name] = self.money.get(name, Decimal(0)) + value

    def count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def rounded(self, name: str, weighted: bool = False) -> Decimal:
        return round_figure(self.money.get(name, Decimal(0)), weighted)


def applies(period: Period | None, scope: Scope, flt: Scope) -> bool:
    """Whether the board's view is the plain one this query answers: a bounded period
    and no narrowing beyond the figures' own scope."""
    return (
        period is not None
        and period.start is not None
        and period.end is not None
        and not period.no_close_date
        and flt.period == period
        and flt.closing_in_period
        and not flt.no_close_date
        and flt.stage_id is None
        and flt.categories is None
        and flt.stale_days is None
        and not flt.flagged
        and not flt.search_text
        and flt.owner_ids == scope.owner_ids
        and scope.pipeline_id is not None
    )


def board_totals(
    conn: Connection, period: Period, scope: Scope, *, today: date
) -> tuple[ForecastFigures, list[StageColumn]]:
    """The header's figures (`forecast_totals`) and the pipeline's open stage columns
    (`stage_columns`) for `scope` in `period`, from one grouped query (see `applies`)."""
    assert period.start is not None and period.end is not None
    pipeline_id = scope.pipeline_id
    assert pipeline_id is not None
    scope, stages, org, people, quotas = _setting(conn, period, scope)
    groups = _groups(conn, period, scope, stages, today, frozenset(org.people))

    in_pipeline = set(stage_ids(stages, None, pipeline_id))
    mine = [g for g in groups if g.stage in in_pipeline]
    # The scope's figures are exact sums over all its deals, rounded once (as
    # `forecast.totals.scope_figures` reads them): every group folds into one key.
    totals = replace(_whole(mine, stages), quota_basis=_whole(groups, stages))
    totals = totals.with_quota(_quota_sum(quotas, people))
    return totals, _columns(conn, mine, pipeline_id)


def _whole(groups: Iterable[Group], stages: Mapping[int, StageInfo]) -> ForecastFigures:
    """The groups' figures as one row: summed exactly, rounded once."""
    one = [replace(g, owner=0) for g in groups]
    return _with_trailing(_figures(one, stages), _trailing(one, stages)).get(0, ForecastFigures())


def _groups(
    conn: Connection,
    period: Period,
    scope: Scope,
    stages: Mapping[int, StageInfo],
    today: date,
    everyone: frozenset[int],
) -> list[Group]:
    assert period.start is not None and period.end is not None
    reporting = reporting_currency(conn)
    rates = load_rates(conn)
    owners = scope.owner_ids
    # A long list of owners makes SQLite's planner walk the owner index, visiting the
    # table for every deal: for most of the organisation, the few left out are named
    # instead (`NOT IN`, which no index answers), read from the covering indexes.
    if owners is None or len(owners) * FEW_OWNERS_SHARE > len(everyone):
        left_out = everyone - owners if owners is not None else frozenset()
        return _everyones(conn, period, stages, today, (reporting, rates), left_out)
    conditions = [*_in_figures(period, stages, today), DEAL.owner_id.in_(sorted(owners))]
    query = _by_currency(DEAL.owner_id, conditions, period, reporting, today)
    # Fetched at once: row by row, the driver's per-row overhead is most of the Python.
    return [_group(tuple(row), reporting, rates) for row in conn.execute(query).all()]


def _in_figures(period: Period, stages: Mapping[int, StageInfo], today: date) -> list[Any]:
    """The deals in the figures: one range of the close-date index from the trailing
    year's start to the period's end; between the two, only closed deals count."""
    assert period.start is not None and period.end is not None
    since, until = trailing_window(period, today)
    closed = stage_ids(stages, StageKind.WON) + stage_ids(stages, StageKind.LOST)
    return [
        DEAL.close_date.between(since, period.end),
        DEAL.archived == false(),  # withdrawn: in no figure (`query.scope.where`)
        or_(
            DEAL.close_date >= period.start,
            and_(DEAL.close_date <= until, DEAL.stage_id.in_(closed)),
        ),
    ]


def _by_currency(
    first: Any, conditions: list[Any], period: Period, reporting: str, today: date
) -> Select[Any]:
    """The deals meeting `conditions` grouped by `first` (the owner, or a constant),
    stage, category, period or not, currency and the rate in force: a row a `Group`."""
    assert period.start is not None
    inner = (
        select(
            first.label("owner"),
            DEAL.stage_id.label("stage"),
            DEAL.forecast_category.label("category"),
            case((DEAL.close_date >= period.start, 1), else_=0).label("in_period"),
            DEAL.currency.label("cur"),
            rate_in_force(reporting, today).label("rate_id"),
            DEAL.amount_minor.label("amount"),
            (DEAL.amount_minor * DEAL.probability).label("weighted"),
        )
        .where(*conditions)
        .subquery("deals")
    )
    keys = [inner.c.owner, inner.c.stage, inner.c.category, inner.c.in_period]
    return select(
        *keys,
        inner.c.cur,
        inner.c.rate_id,
        func.count(),
        func.coalesce(func.sum(inner.c.amount), 0),
        func.coalesce(func.sum(inner.c.weighted), 0),
    ).group_by(*keys, inner.c.cur, inner.c.rate_id)


def _group(row: tuple[Any, ...], reporting: str, rates: Mapping[int, Decimal]) -> Group:
    owner, stage, category, period_flag, cur, rate_id, n, amount, weighted = row
    currency = str(cur or "").upper()
    factor = Decimal(1) if currency == reporting else rates.get(rate_id) if rate_id else None
    return Group(
        owner=int(owner),
        stage=int(stage),
        category=category,
        in_period=bool(period_flag),
        deals=int(n),
        amount=int(amount),
        weighted=int(weighted),
        factor=factor,
        currency=currency,
    )


def _everyones(
    conn: Connection,
    period: Period,
    stages: Mapping[int, StageInfo],
    today: date,
    money: tuple[str, Mapping[int, Decimal]],
    left_out: frozenset[int],
) -> list[Group]:
    """The groups of everyone's deals but those of `left_out` (owner 0: the board shows
    the whole scope's figures), without sorting every deal.

    Grouped by six keys, the range made SQLite sort every deal in it: at 1M deals about
    1.1 s of CPU against 0.2 s to read it. Here one statement of three parts. The closed
    stages' deals of the trailing year and the period, grouped by stage and close date,
    and the open stages' deals of the period, by stage and category, are read from the
    stage-led covering index (`ix_deal_stage_cover`) in its own order: the first sorts
    nothing, the second only the period's open deals. They sum every currency alike, so
    the third part, the deals not in the reporting currency (none, in most organisations;
    the close-date index holds the currency), grouped as `_by_currency` groups them, is
    taken off those sums and added as groups of their own: the same exact sums.
    """
    assert period.start is not None and period.end is not None
    (reporting, rates), since, until = money, *trailing_window(period, today)
    live = [DEAL.archived == false()]
    if left_out:
        live.append(DEAL.owner_id.not_in(sorted(left_out)))
    after_start = DEAL.close_date >= period.start

    def sums(part: int, category: Any, in_period: Any) -> list[Any]:
        return [
            literal_column(str(part)),
            DEAL.stage_id,
            category,
            in_period,
            # The reporting currency, once the third part is taken off. (Typed: PostgreSQL
            # matches a union's columns by type.)
            cast(null(), String),
            cast(null(), Integer),
            func.count(),
            func.sum(DEAL.amount_minor),
            func.sum(DEAL.amount_minor * DEAL.probability),
        ]

    closed = stage_ids(stages, StageKind.WON) + stage_ids(stages, StageKind.LOST)
    closed_part = (
        select(*sums(CLOSED_PART, cast(null(), String), case((after_start, 1), else_=0)))
        .where(
            DEAL.stage_id.in_(closed),
            DEAL.close_date.between(since, period.end),
            *live,
            or_(after_start, DEAL.close_date <= until),
        )
        .group_by(DEAL.stage_id, DEAL.close_date)
    )
    open_part = (
        select(*sums(OPEN_PART, DEAL.forecast_category, literal_column("1")))
        .where(
            DEAL.stage_id.in_(stage_ids(stages, StageKind.OPEN)),
            DEAL.close_date.between(period.start, period.end),
            *live,
        )
        .group_by(DEAL.stage_id, DEAL.forecast_category)
    )
    foreign = [*_in_figures(period, stages, today), *live[1:], DEAL.currency != reporting]
    foreign_part = _by_currency(
        literal_column(str(FOREIGN_PART)), foreign, period, reporting, today
    )
    rows = conn.execute(closed_part.union_all(open_part, foreign_part)).all()
    # Every currency's sums by stage, category (open stages) and period or not; then the
    # other currencies' taken off, leaving the reporting currency's.
    mixed: dict[tuple[int, str | None, bool], list[int]] = {}
    others = []
    for row in rows:
        part, stage, category, period_flag, *_, n, amount, weighted = tuple(row)
        if part == FOREIGN_PART:
            others.append(group := _group(tuple(row), reporting, rates))
            is_open = stages[group.stage].kind == StageKind.OPEN
            key = (group.stage, group.category if is_open else None, group.in_period)
            sign, values = -1, (group.deals, group.amount, group.weighted)
        else:
            key = (int(stage), category, bool(period_flag))
            sign, values = 1, (int(n), int(amount), int(weighted))
        total = mixed.setdefault(key, [0, 0, 0])
        for i, value in enumerate(values):
            total[i] += sign * value
    one = Decimal(1)
    own = [
        Group(0, stage, category, in_period, n, amount, weighted, one, reporting)
        for (stage, category, in_period), (n, amount, weighted) in mixed.items()
        if n
    ]
    return own + [replace(g, owner=0) for g in others]


def _figures(
    groups: Iterable[Group], stages: Mapping[int, StageInfo]
) -> dict[Any, ForecastFigures]:
    """Each owner's period figures, as `rollup._figures` sums and rounds them."""
    exact: dict[int, _Exact] = {}
    for g in groups:
        if not g.in_period:
            continue
        kind = stages[g.stage].kind
        is_open, won, lost = kind == StageKind.OPEN, kind == StageKind.WON, kind == StageKind.LOST
        # A NULL category fails `!=` in SQL as it fails `==`: not counted.
        counted = is_open and g.category is not None and g.category != OMITTED
        out = exact.setdefault(g.owner, _Exact())
        out.count("open", g.deals if counted else 0)
        out.count("won", g.deals if won else 0)
        out.count("lost", g.deals if lost else 0)
        if g.factor is None:
            if counted or won or lost:
                out.unconverted[g.currency] = out.unconverted.get(g.currency, 0) + g.deals
            continue
        amount, weighted = g.amount * g.factor, g.weighted * g.factor
        if counted:
            out.add("pipeline", amount)
            out.add("weighted", weighted)
        if is_open and g.category == COMMIT:
            out.add("commit", amount)
        if is_open and g.category == BEST_CASE:
            out.add("best_case", amount)
        if won:
            out.add("won", amount)
        if lost:
            out.add("lost", amount)
    return {
        owner: ForecastFigures(
            closed_won=e.rounded("won"),
            commit=e.rounded("commit"),
            best_case=e.rounded("best_case"),
            pipeline=e.rounded("pipeline"),
            weighted=e.rounded("weighted", weighted=True),
            open_count=e.counts.get("open", 0),
            won_count=e.counts.get("won", 0),
            lost_count=e.counts.get("lost", 0),
            lost_value=e.rounded("lost"),
            unconverted=merge_unconverted(e.unconverted),
        )
        for owner, e in exact.items()
    }


def _trailing(
    groups: Iterable[Group], stages: Mapping[int, StageInfo]
) -> dict[Any, tuple[Decimal, Decimal]]:
    """Each owner's won and lost amounts in the trailing year (`rollup._trailing`)."""
    exact: dict[int, _Exact] = {}
    for g in groups:
        if g.in_period:
            continue
        out = exact.setdefault(g.owner, _Exact())
        if g.factor is None:
            continue
        kind = stages[g.stage].kind
        out.add("won" if kind == StageKind.WON else "lost", g.amount * g.factor)
    return {owner: (e.rounded("won"), e.rounded("lost")) for owner, e in exact.items()}


def _columns(conn: Connection, groups: Iterable[Group], pipeline_id: int) -> list[StageColumn]:
    """The pipeline's open stages in order with their totals (`deals.stage_columns`)."""
    stages_query = (
        select(STAGE.id, STAGE.name, STAGE.position, STAGE.default_probability, STAGE.retired)
        .where(STAGE.pipeline_id == pipeline_id, STAGE.kind == StageKind.OPEN.value)
        .order_by(STAGE.position, STAGE.id)
    )
    rows = conn.execute(stages_query).all()
    exact: dict[int, _Exact] = {row[0]: _Exact() for row in rows}
    for g in groups:
        out = exact.get(g.stage)
        if out is None or not g.in_period:
            continue
        out.count("count", g.deals)
        if g.factor is None:
            out.unconverted[g.currency] = out.unconverted.get(g.currency, 0) + g.deals
            continue
        out.add("amount", g.amount * g.factor)
        out.add("weighted", g.weighted * g.factor)
    columns = []
    for stage_id, name, position, default_probability, retired in rows:
        totals = exact[stage_id]
        if retired and not totals.counts.get("count"):
            continue  # a retired stage is a column only while deals still stand in it
        # A stage with no deals has the sums `Converted` gives a key it never saw.
        empty = not totals.counts
        columns.append(
            StageColumn(
                stage_id=stage_id,
                name=name,
                position=position,
                default_probability=default_probability,
                count=totals.counts.get("count", 0),
                amount=Decimal("0.00") if empty else totals.rounded("amount"),
                weighted=Decimal("0.00") if empty else totals.rounded("weighted", weighted=True),
                unconverted=tuple(sorted(totals.unconverted.items())),
            )
        )
    return columns


__all__ = ["applies", "board_totals"]
