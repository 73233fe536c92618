"""The team's settings, changed by an admin without touching the database: the one
module that owns a setting change, the targets' too (`process_targets` goes through it).

Each setting has a parser that says in one line why a value is refused (nothing is
written then), a default and a one-line meaning for the list. A change is one transaction
that checks the value is still the one the caller read (someone else's change since is a
`ProcessConflict`, never overwritten) and records old → new, who, when and why in the
process log: the targets as `target` rows (as `process target` always has), the rest as
`setting` rows, a stage's days limit naming its stage.

Permissions are the session's to check (`session_process`); this module only validates.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import Connection, Engine, func, select, update

from ..errors import InputError, NotFoundError
from ..models import Pipeline, ProcessChangeKind, Settings, Stage, StageKind, User, table_of
from .process import ProcessConflict, ProcessResult, process_write

SETTINGS_T = table_of(Settings)
STAGE_T = table_of(Stage)
PIPELINE_T = table_of(Pipeline)
PIPELINE = PIPELINE_T.c
USER = table_of(User).c
DAYS_MAX = 3650
TRUE_WORDS = frozenset({"yes", "true", "on", "y", "1"})
FALSE_WORDS = frozenset({"no", "false", "off", "n", "0"})
CLEAR_WORDS = frozenset({"", "none", "-", "auto", "(auto)"})
CURRENCY = re.compile(r"^[A-Z]{3}$")
MONTHS = {name.casefold(): n for n, name in enumerate(calendar.month_name) if n} | {
    name.casefold(): n for n, name in enumerate(calendar.month_abbr) if n
}
# A stage's days limit is listed and changed under this name.
DAYS_LIMIT = "days_limit"

Value = int | float | str | bool | None


def _whole(name: str, value: str, low: int, high: int) -> int:
    text = value.strip().removesuffix("d").strip()
    try:
        number = int(text)
    except ValueError:
        raise InputError(f"{name} is a whole number, {low} to {high}, not '{value}'") from None
    if not low <= number <= high:
        raise InputError(f"{name} is {low} to {high}, not {number}")
    return number


def _days(low: int) -> Callable[[str, str, Connection], int]:
    return lambda name, value, _conn: _whole(name, value, low, DAYS_MAX)


def _month(name: str, value: str, _conn: Connection) -> int:
    named = MONTHS.get(value.strip().casefold())
    return named if named is not None else _whole(name, value, 1, 12)


def _currency(name: str, value: str, _conn: Connection) -> str:
    code = value.strip().upper()
    if not CURRENCY.match(code):
        raise InputError(f"{name} is a three-letter code such as USD or EUR, not '{value}'")
    return code


def _boolean(name: str, value: str, _conn: Connection) -> bool:
    word = value.strip().casefold()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InputError(f"{name} is yes or no (true/false, on/off), not '{value}'")


def _head(name: str, value: str, conn: Connection) -> str | None:
    login = value.strip()
    if login.casefold() in CLEAR_WORDS:
        return None
    row = conn.execute(select(USER.login, USER.active).where(USER.login == login)).first()
    if row is None:
        raise InputError(f"{name}: no one has the login '{value}' (or 'none' for the default)")
    if not row.active:
        raise InputError(f"{name}: {login} is no longer active")
    return str(row.login)


def parse_coverage(value: str) -> float:
    """`3.5` or `3.5x`: the pipeline to hold per unit of quota still to close."""
    number = _decimal(value, value.strip().casefold().removesuffix("x"))
    if not Decimal("0.1") <= number <= 100:
        raise InputError(f"A coverage target is 0.1x to 100x, not {value}")
    return float(number)


def parse_win_rate(value: str) -> float:
    """`60%`, `60` or `0.6`: a number below 1 with a decimal point is a fraction, any
    other a percent (1% to 100%: the implied coverage is 1 / win rate)."""
    text = value.strip().casefold()
    percent = text.endswith("%") or "." not in text or _decimal(value, text) >= 1
    number = _decimal(value, text.removesuffix("%"))
    if not percent:
        number *= 100
    if not 1 <= number <= 100:
        raise InputError(f"A win-rate target is 1% to 100%, not {value}")
    return float(number / 100)


def _decimal(value: str, text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(f"'{value}' is not a number") from None
    if not number.is_finite():
        raise InputError(f"'{value}' is not a number")
    return number


@dataclass(frozen=True)
class Spec:
    name: str
    default: Value
    meaning: str
    parse: Callable[[str, str, Connection], Value]
    # The `process target` word for a target (its changes are `target` rows).
    target: str | None = None


def text_of(name: str, value: Value) -> str:
    """A value as the list and the log show it: `3.5x`, `60%`, `yes`, `(auto)`."""
    if name == "coverage_target" and isinstance(value, float | int):
        return f"{value:g}x"
    if name == "win_rate_target" and isinstance(value, float | int):
        return f"{value:.0%}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "(auto)"
    return str(value)


SPECS: dict[str, Spec] = {
    s.name: s
    for s in (
        Spec(
            "fiscal_year_start_month",
            1,
            "the month the fiscal year starts (1-12 or a name: 4 or April)",
            _month,
        ),
        Spec("currency", "USD", "the reporting currency every figure is shown in", _currency),
        Spec(
            "coverage_target",
            3.0,
            "pipeline to hold per unit of quota still to close (0.1x-100x)",
            lambda _n, v, _c: parse_coverage(v),
            target="coverage",
        ),
        Spec(
            "win_rate_target",
            0.6,
            "the share of closed value the team means to win (1%-100%)",
            lambda _n, v, _c: parse_win_rate(v),
            target="win-rate",
        ),
        Spec(
            "head_login",
            None,
            "who 'me' is for a command run by no one (none: the largest team's head)",
            _head,
        ),
        Spec(
            "reps_own_team_only",
            False,
            "reps see only their own team's deals (yes/no)",
            _boolean,
        ),
        Spec(
            "call_stale_days",
            7,
            "a forecast call older than this many days is stale",
            _days(1),
        ),
        Spec(
            "flag_push_count",
            2,
            "a deal whose close date was pushed this many times is flagged",
            lambda n, v, _c: _whole(n, v, 1, 100),
        ),
        Spec(
            "stale_days",
            30,
            "no change for this many days: flagged, and the stale filter (S)",
            _days(1),
        ),
        Spec(
            "flag_review_days",
            7,
            "with no review ended yet, 'since the last review' is this many days back",
            _days(1),
        ),
    )
}
STAGE_DAYS_DEFAULT = 60
STAGE_DAYS_MEANING = "an open deal longer than this many days in the stage is flagged"


@dataclass(frozen=True)
class SettingRow:
    """One line of the list: a team setting, or one stage's days limit (`stage_id`)."""

    name: str
    value: Value
    default: Value
    meaning: str
    pipeline: str | None = None
    stage: str | None = None
    stage_id: int | None = None

    @property
    def value_text(self) -> str:
        return text_of(self.name, self.value)

    @property
    def default_text(self) -> str:
        return text_of(self.name, self.default)

    @property
    def label(self) -> str:
        return self.name if self.stage is None else f"{self.stage}: {self.name}"


