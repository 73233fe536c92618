"""Keystroke edits to one deal.

Each function is one transaction that writes the deal, one `deal_change` row per changed
field and bumps `updated_at` and `version` (see `writes.apply_edit`). Each takes the
version the user was looking at and raises `StaleDealError` if the deal has moved on.
Bad input raises `EditError` before anything is written. An edit that changes nothing
writes nothing and returns an empty `changes` list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, insert

from ..models import (
    ChangeSource,
    Note,
    NoteKind,
    StageKind,
    next_category,
    table_of,
)
from ..money import from_minor, to_minor
from ..parsing import parse_text
from ..periods import quarter_containing
from .errors import EditError
from .outcomes import mark_lost, mark_won
from .writes import (
    DealState,
    EditResult,
    FieldChange,
    Plan,
    Source,
    StageRef,
    apply_edit,
    ref,
)

EARLIEST_CLOSE = date(2000, 1, 1)
LATEST_CLOSE = date(2100, 12, 31)
MAX_AMOUNT = Decimal(10**13)
# The column widths, checked here because SQLite would store longer text without a word.
MAX_NOTE, MAX_NEXT_STEP = 4000, 500


def _check_probability(probability: int) -> int:
    if isinstance(probability, bool) or not isinstance(probability, int):
        raise EditError(f"Probability must be a whole number, not {probability!r}.")
    if not 0 <= probability <= 100:
        raise EditError(f"Probability must be 0 to 100, not {probability}.")
    return probability


def _setting(field: str, value: object) -> Callable[[DealState], Plan]:
    """A plan that sets one field to a value checked before the transaction began."""
    return lambda state: Plan({field: value})


def _require_open(state: DealState, action: str) -> None:
    if state.stage.kind != StageKind.OPEN.value:
        raise EditError(f"This deal is {state.stage.kind}; {action} only applies to open deals.")


# Each keystroke edit's rule is a `Planner`: what the edit makes of the deal as found.
# The write runs it inside its transaction; the screen runs the very same one on the card
# it shows (`services.predict`), so what it shows before the write is what the write does.
Planner = Callable[[DealState], Plan]


def probability_plan(probability: int) -> Planner:
    return _setting("probability", _check_probability(probability))


def set_probability(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    probability: int,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    plan = probability_plan(probability)
    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def nudge_probability(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    delta: int,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    """Add `delta` points, stopping at 0 and 100 rather than refusing."""
    plan = nudge_plan(delta)
    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def nudge_plan(delta: int) -> Planner:
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise EditError(f"A probability step must be a whole number, not {delta!r}.")

    def plan(state: DealState) -> Plan:
        return Plan({"probability": min(100, max(0, state.row["probability"] + delta))})

    return plan


def move_stage(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    direction: int,
    *,
    user_id: int | None,
    source: Source,
    accept_default_probability: bool = False,
) -> EditResult:
    """One open stage forward (+1) or back (-1); won and lost have their own edits.

    The probability is the rep's judgement, so it only follows the stage's default when
    asked to; `proposed_probability` is always the new stage's default, for the UI to offer.
    """
    plan = stage_plan(direction, accept_default_probability)
    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def stage_plan(direction: int, accept_default_probability: bool = False) -> Planner:
    if direction not in (1, -1):
        raise EditError(f"A stage move is +1 or -1, not {direction!r}.")

    def plan(state: DealState) -> Plan:
        _require_open(state, "moving between stages")
        # A retired stage is offered to no deal; one still in it may move out of it.
        current = state.stage.id
        open_stages = [
            s for s in state.stages_of(StageKind.OPEN) if not s.retired or s.id == current
        ]
        index = next(i for i, s in enumerate(open_stages) if s.id == state.stage.id)
        target = index + direction
        if target >= len(open_stages):
            raise EditError("Already in the last open stage")
        if target < 0:
            raise EditError("Already in the first open stage")
        stage = open_stages[target]
        values: dict[str, object] = {"stage": ref(stage)}
        if accept_default_probability:
            values["probability"] = stage.default_probability
        return Plan(values, proposed_probability=stage.default_probability)

    return plan


def cycle_category(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    """pipeline -> best_case -> commit -> omitted -> pipeline; `closed` comes from won/lost."""
    plan = category_plan()
    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def category_plan() -> Planner:
    def plan(state: DealState) -> Plan:
        _require_open(state, "the forecast category cycle")
        return Plan({"forecast_category": next_category(state.row["forecast_category"])})

    return plan


def set_close_date(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    new_date: date | None,
    *,
    user_id: int | None,
    source: Source,
    fiscal_year_start_month: int = 1,
) -> EditResult:
    """A move into a later fiscal quarter is a push and counts in `push_count`; None clears
    the date (which is not a push)."""
    plan = close_date_plan(new_date, fiscal_year_start_month)
    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def close_date_plan(new_date: date | None, fiscal_year_start_month: int = 1) -> Planner:
    if isinstance(new_date, datetime):
        new_date = new_date.date()
    if new_date is not None and not EARLIEST_CLOSE <= new_date <= LATEST_CLOSE:
        raise EditError(
            f"Close date {new_date.isoformat()} is out of range "
            f"({EARLIEST_CLOSE.isoformat()} to {LATEST_CLOSE.isoformat()})."
        )
    if not 1 <= fiscal_year_start_month <= 12:
        raise EditError(f"Fiscal year start month must be 1 to 12, not {fiscal_year_start_month}.")

    def plan(state: DealState) -> Plan:
        old: date | None = state.row["close_date"]
        values: dict[str, object] = {"close_date": new_date}
        if old is not None and new_date is not None:
            old_quarter = quarter_containing(old, fiscal_year_start_month)
            new_quarter = quarter_containing(new_date, fiscal_year_start_month)
            assert old_quarter.start is not None and new_quarter.start is not None
            if new_quarter.start > old_quarter.start:
                values["push_count"] = state.row["push_count"] + 1
        return Plan(values)

    return plan


def set_amount(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    amount: Decimal,
    *,
    user_id: int | None,
    source: Source,
    currency: str | None = None,
) -> EditResult:
    """Amounts are kept to the cent (half-even), like everywhere else. With `currency`
    (`EUR 1.234,56` typed), the deal's currency becomes it in the same versioned write."""
    plan = amount_plan(amount, currency)
    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def amount_plan(amount: Decimal, currency: str | None = None) -> Planner:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise EditError(f"An amount must be a Decimal, not {type(amount).__name__}.")
    amount = Decimal(amount)
    if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:
        raise EditError(f"Amount must be at least 0 and less than {MAX_AMOUNT:,}, not {amount}.")
    if currency is not None and not re.fullmatch("[A-Z]{3}", currency):
        raise EditError(f"A currency is a three-letter code such as EUR, not {currency!r}.")
    values: dict[str, Any] = {"amount": from_minor(to_minor(amount))}
    if currency is not None:
        values["currency"] = currency
    return lambda state: Plan(values)


