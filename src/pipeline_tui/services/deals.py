"""Deals a window at a time, for the table and the board.

A database may hold a million deals, so nothing here loads them all: lists are one
LIMIT/OFFSET page, counts and board columns are single aggregate queries.

OFFSET makes the database walk past every skipped row, which is fine for the first few
thousand rows but slow deep into a million on SQLite; keyset paging (sort key, id) is the
way out if people really scroll that far.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, FromClause, func, select, true

from ..models import StageKind
from ..query import Scope, StageOption, where
from ..query.currency import Converted, Sums, converted_sums
from ..query.flags import FlagRules, load_flag_rules
from .cards import (
    ACCOUNT,
    ACCOUNT_TABLE,
    DEAL,
    DEAL_TABLE,
    STAGE,
    STAGE_TABLE,
    USER,
    USER_TABLE,
    DealCard,
    card_from_row,
    card_query,
)
from .detail import ChangeView, DealDetail, NoteView, get_deal

# A page is what fits on a screen or two; a caller asking for more is a bug.
MAX_LIMIT = 1000
SORTS = ("close_date", "amount", "probability", "name", "account", "owner", "stage", "updated")


# The board's filter is the one `Scope`; the name stays for the callers that say "filter".
DealFilter = Scope


@dataclass(frozen=True)
class StageColumn:
    stage_id: int
    name: str
    position: int
    default_probability: int
    count: int
    amount: Decimal
    weighted: Decimal
    # Deals whose currency has no rate in force: (currency, count), left out of the sums.
    unconverted: tuple[tuple[str, int], ...] = ()


def with_flag_rules(
    conn: Connection, flt: Scope, rules: FlagRules | None = None
) -> tuple[Scope, FlagRules]:
    """The flag rules on the filter's day (`rules` when the caller read them already, for
    a whole board), and the filter carrying them when it asks for flagged deals only."""
    if rules is None:
        rules = load_flag_rules(conn, flt.today or date.today())
    return (replace(flt, flag_rules=rules) if flt.flagged else flt), rules


def flag_rules(engine: Engine, flt: Scope) -> FlagRules:
    """The flag rules on the filter's day, read once for every page of a board."""
    with engine.connect() as conn:
        return load_flag_rules(conn, flt.today or date.today())


def _filtered_from(flt: Scope, sort: str | None = None) -> FromClause:
    """The deal table, joined only to what the search or the sort key needs."""
    joined: FromClause = DEAL_TABLE
    if flt.search_text or sort == "account":
        joined = joined.outerjoin(ACCOUNT_TABLE, ACCOUNT.id == DEAL.account_id)
    if sort == "owner":
        joined = joined.join(USER_TABLE, USER.id == DEAL.owner_id)
    if sort == "stage":
        joined = joined.join(STAGE_TABLE, STAGE.id == DEAL.stage_id)
    return joined


def _order_by(sort: str, descending: bool) -> list[ColumnElement[Any]]:
    keys: dict[str, tuple[ColumnElement[Any], bool]] = {
        "close_date": (DEAL.close_date, True),
        "amount": (DEAL.amount_minor, False),
        "probability": (DEAL.probability, False),
        "name": (func.lower(DEAL.name), False),
        "account": (func.lower(ACCOUNT.name), True),
        "owner": (func.lower(USER.display_name), False),
        "stage": (STAGE.position, False),
        "updated": (DEAL.updated_at, False),
    }
    if sort not in keys:
        raise ValueError(f"Unknown sort '{sort}'. Try {', '.join(SORTS)}.")
    column, nullable = keys[sort]
    key = column.desc() if descending else column.asc()
    if nullable:
        key = key.nulls_last()
    # The id breaks ties so pages neither repeat nor skip deals with equal keys.
    return [key, DEAL.id.desc() if descending else DEAL.id.asc()]


