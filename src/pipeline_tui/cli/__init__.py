"""The `pipeline-tui` command: opens the app, or runs one of the subcommands."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date

from rich.console import Console

from .. import __version__
from ..config import DB_ENV, ConfigError, UserConfig, data_dir, database_url
from ..display import display_text, join
from ..errors import InputError

USER_ENV = "PIPELINE_TUI_USER"
DEMO_DEALS = 5_000

err = Console(stderr=True, highlight=False, soft_wrap=True)


class CliError(InputError):
    """A problem with what was asked for: shown as one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL_OR_PATH",
        help=f"SQLite file or SQLAlchemy URL (default: ${DB_ENV}, then the user data folder)",
    )
    parser = argparse.ArgumentParser(
        prog="pipeline-tui",
        description="Keyboard-first sales pipeline and forecast review.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--user", metavar="LOGIN", help=f"who you are (default: ${USER_ENV})")
    parser.add_argument("--demo", action="store_true", help="open the app on a fresh demo database")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    seed = sub.add_parser("seed", parents=[common], help="write a deterministic demo organisation")
    seed.add_argument("--deals", type=_positive_int, default=DEMO_DEALS, metavar="N")
    seed.add_argument("--seed", type=int, default=42, metavar="S")
    seed.add_argument(
        "--today",
        type=_iso_date,
        default=None,
        metavar="YYYY-MM-DD",
        help="the date the demo is built around (default: today)",
    )

    report = sub.add_parser("report", parents=[common], help="print the forecast roll-up")
    report.add_argument(
        "--period",
        default="this-quarter",
        help="2026Q4, 2026-11, FY2027, this-quarter, next-quarter, all, ...",
    )
    report.add_argument("--by", choices=["rep", "manager", "stage", "category"], default="rep")
    report.add_argument("--format", choices=["table", "json", "csv", "markdown"], default="table")
    report.add_argument(
        "--owner", metavar="LOGIN", help="one rep, or a manager's whole team (default: everyone)"
    )
    report.add_argument("--pipeline", metavar="NAME", help="one pipeline (default: all)")
    report.add_argument(
        "--user", metavar="LOGIN", default=argparse.SUPPRESS, help="who 'me' is for --owner me"
    )
    report.add_argument("--today", type=_iso_date, default=None, metavar="YYYY-MM-DD")

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="apply every pending migration")
    down = db_sub.add_parser("downgrade", parents=[common], help="step the schema back")
    down.add_argument("revision", help="a revision id, -1, or base")
    db_sub.add_parser("current", parents=[common], help="show the database and its revision")

    from .importing import add_parsers as add_import_parsers

    add_import_parsers(sub, common)

    from .reviews import add_parsers as add_review_parsers

    add_review_parsers(sub, common, report=report)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be 0 or more")
    return value


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-26") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = UserConfig.load()
        url = database_url(getattr(args, "db", None) or config.database)
        user = getattr(args, "user", None) or os.environ.get(USER_ENV) or config.user
        if args.command == "seed":
            from .commands import run_seed

            return run_seed(url, deals=args.deals, seed=args.seed, today=args.today)
        if args.command == "report" and args.calibration:
            from .reviews import run_report_calibration

            return run_report_calibration(url, args, user=user)
        if args.command == "report":
            from .commands import run_report

            return run_report(url, args, user=user)
        if args.command == "db":
            from .commands import run_db

            return run_db(url, args.db_command, getattr(args, "revision", None))
        if args.command == "review":
            from .reviews import run_review

            return run_review(url, args)
        if args.command == "changes":
            from .reviews import run_changes

            return run_changes(url, args, user=user)
        if args.command == "import":
            from .importing import run_import

            return run_import(url, args, user=user)
        if args.command == "export":
            from .importing import run_export

            return run_export(url, args)
        if args.demo:
            from .commands import make_demo_database

            url = make_demo_database(data_dir() / "demo.db")
        from .commands import run_app

        return run_app(url, user=user, config=config)
    except (CliError, ConfigError) as exc:
        err.print(join(display_text("error:", "bold red"), " ", str(exc)))
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
