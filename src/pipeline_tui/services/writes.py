"""The one way a deal is changed: read, plan, conditional UPDATE, history rows, re-read.

Every edit is one transaction. The UPDATE only matches the version the user was looking
at, so two people editing the same deal can't overwrite each other: the second gets
`StaleDealError` and nothing of theirs is written. History (`deal_change`) is append-only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, insert, select, update

from ..models import ChangeSource, DealChange, StageKind, table_of, utcnow
from ..money import CENT, from_minor, to_minor
from .cards import DEAL, DEAL_TABLE, DealCard, as_utc, load_card
from .detail import StageOption, load_pipeline_stages
from .errors import DealNotFoundError, EditError, StaleDealError

CHANGE_TABLE = table_of(DealChange)
Source = ChangeSource | str

# Field names as history shows them, and the deal column each one is stored in.
COLUMNS = {
    "stage": "stage_id",
    "probability": "probability",
    "forecast_category": "forecast_category",
    "amount": "amount_minor",
    "close_date": "close_date",
    "push_count": "push_count",
    "next_step": "next_step",
    "closed_date": "closed_date",
    "lost_reason": "lost_reason",
}


@dataclass(frozen=True)
class StageRef:
    """A stage as an edit's value: the id is what is stored, the name what people read."""

    id: int
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class EditResult:
    deal: DealCard
    changes: list[FieldChange]
    proposed_probability: int | None = None
    # Set when the stage changed, so that undoing a stage move restores how long the
    # deal had been in its stage rather than restarting the clock.
    previous_stage_entered_at: datetime | None = None
    # Notes can't be taken back (nothing is ever deleted), so the undo stack skips them.
    undoable: bool = True


@dataclass(frozen=True)
class DealState:
    """The deal as the edit found it, with its pipeline's stages for stage moves."""

    row: RowMapping
    stages: list[StageOption]

    @property
    def stage(self) -> StageOption:
        return self.stage_by_id(self.row["stage_id"])

    def stage_by_id(self, stage_id: int) -> StageOption:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise EditError(f"Stage {stage_id} is not a stage of this deal's pipeline.")

    def stages_of(self, kind: StageKind) -> list[StageOption]:
        return [s for s in self.stages if s.kind == kind.value]

    def value(self, name: str) -> Any:
        """The field's current value, typed the way `FieldChange` holds it."""
        raw = self.row[COLUMNS[name]]
        if name == "amount":
            return from_minor(raw)
        if name == "stage":
            return ref(self.stage_by_id(raw))
        return raw


@dataclass(frozen=True)
class Plan:
    values: Mapping[str, Any]
    proposed_probability: int | None = None
    stage_entered_at: datetime | None = None  # when the stage changes; None means now
    after: Callable[[Connection, datetime], None] | None = None


def ref(stage: StageOption) -> StageRef:
    return StageRef(stage.id, stage.name)


def check_source(source: Source) -> ChangeSource:
    try:
        return ChangeSource(source)
    except ValueError:
        allowed = ", ".join(s.value for s in ChangeSource)
        raise EditError(f"Unknown change source '{source}'; use {allowed}.") from None


def as_text(value: Any) -> str | None:
    """How a value is written in the history: "12000.00", ISO dates, stage names."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value.quantize(CENT):f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _column_value(name: str, value: Any) -> Any:
    if name == "amount":
        return to_minor(value)
    if name == "stage":
        return value.id
    return value


def apply_edit(
    engine: Engine,
    deal_id: int,
    expected_version: int | None,
    planner: Callable[[DealState], Plan],
    *,
    user_id: int | None,
    source: Source,
    undoable: bool = True,
) -> EditResult:
    """Run `planner` on the deal as it is now and write what it asks for.

    `expected_version` None takes whatever version is current (for adding notes, which
    don't conflict); the UPDATE is still conditional on that version.
    """
    change_source = check_source(source)
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(select(DEAL_TABLE).where(DEAL.id == deal_id)).mappings().first()
        if row is None:
            raise DealNotFoundError(deal_id)
        version = row["version"] if expected_version is None else expected_version
        if row["version"] != version:
            raise StaleDealError(deal_id)
        state = DealState(row, load_pipeline_stages(conn, row["pipeline_id"]))
        plan = planner(state)
        changes = [
            FieldChange(name, state.value(name), new)
            for name, new in plan.values.items()
            if state.value(name) != new
        ]
        previous_entered: datetime | None = None
        if changes:
            values = {COLUMNS[c.field]: _column_value(c.field, c.new) for c in changes}
            if "stage_id" in values:
                previous_entered = as_utc(row["stage_entered_at"])
                values["stage_entered_at"] = plan.stage_entered_at or now
            values.update(updated_at=now, version=DEAL.version + 1)
            result = conn.execute(
                update(DEAL_TABLE).where(DEAL.id == deal_id, DEAL.version == version).values(values)
            )
            # Someone committed between our read and our UPDATE: raising rolls back.
            if result.rowcount != 1:
                raise StaleDealError(deal_id)
            conn.execute(
                insert(CHANGE_TABLE),
                [
                    {
                        "deal_id": deal_id,
                        "field": c.field,
                        "old_value": as_text(c.old),
                        "new_value": as_text(c.new),
                        "changed_by_id": user_id,
                        "changed_at": now,
                        "source": change_source.value,
                    }
                    for c in changes
                ],
            )
        if plan.after is not None:
            plan.after(conn, now)
        card = load_card(conn, deal_id)
    return EditResult(card, changes, plan.proposed_probability, previous_entered, undoable)


def apply_values(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    values: Mapping[str, Any],
    *,
    user_id: int | None,
    source: Source,
    stage_entered_at: datetime | None = None,
) -> EditResult:
    """Set fields to exactly these values, with none of the edits' rules (no push
    counting, no probability proposals): how undo and redo put a deal back."""
    unknown = sorted(set(values) - set(COLUMNS))
    if unknown:
        raise EditError(f"Can't set {', '.join(unknown)}.")

    def plan(state: DealState) -> Plan:
        resolved = dict(values)
        if isinstance(resolved.get("stage"), StageRef):
            # The stage may have been renamed since; history should show today's name.
            resolved["stage"] = ref(state.stage_by_id(resolved["stage"].id))
        return Plan(resolved, stage_entered_at=stage_entered_at)

    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)
