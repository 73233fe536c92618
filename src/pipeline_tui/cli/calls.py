"""`pipeline-tui calls submit|list|show`: forecast calls from the command line.

The same session as the app's `F` and roll-up (`services/session_calls.py`), so a call
submitted here is refused or accepted by the same rules, and `calls list` shows the
numbers the roll-up shows.
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import Any

from rich.table import Table
from rich.text import Text

from ..display import clean, csv_of, display_text, markdown_header, markdown_literal, markdown_row
from ..money import format_money
from . import OWNER_HELP, CliConsole, err, iso_date

out = CliConsole(highlight=False, soft_wrap=True)
FORMATS = ["table", "json", "csv", "markdown"]
LIST_FIELDS = [
    "person", "name", "scope", "commit", "best_case", "most_likely", "made_at", "age_days",
    "stale", "change", "team_sum", "team_called", "team_size", "against_team", "note",
]  # fmt: skip
SHOW_FIELDS = [
    "id", "period", "scope", "commit", "best_case", "most_likely", "made_by", "made_at",
    "review_id", "note",
]  # fmt: skip


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    calls = sub.add_parser("calls", parents=[common], help="forecast calls: submit, list, show")
    actions = calls.add_subparsers(dest="calls_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, parents=[common], help=help_text)
        parser.add_argument(
            "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="who you are"
        )
        parser.add_argument("--today", type=iso_date, default=None, metavar="YYYY-MM-DD")
        return parser

    submit = action("submit", "state your call (a manager: the team's) for a period")
    submit.add_argument("--commit", required=True, metavar="AMOUNT", help="120k, $120,000, …")
    submit.add_argument("--best-case", required=True, metavar="AMOUNT")
    submit.add_argument("--most-likely", metavar="AMOUNT")
    submit.add_argument("--note", metavar="TEXT")
    submit.add_argument("--period", default="this-quarter", help="default: this-quarter")
    submit.add_argument(
        "--for", dest="person", metavar="LOGIN", help="someone below you (default: yourself)"
    )
    listing = action("list", "everyone's latest call for a period, with staleness")
    listing.add_argument("--period", default="this-quarter", help="default: this-quarter")
    listing.add_argument("--owner", metavar="LOGIN", help=OWNER_HELP)
    listing.add_argument("--format", choices=FORMATS, default="table")
    show = action("show", "one person's calls, and how the closed periods' calls held")
    show.add_argument("login", nargs="?", metavar="LOGIN", help="default: yourself")
    show.add_argument("--format", choices=FORMATS, default="table")


def run_calls(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    from ..forecast import Scope
    from ..forecast.call_input import CallAmounts, parse_call
    from .commands import session

    with session(url, user, check_user=bool(user), today=args.today) as ws:
        currency = ws.settings.currency
        if args.calls_command == "submit":
            period = ws.resolve_scope(None, args.period, None).period
            typed = f"{args.commit} / {args.best_case}"
            if args.most_likely:
                typed += f" / {args.most_likely}"
            figures = parse_call(typed, currency)
            if args.note:
                figures = CallAmounts(
                    figures.commit, figures.best_case, figures.most_likely, args.note
                )
            person_id = ws.caller(args.person).id if args.person else None
            call = ws.submit_call(figures, period, person_id=person_id)
            who = ws.org.people[call.person_id].display_name
            err.print(
                display_text(
                    f"{who}'s call for {period.label}: commit "
                    f"{format_money(call.commit, currency)}, best case "
                    f"{format_money(call.best_case, currency)}."
                )
            )
            return 0
        if args.calls_command == "list":
            resolved = ws.resolve_scope(args.owner, args.period, None)
            statuses = ws.list_calls(resolved.period, resolved.scope)
            title = f"Forecast calls, {resolved.period.label}"
            if args.format == "table":
                out.print(_status_table(statuses, title, currency))
                return 0
            rows = [s.as_dict(ws.org) for s in statuses]
            return _print(rows, LIST_FIELDS, args.format, title, {"period": resolved.period.key})
        person = ws.caller(args.login)
        calls = ws.call_history(person.login)
        history = [c.as_dict(ws.org) for c in calls]
        scored = [a for a in ws.call_accuracy(Scope()) if a.person_id == person.id]
    accuracy = scored[0] if scored else None
    extra = {"person": person.login, "accuracy": accuracy.as_dict() if accuracy else None}
    from ..labels import date_text  # labels imports the models: only when calls print

    title = f"{person.display_name}'s calls"
    if args.format != "table":
        return _print(history, SHOW_FIELDS, args.format, title, extra)
    table = Table(title=display_text(title), title_justify="left", header_style="bold")
    for name in ("Period", "Commit", "Best case", "Likely", "Made", "By", "Note"):
        table.add_column(
            name, justify="right" if name in ("Commit", "Best case", "Likely") else "left"
        )
    for call, row in zip(calls, history, strict=True):
        table.add_row(
            Text(call.period_key),
            Text(format_money(call.commit, currency)),
            Text(format_money(call.best_case, currency)),
            Text(format_money(call.most_likely, currency)),
            Text(date_text(call.made_at)),
            display_text(row["made_by"] or ""),
            display_text(call.note or ""),
        )
    if not calls:
        table.caption = display_text("No calls yet: pipeline-tui calls submit --commit …")
    out.print(table)
    if accuracy is not None and accuracy.scored:
        out.print(_accuracy_table(accuracy, currency))
    return 0


def _print(
    rows: list[dict[str, Any]], fields: list[str], fmt: str, title: str, extra: dict[str, Any]
) -> int:
    if fmt == "json":
        print(json.dumps(extra | {"calls": rows}, indent=2))
    elif fmt == "csv":
        print(csv_of(rows, fields), end="")
    elif fmt == "markdown":
        lines = [f"# {markdown_literal(title)}", "", *markdown_header(fields)]
        lines += [markdown_row(*(row.get(k) for k in fields)) for row in rows]
        print("\n".join(lines))
    else:
        table = Table(title=display_text(title), title_justify="left", header_style="bold")
        for name in fields:
            table.add_column(name.replace("_", " "), no_wrap=name != "note")
        for row in rows:
            table.add_row(*(Text("—" if row.get(k) is None else clean(row[k])) for k in fields))
        if not rows:
            table.caption = display_text("No calls yet: pipeline-tui calls submit --commit …")
        out.print(table)
    return 0


def _status_table(statuses: list[Any], title: str, currency: str) -> Table:
    """What a person reads: the roll-up's call columns, one row per person."""
    from ..forecast.call_text import against_team_text, age_text, change_text, team_text

    def money(value: Decimal | None) -> Text:
        return Text(format_money(value, currency, compact=True))

    table = Table(title=display_text(title), title_justify="left", header_style="bold")
    for name in (
        "Person",
        "Commit",
        "Best case",
        "Likely",
        "Made",
        "Change",
        "Team's calls",
        "vs team",
    ):
        table.add_column(name, justify="left" if name in ("Person", "Made") else "right")
    table.add_column("Note")
    for s in statuses:
        latest = s.latest
        table.add_row(
            display_text(s.label),
            money(latest.commit if latest else None),
            money(latest.best_case if latest else None),
            money(latest.most_likely if latest else None),
            Text(age_text(s), style="yellow" if s.stale else ""),
            Text(change_text(s, currency)),
            Text(team_text(s, currency)),
            Text(against_team_text(s, currency)),
            display_text(latest.note if latest and latest.note else ""),
        )
    if not statuses:
        table.caption = display_text("Nobody here makes calls.")
    return table


