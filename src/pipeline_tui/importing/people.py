"""What the people and quota imports share: reading a small mapped table, and reporting.

Both files are short (a team, a year of quotas), so their rows are read as dicts of
text and checked one at a time; both are all or nothing like the deal import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .export import IMPORTABLE
from .formats import ColumnMap, Format, map_columns, normalise, require
from .formula import is_export, restore_rows
from .model import (
    Counts,
    DryRunReport,
    FileRejected,
    ImportOptions,
    ImportSummary,
    Problem,
    RowsRejected,
    Severity,
)
from .reader import DELIMITER_NAMES, SourceTable, read_table
from .rows import BLANKS


def simple_format(format_name: str, label: str, /, **fields: tuple[str, ...]) -> Format:
    signature = frozenset(normalise(a) for names in fields.values() for a in names)
    return Format(format_name, label, fields, signature)


@dataclass
class Row:
    line: int
    cells: dict[str, str]
    columns: dict[str, str]  # field -> header, for problem reports
    problems: list[Problem] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.cells.get(name, "")

    def reject(self, name: str, reason: str, severity: Severity = Severity.ERROR) -> None:
        value = self.cells.get(name) or None
        column = self.columns.get(name, name)
        self.problems.append(Problem(self.line, column, value, reason, severity))

    def warn(self, name: str, reason: str) -> None:
        self.reject(name, reason, Severity.WARNING)

    @property
    def rejected(self) -> bool:
        return any(p.severity is Severity.ERROR for p in self.problems)


@dataclass
class Outcome:
    """What a people or quota plan would do, for the report and the summary."""

    rows: list[Row]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    preview: list[dict[str, str]] = field(default_factory=list)
    new: dict[str, list[str]] = field(default_factory=dict)
    write: Callable[[], None] | None = None


def read_simple(
    path: Path, options: ImportOptions, fmt: Format, required: tuple[str, ...]
) -> tuple[SourceTable, ColumnMap, list[Row]]:
    table = read_table(path)
    exported = IMPORTABLE.get(fmt.name)
    if table.delimiter and exported and is_export(table.header, exported):
        restore_rows(table.rows)
    mapping = map_columns(table.header, fmt, options.mapping, fields=fmt.fields())
    if not mapping.columns:
        raise FileRejected(
            f"{table.name} doesn't look like a {fmt.label.lower()} file: it needs columns "
            f"{', '.join(fmt.fields())} (or --map FIELD=COLUMN)"
        )
    require(mapping, required, table.name)
    rows = []
    for line, cells in table.rows:
        values, columns = {}, {}
        for name, indexes in mapping.columns.items():
            columns[name] = table.header[indexes[0]]
            for index in indexes:
                text = " ".join(cells[index].split())
                if text not in BLANKS:
                    values[name], columns[name] = text, table.header[index]
                    break
        rows.append(Row(line, values, columns))
    return table, mapping, rows


def report(
    table: SourceTable, mapping: ColumnMap, outcome: Outcome, options: ImportOptions
) -> DryRunReport:
    return DryRunReport(
        kind=options.kind,
        format=mapping.format.name,
        format_label=mapping.format.label,
        encoding=table.encoding,
        delimiter=DELIMITER_NAMES.get(table.delimiter, table.delimiter or "JSON"),
        unit=table.unit,
        rows=len(table.rows) + table.dropped,
        skipped=table.skipped,
        mapping=mapping.described(),
        unused_columns=mapping.unused(),
        preview=outcome.preview,
        problems=_problems(table, outcome),
        counts=_counts(table, outcome),
        new=outcome.new,
    )


def finish(
    table: SourceTable,
    mapping: ColumnMap,
    outcome: Outcome,
    options: ImportOptions,
    started: float,
) -> ImportSummary:
    """Write the outcome, unless rows were rejected and the import is all or nothing."""
    problems = _problems(table, outcome)
    counts = _counts(table, outcome)
    if counts.rejected and not options.skip_invalid:
        raise RowsRejected(
            f"{counts.rejected:,} of {len(table.rows) + table.dropped:,} rows rejected; "
            "nothing was imported",
            [p for p in problems if p.severity is Severity.ERROR],
            table.unit,
        )
    if outcome.write is not None:
        outcome.write()
    return ImportSummary(
        kind=options.kind,
        format_label=mapping.format.label,
        unit=table.unit,
        counts=counts,
        new=outcome.new,
        problems=problems,
        missing=None,
        seconds=time.perf_counter() - started,
    )


def _problems(table: SourceTable, outcome: Outcome) -> list[Problem]:
    found = table.problems + table.warnings + [p for row in outcome.rows for p in row.problems]
    return sorted(found, key=lambda p: p.line or 0)


def _counts(table: SourceTable, outcome: Outcome) -> Counts:
    rejected = sum(1 for r in outcome.rows if r.rejected) + table.dropped
    return Counts(outcome.created, outcome.updated, outcome.unchanged, rejected)


def first_of(rows: list[Row], key: Callable[[Row], Any], what: str, unit: str) -> None:
    """Reject rows that repeat an earlier row's key."""
    seen: dict[Any, int] = {}
    for row in rows:
        if row.rejected:
            continue
        value = key(row)
        if value is None:
            continue
        first = seen.setdefault(value, row.line)
        if first != row.line:
            row.reject(what, f"the same {what} as {unit} {first}")
