"""What a keystroke edit will make of a deal, worked out before it is written.

A screen shows an edit's result in the frame the key lands in, then the write confirms it.
The prediction runs the edit's own rule (its `Planner` in `edits`, the one the write runs
inside its transaction) on the card the screen holds, so the two can only differ when the
deal has changed underneath, which the write then reports as a conflict.

Only edits whose rule needs nothing beyond the card and its pipeline's open stages are
predicted; won, lost, notes, undo and redo show when their write lands.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..models import StageKind
from ..money import from_minor, to_minor
from ..query import StageOption
from . import edits
from .cards import DealCard
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


def predict(card: DealCard, edit: Edit, open_stages: list[StageOption]) -> DealCard | None:
    """`card` as `edit` will leave it, or None when that can't be told from here (an edit
    not predicted, one its rule refuses: the write says why, or a stage not among
    `open_stages`, the pipeline's open stages in order)."""
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


def open_stage_options(stages: list[tuple[int, str, int, int]]) -> list[StageOption]:
    """(id, name, default probability, position) of a board's columns as stage options."""
    return [
        StageOption(stage_id, name, StageKind.OPEN.value, default, position)
        for stage_id, name, default, position in stages
    ]
