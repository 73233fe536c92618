"""Closing a deal: won or lost, each one versioned edit like the others in `edits`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Connection, Engine, update

from ..models import ForecastCategory, StageKind
from ..parsing import parse_text
from ..query import StageOption
from .cards import DEAL, DEAL_TABLE
from .errors import EditError
from .writes import DealState, EditResult, Plan, Source, apply_edit, ref

# The column's width, checked here because SQLite would store a longer text without a word.
MAX_LOST_REASON = 255


def mark_won(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    *,
    user_id: int | None,
    source: Source,
    today: date | None = None,
) -> EditResult:
    """Won stage, 100%, category closed, closed today; a close date still ahead (or
    missing) becomes today, since that is when it closed."""
    day = today or date.today()

    def plan(state: DealState) -> Plan:
        won = _closing_stage(state, StageKind.WON)
        close: date | None = state.row["close_date"]
        return Plan(
            {
                "stage": ref(won),
                "probability": 100,
                "forecast_category": ForecastCategory.CLOSED.value,
                "closed_date": day,
                "close_date": day if close is None or close > day else close,
                "lost_reason": None,
            },
            after=_keep_last_open_probability(state),
        )

    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def mark_lost(
    engine: Engine,
    deal_id: int,
    expected_version: int,
    reason: str,
    *,
    user_id: int | None,
    source: Source,
    today: date | None = None,
) -> EditResult:
    """Lost stage, 0%, category omitted, closed today, with the reason it was lost."""
    why = parse_text(
        reason,
        MAX_LOST_REASON,
        empty="Say why the deal was lost.",
        too_long="The reason is {length} characters; the limit is {limit}.",
        error=EditError,
    )
    day = today or date.today()

    def plan(state: DealState) -> Plan:
        lost = _closing_stage(state, StageKind.LOST)
        return Plan(
            {
                "stage": ref(lost),
                "probability": 0,
                "forecast_category": ForecastCategory.OMITTED.value,
                "closed_date": day,
                "lost_reason": why,
            },
            after=_keep_last_open_probability(state),
        )

    return apply_edit(engine, deal_id, expected_version, plan, user_id=user_id, source=source)


def _keep_last_open_probability(state: DealState) -> Callable[[Connection, datetime], None]:
    """Store what the rep said while the deal was open, for calibration: a closed deal's
    own probability is 100 or 0. A deal moving from won to lost keeps the one it had."""
    if state.stage.kind != StageKind.OPEN.value:
        return lambda conn, now: None
    probability = state.row["probability"]
    deal_id = state.row["id"]

    def write(conn: Connection, now: datetime) -> None:
        conn.execute(
            update(DEAL_TABLE).where(DEAL.id == deal_id).values(probability_at_close=probability)
        )

    return write


def _closing_stage(state: DealState, kind: StageKind) -> StageOption:
    if state.stage.kind == kind.value:
        raise EditError(f"This deal is already {kind.value}.")
    stages = state.stages_of(kind)
    if not stages:
        raise EditError(f"This deal's pipeline has no {kind.value} stage.")
    return stages[0]
