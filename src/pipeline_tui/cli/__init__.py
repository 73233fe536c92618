"""The `pipeline-tui` command: opens the app, or runs one of the subcommands."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import date
from typing import NoReturn

from rich.console import Console
from rich.text import Text

from .. import __version__
from ..config import DB_ENV, UserConfig, data_dir, database_url
from ..errors import InputError, PipelineError, redact, user_message

USER_ENV = "PIPELINE_TUI_USER"
OWNER_HELP = (
    "me (your own deals), team (you and everyone below you), a login (that person and "
    "everyone below them) or everyone (the default)"
)
USER_HELP = "who 'me' and 'team' are (default: the head of the organisation)"
DEMO_DEALS = 5_000
DEMO_USER = "vp"  # the demo organisation's head


class CliConsole(Console):
    """A rich console that lets a closed pipe reach `main` (rich would exit 1 by itself)."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError


err = CliConsole(stderr=True, highlight=False, soft_wrap=True)


class CliError(InputError):
    """A problem with what was asked for: shown as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line like every other error (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument(
        "--db",
        default=argparse.SUPPRESS,
        metavar="URL_OR_PATH",
        help=f"SQLite file or SQLAlchemy URL (default: ${DB_ENV}, then the user data folder)",
    )
    parser: argparse.ArgumentParser = Parser(
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
        type=iso_date,
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
    report.add_argument("--owner", metavar="LOGIN", help=OWNER_HELP)
    report.add_argument("--pipeline", metavar="NAME", help="one pipeline (default: all)")
    report.add_argument("--user", metavar="LOGIN", default=argparse.SUPPRESS, help=USER_HELP)
    report.add_argument("--today", type=iso_date, default=None, metavar="YYYY-MM-DD")

    db = sub.add_parser("db", parents=[common], help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    init = db_sub.add_parser("init", parents=[common], help="create a new, empty database")
    init.add_argument("path", nargs="?", metavar="PATH_OR_URL", help="default: --db")
    db_sub.add_parser("upgrade", parents=[common], help="apply every pending migration")
    down = db_sub.add_parser("downgrade", parents=[common], help="step the schema back")
    down.add_argument("revision", help="a revision id, -1, or base")
    down.add_argument("--yes", action="store_true", help="drop tables without asking")
    db_sub.add_parser("current", parents=[common], help="show the database and its revision")

    from .importing import add_parsers as add_import_parsers

    add_import_parsers(sub, common)

    from .rates import add_parsers as add_rates_parsers

    add_rates_parsers(sub, common)

    from .reviews import add_parsers as add_review_parsers

    add_review_parsers(sub, common, report=report)

    from .calls import add_parsers as add_calls_parsers

    add_calls_parsers(sub, common)

    from .users import add_parsers as add_users_parsers

    add_users_parsers(sub, common)

    from .process import add_parsers as add_process_parsers

    add_process_parsers(sub, common)

    from .settings import add_parsers as add_settings_parsers

    add_settings_parsers(sub, common)

    from .maintenance import add_parsers as add_maintenance_parsers

    add_maintenance_parsers(sub, common)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' must be 0 or more")
    return value


def iso_date(text: str) -> date:
    """The argparse type of every date option: ISO form, in the years the app works with."""
    from ..periods import check_day

    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-11-26") from None
    try:
        return check_day(day)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command; any `PipelineError` is one line on stderr and exit status 2."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows up here rather than at exit
        return code
    except PipelineError as exc:
        err.print(Text.assemble(("error: ", "bold red"), user_message(exc, _secrets(argv))))
        return 2
    except BrokenPipeError:
        return _closed_pipe()
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception:  # a bug: its traceback helps, its database password must not leak
        sys.stderr.write(redact(traceback.format_exc(), _secrets(argv)))
        return 1


def _secrets(argv: Sequence[str]) -> tuple[str, ...]:
    """The passwords any database URL we might have been given carries."""
    from ..storage.opening import url_secrets

    candidates = [arg.split("=", 1)[-1] if arg.startswith("--") else arg for arg in argv]
    candidates.append(os.environ.get(DB_ENV, ""))
    with contextlib.suppress(PipelineError):  # a broken config file has no URL to hide
        candidates.append(UserConfig.load().database or "")
    return tuple(s for c in candidates if "://" in c for s in url_secrets(c)) + url_secrets("")


def _closed_pipe() -> int:
    """The reader went away (`export | head`): stop quietly, as other tools do."""
    try:
        # Python flushes stdout once more at exit; point it where that can't fail.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (captured in tests)
        pass
    return 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


# Options whose value may start with "-": a date such as -2w, as the app's prompts take it.
DATE_OPTIONS = ("--since",)


def _dates_attached(argv: list[str]) -> list[str]:
    """`--since -2w` as `--since=-2w`: argparse would take a value starting with "-" for
    an option and refuse it, though it is a date the app's prompts accept."""
    joined: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        following = argv[i + 1] if i + 1 < len(argv) else None
        value = following or ""
        if arg in DATE_OPTIONS and value.startswith("-") and not value.startswith("--"):
            joined.append(f"{arg}={value}")
            i += 2
            continue
        joined.append(arg)
        i += 1
    return joined