def add_note(
    engine: Engine,
    deal_id: int,
    text: str,
    *,
    kind: NoteKind | str,
    user_id: int | None,
    expected_version: int,
    due_date: date | None = None,
    source: Source = ChangeSource.TUI,
) -> EditResult:
    """Adds a note; a `next_step` note also becomes the deal's next step. Notes are never
    undone.

    Every note, a plain one too, is refused with `StaleDealError` when the deal has moved
    on from `expected_version`: a plain note overwrites nothing, but it was written about
    the deal as its author saw it ("agreed to 40k" beside someone else's new 60k is a
    note about a deal that no longer exists), so its author sees the change first. A
    plain note doesn't bump the version, so it never makes anyone else's view stale."""
    try:
        note_kind = NoteKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in NoteKind)
        raise EditError(f"Unknown note kind '{kind}'; use {allowed}.") from None
    body = parse_text(
        text,
        MAX_NEXT_STEP if note_kind is NoteKind.NEXT_STEP else MAX_NOTE,
        empty="A note needs some text.",
        too_long="That is {length} characters; the limit is {limit}.",
        error=EditError,
    )

    def write_note(conn: Connection, now: datetime) -> None:
        conn.execute(
            insert(table_of(Note)).values(
                deal_id=deal_id,
                author_id=user_id,
                text=body,
                created_at=now,
                kind=note_kind.value,
                due_date=due_date,
                done=False,
            )
        )

    def plan(state: DealState) -> Plan:
        values = {"next_step": body} if note_kind is NoteKind.NEXT_STEP else {}
        return Plan(values, after=write_note)

    return apply_edit(
        engine,
        deal_id,
        expected_version,
        plan,
        user_id=user_id,
        source=source,
        undoable=False,
        what="note" if note_kind is not NoteKind.NEXT_STEP else "next step",
    )


__all__ = [
    "EditResult",
    "FieldChange",
    "StageRef",
    "add_note",
    "cycle_category",
    "mark_lost",
    "mark_won",
    "move_stage",
    "nudge_probability",
    "set_amount",
    "set_close_date",
    "set_probability",
]
