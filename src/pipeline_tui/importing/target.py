"""What a deal will look like after the import, and which of its fields that changes.

Probability and forecast category, when the file doesn't give them:

- a new deal takes its stage's default probability, and an updated deal whose stage
  changed takes the new stage's default; otherwise the deal keeps its probability;
- the forecast category is derived for a new deal, and for an updated deal whose stage
  or probability changed, by this rule: won -> closed; lost -> omitted; open at 90% or
  more -> commit, 60% or more -> best_case, else pipeline. Otherwise it is kept, so a
  category set by hand in the app survives a weekly re-import of an unchanged deal.

A field whose column the file doesn't have is left as it is on updated deals. A won or
lost deal's `closed_date` is the file's (Pipedrive's won/lost time) or else its close
date; a close date moved into a later fiscal quarter counts as a push, as it does in
the app. Every changed field becomes one history row, with old and new values written
the way the app writes them.

An archived deal stays archived unless its row says `archived` no, which restores it
(and one saying yes archives a live one, as `A` does). Only an open deal is archived,
in the app as here: a row that would leave a won or lost deal archived is rejected.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..models import ForecastCategory, StageKind
from ..money import from_minor, to_minor
from ..periods import quarter_containing
from ..services.writes import as_text
from .directory import Directory, PipelineRef, Ref, StageRef, UserRef
from .model import Problem, Severity
from .rows import FileDeal

# Written on insert and on update, in this order; the references hold `Ref`s until then.
DEAL_COLUMNS = (
    "external_id", "name", "account_id", "owner_id", "pipeline_id", "stage_id",
    "amount_minor", "currency", "probability", "forecast_category", "close_date",
    "next_step", "created_at", "stage_entered_at", "closed_date", "lost_reason", "push_count",
    "archived",
)  # fmt: skip
REFERENCES = ("account_id", "owner_id", "pipeline_id", "stage_id")
# History field names, as the app writes them, for the columns a change is recorded for.
HISTORY_FIELDS = {
    "name": "name", "account_id": "account", "owner_id": "owner", "pipeline_id": "pipeline",
    "stage_id": "stage", "amount_minor": "amount", "currency": "currency",
    "probability": "probability", "forecast_category": "forecast_category",
    "close_date": "close_date", "closed_date": "closed_date", "next_step": "next_step",
    "lost_reason": "lost_reason", "push_count": "push_count", "created_at": "created",
    "archived": "archived",
}  # fmt: skip
Stored = dict[str, Any]  # a deal's columns as loaded
OPEN, WON, LOST = StageKind.OPEN.value, StageKind.WON.value, StageKind.LOST.value


def derive_category(kind: str, probability: int) -> str:
    if kind == WON:
        return ForecastCategory.CLOSED.value
    if kind == LOST:
        return ForecastCategory.OMITTED.value
    if probability >= 90:
        return ForecastCategory.COMMIT.value
    if probability >= 60:
        return ForecastCategory.BEST_CASE.value
    return ForecastCategory.PIPELINE.value


@dataclass(slots=True)
class Resolved:
    deal: FileDeal
    pipeline: PipelineRef
    stage: StageRef
    owner: UserRef | None  # None: an updated deal keeps its owner
    account: Ref | None
    old: Stored | None


@dataclass(frozen=True)
class Context:
    present: frozenset[str]  # fields the file has a column for
    currency: str
    fiscal_year_start_month: int
    now: datetime
    directory: Directory
    headers: dict[str, str]  # field -> the column it is read from, for problem reports
    _quarters: dict[date, date] = field(default_factory=dict)

    def quarter_start(self, day: date) -> date:
        """The first day of the fiscal quarter `day` is in, worked out once per day."""
        start = self._quarters.get(day)
        if start is None:
            start = quarter_containing(day, self.fiscal_year_start_month).start
            assert start is not None
            self._quarters[day] = start
        return start


def target(res: Resolved, ctx: Context) -> dict[str, Any]:
    """The deal's columns after the import; problems go onto the row."""
    d, old, stage, kind = res.deal, res.old, res.stage, res.stage.kind
    has = ctx.present.__contains__
    stage_moved = old is None or not stage.same_as(old["stage_id"])

    if d.probability is not None:
        probability = d.probability
    elif stage_moved or old is None:
        probability = stage.default_probability
    else:
        probability = old["probability"]
    if d.forecast_category is not None:
        category = d.forecast_category
    elif old is None or stage_moved or probability != old["probability"]:
        category = derive_category(kind, probability)
    else:
        category = old["forecast_category"]

    close = d.close_date if has("close_date") or old is None else old["close_date"]
    if close is None and kind != OPEN:
        close = d.closed_date or (old["close_date"] if old is not None else None)
    if kind == OPEN:
        closed = None
    elif d.closed_date is not None:
        closed = d.closed_date
    elif (
        old is not None
        and old["closed_date"]
        and ctx.directory.stages_by_id.get(old["stage_id"], stage).kind == kind
    ):
        closed = old["closed_date"]
    else:
        closed = close
    where = ctx.headers.get
    if kind != OPEN and close is None:
        _problem(d, where("close_date", "close_date"), f"a {kind} deal needs a close date")
    elif close is None:
        _problem(d, where("close_date", "close_date"), "no close date", Severity.WARNING)
    if kind == OPEN and stage.retired and stage_moved:
        _problem(
            d,
            where("stage", "stage"),
            f"{stage.name} is retired (the process screen): an open deal can't be put in it",
        )
    if d.archived is not None:
        archived = d.archived
    else:
        archived = bool(old["archived"]) if old is not None else False
    if archived and kind != OPEN:
        said = "says it is archived" if d.archived else "matches an archived deal"
        _problem(
            d,
            where("archived", "archived"),
            f"the row {said}, but its stage is {kind} and only open deals are archived; "
            "say archived no to restore it, or give it an open stage",
        )
    if res.account is None and has("account"):
        _problem(d, where("account", "account"), "no account", Severity.WARNING)

    if d.push_count is not None:
        pushes = d.push_count
    elif old is None:
        pushes = 0
    else:
        pushes = old["push_count"] + _pushed(old["close_date"], close, ctx)

    def kept(name: str, column: str, value: Any) -> Any:
        return value if old is None or has(name) else old[column]

    return {
        "external_id": d.external_id,
        "name": d.name,
        "account_id": res.account if old is None or has("account") else old["account_id"],
        "owner_id": res.owner if res.owner is not None else old and old["owner_id"],
        "pipeline_id": res.pipeline,
        "stage_id": stage,
        "amount_minor": kept("amount", "amount_minor", to_minor(d.amount)),
        "currency": d.currency or (old["currency"] if old is not None else ctx.currency),
        "probability": probability,
        "forecast_category": category,
        "close_date": close,
        "next_step": kept("next_step", "next_step", d.next_step),
        "created_at": d.created or (old["created_at"] if old is not None else ctx.now),
        "stage_entered_at": d.stage_entered_at
        or (ctx.now if stage_moved or old is None else old["stage_entered_at"]),
        "closed_date": closed,
        "lost_reason": kept("lost_reason", "lost_reason", d.lost_reason),
        "push_count": pushes,
        "archived": archived,
    }


