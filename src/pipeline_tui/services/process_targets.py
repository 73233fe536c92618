"""The process's targets (coverage, win rate): changed by an admin, each change recorded
in the process log with who and why, refused when the target moved on since it was read."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import Engine, func, select, update

from ..errors import InputError, NotFoundError
from ..models import ProcessChangeKind, Settings, table_of, utcnow
from .process import ProcessConflict, ProcessResult, check_reason, record

SETTINGS_T = table_of(Settings)
TARGETS = {"coverage": "coverage_target", "win-rate": "win_rate_target"}


def parse_target(which: str, value: str) -> float:
    """`coverage 3.5` (or `3.5x`); `win-rate 55` (or `55%`): a percent, 1-100."""
    text = value.strip().casefold()
    try:
        if which == "coverage":
            number = Decimal(text.removesuffix("x").strip())
            if not Decimal("0.1") <= number <= 100:
                raise InputError(f"A coverage target is 0.1x to 100x, not {value}")
            return float(number)
        if which == "win-rate":
            number = Decimal(text.removesuffix("%").strip())
            if not 1 <= number <= 100:
                raise InputError(f"A win-rate target is 1% to 100%, not {value}")
            return float(number / 100)
    except InvalidOperation:
        raise InputError(f"'{value}' is not a number") from None
    raise InputError(f"A target is coverage or win-rate, not {which}")


def target_text(which: str, value: float) -> str:
    return f"{which} {value:g}x" if which == "coverage" else f"{which} {value:.0%}"


def set_target(
    engine: Engine, which: str, value: str, reason: str | None, *, who: int, seen: float
) -> ProcessResult:
    new = parse_target(which, value)
    why = check_reason(reason)
    column = SETTINGS_T.c[TARGETS[which]]
    now = utcnow()
    with engine.begin() as conn:
        settings_id = conn.execute(select(func.min(SETTINGS_T.c.id))).scalar_one()
        if settings_id is None:
            raise NotFoundError("This database has no settings yet: import or seed it first")
        current = float(
            conn.execute(select(column).where(SETTINGS_T.c.id == settings_id)).scalar_one()
        )
        if abs(current - seen) > 1e-9:
            raise ProcessConflict(
                f"The {which} target is {target_text(which, current)} now, not the "
                f"{target_text(which, seen)} you saw: nothing was changed"
            )
        conn.execute(update(SETTINGS_T).where(SETTINGS_T.c.id == settings_id).values({column: new}))
        change_id = record(
            conn,
            ProcessChangeKind.TARGET,
            who=who,
            now=now,
            pipeline_id=None,
            old=target_text(which, current),
            new=target_text(which, new),
            reason=why,
        )
    return ProcessResult(
        f"Target: {target_text(which, new)} (was {target_text(which, current)})", change_id
    )
