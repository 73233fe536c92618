"""Dry-run reports and import summaries as rich renderables.

The command line prints them; the import screen shows the same renderables, so the two
always say the same thing. Everything the file brought (names, values, column headers,
problems quoting them) is data: it goes in as cleaned `Text`, never as markup.
"""

from __future__ import annotations

from collections import defaultdict

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..display import display_text, join
from .model import DryRunReport, ImportSummary, Problem, Severity, StageOrder
from .stage_order import STAGE_ORDER_OPTION

GROUP_WARNINGS_FROM = 5  # more warnings than this with one reason print as one line
SHOW_LINES = 12
EXAMPLES = 3  # more rows than this with one column and topic print as one line


def dry_run_report(report: DryRunReport) -> Group:
    """What a dry run found, as rich renderables: for the CLI and the import screen."""
    lines: list[RenderableType] = []
    skipped = f", {len(report.skipped)} lines left out" if report.skipped else ""
    delimiter = "tab" if report.delimiter == "\t" else report.delimiter
    lines.append(
        join(
            display_text(report.format_label, "bold"),
            f" ({report.encoding}, {delimiter}): {report.rows:,} rows{skipped}",
        )
    )
    if report.recognised:
        lines.append(display_text(f"  {report.recognised}", "dim"))
    for line in report.skipped[:SHOW_LINES]:
        lines.append(join("  ", display_text(line.describe(report.unit), "dim")))
    mapping = Table(title="Columns", title_justify="left", show_edge=False)
    mapping.add_column("field")
    mapping.add_column("read from")
    for field, columns in report.mapping:
        mapping.add_row(display_text(field), display_text(", ".join(columns)))
    lines.append(mapping)
    if report.unused_columns:
        unused = ", ".join(report.unused_columns)
        lines.append(display_text(f"Not imported: {unused}", "dim"))
    if report.preview:
        preview = Table(title="First rows as they will be stored", title_justify="left")
        preview.add_column("")
        for row in report.preview:
            preview.add_column(display_text(f"{report.unit} {row['line']}"), overflow="fold")
        for key in report.preview[0]:
            if key != "line":
                preview.add_row(
                    display_text(key), *(display_text(row.get(key, "")) for row in report.preview)
                )
        lines.append(preview)
    lines.extend(problem_lines(report.problems, report.unit))
    c = report.counts
    lines.append(
        Text(
            f"Would create {c.created:,}, update {c.updated:,} ({c.changes:,} field changes), "
            f"leave {c.unchanged:,} unchanged and reject {c.rejected:,}."
        )
    )
    lines.extend(_new_lines(report.new))
    lines.extend(stage_order_lines(report.stage_order))
    lines.extend(_missing_lines(report))
    lines.extend(archived_lines(report))
    lines.append(Text("Dry run: nothing was written.", style="bold"))
    return Group(*lines)


def import_summary(summary: ImportSummary) -> Group:
    lines: list[RenderableType] = []
    lines.extend(problem_lines(summary.problems, summary.unit))
    c = summary.counts
    lines.append(
        join(
            f"Imported {summary.kind} (",
            display_text(summary.format_label),
            f") in {summary.seconds:.1f} s: "
            f"{c.created:,} created, {c.updated:,} updated ({c.changes:,} field changes), "
            f"{c.unchanged:,} unchanged, {c.rejected:,} rejected.",
        )
    )
    lines.extend(_new_lines(summary.new))
    lines.extend(stage_order_lines(summary.stage_order, written=True))
    lines.extend(_missing_lines(summary))
    lines.extend(archived_lines(summary, written=True))
    return Group(*lines)


def problem_lines(problems: list[Problem], unit: str) -> list[RenderableType]:
    lines: list[RenderableType] = []
    if not problems:
        return lines
    errors = [p for p in problems if p.severity is Severity.ERROR]
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    if errors:
        lines.append(Text(f"{len(errors):,} problem{'s' * (len(errors) != 1)}:", "bold red"))
        topics: dict[tuple[str | None, str], list[Problem]] = defaultdict(list)
        for problem in errors:
            if problem.topic:
                topics[problem.column, problem.topic].append(problem)
        summarised = {id(p) for group in topics.values() if len(group) > EXAMPLES for p in group}
        for (column, topic), group in topics.items():
            if len(group) > EXAMPLES:
                lines.append(join("  ", display_text(_summary(column, topic, group, unit), "red")))
        for problem in errors:
            if id(problem) not in summarised:
                lines.append(join("  ", display_text(problem.describe(unit), "red")))
    by_reason: dict[str, list[Problem]] = defaultdict(list)
    for problem in warnings:
        by_reason[problem.reason].append(problem)
    if warnings:
        lines.append(Text(f"{len(warnings):,} warning{'s' * (len(warnings) != 1)}:", "yellow"))
    for reason, group in by_reason.items():
        if len(group) <= GROUP_WARNINGS_FROM:
            for problem in group:
                lines.append(join("  ", display_text(problem.describe(unit), "yellow")))
            continue
        numbers = ", ".join(str(p.line) for p in group[:SHOW_LINES])
        more = ", ..." if len(group) > SHOW_LINES else ""
        lines.append(
            join(
                "  ",
                display_text(f"{reason}: {len(group):,} rows ({unit}s {numbers}{more})", "yellow"),
            )
        )
    return lines


