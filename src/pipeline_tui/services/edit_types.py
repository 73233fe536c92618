"""Edits as values: what a key or a prompt asked for, before it is written.

A key handler builds an `Edit`; `apply` writes it through the matching function in
`edits` or `outcomes`. Because `Edit` is a closed union and `apply` ends in
`assert_never`, mypy refuses an edit that nothing writes, and an edit's arguments are
checked where it is built rather than when a string is looked up at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import assert_never

from sqlalchemy import Engine

from ..labels import date_text, money_text
from ..models import NoteKind
from . import edits
from .archive import archive_deal
from .writes import EditResult, Expect, FieldChange, Source, apply_values


@dataclass(frozen=True)
class SetProbability:
    value: int  # 0 to 100


@dataclass(frozen=True)
class NudgeProbability:
    """Stops at 0 and 100 rather than refusing, so a held key ends at the limit."""

    delta: int


@dataclass(frozen=True)
class MoveStage:
    """One open stage on or back; the probability follows the stage only when asked."""

    direction: int  # +1 or -1
    accept_default_probability: bool = False


@dataclass(frozen=True)
class CycleCategory:
    """pipeline -> best case -> commit -> omitted -> pipeline."""


@dataclass(frozen=True)
class SetCloseDate:
    new_date: date | None  # None clears it
    fiscal_year_start_month: int = 1


@dataclass(frozen=True)
class SetAmount:
    """Kept to the cent (half-even) when written; `currency` (an ISO code) when the
    amount was typed in one, else the deal's own stands."""

    amount: Decimal
    currency: str | None = None


@dataclass(frozen=True)
class AddNote:
    text: str
    kind: NoteKind | str = NoteKind.NOTE
    due_date: date | None = None

    @property
    def is_next_step(self) -> bool:
        return self.kind == NoteKind.NEXT_STEP.value


@dataclass(frozen=True)
class MarkWon:
    """Won stage at 100%; a close date still ahead becomes the day it closed."""

    today: date | None = None  # None: the day it is written


@dataclass(frozen=True)
class MarkLost:
    reason: str
    today: date | None = None


@dataclass(frozen=True)
class Archive:
    """Withdraw an open deal from the pipeline; undo brings it back."""


@dataclass(frozen=True)
class RestoreFields:
    """Undo and redo: put back the values an edit replaced, provided every field still
    holds what that edit left (so someone else's later change is never undone with it).

    Built from the result it reverses; the undo stack keeps these, one per step.
    """

    changes: tuple[FieldChange, ...]  # the reversed edit's: each `old` is put back
    left_version: int  # the version the reversed edit left
    stage_entered_at: datetime | None = None
    own_versions: frozenset[int] = frozenset()  # this session's writes, not someone else's
    what: str = "undo"

    @classmethod
    def reversing(cls, result: EditResult) -> RestoreFields:
        return cls(tuple(result.changes), result.deal.version, result.previous_stage_entered_at)


Edit = (
    SetProbability
    | NudgeProbability
    | MoveStage
    | CycleCategory
    | SetCloseDate
    | SetAmount
    | AddNote
    | MarkWon
    | MarkLost
    | Archive
    | RestoreFields
)


def label(edit: Edit, currency: str) -> str:
    """The edit as it was asked for, to name it when it could not be saved."""
    match edit:
        case SetProbability(value):
            return f"Probability {value}%"
        case NudgeProbability(delta):
            return f"Probability {delta:+d}%"
        case MoveStage(direction):
            return "Next stage" if direction > 0 else "Previous stage"
        case CycleCategory():
            return "Category change"
        case SetCloseDate(new_date):
            return f"Close date {date_text(new_date) if new_date else 'cleared'}"
        case SetAmount(amount, typed):
            return f"Amount {money_text(amount, typed or currency)}"
        case AddNote():
            return "Next step" if edit.is_next_step else "Note"
        case MarkWon():
            return "Won"
        case MarkLost():
            return "Lost"
        case Archive():
            return "Archive"
        case RestoreFields(what=what):
            return what.capitalize()
        case _:
            assert_never(edit)


def apply(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    edit: Edit,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    """Writes `edit` to one deal, checked against the version its author saw."""
    match edit:
        case SetProbability(value):
            return edits.set_probability(
                engine, deal_id, expected_version, value, user_id=user_id, source=source
            )
        case NudgeProbability(delta):
            return edits.nudge_probability(
                engine, deal_id, expected_version, delta, user_id=user_id, source=source
            )
        case MoveStage(direction, accept):
            return edits.move_stage(
                engine,
                deal_id,
                expected_version,
                direction,
                user_id=user_id,
                source=source,
                accept_default_probability=accept,
            )
        case CycleCategory():
            return edits.cycle_category(
                engine, deal_id, expected_version, user_id=user_id, source=source
            )
        case SetCloseDate(new_date, fiscal_year_start_month):
            return edits.set_close_date(
                engine,
                deal_id,
                expected_version,
                new_date,
                user_id=user_id,
                source=source,
                fiscal_year_start_month=fiscal_year_start_month,
            )
        case SetAmount(amount, typed):
            return edits.set_amount(
                engine,
                deal_id,
                expected_version,
                amount,
                user_id=user_id,
                source=source,
                currency=typed,
            )
        case AddNote(text, kind, due_date):
            return edits.add_note(
                engine,
                deal_id,
                text,
                kind=kind,
                user_id=user_id,
                expected_version=expected_version,
                due_date=due_date,
                source=source,
            )
        case MarkWon(today):
            return edits.mark_won(
                engine, deal_id, expected_version, user_id=user_id, source=source, today=today
            )
        case MarkLost(reason, today):
            return edits.mark_lost(
                engine,
                deal_id,
                expected_version,
                reason,
                user_id=user_id,
                source=source,
                today=today,
            )
        case Archive():
            return archive_deal(engine, deal_id, expected_version, user_id=user_id, source=source)
        case RestoreFields(changes, left_version, stage_entered_at, own_versions, what):
            return apply_values(
                engine,
                deal_id,
                expected_version,
                {change.field: change.old for change in changes},
                user_id=user_id,
                source=source,
                stage_entered_at=stage_entered_at,
                expect=Expect(
                    {change.field: change.new for change in changes}, left_version, own_versions
                ),
                what=what,
            )
        case _:
            assert_never(edit)


__all__ = [
    "AddNote",
    "Archive",
    "CycleCategory",
    "Edit",
    "MarkLost",
    "MarkWon",
    "MoveStage",
    "NudgeProbability",
    "RestoreFields",
    "SetAmount",
    "SetCloseDate",
    "SetProbability",
    "apply",
    "label",
]
