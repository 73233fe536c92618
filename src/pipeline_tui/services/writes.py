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
from ..query import StageOption, as_utc, load_pipeline_stages
from .cards import DEAL, DEAL_TABLE, DealCard, load_card
from .conflicts import conflict_message
from .errors import DealNotFoundError, EditError, StaleDealError

CHANGE_TABLE = table_of(DealChange)
Source = ChangeSource | str

# Field names as history shows them, and the deal column each one is stored in.
COLUMNS = {
    "stage": "stage_id",
    "probability": "probability",
    "forecast_category": "forecast_category",
    "amount": "amount_minor",
    "currency": "currency",
    "close_date": "close_date",
    "push_count": "push_count",
    "next_step": "next_step",
    "closed_date": "closed_date",
    "lost_reason": "lost_reason",
    "archived": "archived",
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

    row: Mapping[Any, Any]  # the deal's columns (a row as read, or a card's values)
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
class Expect:
    """For undo and redo: the fields they put back must still hold what this session's
    edit left in them, or the write would undo someone else's later change too."""

    values: Mapping[str, Any]
    since_version: int  # the version that edit left
    own_versions: frozenset[int] = frozenset()  # this session's writes, not "someone else"


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


def same_value(a: Any, b: Any) -> bool:
    """Stages compare by id: a stage renamed since is still the stage the edit left."""
    if isinstance(a, StageRef) and isinstance(b, StageRef):
        return a.id == b.id
    return bool(a == b)


def _column_value(name: str, value: Any) -> Any:
    if name == "amount":
        return to_minor(value)
    if name == "stage":
        return value.id
    return value


def check_version(expected_version: object) -> int:
    """There is no "whatever is current": a write is based on what its caller read."""
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise EditError("A change needs the version of the deal it was based on.")
    return expected_version


def stale(conn: Connection, row: RowMapping, since: int, **kwargs: Any) -> StaleDealError:
    """The conflict for `row`, saying what was changed after version `since`."""
    message = conflict_message(
        conn, row["id"], since, row["version"], currency=row["currency"], **kwargs
    )
    return StaleDealError(row["id"], message)


def apply_edit(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    planner: Callable[[DealState], Plan],
    *,
    user_id: int | None,
    source: Source,
    undoable: bool = True,
    expect: Expect | None = None,
    what: str = "change",
) -> EditResult:
    """Run `planner` on the deal, if it is still at `expected_version`, and write what it
    asks for; otherwise raise `StaleDealError` saying what someone else changed."""
    version = check_version(expected_version)
    change_source = check_source(source)
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(select(DEAL_TABLE).where(DEAL.id == deal_id)).mappings().first()
        if row is None:
            raise DealNotFoundError(deal_id)
        if row["version"] != version:
            raise stale(conn, row, version, what=what)
        state = DealState(row, load_pipeline_stages(conn, row["pipeline_id"]))
        if expect is not None:
            moved = [n for n, v in expect.values.items() if not same_value(state.value(n), v)]
            if moved:
                raise stale(
                    conn,
                    row,
                    expect.since_version,
                    fields=moved,
                    skip_versions=expect.own_versions,
                    what=what,
                )
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
            _update_if_current(conn, deal_id, version, values, what)
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
        elif plan.after is not None:
            # Nothing of the deal changes (a plain note), but what `after` writes was
            # based on the version read above, which another write may have moved on
            # since: the same conditional UPDATE, changing nothing, checks it again and
            # holds the row until commit.
            _update_if_current(conn, deal_id, version, {"version": DEAL.version}, what)
        if plan.after is not None:
            plan.after(conn, now)
        card = load_card(conn, deal_id)
    return EditResult(card, changes, plan.proposed_probability, previous_entered, undoable)


def _update_if_current(
    conn: Connection, deal_id: int, version: int, values: Mapping[str, Any], what: str
) -> None:
    result = conn.execute(
        update(DEAL_TABLE).where(DEAL.id == deal_id, DEAL.version == version).values(values)
    )
    # Someone committed between our read and our UPDATE: raising rolls back.
    if result.rowcount != 1:
        now_row = conn.execute(select(DEAL_TABLE).where(DEAL.id == deal_id)).mappings()
        raise stale(conn, now_row.one(), version, what=what)


def apply_values(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    values: Mapping[str, Any],
    *,
    user_id: int | None,
    source: Source,
    stage_entered_at: datetime | None = None,
    expect: Expect | None = None,
    what: str = "change",
) -> EditResult:
    """Set fields to exactly these values, with none of the edits' rules (no push
    counting, no probability proposals): how undo and redo put a deal back, each
    `expect`ing the fields to hold what the step it reverses left in them."""
    unknown = sorted(set(values) - set(COLUMNS))
    if unknown:
        raise EditError(f"Can't set {', '.join(unknown)}.")

    def plan(state: DealState) -> Plan:
        resolved = dict(values)
        if isinstance(resolved.get("stage"), StageRef):
            # The stage may have been renamed since; history should show today's name.
            resolved["stage"] = ref(state.stage_by_id(resolved["stage"].id))
        return Plan(resolved, stage_entered_at=stage_entered_at)

    return apply_edit(
        engine,
        deal_id,
        expected_version,
        plan,
        user_id=user_id,
        source=source,
        expect=expect,
        what=what,
    )
