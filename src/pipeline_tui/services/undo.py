"""Undo and redo of one session's edits.

Undoing is itself an edit: the old values are written back as a new change with its
own history rows, so the history stays append-only.

Both sides hold edits (`RestoreFields`, one of the `Edit` union, written by the same
`edit_types.apply` as a keystroke): each step applies the edit on top of its side and puts
the edit that reverses it on the other side, so undo and redo are the same operation.

Every step expects the version this session's own latest write left on that deal (not
the version stored in the entry: undoing two edits of one deal in a row writes twice).
So a deal someone else changed since raises `StaleDealError`, and the stack stays as it
was. A change by someone else that the user reloaded and then edited on top of is no
longer "since" by version, so each step also checks, field by field, that every field it
puts back still holds what the entry left in it: undoing a probability change that
someone else has changed again since is refused, whatever this user did afterwards.

The stack also knows every version this session's writes produced, which lets a caller
holding an older copy of a deal tell its own later writes (fine to build on) from
someone else's (a conflict): see `based_on`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from .edit_types import RestoreFields, apply
from .errors import EditError
from .writes import EditResult, Source


@dataclass(frozen=True)
class _Step:
    deal_id: int
    edit: RestoreFields


class UndoStack:
    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self._undo: list[_Step] = []
        self._redo: list[_Step] = []
        self._versions: dict[int, int] = {}  # deal id -> version our latest write left
        self._own: dict[int, set[int]] = {}  # deal id -> every version our writes left
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
            self._remember(result)
            if not result.undoable:
                return
            self._undo.append(_Step(result.deal.id, RestoreFields.reversing(result)))
            del self._undo[: -self.limit]
            self._redo.clear()

    def next_undo(self) -> int | None:
        """The deal the next undo writes to, or None when there is nothing to undo."""
        with self._lock:
            return self._undo[-1].deal_id if self._undo else None

    def next_redo(self) -> int | None:
        with self._lock:
            return self._redo[-1].deal_id if self._redo else None

    def clear(self) -> None:
        with self._lock:
            self._undo.clear()
            self._redo.clear()
            self._versions.clear()
            self._own.clear()

    def based_on(self, deal_id: int, version: int) -> int:
        """The version to write against for a deal read at `version`: this session's own
        writes since then are built on (a screen may not have reloaded after them yet),
        anyone else's are not."""
        with self._lock:
            own = self._own.get(deal_id, set())
            # A write bumps the version by one, so version + 1 is ours or someone else's.
            while version + 1 in own:
                version += 1
            return version

    def own_versions(self, deal_id: int) -> frozenset[int]:
        with self._lock:
            return frozenset(self._own.get(deal_id, ()))

    def _remember(self, result: EditResult) -> None:
        self._versions[result.deal.id] = result.deal.version
        self._own.setdefault(result.deal.id, set()).add(result.deal.version)

    def undo(self, engine: Engine, *, user_id: int | None, source: Source) -> EditResult:
        return self._step(engine, self._undo, self._redo, "undo", user_id, source)

    def redo(self, engine: Engine, *, user_id: int | None, source: Source) -> EditResult:
        return self._step(engine, self._redo, self._undo, "redo", user_id, source)

    def _step(
        self,
        engine: Engine,
        take: list[_Step],
        give: list[_Step],
        what: str,
        user_id: int | None,
        source: Source,
    ) -> EditResult:
        with self._lock:
            if not take:
                raise EditError(f"Nothing to {what}.")
            last = take[-1]
            expected = self._versions.get(last.deal_id, last.edit.left_version)
            own = frozenset(self._own.get(last.deal_id, ()))
            edit = replace(last.edit, own_versions=own, what=what)
            inverse = apply(engine, last.deal_id, expected, edit, user_id=user_id, source=source)
            # Only now that the write succeeded does the stack move.
            take.pop()
            give.append(_Step(last.deal_id, RestoreFields.reversing(inverse)))
            self._remember(inverse)
            return inverse


def revert(
    engine: Engine,
    result: EditResult,
    expected_version: int,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    """Write the old values of `result` back, if its fields still hold its new values."""
    edit = RestoreFields.reversing(result)
    return apply(engine, result.deal.id, expected_version, edit, user_id=user_id, source=source)
