"""Deciding what a deal import will do, reading the database but writing nothing.

Rows are matched to stored deals by external id, loaded a chunk of ids at a time
rather than one query per row, and compared in Python. The plan lists deals to create,
deals to update (with the version each was read at, and its history rows), new people,
accounts, pipelines and stages, and the deals of the file's pipelines that the file
doesn't mention. A dry run shows it; `apply` writes it.

A row matching an archived deal is counted and named, so that a re-import never changes
a deal nobody sees on the board without saying so; `target` keeps it archived unless
the row says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, false, select

from ..models import Deal, Settings, StageKind, table_of
from ..money import from_minor
from ..query.currency import without_rate
from .bulk import refresh_statistics, select_by_keys
from .directory import Directory, Ref, UserRef
from .formats import ColumnMap
from .history import ranks
from .model import (
    ArchivedMatches,
    FileRejected,
    ImportOptions,
    Missing,
    Problem,
    Severity,
    StageOrder,
)
from .rows import FileDeal
from .stages import StageResolver
from .target import DEAL_COLUMNS, Context, Resolved, changed_columns, changes, target

DEAL = table_of(Deal).c
SETTINGS = table_of(Settings).c
EXISTING_CHUNK = 500
MISSING_SAMPLE = 10
ARCHIVED_SAMPLE = 5


@dataclass(frozen=True)
class Update:
    deal_id: int
    version: int
    values: dict[str, Any]
    columns: tuple[str, ...]  # the ones that change
    changes: list[tuple[str, Any, Any]]


@dataclass
class DealPlan:
    directory: Directory
    deals: list[FileDeal]
    notices: list[Problem]
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    missing: Missing | None = None
    preview: list[dict[str, str]] = field(default_factory=list)
    stage_order: list[StageOrder] = field(default_factory=list)
    archived_matched: list[str] = field(default_factory=list)  # their deal names
    restored: int = 0

    @property
    def archived(self) -> ArchivedMatches | None:
        names = self.archived_matched
        if not names:
            return None
        return ArchivedMatches(len(names), self.restored, names[:ARCHIVED_SAMPLE])

    @property
    def rejected(self) -> int:
        return sum(1 for d in self.deals if d.rejected)

    @property
    def problems(self) -> list[Problem]:
        return self.notices + [p for d in self.deals for p in d.problems]

    def new_names(self) -> dict[str, list[str]]:
        d = self.directory
        return {
            "owners": [f"{u.name} ({u.login})" for u in d.new_users],
            "accounts": [a.name for a in d.new_accounts],
            "pipelines": [p.name for p in d.new_pipelines],
            "stages": [
                f"{s.pipeline.name if s.pipeline else '?'} / {s.name} "
                f"({s.kind}, {s.default_probability}%)"
                for s in d.new_stages()
            ],
        }


# Sees a deal import's plan inside its transaction and raises to refuse it.
Authorize = Callable[[Connection, DealPlan], None]


def plan_deals(
    conn: Connection,
    deals: list[FileDeal],
    mapping: ColumnMap,
    options: ImportOptions,
    *,
    now: datetime,
    notices: list[Problem],
    paths: list[list[str]] | None = None,
) -> DealPlan:
    """`paths`: each deal's stages in the order it entered them, when the file says."""
    directory = Directory(conn)
    plan = DealPlan(directory, deals, notices)
    currency, fiscal_month = _settings(conn)
    present = frozenset(mapping.columns)
    default_owner = _default_owner(directory, options, present)
    resolver = StageResolver(
        options.stage_map,
        status_is_kind=mapping.format.name == "csv",
        stage_order=options.stage_order,
    )
    resolver.history = ranks(paths or [])
    existing = _existing(conn, [d.external_id for d in deals if d.external_id and not d.rejected])

    headers = {name: columns[0] for name, columns in mapping.described()}
    resolved: list[Resolved] = []
    for deal in deals:
        if deal.rejected:
            continue
        old = existing.get(deal.external_id) if deal.external_id else None
        found = _resolve(deal, old, directory, resolver, options, default_owner, headers)
        if found is not None:
            resolved.append(found)
    resolver.settle(directory.pipelines)

    ctx = Context(present, currency, fiscal_month, now, directory, headers)
    used: set[int] = set()
    for res in resolved:
        values = target(res, ctx)
        if res.deal.rejected:
            continue
        used.update((id(res.pipeline), id(res.stage), id(res.owner), id(res.account)))
        if res.old is not None and res.old["archived"]:
            plan.archived_matched.append(res.old["name"])
            plan.restored += not values["archived"]
        action = "create"
        if res.old is None:
            plan.creates.append(values)
        elif columns := changed_columns(res.old, values):
            history = changes(res.old, values, directory)
            plan.updates.append(Update(res.old["id"], res.old["version"], values, columns, history))
            changed = [name for name, _, _ in history] or list(columns)
            action = "update: " + ", ".join(changed)
        else:
            plan.unchanged += 1
            action = "unchanged"
        if len(plan.preview) < options.preview_rows:
            plan.preview.append(_preview(res.deal.line, action, values))
    _prune(directory, used)
    plan.stage_order = resolver.orders(directory.pipelines)
    plan.notices.extend(_unused_stage_order(options.stage_order, directory))
    plan.notices.extend(_unrated(conn, plan, now))
    touched = {r.pipeline.id for r in resolved if not r.pipeline.new}
    plan.missing = _missing(conn, directory, touched, {d.external_id for d in deals})
    return plan


