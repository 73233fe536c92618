"""Importing CRM exports (deals, people, quotas) and exporting what is stored.

    report = dry_run(engine, path, ImportOptions(...))      # reads, writes nothing
    summary = import_file(engine, path, ImportOptions(...), progress=callback)

Both open their own connections, so a UI can call them from a worker thread. Anything
that stops an import raises `ImportFailed` (`FileRejected` for the file as a whole,
`RowsRejected` with every bad row, `ImportConflict` when the database changed under
it), and then nothing has been written. No Textual here.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

from .deals import dry_run as _dry_run_deals
from .deals import import_file as _import_deals
from .export import EXPORT_FORMATS, EXPORT_KINDS, export
from .formats import ALL_DEAL_FIELDS, DEAL_FIELDS
from .formula import neutralise
from .model import (
    FORMATS,
    KINDS,
    Counts,
    DryRunReport,
    FileRejected,
    ImportConflict,
    ImportFailed,
    ImportOptions,
    ImportSummary,
    Missing,
    Problem,
    Progress,
    RowsRejected,
    Severity,
    parse_pairs,
)
from .plan import Authorize, DealPlan, Update
from .quotas import dry_run_quotas, import_quotas
from .transaction import without_cycle_collection
from .users import dry_run_users, import_users

__all__ = [
    "ALL_DEAL_FIELDS",
    "DEAL_FIELDS",
    "EXPORT_FORMATS",
    "EXPORT_KINDS",
    "FORMATS",
    "KINDS",
    "Authorize",
    "Counts",
    "DealPlan",
    "DryRunReport",
    "FileRejected",
    "ImportConflict",
    "ImportFailed",
    "ImportOptions",
    "ImportSummary",
    "Missing",
    "Problem",
    "Progress",
    "RowsRejected",
    "Severity",
    "Update",
    "dry_run",
    "export",
    "import_file",
    "parse_pairs",
    "write_problems",
]


def dry_run(engine: Engine, path: Path | str, options: ImportOptions) -> DryRunReport:
    """What importing `path` would do: format, mapping, first rows, every problem."""
    path = Path(path)
    with without_cycle_collection():
        if options.kind == "users":
            return dry_run_users(engine, path, options)
        if options.kind == "quotas":
            return dry_run_quotas(engine, path, options)
        return _dry_run_deals(engine, path, options)


def import_file(
    engine: Engine,
    path: Path | str,
    options: ImportOptions,
    progress: Progress | None = None,
    authorize: Authorize | None = None,
) -> ImportSummary:
    """Import `path` in one transaction; raises `ImportFailed` having written nothing.
    `authorize` (deals only) may refuse the plan before anything is written."""
    path = Path(path)
    with without_cycle_collection():
        if options.kind == "users":
            return import_users(engine, path, options)
        if options.kind == "quotas":
            return import_quotas(engine, path, options)
        return _import_deals(engine, path, options, progress, authorize)


def write_problems(path: Path | str, problems: Iterable[Problem], unit: str = "line") -> int:
    """The rejected rows' problems as CSV (line, column, value, reason); returns how many.

    Values come from the file, so one that a spreadsheet would run is made inert like an
    export's."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([unit, "column", "value", "reason"])
        for problem in problems:
            if problem.severity is Severity.ERROR:
                cells = [problem.column or "", problem.value or "", problem.reason]
                writer.writerow([problem.line or "", *map(neutralise, cells)])
                count += 1
    return count