def _accuracy_table(accuracy: Any, currency: str) -> Table:
    from ..forecast.sparkline import sparkline

    def money(value: Decimal) -> Text:
        return Text(format_money(value, currency))

    table = Table(
        title=display_text(
            f"How the calls held: bias {_pct(accuracy.bias)} ({accuracy.leaning}), "
            f"calls {sparkline(accuracy.history)}"
        ),
        title_justify="left",
        header_style="bold",
    )
    for name in ("Period", "Commit called", "Won", "Error", "Error %"):
        table.add_column(name, justify="left" if name == "Period" else "right")
    for s in accuracy.scored:
        table.add_row(
            Text(s.period_key),
            money(s.call.commit),
            money(s.actual),
            Text(("+" if s.error > 0 else "") + format_money(s.error, currency)),
            Text(_pct(s.error_pct)),
        )
    return table


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def call_accuracy_table(accuracy: list[Any], currency: str) -> Table:
    """`report --calibration`: each person's calls of closed periods against what was won."""
    from ..forecast.call_text import percent, signed_money
    from ..forecast.sparkline import sparkline

    table = Table(
        title=Text("Forecast calls of closed periods (error = called - won; bias + optimism)"),
        title_justify="left",
        header_style="bold",
    )
    for name in ("Person", "Periods", "Last error", "Mean error", "Bias", "Calls"):
        table.add_column(name, justify="left" if name in ("Person", "Calls") else "right")
    for a in accuracy:
        last = a.last
        table.add_row(
            display_text(f"{a.label} (team)" if a.scope == "team" else a.label),
            Text(str(len(a.scored))),
            Text("—" if last is None else signed_money(last.error, currency)),
            Text("—" if a.mean_abs_error is None else f"{a.mean_abs_error:.0%}"),
            Text(percent(a.bias), style="yellow" if (a.bias or 0) > 0 else ""),
            Text(sparkline(a.history), style="cyan"),
        )
    if not accuracy:
        table.caption = Text("No calls yet: pipeline-tui calls submit --commit …")
    return table