def _resolve(
    deal: FileDeal,
    old: dict[str, Any] | None,
    directory: Directory,
    resolver: StageResolver,
    options: ImportOptions,
    default_owner: UserRef | None,
    headers: dict[str, str],
) -> Resolved | None:
    def column(name: str) -> str:
        return headers.get(name, name)

    owner: UserRef | str | None
    if deal.owner or deal.owner_login:
        owner = directory.owner(deal.owner, deal.owner_login)
    elif old is not None:
        owner = None
    else:
        owner = default_owner or "no owner, and no --user to give the deal to"
    if isinstance(owner, str):
        deal.add(Problem(deal.line, column("owner"), deal.owner or None, owner))
        return None
    name = deal.pipeline or options.pipeline
    if name:
        pipeline = directory.pipeline(name)
    elif old is not None:
        pipeline = directory.pipelines_by_id[old["pipeline_id"]]
    else:
        pipeline = directory.default_pipeline()
    stage = resolver.resolve(pipeline, deal.stage, deal.status)
    if isinstance(stage, str):
        deal.add(Problem(deal.line, column("stage"), deal.stage or None, stage))
        return None
    resolver.saw(stage, deal.probability)
    account = directory.account(deal.account) if deal.account else None
    return Resolved(deal, pipeline, stage, owner, account, old)


def _default_owner(
    directory: Directory, options: ImportOptions, present: frozenset[str]
) -> UserRef | None:
    found = directory.find_user(options.user) if options.user else []
    if "owner" not in present and "owner_login" not in present and len(found) != 1:
        who = f"'{options.user}' is not a person in this database" if options.user else ""
        raise FileRejected(
            "the file has no owner column"
            + (f" and {who}" if who else "; say whose deals these are with --user LOGIN")
            + ", or map one with --map owner=COLUMN"
        )
    return found[0] if len(found) == 1 else None


def _unrated(conn: Connection, plan: DealPlan, now: datetime) -> list[Problem]:
    """A warning per currency whose deals would be left out of every sum: no rate."""
    rows = [*plan.creates, *(u.values for u in plan.updates)]
    missing = without_rate(conn, ((v["currency"], v["close_date"]) for v in rows), now.date())
    return [
        Problem(
            None,
            None,
            None,
            f"{count:,} deal{'s' * (count != 1)} in {code} and no {code} rate in force at "
            f"their close date: they will show as unconverted in every total until you run "
            f"`pipeline-tui rates set {code} RATE --date YYYY-MM-DD` or `rates import FILE`",
            Severity.WARNING,
        )
        for code, count in sorted(missing.items())
    ]


