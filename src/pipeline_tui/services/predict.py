"""What a keystroke edit will make of a deal, worked out before it is written.

A screen shows an edit's result in the frame the key lands in, then the write confirms it.
The prediction runs the edit's own rule (its `Planner` in `edits`, the one the write runs
inside its transaction) on the card the screen holds, so the two can only differ when the
deal has changed underneath, which the write then reports as a conflict.

Only edits whose rule needs nothing beyond the card and its pipeline's open stages are
predicted; won, lost, notes, undo and redo show when their write lands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from ..forecast.metrics import ZERO, ForecastFigures
from ..models import ForecastCategory, StageKind
from ..money import from_minor, to_minor, weighted_from_sum
from ..periods import Period
from ..query import StageOption
from . import edits
from .cards import DealCard
from .deals import StageColumn
from .edit_types import (
    CycleCategory,
    Edit,
    MoveStage,
    NudgeProbability,
    SetAmount,
    SetCloseDate,
    SetProbability,
)
from .errors import EditError
from .writes import DealState, StageRef

COMMIT, BEST_CASE = ForecastCategory.COMMIT.value, ForecastCategory.BEST_CASE.value
OMITTED = ForecastCategory.OMITTED.value
# The fields a card holds as they are, which the predicted edits set.
SHOWN = frozenset(
    {"probability", "forecast_category", "currency", "close_date", "push_count", "next_step"}
)


def planner(edit: Edit) -> edits.Planner | None:
    """The edit's rule, or None for an edit that is not predicted. Bad input raises
    `EditError`, as the write would."""
    match edit:
        case SetProbability(value):
            return edits.probability_plan(value)
        case NudgeProbability(delta):
            return edits.nudge_plan(delta)
        case MoveStage(direction, accept):
            return edits.stage_plan(direction, accept)
        case CycleCategory():
            return edits.category_plan()
        case SetCloseDate(new_date, fiscal_year_start_month):
            return edits.close_date_plan(new_date, fiscal_year_start_month)
        case SetAmount(amount, typed):
            return edits.amount_plan(amount, typed)
        case _:
            return None


def _row(card: DealCard) -> dict[str, Any]:
    """The card as the deal's columns, which is what a planner reads."""
    return {
        "id": card.id,
        "stage_id": card.stage_id,
        "pipeline_id": card.pipeline_id,
        "probability": card.probability,
        "forecast_category": card.forecast_category,
        "amount_minor": to_minor(card.amount),
        "currency": card.currency,
        "close_date": card.close_date,
        "push_count": card.push_count,
        "next_step": card.next_step,
        "version": card.version,
    }


def predict(card: DealCard, edit: Edit, columns: Iterable[StageColumn]) -> DealCard | None:
    """`card` as `edit` will leave it, or None when that can't be told from here (an edit
    not predicted, one its rule refuses: the write says why, or a stage not among
    `columns`, the board's: the pipeline's open stages)."""
    open_stages = [
        StageOption(c.stage_id, c.name, StageKind.OPEN.value, c.default_probability, c.position)
        for c in sorted(columns, key=lambda c: (c.position, c.stage_id))
    ]
    if not any(s.id == card.stage_id for s in open_stages):
        return None
    try:
        rule = planner(edit)
        if rule is None:
            return None
        plan = rule(DealState(_row(card), open_stages))
    except EditError:
        return None
    values: dict[str, Any] = {}
    for name, value in plan.values.items():
        if name == "stage":
            assert isinstance(value, StageRef)
            values |= {"stage_id": value.id, "stage_name": value.name}
        elif name == "amount":
            values["amount"] = from_minor(to_minor(value))
        elif name in {"probability", "forecast_category", "currency", "close_date"} or name in {
            "push_count",
            "next_step",
        }:
            values[name] = value
        else:  # a field the card doesn't show; not one the predicted edits set
            return None
    return replace(card, **values)


# What one open deal adds to the figures ---------------------------------------------
# Used to show an edit's effect on the header and the column totals in the frame the key
# lands in; the confirmed figures are read afterwards, by the same query `report` uses.


def closes_in(period: Period, day: date | None) -> bool:
    """Whether a deal closing on `day` counts in `period`, as `query.where` says it."""
    if period.no_close_date:
        return day is None
    if period.start is None and period.end is None:
        return True
    if day is None:
        return False
    return (period.start is None or day >= period.start) and (
        period.end is None or day <= period.end
    )


def _open_figures(card: DealCard, period: Period) -> ForecastFigures:
    """An open deal's part of the scope's figures (in its own currency's units)."""
    if not closes_in(period, card.close_date) or card.forecast_category == OMITTED:
        return ForecastFigures()
    return ForecastFigures(
        commit=card.amount if card.forecast_category == COMMIT else ZERO,
        best_case=card.amount if card.forecast_category == BEST_CASE else ZERO,
        pipeline=card.amount,
        weighted=weighted_from_sum(to_minor(card.amount) * card.probability),
        open_count=1,
    )


def _minus(a: ForecastFigures, b: ForecastFigures) -> ForecastFigures:
    return ForecastFigures(
        commit=a.commit - b.commit,
        best_case=a.best_case - b.best_case,
        pipeline=a.pipeline - b.pipeline,
        weighted=a.weighted - b.weighted,
        open_count=a.open_count - b.open_count,
    )


def shift_figures(
    figures: ForecastFigures,
    before: DealCard,
    after: DealCard,
    *,
    period: Period,
    currency: str,
) -> ForecastFigures | None:
    """The scope's figures with the open deal `before` replaced by `after`; None when
    that can't be worked out here (a deal in another currency needs its rate, which the
    read applies)."""
    if before.currency != currency or after.currency != currency:
        return None
    delta = _minus(_open_figures(after, period), _open_figures(before, period))
    moved = replace(
        figures + delta, quota=figures.quota, quota_basis=None, unconverted=figures.unconverted
    )
    if figures.quota_basis is not None:  # the deal is in every pipeline's figures too
        moved = replace(moved, quota_basis=figures.quota_basis + delta)
    return moved


def shift_column(
    column: StageColumn, before: DealCard | None, after: DealCard | None, currency: str
) -> StageColumn | None:
    """A stage's totals with `before` (a card of the stage, or None) replaced by `after`
    (in the stage, or None); None when a card in another currency is involved."""
    count, amount, weighted = column.count, column.amount, column.weighted
    for card, sign in ((before, -1), (after, 1)):
        if card is None or card.stage_id != column.stage_id:
            continue
        if card.currency != currency:
            return None
        count += sign
        amount += sign * card.amount
        weighted += sign * weighted_from_sum(to_minor(card.amount) * card.probability)
    return replace(column, count=count, amount=amount, weighted=weighted)
