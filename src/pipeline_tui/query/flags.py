"""Deal inspection flags as SQL: one boolean expression per flag on the deal row, and a
bitmask of them all that the card queries select for the page being drawn.

Everything per deal happens in the database (correlated subqueries on the deal's change
history and reviews, bounded by the rows the query returns); Python only reads the few
settings and stage limits the expressions are built from (`load_flag_rules`).

"Since the last review" is as the review's own "changed only" reads it
(`reviews.selection.changed_since_condition`): since the deal was last reviewed in an
ended review, else since the last review that ended, else `flag_review_days` back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Numeric,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from ..marks import FLAG_BY_KEY, FLAGS
from ..models import (
    Deal,
    DealChange,
    ItemStatus,
    Review,
    ReviewItem,
    ReviewStatus,
    Settings,
    Stage,
    StageKind,
    table_of,
)

DEAL_TABLE = table_of(Deal)
DEAL, CHANGE, STAGE = DEAL_TABLE.c, table_of(DealChange).c, table_of(Stage).c
REVIEW_TABLE, ITEM_TABLE = table_of(Review), table_of(ReviewItem)
REVIEW, ITEM = REVIEW_TABLE.c, ITEM_TABLE.c
# How the history writes an amount ("12000.00"); anything else an import brought is not
# read as one.
AMOUNT_TEXT = r"^[0-9]+(\.[0-9]+)?$"
# Higher is further along: moving to a lower rank is moving down.
CATEGORY_RANK = {"commit": 3, "best_case": 2, "pipeline": 1, "omitted": 0}


@dataclass(frozen=True)
class FlagRules:
    """The settings and stage limits the flags are measured against, on `today`."""

    today: date
    push_count: int = 2
    stale_days: int = 30
    review_days: int = 7
    # (day limit, the open stages that have it)
    stage_limits: tuple[tuple[int, tuple[int, ...]], ...] = ()
    last_review_end: datetime | None = None

    @property
    def open_stage_ids(self) -> list[int]:
        return sorted(s for _, ids in self.stage_limits for s in ids)

    @property
    def baseline(self) -> datetime:
        """Since when "since the last review" counts for a deal never reviewed."""
        if self.last_review_end is not None:
            return self.last_review_end
        return _days_back(self.today, self.review_days)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _days_back(today: date, days: int) -> datetime:
    """The start of the day `days` before `today`: anything earlier is older than that."""
    return _midnight(today - timedelta(days=days))


def load_flag_rules(conn: Connection, today: date) -> FlagRules:
    """The thresholds in the settings row (the defaults without one), the open stages'
    day limits and when the last review ended: one small query, read once per board."""
    settings = table_of(Settings)
    first_settings = select(func.min(settings.c.id)).scalar_subquery()
    last_end = (
        select(func.max(REVIEW.ended_at))
        .where(REVIEW.status == ReviewStatus.ENDED.value)
        .scalar_subquery()
    )
    rows = conn.execute(
        select(
            STAGE.id,
            STAGE.days_limit,
            settings.c.flag_push_count,
            settings.c.stale_days,
            settings.c.flag_review_days,
            last_end.label("last_end"),
        )
        .select_from(table_of(Stage).outerjoin(settings, settings.c.id == first_settings))
        .where(STAGE.kind == StageKind.OPEN.value)
    ).all()
    # With no open stage no deal can be flagged: the settings don't matter then.
    push, stale, review, ended = rows[0][2:] if rows else (None, None, None, None)
    limits: dict[int, list[int]] = {}
    for row in rows:
        limits.setdefault(int(row.days_limit), []).append(int(row.id))
    return FlagRules(
        today=today,
        push_count=max(1, 2 if push is None else int(push)),
        stale_days=max(0, 30 if stale is None else int(stale)),
        review_days=max(0, 7 if review is None else int(review)),
        stage_limits=tuple((k, tuple(sorted(v))) for k, v in sorted(limits.items())),
        last_review_end=_aware(ended),
    )


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def last_reviewed_at() -> ColumnElement[Any]:
    """When the deal was last reviewed in an ended review (NULL: never)."""
    return (
        select(func.max(REVIEW.ended_at))
        .select_from(REVIEW_TABLE.join(ITEM_TABLE, ITEM.review_id == REVIEW.id))
        .where(
            ITEM.deal_id == DEAL.id,
            ITEM.status == ItemStatus.REVIEWED.value,
            REVIEW.status == ReviewStatus.ENDED.value,
        )
        .scalar_subquery()
    )


def _value_at_since(field: str, since: ColumnElement[Any]) -> ColumnElement[Any]:
    """What `field` held at `since`: the old value of its first change after then (NULL
    when it has not changed since, and the deal's own column holds it)."""
    return (
        select(CHANGE.old_value)
        .where(CHANGE.deal_id == DEAL.id, CHANGE.field == field, CHANGE.changed_at > since)
        .order_by(CHANGE.changed_at, CHANGE.id)
        .limit(1)
        .scalar_subquery()
    )


def _rank(value: ColumnElement[Any]) -> ColumnElement[Any]:
    return case(CATEGORY_RANK, value=value, else_=None)


def flag_conditions(rules: FlagRules) -> dict[str, ColumnElement[bool]]:
    """Each flag as a condition on the deal row; none holds for a closed deal."""
    is_open = DEAL.stage_id.in_(rules.open_stage_ids)
    since = func.coalesce(last_reviewed_at(), literal(rules.baseline, DateTime(timezone=True)))
    old_amount = _value_at_since("amount", since)
    old_amount_minor = case(
        (old_amount.regexp_match(AMOUNT_TEXT), cast(old_amount, Numeric(20, 2)) * 100),
        else_=None,
    )
    stuck = [
        and_(DEAL.stage_id.in_(ids), DEAL.stage_entered_at < _days_back(rules.today, limit))
        for limit, ids in rules.stage_limits
    ]
    conditions: dict[str, ColumnElement[bool]] = {
        "overdue": DEAL.close_date < rules.today,
        "pushed": DEAL.push_count >= rules.push_count,
        "amount_cut": DEAL.amount_minor < old_amount_minor,
        "category_down": _rank(DEAL.forecast_category)
        < _rank(_value_at_since("forecast_category", since)),
        "stuck": or_(*stuck) if stuck else literal(False),
        "no_next_step": or_(DEAL.next_step.is_(None), func.trim(DEAL.next_step) == ""),
        "stale": DEAL.updated_at < _days_back(rules.today, rules.stale_days),
    }
    assert list(conditions) == [f.key for f in FLAGS]
    return {key: and_(is_open, cond) for key, cond in conditions.items()}


def flag_bits(rules: FlagRules) -> ColumnElement[int]:
    """The deal's flags as one integer, bit `Flag.bit` set for each that holds."""
    total: ColumnElement[Any] = literal(0)
    for key, cond in flag_conditions(rules).items():
        total = total + case((cond, FLAG_BY_KEY[key].bit), else_=0)
    return total


def any_flag(rules: FlagRules) -> ColumnElement[bool]:
    return or_(*flag_conditions(rules).values())
