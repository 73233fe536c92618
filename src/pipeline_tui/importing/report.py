"""Dry-run reports and import summaries as rich renderables.

The command line prints them; the import screen shows the same renderables, so the two
always say the same thing.
"""

from __future__ import annotations

from collections import defaultdict

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .model import DryRunReport, ImportSummary, Problem, Severity

GROUP_WARNINGS_FROM = 5  # more warnings than this with one reason print as one line
SHOW_LINES = 12


def _markup(lines: list[RenderableType]) -> list[RenderableType]:
    return [Text.from_markup(x) if isinstance(x, str) else x for x in lines]


def _group(lines: list[RenderableType]) -> Group:
    return Group(*_markup(lines))


def dry_run_report(report: DryRunReport) -> Group:
    """What a dry run found, as rich renderables: for the CLI and the import screen."""
    lines: list[RenderableType] = []
    lines.append(
        f"[bold]{escape(report.format_label)}[/] ({report.encoding}, {report.delimiter}): "
        f"{report.rows:,} rows"
        + (f", {len(report.skipped)} lines left out" if report.skipped else "")
    )
    for skipped in report.skipped[:SHOW_LINES]:
        lines.append(f"  [dim]{escape(skipped.describe(report.unit))}[/]")
    mapping = Table(title="Columns", title_justify="left", show_edge=False)
    mapping.add_column("field")
    mapping.add_column("read from")
    for field, columns in report.mapping:
        mapping.add_row(field, ", ".join(columns))
    lines.append(mapping)
    if report.unused_columns:
        lines.append("[dim]Not imported: " + escape(", ".join(report.unused_columns)) + "[/]")
    if report.preview:
        preview = Table(title="First rows as they will be stored", title_justify="left")
        preview.add_column("")
        for row in report.preview:
            preview.add_column(f"{report.unit} {row['line']}", overflow="fold")
        for key in report.preview[0]:
            if key != "line":
                preview.add_row(key, *(escape(row.get(key, "")) for row in report.preview))
        lines.append(preview)
    lines.extend(problem_lines(report.problems, report.unit))
    c = report.counts
    lines.append(
        f"Would create {c.created:,}, update {c.updated:,} ({c.changes:,} field changes), "
        f"leave {c.unchanged:,} unchanged and reject {c.rejected:,}."
    )
    lines.extend(_new_lines(report.new))
    lines.extend(_missing_lines(report))
    lines.append("[bold]Dry run: nothing was written.[/]")
    return _group(lines)


def import_summary(summary: ImportSummary) -> Group:
    lines: list[RenderableType] = []
    lines.extend(problem_lines(summary.problems, summary.unit))
    c = summary.counts
    lines.append(
        f"Imported {summary.kind} ({escape(summary.format_label)}) in {summary.seconds:.1f} s: "
        f"{c.created:,} created, {c.updated:,} updated ({c.changes:,} field changes), "
        f"{c.unchanged:,} unchanged, {c.rejected:,} rejected."
    )
    lines.extend(_new_lines(summary.new))
    lines.extend(_missing_lines(summary))
    return _group(lines)


def problem_lines(problems: list[Problem], unit: str) -> list[RenderableType]:
    lines: list[RenderableType] = []
    if not problems:
        return lines
    errors = [p for p in problems if p.severity is Severity.ERROR]
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    if errors:
        lines.append(f"[bold red]{len(errors):,} problem{'s' * (len(errors) != 1)}:[/]")
        for problem in errors:
            lines.append(f"  [red]{escape(problem.describe(unit))}[/]")
    by_reason: dict[str, list[Problem]] = defaultdict(list)
    for problem in warnings:
        by_reason[problem.reason].append(problem)
    if warnings:
        lines.append(f"[yellow]{len(warnings):,} warning{'s' * (len(warnings) != 1)}:[/]")
    for reason, group in by_reason.items():
        if len(group) <= GROUP_WARNINGS_FROM:
            for problem in group:
                lines.append(f"  [yellow]{escape(problem.describe(unit))}[/]")
            continue
        numbers = ", ".join(str(p.line) for p in group[:SHOW_LINES])
        more = ", ..." if len(group) > SHOW_LINES else ""
        lines.append(
            f"  [yellow]{escape(reason)}: {len(group):,} rows ({unit}s {numbers}{more})[/]"
        )
    return _markup(lines)


def _new_lines(new: dict[str, list[str]]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for what, names in new.items():
        if names:
            shown = ", ".join(names[:SHOW_LINES]) + (", ..." if len(names) > SHOW_LINES else "")
            lines.append(f"New {what} ({len(names):,}): {escape(shown)}")
    return lines


def _missing_lines(result: DryRunReport | ImportSummary) -> list[RenderableType]:
    lines: list[RenderableType] = []
    missing = result.missing
    if missing is None:
        return lines
    lines.append(
        f"[yellow]{missing.count:,} deals of these pipelines are not in the file "
        f"({missing.open_count:,} of them open); importing leaves them as they are:[/]"
    )
    for key, name in missing.sample:
        lines.append(f"  {escape(key)}  {escape(name)}")
    if missing.count > len(missing.sample):
        lines.append(f"  ... and {missing.count - len(missing.sample):,} more")
    return lines
