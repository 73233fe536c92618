"""Changes to the sales process: stages, their default probabilities, the targets.

Each change is one transaction that checks what it changes is still what its caller saw
(a conflict is refused, never overwritten), writes it and records it in `process_change`
with who and why. A stage's default probability changes only through a proposal an admin
accepts, and only ever for what comes next (new deals, stage moves): the probabilities
reps gave their deals are theirs and are left alone.

Permissions are the session's to check (`session_process`); this module only validates.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, func, insert, select, update

from ..display import CONTROL_CHARS, INVISIBLE_CHARS
from ..errors import ConflictError, InputError, NotFoundError
from ..forecast.process import LOG, LOG_T, STAGE, STAGE_T
from ..models import Deal, ProcessChangeKind, StageKind, table_of, utcnow

DEAL = table_of(Deal).c
NAME_MAX = 128
REASON_MAX = 1000


class ProcessConflict(ConflictError):
    """What the change was based on moved on since: nothing was written."""


@dataclass(frozen=True)
class ProcessResult:
    """What a change did, in one line for the status bar and the command."""

    text: str
    change_id: int


@dataclass(frozen=True)
class _Stage:
    id: int
    pipeline_id: int
    name: str
    kind: str
    position: int
    default_probability: int
    retired: bool


def check_probability(value: object) -> int:
    """A default probability: a whole percent from 0 to 100 (`40` or `40%`)."""
    text = str(value).strip().removesuffix("%").strip()
    try:
        number = int(text)
    except ValueError:
        raise InputError(f"'{value}' is not a probability: give a whole percent, 0-100") from None
    if not 0 <= number <= 100:
        raise InputError(f"A probability is 0-100%, not {number}%")
    return number


def check_reason(reason: str | None, *, required: bool = False, what: str = "") -> str | None:
    text = " ".join((reason or "").split())
    if required and not text:
        raise InputError(f"Say why {what}: the reason is kept in the process history")
    if len(text) > REASON_MAX:
        raise InputError(f"A reason is at most {REASON_MAX} characters (this one has {len(text)})")
    return text or None


def check_name(conn: Connection, pipeline_id: int, name: str, *, other_than: int | None) -> str:
    """A stage name: not empty, no control characters, not one the pipeline has already
    (retired stages keep theirs, in any case)."""
    text = INVISIBLE_CHARS.sub("", " ".join(name.split()))
    if not text:
        raise InputError("A stage needs a name")
    if CONTROL_CHARS.search(name):
        raise InputError("A stage name can't hold control characters")
    if len(text) > NAME_MAX:
        raise InputError(f"A stage name is at most {NAME_MAX} characters")
    for stage in _stages(conn, pipeline_id):
        if stage.id != other_than and stage.name.casefold() == text.casefold():
            retired = " (retired)" if stage.retired else ""
            raise InputError(f"This pipeline already has a stage called {stage.name}{retired}")
    return text


# A `_Stage`'s fields, in its order.
_STAGE_COLUMNS = (
    STAGE.id,
    STAGE.pipeline_id,
    STAGE.name,
    STAGE.kind,
    STAGE.position,
    STAGE.default_probability,
    STAGE.retired,
)


def _stages(conn: Connection, pipeline_id: int) -> list[_Stage]:
    query = (
        select(*_STAGE_COLUMNS)
        .where(STAGE.pipeline_id == pipeline_id)
        .order_by(STAGE.position, STAGE.id)
    )
    return [_Stage(*row) for row in conn.execute(query)]


def _stage(conn: Connection, stage_id: int) -> _Stage:
    row = conn.execute(select(*_STAGE_COLUMNS).where(STAGE.id == stage_id)).first()
    if row is None:
        raise NotFoundError(f"There is no stage {stage_id}")
    return _Stage(*row)


def _open_stage(conn: Connection, stage_id: int, doing: str) -> _Stage:
    stage = _stage(conn, stage_id)
    if stage.kind != StageKind.OPEN.value:
        raise InputError(f"{stage.name} is a {stage.kind} stage: only open stages can be {doing}")
    if stage.retired:
        raise InputError(f"{stage.name} is retired: it can't be {doing}")
    return stage


@dataclass(frozen=True)
class ProcessWrite:
    """One change to the process, in its transaction: who makes it, when, and why."""

    conn: Connection
    who: int | None
    now: datetime
    reason: str | None

    def record(
        self,
        kind: ProcessChangeKind,
        *,
        pipeline_id: int | None,
        stage_id: int | None = None,
        old: str | None = None,
        new: str | None = None,
        proposal_id: int | None = None,
    ) -> int:
        """The change in `process_change`, with who, when and why; its id."""
        result = self.conn.execute(
            insert(LOG_T).values(
                kind=kind.value,
                pipeline_id=pipeline_id,
                stage_id=stage_id,
                old_value=old,
                new_value=new,
                reason=self.reason,
                changed_by_id=self.who,
                changed_at=self.now,
                proposal_id=proposal_id,
            )
        )
        return _new_id(result)


@contextmanager
def process_write(
    engine: Engine, reason: str | None, *, who: int, required: bool = False, what: str = ""
) -> Iterator[ProcessWrite]:
    """The reason checked (before anything is read: bad input writes nothing), then one
    transaction for the change, which it records with `ProcessWrite.record`."""
    why = check_reason(reason, required=required, what=what)
    now = utcnow()
    with engine.begin() as conn:
        yield ProcessWrite(conn, who, now, why)


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _renumber(conn: Connection, order: list[_Stage]) -> None:
    """Positions 0..n in this order: open stages first, then won and lost as they were."""
    for position, stage in enumerate(order):
        if stage.position != position:
            conn.execute(update(STAGE_T).where(STAGE.id == stage.id).values(position=position))


def _with_closed_last(stages: list[_Stage], open_order: list[_Stage]) -> list[_Stage]:
    return open_order + [s for s in stages if s.kind != StageKind.OPEN.value]


# -- proposals -------------------------------------------------------------------------


def propose(
    engine: Engine,
    stage_id: int,
    probability: object,
    reason: str | None,
    *,
    who: int,
    seen_default: int | None = None,
) -> ProcessResult:
    """A proposal to make `probability` the stage's default (for an admin to accept)."""
    new = check_probability(probability)
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        stage = _open_stage(conn, stage_id, "given a new default")
        if seen_default is not None and stage.default_probability != seen_default:
            raise ProcessConflict(
                f"{stage.name}'s default changed to {stage.default_probability}% since you "
                "looked: nothing was proposed"
            )
        if stage.default_probability == new:
            raise InputError(f"{stage.name} already defaults to {new}%: nothing to propose")
        change_id = write.record(
            ProcessChangeKind.PROPOSAL,
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            old=str(stage.default_probability),
            new=str(new),
        )
    return ProcessResult(
        f"Proposed {stage.name}: {stage.default_probability}% → {new}% (#{change_id}); "
        "an admin accepts it",
        change_id,
    )


