"""One session's burst of random edits, each written through `Workspace.edit` as the app
writes it, and logged as one JSON line: acknowledged, conflict, refused or error.

An acknowledgement is logged only after `Workspace.edit` returned, so the write had
committed; with `durable` the line is also fsynced before the next edit starts, so that a
writer killed at any moment has on disk every edit it was told was saved.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from pipeline_tui.errors import ConflictError, InputError, PermissionDenied, user_message
from pipeline_tui.services.cards import DealCard
from pipeline_tui.services.edit_types import (
    AddNote,
    CycleCategory,
    Edit,
    MoveStage,
    NudgeProbability,
    SetAmount,
    SetCloseDate,
    SetProbability,
    label,
)
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.services.writes import EditResult, as_text

EDIT_KINDS = ("probability", "nudge", "stage", "category", "close_date", "amount", "note")
STEP_KINDS = ("undo", "redo")


def random_edit(rng: random.Random, kind: str, tag: str, today: date, fy_month: int) -> Edit:
    """An edit of `kind` as a key or a prompt would make it; `tag` makes note texts unique,
    so that each acknowledged note can be found again."""
    if kind == "probability":
        return SetProbability(rng.randrange(0, 100, 10))
    if kind == "nudge":
        return NudgeProbability(rng.choice((5, -5)))
    if kind == "stage":
        return MoveStage(rng.choice((1, -1)), accept_default_probability=rng.random() < 0.3)
    if kind == "category":
        return CycleCategory()
    if kind == "close_date":
        return SetCloseDate(today + timedelta(days=rng.randrange(-30, 270)), fy_month)
    if kind == "amount":
        return SetAmount(Decimal(rng.randrange(100_000, 50_000_000)) / 100)
    if kind == "note":
        if rng.random() < 0.4:
            return AddNote(f"call back ({tag})", kind="next_step")
        return AddNote(f"load note {tag}")
    raise ValueError(f"unknown edit kind {kind!r}")


def card_values(card: DealCard) -> dict[str, str | None]:
    """The deal's fields as the change log writes them, to compare with its replay."""
    return {
        "stage": card.stage_name,
        "probability": as_text(card.probability),
        "forecast_category": card.forecast_category,
        "amount": as_text(card.amount),
        "close_date": as_text(card.close_date),
        "next_step": card.next_step,
        "push_count": as_text(card.push_count),
    }


class EditLog:
    """A JSON-lines file written by one process."""

    def __init__(self, path: Path, *, durable: bool) -> None:
        self.durable = durable
        self._file: IO[str] = path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._file.write(json.dumps(record, sort_keys=True) + "\n")
        self._file.flush()
        if self.durable:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class Burst:
    """What one process does: who it is, the pool, how many edits, where it logs."""

    url: str
    login: str
    proc: int
    deal_ids: list[int]
    edits: int
    log_path: Path
    seed: int
    durable: bool = False
    log_attempts: bool = False
    think: float = 0.0  # seconds between reading a deal and writing to it, at most
    undo: bool = False  # undo and redo among the edits


def run_burst(burst: Burst, ready: Callable[[], object] = lambda: None) -> None:
    """Open a session as `burst.login`, call `ready` (a barrier, or a signal to the
    parent), then make the edits."""
    log = EditLog(burst.log_path, durable=burst.durable)
    ws = Workspace.open(burst.url, user=burst.login)
    try:
        editor = _Editor(ws, log, burst)
        ready()
        log.write({**editor.base, "kind": "start", "planned": burst.edits, "t": time.time()})
        for seq in range(burst.edits):
            editor.one(seq)
        log.write({**editor.base, "kind": "done", "attempted": burst.edits, "t": time.time()})
    finally:
        log.close()
        ws.engine.dispose()


class _Editor:
    def __init__(self, ws: Workspace, log: EditLog, burst: Burst) -> None:
        self.ws, self.log, self.burst = ws, log, burst
        self.rng = random.Random(burst.seed * 1_000_003 + burst.proc)
        self.base = {"proc": burst.proc, "login": burst.login, "user_id": ws.me.id}
        # The session's undo and redo stacks as this process saw them acknowledged, so
        # that the check can tell what each undo was to take back.
        self.undoable: list[dict[str, Any]] = []
        self.redoable: list[dict[str, Any]] = []

    def one(self, seq: int) -> None:
        kinds = EDIT_KINDS + (STEP_KINDS if self.burst.undo else ())
        kind = self.rng.choice(kinds)
        record: dict[str, Any] = {**self.base, "seq": seq, "edit": kind}
        start = time.perf_counter()
        try:
            if kind in STEP_KINDS:
                start, result = self._step(kind, record)
            else:
                start, result = self._edit(kind, seq, record)
        except ConflictError as exc:
            record.update(kind="conflict", error=type(exc).__name__, message=user_message(exc))
        except (InputError, PermissionDenied) as exc:
            record.update(kind="refused", error=type(exc).__name__, message=user_message(exc))
        except Exception as exc:  # the run goes on: an error is counted, not fatal
            record.update(kind="error", error=type(exc).__name__, message=str(exc)[:500])
        else:
            record.update(_acknowledged(result))
            self._remember(record)
        record["ms"] = (time.perf_counter() - start) * 1000
        self.log.write(record)

    def _edit(self, kind: str, seq: int, record: dict[str, Any]) -> tuple[float, EditResult]:
        ws, rng = self.ws, self.rng
        deal_id = record["deal"] = rng.choice(self.burst.deal_ids)
        edit = random_edit(
            rng, kind, f"p{self.burst.proc}-{seq}", ws.today(), ws.settings.fiscal_year_start_month
        )
        if isinstance(edit, AddNote):
            record["note"] = {"text": edit.text.strip(), "kind": str(edit.kind)}
        start = time.perf_counter()
        # Like the app: the person looks at the deal, then presses a key.
        card = ws.deal(deal_id)
        record["read_version"] = card.version
        record["read_ms"] = (time.perf_counter() - start) * 1000
        if self.burst.think:
            time.sleep(rng.uniform(0, self.burst.think))
        self._attempt(record, label(edit, card.currency))
        start = time.perf_counter()
        return start, ws.edit(card, edit)

    def _step(self, kind: str, record: dict[str, Any]) -> tuple[float, EditResult]:
        """Undo or redo: what it takes back is the top of the stack, if there is one."""
        take = self.undoable if kind == "undo" else self.redoable
        if take:
            top = take[-1]
            record["deal"] = top["deal"]
            record["takes_back"] = {k: top[k] for k in ("deal", "version", "changes")}
        self._attempt(record, kind)
        start = time.perf_counter()
        return start, self.ws.undo() if kind == "undo" else self.ws.redo()

    def _attempt(self, record: dict[str, Any], what: str) -> None:
        if self.burst.log_attempts:
            self.log.write({**record, "kind": "attempt", "label": what})

    def _remember(self, record: dict[str, Any]) -> None:
        """As `UndoStack` does: a step moves its entry across, an edit clears redo."""
        if record["edit"] == "undo":
            self.undoable.pop()
            self.redoable.append(record)
        elif record["edit"] == "redo":
            self.redoable.pop()
            self.undoable.append(record)
        elif record["changes"] and "note" not in record:
            self.undoable.append(record)
            self.redoable.clear()


def _acknowledged(result: EditResult) -> dict[str, Any]:
    return {
        "kind": "ack",
        "deal": result.deal.id,
        "version": result.deal.version,
        "at": result.deal.updated_at.isoformat(),
        "changes": [[c.field, as_text(c.old), as_text(c.new)] for c in result.changes],
        "values": card_values(result.deal),
    }
