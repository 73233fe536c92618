"""`rates set`, `rates import` and `rates list`: the exchange rates sums convert with."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..display import csv_of, display_text
from . import err, iso_date


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    rates = sub.add_parser(
        "rates", parents=[common], help="exchange rates to the reporting currency"
    )
    actions = rates.add_subparsers(dest="rates_command", metavar="ACTION", required=True)
    set_ = actions.add_parser(
        "set", parents=[common], help="one currency's rate from a date on (EUR 1.08)"
    )
    set_.add_argument("currency", metavar="CURRENCY", help="a code such as EUR")
    set_.add_argument("rate", metavar="RATE", help="units of the reporting currency per unit")
    set_.add_argument(
        "--date", type=iso_date, default=None, metavar="YYYY-MM-DD", help="default: today"
    )
    imp = actions.add_parser(
        "import", parents=[common], help="a CSV with columns currency,date,rate (all or nothing)"
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    listing = actions.add_parser("list", parents=[common], help="every rate, by currency and date")
    listing.add_argument("--format", choices=["table", "json", "csv"], default="table")


def run_rates(url: str, args: argparse.Namespace, *, user: str | None = None) -> int:
    from .commands import out, session

    with session(url, user) as ws:  # rates are an admin's to change (roles)
        if args.rates_command == "set":
            view = ws.set_rate(args.currency, args.rate, args.date or date.today())
            err.print(
                display_text(f"{view.currency} {view.rate} from {view.effective_date.isoformat()}.")
            )
            return 0
        if args.rates_command == "import":
            rows = ws.import_rates(args.file)
            currencies = ", ".join(sorted({r.currency for r in rows}))
            err.print(display_text(f"Imported {len(rows):,} rates ({currencies})."))
            return 0
        reporting, rows = ws.rates()
    records = [
        {"currency": r.currency, "date": r.effective_date.isoformat(), "rate": str(r.rate)}
        for r in rows
    ]
    if args.format == "json":
        print(json.dumps({"reporting_currency": reporting, "rates": records}, indent=2))
    elif args.format == "csv":
        print(csv_of(records, ["currency", "date", "rate"]), end="")
    else:
        table = Table(
            title=display_text(f"Rates to {reporting}"), title_justify="left", header_style="bold"
        )
        for name in ("currency", "date", "rate"):
            table.add_column(name, justify="right" if name == "rate" else "left")
        for rec in records:
            table.add_row(*(Text(rec[k]) for k in ("currency", "date", "rate")))
        if not records:
            table.caption = display_text("No rates yet: pipeline-tui rates set EUR 1.08")
        out.print(table)
    return 0
