"""`pipeline-tui import` and `pipeline-tui export`.

A dry run prints its report on stdout and exits 0 when the import would go through, 1
when rows would be rejected. A real import prints a summary on stderr; when it refuses
the file or some rows, every problem is listed and the exit status is 2 (nothing was
written). `--errors PATH` writes the rejected rows' problems as CSV either way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.progress import TaskID

from ..display import display_text
from . import CliError, err

if TYPE_CHECKING:
    from ..importing import DryRunReport, ImportSummary, Problem

out = Console(highlight=False, soft_wrap=True)
PROGRESS_FROM_ROWS = 2_000  # smaller files finish before a bar would be worth drawing


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """The `import` and `export` subcommands, for `build_parser`."""
    imp = sub.add_parser(
        "import", parents=[common], help="import deals, people or quotas from a CRM export"
    )
    imp.add_argument("file", type=Path, metavar="FILE", help="CSV (or JSON) export")
    imp.add_argument("--kind", choices=["deals", "users", "quotas"], default="deals")
    imp.add_argument(
        "--format",
        choices=["auto", "salesforce", "hubspot", "pipedrive", "csv"],
        default="auto",
        help="which CRM wrote the file (default: recognised by its header)",
    )
    imp.add_argument(
        "--map", action="append", default=[], metavar="FIELD=COLUMN,...",
        help="read a field from this column (an empty COLUMN ignores the field)",
    )  # fmt: skip
    imp.add_argument(
        "--stage-map", action="append", default=[], metavar="NAME=STAGE,...",
        help="the stage a stage name in the file stands for",
    )  # fmt: skip
    imp.add_argument(
        "--stage-order", action="append", default=[], metavar="STAGE,STAGE,...",
        help="the order deals move through the new stages, when the file doesn't show it",
    )  # fmt: skip
    imp.add_argument("--pipeline", metavar="NAME", help="for rows that name no pipeline")
    order = imp.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst", action="store_true",
        help="read 01/02/26 as 1 February (default: as the file's own dates show)",
    )  # fmt: skip
    order.add_argument("--monthfirst", action="store_true", help="read 01/02/26 as January 2")
    imp.add_argument("--dry-run", action="store_true", help="show what would happen; write nothing")
    imp.add_argument("--errors", type=Path, metavar="PATH", help="write rejected rows as CSV")
    imp.add_argument(
        "--skip-invalid", action="store_true", help="import the good rows when some are rejected"
    )
    imp.add_argument("--user", metavar="LOGIN", default=argparse.SUPPRESS, help="who is importing")
    exp = sub.add_parser("export", parents=[common], help="write deals, people, quotas or history")
    exp.add_argument("--format", choices=["csv", "json"], default="csv")
    exp.add_argument("--kind", choices=["deals", "users", "quotas", "changes"], default="deals")
    exp.add_argument("--output", "-o", type=Path, metavar="PATH", help="default: stdout")
    exp.add_argument(
        "--archived", action="store_true",
        help="deals: include archived deals, with an archived column (yes/no) import reads back",
    )  # fmt: skip


def run_import(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    from ..importing import (
        ALL_DEAL_FIELDS,
        ImportFailed,
        ImportOptions,
        RowsRejected,
        parse_pairs,
    )
    from ..storage.opening import database_exists, display_url
    from .commands import session

    given = getattr(args, "user", None)
    acting = user  # who imports: the session checks what they may write
    if args.kind == "users":
        # A people import records no author: only a --user typed here is checked (against
        # the database and the file), not one from the environment or the config file.
        user = given
    try:
        fields = ALL_DEAL_FIELDS if args.kind == "deals" else None
        options = ImportOptions(
            kind=args.kind,
            format=args.format,
            mapping=parse_pairs(args.map, what="--map", keys=fields),
            stage_map=parse_pairs(args.stage_map, what="--stage-map"),
            stage_order=tuple(
                n.strip() for text in args.stage_order for n in text.split(",") if n.strip()
            ),
            pipeline=args.pipeline,
            dayfirst=args.dayfirst,
            monthfirst=args.monthfirst,
            skip_invalid=args.skip_invalid,
            user=user,
        )
        if args.dry_run and not database_exists(url):
            # A dry run writes nothing, not even the new database it describes.
            err.print(
                display_text(
                    f"No database at {display_url(url)} yet: as if importing into a new one."
                )
            )
            url = "sqlite://"
        # A people file may add the --user it names itself, so that one isn't checked.
        check = bool(given) and args.kind != "users"
        with session(url, acting, check_user=check, create=True) as ws:
            if args.dry_run:
                report = ws.import_plan(args.file, options)
                _errors_file(args.errors, report.problems, report.unit)
                print_report(report)
                return 1 if report.counts.rejected else 0
            with _progress_bar() as progress:
                summary = ws.import_file(args.file, options, progress)
    except RowsRejected as exc:
        _print_problems(exc.problems, exc.unit, console=err)
        _errors_file(args.errors, exc.problems, exc.unit)
        hint = f" (written to {args.errors})" if args.errors else ""
        raise CliError(f"{exc}{hint}") from None
    except ImportFailed as exc:
        raise CliError(str(exc)) from None
    _errors_file(args.errors, summary.problems, summary.unit)
    print_summary(summary, console=err)
    return 0


def run_export(url: str, args: argparse.Namespace) -> int:
    from .commands import session

    if args.archived and args.kind != "deals":
        raise CliError("--archived is for --kind deals: only deals are archived")
    with session(url) as ws:
        if args.output is None:
            done = ws.export(sys.stdout, kind=args.kind, fmt=args.format, archived=args.archived)
        else:
            try:
                with open(args.output, "w", newline="", encoding="utf-8") as stream:
                    done = ws.export(
                        stream, kind=args.kind, fmt=args.format, archived=args.archived
                    )
            except OSError as exc:
                raise CliError(f"can't write {args.output}: {exc.strerror or exc}") from None
            err.print(display_text(f"Exported {done.count:,} {args.kind} to {args.output}."))
    if done.archived_left_out:
        # On stderr even when the deals go to stdout: a pipe must not get this line.
        left = done.archived_left_out
        err.print(
            display_text(
                f"{left:,} archived deal{'s' * (left != 1)} left out; "
                "add --archived to include them (with an archived column)."
            )
        )
    return 0


def _errors_file(path: Path | None, problems: list[Problem], unit: str) -> None:
    if path is None:
        return
    from ..importing import write_problems

    try:
        write_problems(path, problems, unit)
    except OSError as exc:
        raise CliError(f"can't write {path}: {exc.strerror or exc}") from None


class LazyProgress:
    """A progress callback that draws a bar only once a file turns out to be large."""

    def __init__(self) -> None:
        from .commands import _progress

        self.bar = _progress()
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total < PROGRESS_FROM_ROWS:
            return
        if not self.tasks:
            self.bar.start()
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(f"{phase} rows", total=total)
        self.bar.update(self.tasks[phase], completed=done, total=total)  # display-guard: no text

    def close(self) -> None:
        if self.tasks:
            self.bar.stop()


@contextmanager
def _progress_bar() -> Iterator[LazyProgress]:
    progress = LazyProgress()
    try:
        yield progress
    finally:
        progress.close()


def print_report(report: DryRunReport) -> None:
    from ..importing.report import dry_run_report

    out.print(dry_run_report(report))


def print_summary(summary: ImportSummary, *, console: Console) -> None:
    from ..importing.report import import_summary

    console.print(import_summary(summary))


def _print_problems(problems: list[Problem], unit: str, *, console: Console) -> None:
    from ..importing.report import problem_lines

    console.print(Group(*problem_lines(problems, unit)))
