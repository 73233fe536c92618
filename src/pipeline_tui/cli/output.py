"""A roll-up as a rich table, JSON, CSV or Markdown."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..display import csv_of, display_text, markdown_header, markdown_literal, markdown_row
from ..money import format_money

if TYPE_CHECKING:
    from ..forecast import Rollup

# The forecast package (and the database layer under it) is imported by the functions
# that print figures: `build_parser` imports this module for every command, the app too.

FIELDS = [
    "key", "quota", "closed_won", "commit", "best_case", "pipeline", "weighted",
    "open_count", "won_count", "lost_count", "coverage", "win_rate", "win_rate_value",
    "needed_coverage", "gap",
]  # fmt: skip


def as_json(rollup: Rollup) -> str:
    return json.dumps(rollup.as_dict(), indent=2)


def _flat_rows(rollup: Rollup) -> list[dict[str, Any]]:
    from ..forecast.metrics import figures_dict

    rows = [row.as_dict() for row in rollup.rows]
    rows.append(figures_dict(rollup.totals) | {"key": "TOTAL"})
    return rows


def as_csv(rollup: Rollup) -> str:
    return csv_of(_flat_rows(rollup), FIELDS)


def as_markdown(rollup: Rollup) -> str:
    from ..forecast.metrics import unconverted_text

    left_out = unconverted_text(rollup.totals)
    lines = [
        f"# {markdown_literal(rollup.title)}",
        "",
        f"Amounts in {rollup.currency}" + (f" {left_out}" if left_out else "") + ".",
        "",
        *markdown_header(FIELDS, right=FIELDS[1:]),
    ]
    lines += [markdown_row(*(row[f] for f in FIELDS)) for row in _flat_rows(rollup)]
    return "\n".join(lines) + "\n"


# Wide enough to measure any table whole: a cell is never measured cut.
UNLIMITED = 100_000
# Left out first when a terminal is too narrow for the whole roll-up; the name, commit
# and best case stay.
ROLLUP_DROPS = ("Need", "Win %", "Cover", "Weighted", "Pipeline", "Quota", "Gap", "Won")


def natural_width(console: Console, renderable: RenderableType) -> Measurement:
    """How wide `renderable` is with nothing cut: (minimum, widest)."""
    return Measurement.get(console, console.options.update_width(UNLIMITED), renderable)


def print_whole(console: Console, renderable: RenderableType) -> None:
    """On a terminal, as wide as it is; piped or redirected, at the table's own width, so
    a file gets every figure whole whatever COLUMNS said."""
    if console.is_terminal:
        console.print(renderable)
        return
    # A console's print is never wider than the console: a wide one writes the same file.
    width = max(console.width, natural_width(console, renderable).maximum)
    wide = type(console)(file=console.file, width=width, highlight=False, soft_wrap=True)
    wide.print(renderable)


def hold_whole(table: Table, wraps: Sequence[str]) -> Table:
    """Every column but those named in `wraps` (a name, say) as wide as its widest cell
    and header, unwrapped: its minimum width is then what it really needs."""
    for column in table.columns:
        if str(column.header) in wraps:
            continue
        cells = [cell.plain if isinstance(cell, Text) else str(cell) for cell in column.cells]
        column.no_wrap = True
        column.min_width = max(cell_len(text) for text in [str(column.header), *cells])
    return table


def fit_columns(
    console: Console,
    build: Callable[[frozenset[str]], Table],
    drops: Sequence[str],
    *,
    wraps: Sequence[str] | None = None,
) -> Table:
    """`build(left_out)` leaving out as few of `drops` (lowest priority first) as a
    terminal's width needs, so the columns left are never cut: only those in `wraps`
    (default: the first) may wrap. Piped, every column. The caption says which were
    left out."""

    def whole(left_out: frozenset[str]) -> Table:
        table = build(left_out)
        names = wraps if wraps is not None else [str(table.columns[0].header)]
        return hold_whole(table, names)

    table = whole(frozenset())
    if not console.is_terminal:
        return table
    left_out: list[str] = []
    for name in drops:
        if natural_width(console, table).minimum <= console.width:
            break
        left_out.append(name)
        table = whole(frozenset(left_out))
    if left_out:
        note = Text(f"\nNot shown for the terminal's width: {', '.join(left_out)}", style="dim")
        note.append("\n(a wider terminal, or --format csv, shows them)", style="dim")
        caption = (
            table.caption if isinstance(table.caption, Text) else Text(str(table.caption or ""))
        )
        table.caption = caption + note
    return table


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
    left_out: frozenset[str] = frozenset(),
) -> Table:
    """The roll-up without the columns named in `left_out`. Money never wraps or is cut:
    a name wraps instead, and `fit_columns` leaves columns out when even that won't fit."""
    from ..forecast.metrics import unconverted_text

    def money(value: Decimal | None) -> str:
        return format_money(value, rollup.currency, compact=compact)

    title = rollup.title
    table = Table(
        title=display_text(title), title_justify="left", header_style="bold", show_footer=False
    )
    table.add_column(rollup.by.value.title(), overflow="fold", min_width=8)
    names = ["Quota", "Won", "Commit", "Best case", "Pipeline", "Weighted"]
    names += ["Cover", "Need", "Win %", "Gap"]
    shown = [name for name in names if name not in left_out]
    for name in shown:
        # Should even the fewest columns not fit, a figure folds rather than being cut.
        table.add_column(name, justify="right", overflow="fold")

    def add(label: str, f: Any, *, per_person: bool, style: str = "") -> None:
        gap = f.gap if per_person else None
        cells = {
            "Quota": Text(money(f.quota) if per_person else "—"),
            "Won": Text(money(f.closed_won)),
            "Commit": Text(money(f.commit)),
            "Best case": Text(money(f.best_case)),
            "Pipeline": Text(money(f.pipeline)),
            "Weighted": Text(money(f.weighted)),
            "Cover": _ratio(f.coverage, target=max(coverage_target, f.needed_coverage or 0))
            if per_person
            else Text("—", style="dim"),
            "Need": _ratio(f.needed_coverage) if per_person else Text("—", style="dim"),
            "Win %": _ratio(f.win_rate, percent=True, target=win_rate_target),
            "Gap": Text(money(gap), style="red" if gap is not None and gap > 0 else "green")
            if gap is not None
            else Text("—", style="dim"),
        }
        # A rep, manager, stage or category name is data.
        table.add_row(display_text(label), *(cells[name] for name in shown), style=style)

    for row in rollup.rows:
        add(row.label, row.figures, per_person=row.per_person)
    table.add_section()
    add("Total", rollup.totals, per_person=True, style="bold")
    left_out_note = unconverted_text(rollup.totals)
    table.caption = display_text(
        f"Amounts in {rollup.currency}" + (f" {left_out_note}" if left_out_note else "")
    )
    table.caption_justify = "left"
    return table
