"""Undo and redo of one session's edits.

Undoing is itself an edit: the old values are written back as a new change with its
own history rows, so the history stays append-only.

Both sides hold results, and each step applies the inverse of the result on top of its
side and moves that new result to the other side: undo and redo are the same operation.

Every step expects the version this session's own latest write left on that deal (not
the version stored in the entry: undoing two edits of one deal in a row writes twice).
So a deal someone else changed since raises `StaleDealError`, and the stack stays as it
was. A change by someone else that the user reloaded and then edited on top of is no
longer "since": undo reverts only the fields the entry changed and leaves theirs.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from .errors import EditError
from .writes import EditResult, Source, apply_values


class UndoStack:
    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self._undo: list[EditResult] = []
        self._redo: list[EditResult] = []
        self._versions: dict[int, int] = {}  # deal id -> version our latest write left
        # The UI runs edits in thread workers; two quick keystrokes must not interleave.
        self._lock = threading.Lock()

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def push(self, result: EditResult) -> None:
        """Remember an edit. Edits that changed nothing are ignored; notes are not
        remembered, but pushing one that set the next step tells the stack that the new
        version is this session's own, so undo doesn't take it for someone else's."""
        if not result.changes:
            return
        with self._lock:
            self._versions[result.deal.id] = result.deal.version
            if not result.undoable:
                return
            self._undo.append(result)
            del self._undo[: -self.limit]
            self._redo.clear()

    def clear(self) -> None:
        with self._lock:
            self._undo.clear()
            self._redo.clear()
            self._versions.clear()

    def undo(self, engine: Engine, *, user_id: int | None, source: Source) -> EditResult:
        return self._step(engine, self._undo, self._redo, "undo", user_id, source)

    def redo(self, engine: Engine, *, user_id: int | None, source: Source) -> EditResult:
        return self._step(engine, self._redo, self._undo, "redo", user_id, source)

    def _step(
        self,
        engine: Engine,
        take: list[EditResult],
        give: list[EditResult],
        what: str,
        user_id: int | None,
        source: Source,
    ) -> EditResult:
        with self._lock:
            if not take:
                raise EditError(f"Nothing to {what}.")
            last = take[-1]
            expected = self._versions.get(last.deal.id, last.deal.version)
            inverse = revert(engine, last, expected, user_id=user_id, source=source)
            # Only now that the write succeeded does the stack move.
            take.pop()
            give.append(inverse)
            self._versions[inverse.deal.id] = inverse.deal.version
            return inverse


def revert(
    engine: Engine,
    result: EditResult,
    expected_version: int,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    """Write the old values of `result` back."""
    values = {change.field: change.old for change in result.changes}
    return apply_values(
        engine,
        result.deal.id,
        expected_version,
        values,
        user_id=user_id,
        source=source,
        stage_entered_at=result.previous_stage_entered_at,
    )
