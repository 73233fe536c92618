"""Does every deal hold what its change log says it should?

The rule. Each logged field of a deal is replayed on its own, in the order its changes were
written (`deal_change.id`: writes to one deal take turns through the version check, so ids
follow commit order). The log never records a deal's creation (neither the app, nor an
import's new deals, nor the demo seed write a row for it), so a field starts from the
earliest change's old value: that is the first value the log knows. Then:

- every change must start where the previous one left the field (its old value is the
  previous change's new value), or the log has a gap: a write that bypassed it;
- the last change's new value must be what the deal holds now.

A field the log has never changed is the deal as created and is not checked. Values are
compared as values, not as text: "12000.00" and "12000" are the same amount, a stage is
compared by its name in the deal's pipeline (the log stores names, as people read them),
and a stage renamed since (`process_change`) answers to its earlier names too.
The fields compared are those the app's edits write and the plain ones imports write
(name, currency); an import's owner, account and pipeline changes are logged by the
names of rows that can be renamed since, so they are not compared.

The deals and their changes are read as one stream ordered by deal, so memory stays flat
however many deals there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from ..models import Deal, DealChange, ProcessChange, ProcessChangeKind, Stage, table_of
from ..money import CENT, from_minor
from ..storage.integrity import Violation
from .writes import COLUMNS, as_text

DEAL, CHANGE, STAGE = table_of(Deal).c, table_of(DealChange).c, table_of(Stage).c
PROCESS = table_of(ProcessChange).c
REPLAYED = {**COLUMNS, "name": "name", "currency": "currency"}
INTEGERS = {"probability", "push_count"}
DATES = {"close_date", "closed_date"}
CLIPPED_AT = 500  # imports clip longer history text to this width, ending it with "…"
STREAM_ROWS = 5_000


class Counter:
    """How much a streamed check looked at, for its summary."""

    def __init__(self) -> None:
        self.deals = 0
        self.changes = 0


def replay_violations(conn: Connection, counter: Counter | None = None) -> Iterator[Violation]:
    counter = counter or Counter()
    stage_names = dict(conn.execute(select(STAGE.id, STAGE.name)).all())
    renamed = _renamed(conn, stage_names)
    columns = sorted(set(REPLAYED.values()))
    query = (
        select(
            CHANGE.id.label("change_id"),
            CHANGE.deal_id,
            CHANGE.field,
            CHANGE.old_value,
            CHANGE.new_value,
            *(DEAL[c] for c in columns),
        )
        .join_from(table_of(DealChange), table_of(Deal), DEAL.id == CHANGE.deal_id)
        .where(CHANGE.field.in_(REPLAYED))
        .order_by(CHANGE.deal_id, CHANGE.field, CHANGE.id)
        .execution_options(yield_per=STREAM_ROWS)
    )
    # Positions rather than names: this loop runs once per change, a million times over.
    position = {name: 5 + columns.index(column) for name, column in REPLAYED.items()}
    key: tuple[int, str] | None = None
    last: Any = None
    running: str | None = None
    deal_id = None
    for row in conn.execute(query):
        counter.changes += 1
        if row.deal_id != deal_id:
            deal_id = row.deal_id
            counter.deals += 1
        if (row.deal_id, row.field) != key:
            if last is not None and (
                found := _final(last, running, position, stage_names, renamed)
            ):
                yield found
            key, running = (row.deal_id, row.field), row.old_value
        elif not same(row.field, row.old_value, running) and not _same_stage(
            row.field, row.old_value, running, renamed
        ):
            yield Violation(
                "replay",
                f"change {row.change_id} does not start where the change before it left "
                f"{row.field}: a write bypassed the change log",
                table="deal",
                row_id=row.deal_id,
                name=row.name,
                field=row.field,
                expected=running,
                found=row.old_value,
            )
        running, last = row.new_value, row
    if last is not None and (found := _final(last, running, position, stage_names, renamed)):
        yield found


def _renamed(conn: Connection, stage_names: dict[int, str]) -> list[set[str]]:
    """Every name of each renamed stage, today's among them."""
    query = select(PROCESS.stage_id, PROCESS.old_value).where(
        PROCESS.kind == ProcessChangeKind.STAGE_RENAMED.value
    )
    names: dict[int, set[str]] = {}
    for stage_id, old in conn.execute(query):
        if stage_id in stage_names and old:
            names.setdefault(stage_id, {stage_names[stage_id]}).add(old)
    return list(names.values())


def _same_stage(field: str, a: str | None, b: str | None, renamed: list[set[str]]) -> bool:
    return field == "stage" and any(a in group and b in group for group in renamed)


def _final(
    row: Any,
    replayed: str | None,
    position: dict[str, int],
    stage_names: dict[int, str],
    renamed: list[set[str]],
) -> Violation | None:
    now = current_text(row.field, row[position[row.field]], stage_names)
    if same(row.field, replayed, now) or _same_stage(row.field, replayed, now, renamed):
        return None
    return Violation(
        "replay",
        f"{row.field} is not what its change log replays to",
        table="deal",
        row_id=row.deal_id,
        name=row.name,
        field=row.field,
        expected=replayed,
        found=now,
    )


def current_text(field: str, value: Any, stage_names: dict[int, str]) -> str | None:
    """The deal's column written the way the log writes it."""
    if value is None:
        return None
    if field == "stage":
        return stage_names.get(value, f"(no stage {value})")
    if field == "amount":
        return as_text(from_minor(value))
    return as_text(value)


def same(field: str, logged: str | None, other: str | None) -> bool:
    if logged == other:
        return True
    if logged is None or other is None:
        return False
    if logged.endswith("…") and len(logged) == CLIPPED_AT and other.startswith(logged[:-1]):
        return True
    return _value(field, logged) == _value(field, other)


def _value(field: str, text: str) -> object:
    try:
        if field in INTEGERS:
            return int(text)
        if field == "amount":
            return Decimal(text).quantize(CENT)
        if field in DATES:
            return date.fromisoformat(text)
    except (ValueError, InvalidOperation):
        pass  # unreadable: compared as text, so it only matches itself
    return text
