"""A deal import from start to end: read, map, plan, and (unless a dry run) write.

The file is read and checked before the database is touched; the plan and the writes
then share one transaction (on SQLite an immediate one, which takes the write lock at
the start, so nobody can change a deal between the plan reading it and the import
writing it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from ..models import utcnow
from .apply import write_plan
from .export import IMPORTABLE, IMPORTABLE_TOO
from .formats import ALL_DEAL_FIELDS as FIELDS
from .formats import (
    DEAL_FORMATS,
    REQUIRED_DEAL_FIELDS,
    ColumnMap,
    detect,
    map_columns,
    recognised_by,
    require,
    unknown_layout,
)
from .formula import is_export, restore_rows
from .history import stage_paths
from .model import (
    Counts,
    DryRunReport,
    ImportOptions,
    ImportSummary,
    Problem,
    Progress,
    RowsRejected,
    Severity,
)
from .plan import Authorize, DealPlan, plan_deals
from .reader import DELIMITER_NAMES, SourceTable, read_table
from .rows import FileDeal, read_rows
from .transaction import writing
from .values import Readers


@dataclass
class Prepared:
    table: SourceTable
    mapping: ColumnMap
    deals: list[FileDeal]
    notices: list[Problem]
    paths: list[list[str]]  # each deal's stages in the order it entered them, if known


def prepare(path: Path, options: ImportOptions, progress: Progress | None = None) -> Prepared:
    table = read_table(path)
    headers = (IMPORTABLE["deals"], *IMPORTABLE_TOO["deals"])
    if table.delimiter and any(is_export(table.header, fields) for fields in headers):
        restore_rows(table.rows)
    mapping = choose_mapping(table, options)
    required = tuple(f for f in REQUIRED_DEAL_FIELDS if f != "owner" or not options.user)
    require(mapping, required, table.name, known=DEAL_FORMATS)
    readers = Readers(
        today=options.today or date.today(),
        dayfirst=True if options.dayfirst else False if options.monthfirst else None,
        probability_is_fraction=mapping.format.probability_is_fraction,
    )
    deals = read_rows(table, mapping, readers, progress)
    notices = _notices(mapping, options)
    notices += [Problem(None, None, None, text, Severity.WARNING) for text in readers.dates.notices]
    paths = stage_paths(table, readers.timestamp)
    return Prepared(table, mapping, deals, notices, paths)


def choose_mapping(table: SourceTable, options: ImportOptions) -> ColumnMap:
    if options.format != "auto":
        fmt, how = DEAL_FORMATS[options.format], "as --format says"
    else:
        found = detect(table.header, DEAL_FORMATS)
        if found is None and not options.mapping:
            raise unknown_layout(table.name, table.header, FIELDS)
        # With --map and no signature, the file is no CRM's: only the columns are named.
        fmt = found or DEAL_FORMATS["csv"]
        how = recognised_by(table.header, found) if found else "columns named with --map"
    return map_columns(table.header, fmt, options.mapping, fields=FIELDS, how=how)


def _notices(mapping: ColumnMap, options: ImportOptions) -> list[Problem]:
    has = mapping.columns.__contains__
    notices = []
    if not has("external_id"):
        notices.append(
            "no external id column: deals are matched by name and account, so a deal renamed "
            "in the CRM comes back as a new one; include the ID column in the export"
        )
    if not has("account"):
        notices.append("no account column: new deals have no account")
    if not has("owner") and not has("owner_login"):
        notices.append(f"no owner column: new deals go to {options.user}")
    return [Problem(None, None, None, text, Severity.WARNING) for text in notices]


def dry_run(engine: Engine, path: Path, options: ImportOptions) -> DryRunReport:
    prepared = prepare(path, options)
    with engine.connect() as conn:
        plan = plan_deals(
            conn,
            prepared.deals,
            prepared.mapping,
            options,
            now=utcnow(),
            notices=prepared.notices,
            paths=prepared.paths,
        )
        conn.rollback()
    table, mapping = prepared.table, prepared.mapping
    problems = sorted(table.problems + table.warnings + plan.problems, key=_order)
    return DryRunReport(
        kind="deals",
        format=mapping.format.name,
        format_label=mapping.format.label,
        recognised=mapping.how,
        encoding=table.encoding,
        delimiter=DELIMITER_NAMES.get(table.delimiter, table.delimiter or "JSON"),
        unit=table.unit,
        rows=len(table.rows) + table.dropped,
        skipped=table.skipped,
        mapping=mapping.described(),
        unused_columns=mapping.unused(),
        preview=plan.preview,
        problems=problems,
        counts=_counts(plan, table),
        new=plan.new_names(),
        missing=plan.missing,
        stage_order=plan.stage_order,
        archived=plan.archived,
    )


def import_file(
    engine: Engine,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
    authorize: Authorize | None = None,
) -> ImportSummary:
    """`authorize` sees the plan inside the transaction, before anything is written, and
    raises to refuse it (the session checks who may write these deals there)."""
    started = time.perf_counter()
    prepared = prepare(path, options, progress)
    table = prepared.table
    now = utcnow()
    with writing(engine) as conn:
        plan = plan_deals(
            conn,
            prepared.deals,
            prepared.mapping,
            options,
            now=now,
            notices=prepared.notices,
            paths=prepared.paths,
        )
        problems = sorted(table.problems + table.warnings + plan.problems, key=_order)
        rejected = plan.rejected + table.dropped
        if rejected and not options.skip_invalid:
            raise RowsRejected(
                f"{rejected:,} of {len(table.rows) + table.dropped:,} rows rejected; "
                "nothing was imported",
                [p for p in problems if p.severity is Severity.ERROR],
                table.unit,
            )
        if authorize is not None:
            authorize(conn, plan)
        user_id = _user_id(plan, options.user)
        written = write_plan(conn, plan, now=now, user_id=user_id, progress=progress)
    counts = _counts(plan, table, changes=written)
    return ImportSummary(
        kind="deals",
        format_label=prepared.mapping.format.label,
        unit=table.unit,
        counts=counts,
        new=plan.new_names(),
        problems=problems,
        missing=plan.missing,
        seconds=time.perf_counter() - started,
        stage_order=plan.stage_order,
        archived=plan.archived,
    )


def _user_id(plan: DealPlan, login: str | None) -> int | None:
    found = plan.directory.find_user(login) if login else []
    return found[0].id if len(found) == 1 and not found[0].new else None


def _counts(plan: DealPlan, table: SourceTable, changes: int | None = None) -> Counts:
    return Counts(
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        rejected=plan.rejected + table.dropped,
        changes=sum(len(u.changes) for u in plan.updates) if changes is None else changes,
    )


def _order(problem: Problem) -> tuple[int, int]:
    return (0 if problem.line is None else 1, problem.line or 0)