def spec_of(name: str) -> Spec:
    wanted = name.strip().casefold().replace("-", "_")
    spec = SPECS.get(wanted)
    if spec is None:
        if wanted == DAYS_LIMIT:
            raise InputError("days_limit is a stage's: `settings set-stage STAGE days_limit N`")
        raise InputError(f"There is no setting '{name}': there are {', '.join(SPECS)}")
    return spec


def list_settings(conn: Connection, pipeline_id: int | None = None) -> list[SettingRow]:
    """Every setting with its value and default, then each open stage's days limit (one
    pipeline's, or every pipeline's in their order)."""
    row = conn.execute(select(SETTINGS_T).order_by(SETTINGS_T.c.id).limit(1)).mappings().first()
    rows = [
        SettingRow(
            s.name, s.default if row is None else _stored(s, row[s.name]), s.default, s.meaning
        )
        for s in SPECS.values()
    ]
    stage = STAGE_T.c
    query = (
        select(stage.id, stage.name, stage.days_limit, PIPELINE.name.label("pipeline"))
        .join(PIPELINE_T, PIPELINE.id == stage.pipeline_id)
        .where(stage.kind == StageKind.OPEN.value, stage.retired.is_(False))
        .order_by(PIPELINE.position, PIPELINE.id, stage.position, stage.id)
    )
    if pipeline_id is not None:
        query = query.where(stage.pipeline_id == pipeline_id)
    rows += [
        SettingRow(
            DAYS_LIMIT,
            int(r.days_limit),
            STAGE_DAYS_DEFAULT,
            STAGE_DAYS_MEANING,
            pipeline=r.pipeline,
            stage=r.name,
            stage_id=int(r.id),
        )
        for r in conn.execute(query)
    ]
    return rows