def accept(engine: Engine, proposal_id: int, reason: str | None, *, who: int) -> ProcessResult:
    """Makes the proposal's probability the stage's default, for new deals and stage
    moves from now on; every deal keeps the probability its rep gave it."""
    with process_write(engine, reason, who=who, required=True, what="you accept it") as write:
        conn = write.conn
        row = conn.execute(
            select(LOG.kind, LOG.stage_id, LOG.old_value, LOG.new_value).where(
                LOG.id == proposal_id
            )
        ).first()
        if row is None or row.kind != ProcessChangeKind.PROPOSAL.value or row.stage_id is None:
            raise NotFoundError(f"There is no proposal #{proposal_id}")
        taken = conn.execute(
            select(LOG.id).where(
                LOG.proposal_id == proposal_id,
                LOG.kind == ProcessChangeKind.PROPOSAL_ACCEPTED.value,
            )
        ).first()
        if taken is not None:
            raise ProcessConflict(f"Proposal #{proposal_id} was accepted already (#{taken.id})")
        later = conn.execute(
            select(func.max(LOG.id)).where(
                LOG.kind == ProcessChangeKind.PROPOSAL.value, LOG.stage_id == row.stage_id
            )
        ).scalar_one()
        if later != proposal_id:
            raise ProcessConflict(
                f"Proposal #{proposal_id} was replaced by a later one (#{later}): accept that"
            )
        stage = _open_stage(conn, row.stage_id, "given a new default")
        old, new = int(row.old_value), int(row.new_value)
        changed = conn.execute(
            update(STAGE_T)
            .where(STAGE.id == stage.id, STAGE.default_probability == old)
            .values(default_probability=new)
        )
        if changed.rowcount != 1:
            raise ProcessConflict(
                f"{stage.name}'s default is {stage.default_probability}% now, not the {old}% "
                f"proposal #{proposal_id} was based on: nothing was changed; propose again"
            )
        change_id = write.record(
            ProcessChangeKind.PROPOSAL_ACCEPTED,
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            old=str(old),
            new=str(new),
            proposal_id=proposal_id,
        )
    return ProcessResult(
        f"{stage.name} now defaults to {new}% (was {old}%) for new deals and stage moves; "
        "deals keep their probability",
        change_id,
    )


# -- stages ----------------------------------------------------------------------------


