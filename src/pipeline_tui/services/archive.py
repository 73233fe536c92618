"""Archiving a deal: withdrawn from the pipeline, kept in the history.

An archived deal leaves the board, the table and every figure (see `query.scope.where`
and docs/metrics.md); its rows, its change log and the snapshots that counted it stay.
Only an open deal is archived: a won or lost deal has already left the pipeline, and its
result belongs to the period it closed in. Archiving is an edit like any other: checked
against the version the person saw, logged with who and when, undone by `u`.
"""

from __future__ import annotations

from sqlalchemy import Engine

from ..models import StageKind
from .errors import EditError
from .writes import DealState, EditResult, Plan, Source, apply_edit


def archive_deal(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    *,
    user_id: int | None,
    source: Source,
) -> EditResult:
    def plan(state: DealState) -> Plan:
        if state.row["archived"]:
            raise EditError("This deal is archived already")
        kind = state.stage.kind
        if kind != StageKind.OPEN.value:
            raise EditError(
                f"This deal is {kind}: it has left the pipeline already, and its result "
                "stays in the period it closed in. Only open deals are archived."
            )
        return Plan({"archived": True})

    return apply_edit(
        engine, deal_id, expected_version, plan, user_id=user_id, source=source, what="archive"
    )
