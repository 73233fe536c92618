"""`pipeline-tui changes --deal ID`: one deal's change history, newest first."""

from __future__ import annotations

import argparse
import json
from datetime import UTC
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from ..display import clean, csv_of, display_text, markdown_literal, markdown_row
from ..labels import field_label, field_value
from ..models import ChangeSource
from . import CliConsole

if TYPE_CHECKING:
    from ..services.detail import ChangeView

out = CliConsole(highlight=False, soft_wrap=True)
CSV_FIELDS = ("id", "when", "who", "field", "old_value", "new_value", "source")


def run_deal_changes(url: str, args: argparse.Namespace) -> int:
    from .commands import session

    with session(url, today=args.today) as ws:
        # An unknown id is a NotFoundError: one line, exit status 2.
        name, changes = ws.deal_history(args.deal)
        currency = ws.settings.currency
    rows = [_row(c) for c in changes]
    if args.format == "json":
        data = {"deal": {"id": args.deal, "name": name}, "changes": rows}
        print(json.dumps(data, indent=2))  # escaped: no control character reaches the terminal
    elif args.format == "csv":
        print(csv_of(rows, CSV_FIELDS), end="")
    elif args.format == "markdown":
        print(_markdown(args.deal, name, rows, currency), end="")
    else:
        out.print(_table(args.deal, name, rows, currency))
    return 0


def _row(change: ChangeView) -> dict[str, Any]:
    """As stored (JSON and CSV give the values exactly), with the field's label."""
    return {
        "id": change.id,
        "when": change.when.astimezone(UTC).isoformat(timespec="seconds"),
        "who": _who(change),
        "field": change.field,
        "label": field_label(change.field),
        "old_value": change.old_value,
        "new_value": change.new_value,
        "source": change.source,
    }


def _who(change: ChangeView) -> str | None:
    if change.who:
        return change.who
    return "an import" if change.source == ChangeSource.IMPORT.value else None


def _when(row: dict[str, Any]) -> str:
    return str(row["when"])[:16].replace("T", " ")


def _change(row: dict[str, Any], currency: str) -> tuple[str, str]:
    """Old and new as people read them: "$18,900", "40%", "Best case"."""

    def shown(key: str) -> str:
        return clean(field_value(row["field"], row[key], currency, missing="—"))

    return shown("old_value"), shown("new_value")


def _table(deal_id: int, name: str, rows: list[dict[str, Any]], currency: str) -> Table | Text:
    title = display_text(f"Changes to deal {deal_id} “{name}”, newest first")
    if not rows:
        return title.append(": none yet")
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in ("When (UTC)", "Who", "Field", "Change", "Source"):
        table.add_column(column, no_wrap=column != "Change")
    for row in rows:
        table.add_row(
            Text(_when(row)),
            display_text(row["who"] or "—"),
            display_text(row["label"]),
            Text(" → ".join(_change(row, currency))),
            Text(row["source"]),
        )
    return table


def _markdown(deal_id: int, name: str, rows: list[dict[str, Any]], currency: str) -> str:
    lines = [f"# Changes to deal {deal_id} “{markdown_literal(name)}”", ""]
    if not rows:
        return "\n".join([*lines, "No changes yet."]) + "\n"
    lines += ["| When (UTC) | Who | Field | Old | New | Source |", "|---|---|---|---|---|---|"]
    for row in rows:
        old, new = _change(row, currency)
        lines.append(
            markdown_row(_when(row), row["who"] or "—", row["label"], old, new, row["source"])
        )
    return "\n".join(lines) + "\n"