def _stored(spec: Spec, value: object) -> Value:
    if value is None:
        return None
    if isinstance(spec.default, bool):
        return bool(value)
    if isinstance(spec.default, float):
        return float(str(value))
    if isinstance(spec.default, int):
        return int(str(value))
    return str(value)


def _same(a: Value, b: Value) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) <= 1e-9
    return a == b


def change_setting(
    engine: Engine, name: str, value: str, reason: str | None, *, who: int, seen: Value
) -> ProcessResult:
    """Sets one team setting, if it is still `seen`; recorded in the process log."""
    spec = spec_of(name)
    column = SETTINGS_T.c[spec.name]
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        new = spec.parse(spec.name, value, conn)
        settings_id = conn.execute(select(func.min(SETTINGS_T.c.id))).scalar_one()
        if settings_id is None:
            raise NotFoundError("This database has no settings yet: import or seed it first")
        stored = conn.execute(
            select(column).where(SETTINGS_T.c.id == settings_id).with_for_update()
        ).scalar_one()
        current = _stored(spec, stored)
        old_text, new_text = _logged(spec, current), _logged(spec, new)
        if not _same(current, seen):
            raise ProcessConflict(
                f"{spec.name} is {text_of(spec.name, current)} now, not the "
                f"{text_of(spec.name, seen)} you saw: nothing was changed"
            )
        if _same(current, new):
            raise InputError(f"{spec.name} is {text_of(spec.name, new)} already: nothing to change")
        conn.execute(update(SETTINGS_T).where(SETTINGS_T.c.id == settings_id).values({column: new}))
        change_id = write.record(
            ProcessChangeKind.TARGET if spec.target else ProcessChangeKind.SETTING,
            pipeline_id=None,
            old=old_text,
            new=new_text,
        )
    what = "Target" if spec.target else "Setting"
    shown = f"{text_of(spec.name, current)} → {text_of(spec.name, new)}"
    return ProcessResult(f"{what} {spec.target or spec.name}: {shown}", change_id)


def _logged(spec: Spec, value: Value) -> str:
    """`coverage 3.5x`, `win-rate 60%` (the targets' words since `process target`),
    `stale_days 14` for the rest."""
    return f"{spec.target or spec.name} {text_of(spec.name, value)}"


def change_stage_days(
    engine: Engine, stage_id: int, value: str, reason: str | None, *, who: int, seen: int
) -> ProcessResult:
    """Sets an open stage's days limit, if it is still `seen`; recorded naming the stage."""
    new = _whole(DAYS_LIMIT, value, 1, DAYS_MAX)
    stage = STAGE_T.c
    with process_write(engine, reason, who=who) as write:
        conn = write.conn
        row = conn.execute(
            select(stage.name, stage.pipeline_id, stage.days_limit, stage.kind, stage.retired)
            .where(stage.id == stage_id)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFoundError(f"There is no stage {stage_id}")
        if row.kind != StageKind.OPEN.value or row.retired:
            raise InputError(f"{row.name} is not an open stage: it has no days limit to change")
        current = int(row.days_limit)
        if current != seen:
            raise ProcessConflict(
                f"{row.name}'s days limit is {current} now, not the {seen} you saw: "
                "nothing was changed"
            )
        if current == new:
            raise InputError(f"{row.name}'s days limit is {new} already: nothing to change")
        conn.execute(update(STAGE_T).where(stage.id == stage_id).values(days_limit=new))
        change_id = write.record(
            ProcessChangeKind.SETTING,
            pipeline_id=int(row.pipeline_id),
            stage_id=stage_id,
            old=f"{DAYS_LIMIT} {current}",
            new=f"{DAYS_LIMIT} {new}",
        )
    return ProcessResult(f"Setting {row.name}: {DAYS_LIMIT} {current} → {new}", change_id)


__all__ = [
    "DAYS_LIMIT",
    "SPECS",
    "SettingRow",
    "change_setting",
    "change_stage_days",
    "list_settings",
    "parse_coverage",
    "parse_win_rate",
    "spec_of",
    "text_of",
]