def add_stage(
    engine: Engine,
    pipeline_id: int,
    name: str,
    probability: object,
    reason: str | None,
    *,
    who: int,
    position: int | None = None,
) -> ProcessResult:
    """A new open stage, last of the open stages or at `position` (1 is first)."""
    default = check_probability(probability)
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        text = check_name(conn, pipeline_id, name, other_than=None)
        stages = _stages(conn, pipeline_id)
        if not stages:
            raise NotFoundError(f"There is no pipeline {pipeline_id}")
        open_order = [s for s in stages if s.kind == StageKind.OPEN.value]
        active = [s for s in open_order if not s.retired]
        at = len(active) + 1 if position is None else position
        if not 1 <= at <= len(active) + 1:
            raise InputError(f"A new stage goes at position 1 to {len(active) + 1}, not {at}")
        # After the `at - 1`th active stage (retired ones keep their places around it).
        index = 0 if at == 1 else open_order.index(active[at - 2]) + 1
        result = conn.execute(
            insert(STAGE_T).values(
                pipeline_id=pipeline_id,
                name=text,
                position=len(stages),
                default_probability=default,
                kind=StageKind.OPEN.value,
                retired=False,
            )
        )
        stage_id = _new_id(result)
        added = _Stage(stage_id, pipeline_id, text, StageKind.OPEN.value, -1, default, False)
        open_order.insert(index, added)
        _renumber(conn, _with_closed_last(stages, open_order))
        change_id = write.record(
            ProcessChangeKind.STAGE_ADDED,
            pipeline_id=pipeline_id,
            stage_id=stage_id,
            new=f"{text} ({default}%, position {at})",
        )
    return ProcessResult(f"Added {text} at position {at}, defaulting to {default}%", change_id)


def rename_stage(
    engine: Engine, stage_id: int, name: str, reason: str | None, *, who: int, seen_name: str
) -> ProcessResult:
    """Same stage, new name: its deals and history follow it (the history finds it by
    its earlier names through this change's record)."""
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        stage = _stage(conn, stage_id)
        text = check_name(conn, stage.pipeline_id, name, other_than=stage.id)
        if text == stage.name:
            raise InputError(f"{stage.name} is called that already")
        changed = conn.execute(
            update(STAGE_T).where(STAGE.id == stage.id, STAGE.name == seen_name).values(name=text)
        )
        if changed.rowcount != 1:
            raise ProcessConflict(
                f"The stage you saw as {seen_name} is called {stage.name} now: nothing was renamed"
            )
        change_id = write.record(
            ProcessChangeKind.STAGE_RENAMED,
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            old=stage.name,
            new=text,
        )
    return ProcessResult(f"Renamed {stage.name} to {text}", change_id)


def move_stage(
    engine: Engine, stage_id: int, steps: int, reason: str | None, *, who: int
) -> ProcessResult:
    """One place earlier (-1) or later (+1) among the pipeline's active open stages."""
    if steps not in (-1, 1):
        raise InputError(f"A stage moves one place up (-1) or down (+1), not {steps}")
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        stage = _open_stage(conn, stage_id, "moved")
        stages = _stages(conn, stage.pipeline_id)
        open_order = [s for s in stages if s.kind == StageKind.OPEN.value]
        active = [s for s in open_order if not s.retired]
        here = next(i for i, s in enumerate(active) if s.id == stage.id)
        there = here + steps
        if not 0 <= there < len(active):
            where = "first" if steps < 0 else "last"
            raise InputError(f"{stage.name} is the {where} open stage already")
        a, b = open_order.index(active[here]), open_order.index(active[there])
        open_order[a], open_order[b] = open_order[b], open_order[a]
        _renumber(conn, _with_closed_last(stages, open_order))
        change_id = write.record(
            ProcessChangeKind.STAGE_MOVED,
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            old=str(here + 1),
            new=str(there + 1),
        )
    return ProcessResult(f"Moved {stage.name} to position {there + 1}", change_id)


def retire_stage(engine: Engine, stage_id: int, reason: str | None, *, who: int) -> ProcessResult:
    """No longer offered for moves or new deals; closed deals that passed through it,
    its history and the reports keep it. A stage still holding open deals is refused."""
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        stage = _open_stage(conn, stage_id, "retired")
        active = [
            s
            for s in _stages(conn, stage.pipeline_id)
            if s.kind == StageKind.OPEN.value and not s.retired
        ]
        if len(active) == 1:
            raise InputError(f"{stage.name} is the pipeline's last open stage: add another first")
        holding = conn.execute(
            select(func.count()).select_from(table_of(Deal)).where(DEAL.stage_id == stage.id)
        ).scalar_one()
        if holding:
            deals = "deal is" if holding == 1 else "deals are"
            raise InputError(
                f"{holding} open {deals} in {stage.name}: move them on first, then retire it"
            )
        changed = conn.execute(
            update(STAGE_T)
            .where(STAGE.id == stage.id, STAGE.retired.is_(False))
            .values(retired=True)
        )
        if changed.rowcount != 1:
            raise ProcessConflict(f"{stage.name} was retired meanwhile")
        change_id = write.record(
            ProcessChangeKind.STAGE_RETIRED,
            pipeline_id=stage.pipeline_id,
            stage_id=stage.id,
            old=stage.name,
        )
    return ProcessResult(f"Retired {stage.name}: its history stays", change_id)