def _pushed(before: Any, after: Any, ctx: Context) -> int:
    if before is None or after is None or after <= before:
        return 0
    return 1 if ctx.quarter_start(after) > ctx.quarter_start(before) else 0


_ALL = operator.itemgetter(*DEAL_COLUMNS)
_REFERENCE_POSITIONS = [DEAL_COLUMNS.index(c) for c in REFERENCES]


def changed_columns(old: Stored, new: dict[str, Any]) -> tuple[str, ...]:
    """The columns whose stored value the import changes."""
    after = list(_ALL(new))
    for i in _REFERENCE_POSITIONS:
        value = after[i]
        if isinstance(value, Ref) and not value.new:
            after[i] = value.id
    before = _ALL(old)
    # Most rows of a weekly re-import are unchanged: one tuple comparison settles them.
    if tuple(after) == before:
        return ()
    return tuple(c for c, a, b in zip(DEAL_COLUMNS, after, before, strict=True) if a != b)


def changes(old: Stored, new: dict[str, Any], directory: Directory) -> list[tuple[str, Any, Any]]:
    """(history field, old text, new text) for each column the import changes."""
    found = []
    for column, field_name in HISTORY_FIELDS.items():
        value, before = new[column], old[column]
        if column in REFERENCES:
            same = isinstance(value, Ref) and value.same_as(before)
            if same or (value is None and before is None):
                continue
            found.append((field_name, _ref_name(column, before, directory), _name(value)))
        elif value != before:
            if column == "amount_minor":
                value, before = from_minor(value), from_minor(before)
            elif column == "archived":  # SQLite gives 0/1; the log writes True/False
                value, before = bool(value), bool(before)
            found.append((field_name, as_text(before), as_text(value)))
    return found


def _name(value: Any) -> str | None:
    return value.name if isinstance(value, Ref) else None


def _ref_name(column: str, stored_id: int | None, directory: Directory) -> str | None:
    if stored_id is None:
        return None
    tables: dict[str, dict[Any, Any]] = {
        "account_id": directory.accounts_by_id,
        "owner_id": directory.users_by_id,
        "pipeline_id": directory.pipelines_by_id,
        "stage_id": directory.stages_by_id,
    }
    found = tables[column].get(stored_id)
    return found.name if found is not None else str(stored_id)


def _problem(deal: FileDeal, column: str, reason: str, severity: Severity = Severity.ERROR) -> None:
    deal.add(Problem(deal.line, column, None, reason, severity))