def _summary(column: str | None, topic: str, group: list[Problem], unit: str) -> str:
    """One line for many rows of a column with one topic: "Close Date: 250 lines can't be
    read as dates, such as 'a', 'b', 'c' (lines 2, 3, 4, ...). Dates are read as ..." """
    what, _, hint = topic.partition(". ")
    examples: list[str] = []
    for problem in group:
        if problem.value and problem.value not in examples and len(examples) < EXAMPLES:
            value = problem.value
            examples.append(value if len(value) <= 40 else value[:37] + "...")
    such = f", such as {', '.join(repr(e) for e in examples)}" if examples else ""
    numbers = ", ".join(str(p.line) for p in group[:SHOW_LINES])
    more = ", ..." if len(group) > SHOW_LINES else ""
    where = f"{column}: " if column else ""
    tail = f". {hint}" if hint else ""
    return f"{where}{len(group):,} {unit}s {what}{such} ({unit}s {numbers}{more}){tail}"


def _new_lines(new: dict[str, list[str]]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for what, names in new.items():
        if names:
            shown = ", ".join(names[:SHOW_LINES]) + (", ..." if len(names) > SHOW_LINES else "")
            lines.append(display_text(f"New {what} ({len(names):,}): {shown}"))
    return lines


def stage_order_lines(orders: list[StageOrder], *, written: bool = False) -> list[RenderableType]:
    """Each pipeline given new stages, in the order its stages will be (or, `written`,
    now are), and why."""
    lines: list[RenderableType] = []
    for found in orders:
        shown = " → ".join(_stage_label(*stage) for stage in found.stages)
        why = f" (new stages ordered by {found.basis})" if found.basis else ""
        lines.append(display_text(f"Stages of {found.pipeline}{why}: {shown}"))
        note = f" ({found.note})" if found.note else ""
        if found.basis is None and written:
            lines.append(
                display_text(
                    f"  The file didn't show in which order deals move through the new stages "
                    f"of {found.pipeline}{note}; they are in the order it first used them.",
                    "yellow",
                )
            )
        elif found.basis is None:
            new_open = [n for n, kind, _, new in found.stages if new and kind == "open"]
            lines.append(
                display_text(
                    f"  Can't tell from the file in which order deals move through the new "
                    f"stages of {found.pipeline}: their names are not a known CRM pipeline's, "
                    f"and the file gives no probabilities or stage history for them{note}. "
                    "They will be in the order above; to change it, import with "
                    f'{STAGE_ORDER_OPTION} "{",".join(new_open)}" with the stages in the '
                    "order deals move through them.",
                    "yellow",
                )
            )
        elif found.note:
            lines.append(display_text(f"  {found.note}", "yellow"))
    return lines


def _stage_label(name: str, kind: str, probability: int, new: bool) -> str:
    tags = ([] if kind == "open" else [kind]) + (["new"] if new else [])
    return f"{name} {probability}%" + (f" ({', '.join(tags)})" if tags else "")


def archived_lines(
    result: DryRunReport | ImportSummary, *, written: bool = False
) -> list[RenderableType]:
    """How many rows matched archived deals, a few of their names, and what became of
    them: archived deals are in no figure, so changing one is said out loud."""
    found = result.archived
    if found is None:
        return []
    rows = f"{found.count:,} row{'s' * (found.count != 1)}"
    names = ", ".join(found.sample) + (", ..." if found.count > len(found.sample) else "")
    kept = found.count - found.restored
    if written:
        fate = f"{kept:,} stay archived, {found.restored:,} restored (archived no)"
    else:
        fate = (
            f"{kept:,} would stay archived, {found.restored:,} be restored (archived no); "
            "a row saying archived no restores its deal"
        )
    return [display_text(f"{rows} matched archived deals ({names}): {fate}.", "yellow")]


def _missing_lines(result: DryRunReport | ImportSummary) -> list[RenderableType]:
    lines: list[RenderableType] = []
    missing = result.missing
    if missing is None:
        return lines
    lines.append(
        Text(
            f"{missing.count:,} deals of these pipelines are not in the file "
            f"({missing.open_count:,} of them open); importing leaves them as they are:",
            "yellow",
        )
    )
    for key, name in missing.sample:
        lines.append(display_text(f"  {key}  {name}"))
    if missing.count > len(missing.sample):
        lines.append(Text(f"  ... and {missing.count - len(missing.sample):,} more"))
    return lines
