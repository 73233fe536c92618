"""A roll-up as a rich table, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from rich.table import Table
from rich.text import Text

from ..display import clean, display_text
from ..forecast import Rollup
from ..forecast.metrics import figures_dict, unconverted_text
from ..money import format_money

FIELDS = [
    "key", "quota", "closed_won", "commit", "best_case", "pipeline", "weighted",
    "open_count", "won_count", "lost_count", "coverage", "win_rate", "win_rate_value",
    "needed_coverage", "gap",
]  # fmt: skip


def as_json(rollup: Rollup) -> str:
    return json.dumps(rollup.as_dict(), indent=2)


def _flat_rows(rollup: Rollup) -> list[dict[str, Any]]:
    rows = [row.as_dict() for row in rollup.rows]
    rows.append(figures_dict(rollup.totals) | {"key": "TOTAL"})
    return rows


def as_csv(rollup: Rollup) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in _flat_rows(rollup):
        # A report is read on a terminal as often as in a spreadsheet: keys are cleaned.
        writer.writerow({k: "" if row[k] is None else clean(row[k]) for k in FIELDS})
    return out.getvalue()


def as_markdown(rollup: Rollup) -> str:
    left_out = unconverted_text(rollup.totals)
    lines = [
        f"# {rollup.title}",
        "",
        f"Amounts in {rollup.currency}" + (f" {left_out}" if left_out else "") + ".",
        "",
        "| " + " | ".join(FIELDS) + " |",
        "|" + "|".join("---" if f == "key" else "---:" for f in FIELDS) + "|",
    ]
    for row in _flat_rows(rollup):
        cells = ["" if row[f] is None else clean(row[f]) for f in FIELDS]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _ratio(value: float | None, *, percent: bool = False, target: float | None = None) -> Text:
    if value is None:
        return Text("—", style="dim")
    text = f"{value:.0%}" if percent else f"{value:.1f}x"
    style = "red" if target is not None and value < target else ""
    return Text(text, style=style)


def as_table(
    rollup: Rollup,
    *,
    coverage_target: float = 3.0,
    win_rate_target: float = 0.6,
    compact: bool = False,
) -> Table:
    def money(value: Decimal | None) -> str:
        return format_money(value, rollup.currency, compact=compact)

    title = rollup.title
    table = Table(
        title=display_text(title), title_justify="left", header_style="bold", show_footer=False
    )
    table.add_column(rollup.by.value.title(), no_wrap=True)
    for name in ["Quota", "Won", "Commit", "Best case", "Pipeline", "Weighted"]:
        table.add_column(name, justify="right", no_wrap=True)
    for name in ["Cover", "Need", "Win %", "Gap"]:
        table.add_column(name, justify="right", no_wrap=True)

    def add(label: str, f: Any, *, per_person: bool, style: str = "") -> None:
        gap = f.gap if per_person else None
        table.add_row(
            display_text(label),  # a rep, manager, stage or category name: data
            Text(money(f.quota) if per_person else "—"),
            Text(money(f.closed_won)),
            Text(money(f.commit)),
            Text(money(f.best_case)),
            Text(money(f.pipeline)),
            Text(money(f.weighted)),
            _ratio(f.coverage, target=max(coverage_target, f.needed_coverage or 0))
            if per_person
            else Text("—", style="dim"),
            _ratio(f.needed_coverage) if per_person else Text("—", style="dim"),
            _ratio(f.win_rate, percent=True, target=win_rate_target),
            Text(money(gap), style="red" if gap is not None and gap > 0 else "green")
            if gap is not None
            else Text("—", style="dim"),
            style=style,
        )

    for row in rollup.rows:
        add(row.label, row.figures, per_person=row.per_person)
    table.add_section()
    add("Total", rollup.totals, per_person=True, style="bold")
    left_out = unconverted_text(rollup.totals)
    table.caption = display_text(
        f"Amounts in {rollup.currency}" + (f" {left_out}" if left_out else "")
    )
    table.caption_justify = "left"
    return table