def _settings(conn: Connection) -> tuple[str, int]:
    row = conn.execute(
        select(SETTINGS.currency, SETTINGS.fiscal_year_start_month).order_by(SETTINGS.id).limit(1)
    ).first()
    return (row[0], int(row[1])) if row else ("USD", 1)


def _existing(conn: Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    columns = ("id", "version", *DEAL_COLUMNS)
    unique = list(dict.fromkeys(keys))
    refresh_statistics(conn, table_of(Deal), len(unique))
    rows = select_by_keys(conn, table_of(Deal), columns, "external_id", unique, EXISTING_CHUNK)
    return {row["external_id"]: row for row in rows}


def _missing(
    conn: Connection, directory: Directory, pipeline_ids: set[int | None], in_file: set[str | None]
) -> Missing | None:
    ids = [i for i in pipeline_ids if i is not None]
    if not ids:
        return None
    query = select(DEAL.external_id, DEAL.name, DEAL.stage_id).where(
        # Archived deals are withdrawn: a file without them is not missing anything.
        DEAL.pipeline_id.in_(ids),
        DEAL.external_id.is_not(None),
        DEAL.archived == false(),
    )
    absent = [
        (key, name, directory.stages_by_id[stage_id].kind == StageKind.OPEN.value)
        for key, name, stage_id in conn.execute(query).all()
        if key not in in_file
    ]
    if not absent:
        return None
    absent.sort(key=lambda item: (not item[2], item[1].casefold(), item[0]))
    open_count = sum(1 for _, _, is_open in absent if is_open)
    return Missing(len(absent), open_count, [(k, n) for k, n, _ in absent[:MISSING_SAMPLE]])


def _prune(directory: Directory, used: set[int]) -> None:
    """New rows that only rejected deals asked for are not created."""
    directory.new_users = [u for u in directory.new_users if id(u) in used]
    directory.new_accounts = [a for a in directory.new_accounts if id(a) in used]
    directory.new_pipelines = [p for p in directory.new_pipelines if id(p) in used]
    directory.pipelines = [p for p in directory.pipelines if not p.new or id(p) in used]
    for pipeline in directory.pipelines:
        pipeline.stages = [s for s in pipeline.stages if not s.new or id(s) in used]


def _unused_stage_order(names: tuple[str, ...], directory: Directory) -> list[Problem]:
    new = {s.name.casefold() for s in directory.new_stages()}
    reason = "--stage-order: not a new stage of this file; stored stages keep their order"
    return [
        Problem(None, None, name, reason, Severity.WARNING)
        for name in names
        if name.strip().casefold() not in new
    ]


def _preview(line: int, action: str, values: dict[str, Any]) -> dict[str, str]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Ref):
            return value.name + (" (new)" if value.new else "")
        if isinstance(value, datetime):
            return value.isoformat(timespec="seconds")
        return str(value)

    owner = values["owner_id"]
    return {
        "line": str(line),
        "action": action,
        "external_id": text(values["external_id"]),
        "name": values["name"],
        "account": text(values["account_id"]),
        "owner": text(owner) if isinstance(owner, Ref) else "(unchanged)",
        "pipeline": text(values["pipeline_id"]),
        "stage": text(values["stage_id"]) + f" [{values['stage_id'].kind}]",
        "amount": f"{from_minor(values['amount_minor'])} {values['currency']}",
        "probability": f"{values['probability']}%",
        "forecast_category": values["forecast_category"],
        "close_date": text(values["close_date"]),
        "created": text(values["created_at"]),
        "next_step": text(values["next_step"]),
        "lost_reason": text(values["lost_reason"]),
    }


def row_warnings(deals: list[FileDeal]) -> int:
    return sum(1 for d in deals for p in d.problems if p.severity is Severity.WARNING)