def _run(argv: list[str]) -> int:
    args = build_parser().parse_args(_dates_attached(argv))
    config = UserConfig.load()
    given = getattr(args, "db", None)
    if args.command == "db" and getattr(args, "path", None) is not None:
        given = args.path
    url = database_url(config.database if given is None else given)
    given_user = getattr(args, "user", None)
    user = given_user or os.environ.get(USER_ENV) or config.user
    if given_user and args.command in ("report", "changes"):
        _check_user(url, given_user)
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

        return run_db(url, args)
    if args.command == "review":
        from .reviews import run_review

        return run_review(url, args)
    if args.command == "changes":
        from .reviews import run_changes

        return run_changes(url, args, user=user)
    if args.command == "import":
        from .importing import run_import

        return run_import(url, args, user=user)
    if args.command == "calls":
        from .calls import run_calls

        return run_calls(url, args, user=user)
    if args.command == "users":
        from .users import run_users

        return run_users(url, args, user=user)
    if args.command == "rates":
        from .rates import run_rates

        return run_rates(url, args, user=user)
    if args.command == "process":
        from .process import run_process

        return run_process(url, args, user=user)
    if args.command == "settings":
        from .settings import run_settings

        return run_settings(url, args, user=user)
    if args.command == "export":
        from .importing import run_export

        return run_export(url, args)
    if args.command == "backup":
        from .maintenance import run_backup

        return run_backup(url, args)
    if args.command == "check":
        from .maintenance import run_check

        return run_check(url, args)
    if args.demo:
        from .commands import make_demo_database

        url = make_demo_database(data_dir() / "demo.db")
        user = user or DEMO_USER  # the demo's people are made up: nobody is one of them
    _check_identity(url, user, typed=bool(given_user))
    # Straight to the UI package: `commands` would import the session, which the app's
    # first frame does without (its worker imports it once the layout is on screen).
    from ..ui.app import run

    return run(url, user=user, config=config)


def _check_identity(url: str, login: str | None, *, typed: bool) -> None:
    """Who opens the app is someone here (else one line on how to be added; a typed
    `--user` nobody has, with the nearest logins), before the screen takes over; the
    session checks again when it opens. On a SQLite file at our schema the standard
    library answers it (`precheck`: no database layer before the first frame); otherwise
    one session, which also brings the schema up to date, so the app's own opening finds
    it current."""
    from ..precheck import check_identity

    if check_identity(url, login, typed=typed):
        return
    from .commands import session

    with session(url, login, check_user=typed) as ws:
        ws.acting_policy()


def _check_user(url: str, login: str) -> None:
    """A `--user` nobody has is one line here, before the command (or the app) starts."""
    from .commands import session

    with session(url, login, check_user=True):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