def list_deals(
    engine: Engine,
    flt: Scope,
    *,
    sort: str = "close_date",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
    rules: FlagRules | None = None,
) -> list[DealCard]:
    """One page of deals, ordered by `sort` (one of `SORTS`) and then id, each with its
    inspection flags (by `rules`, else by those read now)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be 1 to {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise ValueError(f"offset must not be negative, not {offset}")
    order = _order_by(sort, descending)
    with engine.connect() as conn:
        flt, rules = with_flag_rules(conn, flt, rules)
        # The page's ids first, joining only what sorting needs; the names (and the
        # flags) are worked out for those rows alone, not for every matching deal.
        page = (
            select(DEAL.id)
            .select_from(_filtered_from(flt, sort))
            .where(*where(flt))
            .order_by(*order)
            .offset(offset)
            .limit(limit)
            .subquery()
        )
        query = card_query(rules).join(page, page.c.id == DEAL.id).order_by(*order)
        return [card_from_row(row) for row in conn.execute(query)]


def deal_position(
    engine: Engine, flt: Scope, deal_id: int, *, sort: str = "close_date", descending: bool = False
) -> int | None:
    """Where deal `deal_id` stands (0-based) among the deals `list_deals` pages through
    with the same filter and sort; None when the filter leaves it out. How a screen finds
    the page a deal it has just added is on."""
    ranked = (
        select(DEAL.id, func.row_number().over(order_by=_order_by(sort, descending)).label("n"))
        .select_from(_filtered_from(flt, sort))
        .where(*where(flt))
        .subquery()
    )
    with engine.connect() as conn:
        found = conn.execute(select(ranked.c.n).where(ranked.c.id == deal_id)).scalar()
    return None if found is None else int(found) - 1


def count_deals(engine: Engine, flt: Scope) -> int:
    with engine.connect() as conn:
        if flt.flagged:
            flt, _ = with_flag_rules(conn, flt)
        query = select(func.count()).select_from(_filtered_from(flt)).where(*where(flt))
        return int(conn.execute(query).scalar_one())


def stage_columns(
    engine: Engine, flt: Scope, pipeline_id: int, rules: FlagRules | None = None
) -> list[StageColumn]:
    """Every open stage of the pipeline, in order, with the totals of its matching deals."""
    with engine.connect() as conn:
        return stage_totals(conn, flt, pipeline_id, rules=rules)


def stage_totals(
    conn: Connection,
    flt: Scope,
    pipeline_id: int,
    only: Collection[int] | None = None,
    rules: FlagRules | None = None,
) -> list[StageColumn]:
    """The pipeline's open stages (those in `only`, when given), in order, with the
    totals of their matching deals: one grouped query, whatever the number of stages."""
    stages_query = (
        select(STAGE.id, STAGE.name, STAGE.position, STAGE.default_probability, STAGE.retired)
        .where(STAGE.pipeline_id == pipeline_id, STAGE.kind == StageKind.OPEN.value)
        .order_by(STAGE.position, STAGE.id)
    )
    # The pipeline's open stages stand for both the pipeline and "open": with nothing else
    # to filter on, an index led by stage_id then answers the totals on its own.
    open_stages = stages_query.with_only_columns(STAGE.id).order_by(None).scalar_subquery()
    in_stages = DEAL.stage_id.in_(open_stages)
    if only is not None:
        stages_query = stages_query.where(STAGE.id.in_(sorted(only)))
        in_stages = DEAL.stage_id.in_(sorted(only))
    flt = replace(flt, pipeline_id=None, open_only=False)
    sums = Sums(
        money={
            "amount": (true(), DEAL.amount_minor),
            "weighted": (true(), DEAL.amount_minor * DEAL.probability),
        },
        counts={"count": true()},
        weighted=frozenset({"weighted"}),
    )
    if flt.flagged:
        flt, _ = with_flag_rules(conn, flt, rules)
    stages = conn.execute(stages_query).all()
    totals = converted_sums(
        conn,
        DEAL.stage_id,
        sums,
        [in_stages, *where(flt)],
        today=flt.today or date.today(),
        from_=_filtered_from(flt),
    )
    columns = []
    for stage_id, name, position, default_probability, retired in stages:
        total = totals.get(stage_id, Converted())
        if retired and not total.count("count"):
            continue  # a retired stage is a column only while deals still stand in it
        columns.append(
            StageColumn(
                stage_id=stage_id,
                name=name,
                position=position,
                default_probability=default_probability,
                count=total.count("count"),
                amount=total.amount("amount"),
                weighted=total.amount("weighted"),
                unconverted=tuple(sorted(total.unconverted.items())),
            )
        )
    return columns


__all__ = [
    "MAX_LIMIT",
    "SORTS",
    "ChangeView",
    "DealCard",
    "DealDetail",
    "DealFilter",
    "NoteView",
    "Scope",
    "StageColumn",
    "StageOption",
    "count_deals",
    "deal_position",
    "flag_rules",
    "get_deal",
    "list_deals",
    "stage_columns",
    "stage_totals",
]
