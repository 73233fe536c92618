"""The scrolling baseline: a bare Textual DataTable of 10,000 deal-like rows, `j` moves down.

    python benchmarks/bare_table.py [ROWS]

All rows are in the table from the start (nothing is fetched while scrolling), so holding
`j` in it is what Textual's own table costs per row on this machine.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

COLUMNS = ("Deal", "Account", "Owner", "Stage", "Amount", "Prob", "Weighted", "Category",
           "Close", "Push", "Updated")  # fmt: skip


class Table(DataTable[str]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("j", "cursor_down", "Down", show=False)]


class BareTable(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit")]

    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Table(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(Table)
        table.add_columns(*COLUMNS)
        table.add_rows(
            (
                f"Deal {k} - Platform",
                f"Account {k % 997}",
                f"Rep {k % 40}",
                "Proposal",
                f"${k * 7 % 900_000:,}",
                f"{k % 10 * 10}%",
                f"${k * 3 % 90_000:,}",
                "pipeline",
                "2026-12-31",
                str(k % 4),
                "2026-11-25",
            )
            for k in range(self.rows)
        )
        table.focus()


if __name__ == "__main__":
    BareTable(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000).run()
