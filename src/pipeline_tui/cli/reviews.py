"""`review list`, `review show`, `changes`, and `report --calibration`."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..display import display_text
from ..money import format_money
from . import OWNER_HELP, USER_HELP, CliConsole, CliError, err, iso_date
from .output import fit_columns, print_whole

if TYPE_CHECKING:
    pass

out = CliConsole(highlight=False, soft_wrap=True)
CHART_WIDTH = 40


def add_parsers(
    sub: Any, common: argparse.ArgumentParser, *, report: argparse.ArgumentParser
) -> None:
    """The `review` and `changes` commands, and `--calibration` on `report`."""
    review = sub.add_parser("review", parents=[common], help="forecast review meetings")
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="every review, newest first")
    listing.add_argument("--format", choices=["table", "json"], default="table")
    show = actions.add_parser("show", parents=[common], help="one review's summary")
    show.add_argument("id", type=int, metavar="ID")
    show.add_argument("--format", choices=["markdown", "json"], default="markdown")
    show.add_argument("--today", type=iso_date, default=None, metavar="YYYY-MM-DD")

    changes = sub.add_parser(
        "changes",
        parents=[common],
        help="what changed: the pipeline waterfall (--since), or one deal's history (--deal)",
    )
    changes.add_argument(
        "--since",
        metavar="DATE|last-review",
        help="a date (2026-11-01, -2w), or where the last review of this scope ended",
    )
    changes.add_argument("--deal", type=int, metavar="ID", help="one deal's change history")
    changes.add_argument("--period", help="with --since (default: this-quarter)")
    changes.add_argument("--owner", metavar="LOGIN", help=OWNER_HELP)
    changes.add_argument("--pipeline", metavar="NAME", help="one pipeline (default: all)")
    changes.add_argument(
        "--format",
        choices=["table", "json", "markdown", "csv"],
        default="table",
        help="csv only with --deal",
    )
    changes.add_argument("--user", metavar="LOGIN", default=argparse.SUPPRESS, help=USER_HELP)
    changes.add_argument("--today", type=iso_date, default=None, metavar="YYYY-MM-DD")

    report.add_argument(
        "--calibration",
        action="store_true",
        help="add per-rep calibration and the accuracy of past snapshots",
    )


def run_review(url: str, args: argparse.Namespace) -> int:
    from ..reviews import summary_markdown
    from .commands import session

    with session(url, today=getattr(args, "today", None)) as ws:
        if args.review_command == "list":
            reviews = ws.reviews()
        else:
            # An unknown id is a PipelineError: the CLI shows it as one line, exit 2.
            summary = ws.review_summary(args.id)
    if args.review_command == "show":
        if args.format == "json":
            print(json.dumps(summary.as_dict(), indent=2))
        else:
            print(summary_markdown(summary), end="")  # data in it is cleaned and escaped
        return 0
    if args.format == "json":
        rows = [r.as_dict() for r in reviews]
        print(json.dumps(rows, indent=2))
        return 0
    table = Table(title="Forecast reviews", title_justify="left", header_style="bold")
    for name in ("#", "Started", "By", "Scope", "Period", "Status", "Deals", "Time"):
        table.add_column(name, justify="right" if name in ("#", "Deals", "Time") else "left")
    for r in reviews:
        table.add_row(
            Text(str(r.id)),
            Text(f"{r.started_at:%Y-%m-%d %H:%M}"),
            display_text(r.started_by_name),
            display_text(r.scope_label),
            display_text(r.period_key),
            display_text(r.status),
            Text(f"{r.reviewed + r.skipped}/{r.total}"),
            Text(f"{r.elapsed_seconds // 60}m"),
        )
    out.print(table if reviews else Text("No reviews yet."))
    return 0


def run_changes(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    from ..forecast.waterfall_text import waterfall_markdown
    from .commands import scoped, session

    if args.deal is not None:
        return _deal_changes(url, args)
    if args.since is None:
        raise CliError(
            "changes needs --since DATE|last-review (what changed in the pipeline) "
            "or --deal ID (one deal's history)"
        )
    if args.format == "csv":
        raise CliError("--format csv works with --deal; the waterfall is table, json or markdown")
    args.period = args.period or "this-quarter"
    with session(url, user, today=args.today) as ws:
        resolved = scoped(ws, args)
        since = ws.resolve_since(args.since, resolved.period, resolved.review_scope)
        result = ws.changes(since.start, resolved.period, resolved.scope)
        settings = ws.settings
    if since.fallback:
        err.print(display_text(f"What changed since {since.label}."))
    if args.format == "json":
        print(json.dumps(result.as_dict() | {"currency": settings.currency}, indent=2))
    elif args.format == "markdown":
        print(waterfall_markdown(result, settings.currency), end="")
    else:
        compact = out.is_terminal and out.width < 120
        # The bars give way on a narrow terminal, never the figures beside them.
        bars = max(8, min(CHART_WIDTH, out.width - 44)) if out.is_terminal else CHART_WIDTH
        table = _waterfall_table(result, settings.currency, compact=compact, bar_width=bars)
        print_whole(out, table)
    return 0


def _deal_changes(url: str, args: argparse.Namespace) -> int:
    from .history import run_deal_changes

    extra = [
        option
        for option, value in (
            ("--since", args.since),
            ("--period", args.period),
            ("--owner", args.owner),
            ("--pipeline", args.pipeline),
        )
        if value is not None
    ]
    if extra:
        given = ", ".join(extra)
        raise CliError(f"--deal shows one deal's whole history; {given} can't go with it")
    return run_deal_changes(url, args)


def _waterfall_table(
    result: Any, currency: str, *, compact: bool, bar_width: int = CHART_WIDTH
) -> Group:
    from ..forecast.metrics import unconverted_note
    from ..forecast.waterfall_model import Bar
    from ..labels import date_text

    def money(value: Decimal) -> Text:
        return Text(format_money(value, currency, compact=compact))

    team = result.team
    moved = [m for m in team.movements if m.deals]
    scale = max([team.start, team.end, *(m.amount for m in moved)]) or Decimal(1)
    since = f"{date_text(result.since)} UTC"
    title = display_text(f"What changed: {team.label}, {result.period.label}, since {since}")
    chart = Table(title=title, title_justify="left", header_style="bold", box=None)
    for name, justify in (("", "left"), ("Amount", "right"), ("Deals", "right"), ("", "left")):
        chart.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]

    def bar(amount: Decimal, style: str) -> Text:
        return Text("█" * max(1, round(bar_width * amount / scale)) if amount else "", style)

    # Every cell is a `Text`: a `str` cell of a Rich table is parsed as markup.
    chart.add_row(
        Text("Start"), money(team.start), Text(str(team.start_count)), bar(team.start, "blue")
    )
    for m in moved:
        sign, style = ("+", "green") if m.bar.sign > 0 else ("−", "red")
        chart.add_row(
            Text(f"{sign} {m.bar.label}"),
            money(m.amount),
            Text(str(len(m.deals))),
            bar(m.amount, style),
        )
    chart.add_row(
        Text("End"), money(team.end), Text(str(team.end_count)), bar(team.end, "bold blue")
    )
    left_out = unconverted_note(result.unconverted)
    chart.caption = display_text(f"Amounts in {currency}" + (f" {left_out}" if left_out else ""))
    chart.caption_justify = "left"

    shown = [b for b in Bar if any(r.movement(b).deals for r in result.reps)]

    def by_rep(left_out: frozenset[str]) -> Table:
        """A money cell is one word: a header wraps before a figure would be cut."""
        bars = [b for b in shown if b.label not in left_out]
        reps = Table(title="By rep", title_justify="left", header_style="bold")
        reps.add_column("Rep", overflow="fold", min_width=8)
        for name in ["Start", *(("+ " if b.sign > 0 else "− ") + b.label for b in bars), "End"]:
            reps.add_column(name, justify="right")
        for rep in result.reps:
            cells = [
                money(rep.movement(b).amount) if rep.movement(b).deals else Text() for b in bars
            ]
            reps.add_row(display_text(rep.label), money(rep.start), *cells, money(rep.end))
        return reps

    # The smallest movements are left out first on a narrow terminal; start and end stay.
    drops = [b.label for b in sorted(shown, key=lambda b: abs(team.movement(b).amount))]
    reps = fit_columns(out, by_rep, drops)

    def biggest(left_out: frozenset[str]) -> Table:
        names = [n for n in ("Bar", "Deal", "Amount", "Close before", "Close after")]
        names = [n for n in names if n not in left_out]
        deals = Table(
            title="Biggest deals behind each bar", title_justify="left", header_style="bold"
        )
        for name in names:
            # A name folds rather than loses its end; an amount or a date is one word.
            deals.add_column(name, justify="right" if name == "Amount" else "left", overflow="fold")
        for m in moved:
            for d in m.deals[:5]:
                cells = {
                    "Bar": Text(m.bar.label),
                    "Deal": display_text(d.name),
                    "Amount": money(d.amount),
                    "Close before": Text(date_text(d.close_before) if d.close_before else "—"),
                    "Close after": Text(date_text(d.close_after) if d.close_after else "—"),
                }
                deals.add_row(*(cells[n] for n in names))
        return deals

    deals = fit_columns(out, biggest, ("Close before", "Bar"), wraps=("Bar", "Deal"))
    return Group(chart, Text(""), reps, Text(""), deals)


def run_report_calibration(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    """`report` as usual, with calibration and forecast accuracy added (JSON: an extra
    top-level "calibration" key; the others are unchanged)."""
    from ..forecast import GroupBy
    from ..forecast.calibration_text import calibration_markdown
    from ..forecast.call_text import calls_markdown
    from .calls import call_accuracy_table
    from .commands import print_rollup_table, scoped, session, with_scope
    from .output import as_json, as_markdown

    if args.format == "csv":
        raise CliError("--calibration works with --format table, json or markdown, not csv")
    with session(url, user, today=args.today) as ws:
        resolved = scoped(ws, args)
        period = resolved.period
        rollup = ws.report(period, GroupBy(args.by), resolved.scope)
        report = ws.calibration(period, resolved.scope)
        calls = ws.call_accuracy(resolved.scope)
        settings = ws.settings
    rollup = with_scope(rollup, settings, resolved)
    if args.format == "json":
        calibration = report.as_dict() | {"calls": [a.as_dict() for a in calls]}
        data = json.loads(as_json(rollup)) | {"calibration": calibration}
        print(json.dumps(data, indent=2))
    elif args.format == "markdown":
        text = calibration_markdown(report, settings.currency)
        text += "\n" + calls_markdown(calls, settings.currency)
        print(as_markdown(rollup) + "\n" + text, end="")
    else:
        print_rollup_table(rollup, settings)
        out.print(_calibration_tables(report))
        out.print(Text(""), call_accuracy_table(calls, settings.currency))
    return 0


def _calibration_tables(report: Any) -> Group:
    def pct(value: float | None) -> Text:
        return Text("—" if value is None else f"{value:.0%}")

    cal = Table(title=Text(f"Calibration, deals {report.window.text}"), title_justify="left")
    for name in ("Rep", "Deals", "Brier", "Stated", "Won", "Over"):
        cal.add_column(name, justify="left" if name == "Rep" else "right", no_wrap=True)
    for r in [*report.reps, report.total]:
        over = r.overconfidence
        cal.add_row(
            display_text(r.label),
            Text(str(r.deals)),
            Text("—" if r.brier is None else f"{r.brier:.3f}"),
            pct(r.mean_stated),
            pct(r.win_rate),
            Text(
                "—" if over is None else f"{over * 100:+.0f} pts",
                "red" if over and over > 0.05 else "",
            ),
        )
    bands = Table(title="Reliability", title_justify="left")
    for name in ("Band", "Deals", "Stated", "Won"):
        bands.add_column(name, justify="left" if name == "Band" else "right")
    for band in report.total.bands:
        bands.add_row(
            Text(band.label), Text(str(band.count)), pct(band.mean_stated), pct(band.win_rate)
        )
    acc = Table(title="Forecast accuracy of past snapshots", title_justify="left")
    for name in ("Rep", "Snapshots", "Mean error", "Call/actual", "Manager error"):
        acc.add_column(name, justify="left" if name == "Rep" else "right", no_wrap=True)
    for o in [*report.accuracy.by_owner, report.accuracy.team]:
        ratio = o.mean_ratio
        acc.add_row(
            display_text(o.label),
            Text(str(len(o.points))),
            pct(o.mean_error),
            Text("—" if ratio is None else f"{ratio:.2f}"),
            pct(o.manager_mean_error),
        )
    return Group(cal, Text(""), bands, Text(""), acc)
