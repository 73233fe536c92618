"""What each subcommand does, once the arguments are understood."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..display import display_text
from ..forecast import GroupBy, Rollup
from ..services.people import SettingsView
from ..services.scope import ResolvedScope
from ..services.workspace import Workspace
from ..storage.opening import display_url, redact_url
from . import CliConsole, CliError, err
from .output import (
    ROLLUP_DROPS,
    as_csv,
    as_json,
    as_markdown,
    as_table,
    fit_columns,
    print_whole,
)

out = CliConsole(highlight=False, soft_wrap=True)


def session(
    url: str,
    user: str | None = None,
    *,
    check_user: bool = False,
    today: date | None = None,
    create: bool = False,
) -> Workspace:
    """The session a command runs in (`Workspace.for_command`): the same door the app
    uses, built from the command's flags. The database must exist unless the command
    makes one (`create`); `check_user` refuses a `user` nobody has."""
    return Workspace.for_command(url, user, check_user=check_user, today=today, create=create)


def run_seed(url: str, *, deals: int, seed: int, today: date | None) -> int:
    # A database that can't take the demo raises `SeedError`, an `InputError`: one line.
    with session(url, create=True) as ws, _progress() as progress:
        task = progress.add_task("Seeding deals", total=deals)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = ws.seed_demo(deals=deals, seed=seed, today=today, progress=report)
    err.print(
        display_text(
            f"Seeded {redact_url(url)}: {summary.deals:,} deals, {summary.users:,} people "
            f"({summary.managers} managers, {summary.reps} reps), {summary.accounts:,} accounts, "
            f"{summary.changes:,} changes, {summary.quotas:,} quotas."
        )
    )
    return 0


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def scoped(ws: Workspace, args: argparse.Namespace) -> ResolvedScope:
    """The period, owners and pipeline `--period`, `--owner` and `--pipeline` ask for, by
    the rules every screen uses (`Workspace.resolve_scope`)."""
    return ws.resolve_scope(args.owner, args.period, args.pipeline)


def run_report(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    with session(url, user, today=args.today) as ws:
        resolved = scoped(ws, args)
        rollup = ws.report(resolved.period, GroupBy(args.by), resolved.scope)
        settings = ws.settings
    rollup = with_scope(rollup, settings, resolved)
    if args.format == "json":
        print(as_json(rollup))
    elif args.format == "csv":
        print(as_csv(rollup), end="")
    elif args.format == "markdown":
        print(as_markdown(rollup), end="")
    else:
        print_rollup_table(rollup, settings)
    return 0


def with_scope(rollup: Rollup, settings: SettingsView, resolved: ResolvedScope) -> Rollup:
    return replace(
        rollup,
        currency=settings.currency,
        scope_label=resolved.owner.label,
        pipeline_name=resolved.pipeline_name,
    )


def print_rollup_table(rollup: Rollup, settings: SettingsView) -> None:
    """The roll-up as a rich table: on a narrow terminal compact money and the fewest
    columns left out that let the rest show whole; piped, every figure in full."""
    compact = out.is_terminal and out.width < 150

    def build(left_out: frozenset[str]) -> Table:
        return as_table(
            rollup,
            coverage_target=settings.coverage_target,
            win_rate_target=settings.win_rate_target,
            compact=compact,
            left_out=left_out,
        )

    print_whole(out, fit_columns(out, build, ROLLUP_DROPS))


def run_db(url: str, args: argparse.Namespace) -> int:
    from ..services import maintenance

    shown = display_url(url)
    if args.db_command == "init":
        return run_db_init(url)
    if args.db_command == "downgrade":
        return run_downgrade(url, shown, args.revision, yes=args.yes)
    if args.db_command == "upgrade":
        step = maintenance.upgrade_schema(url)
    else:
        step = maintenance.schema_revision(url)
    before, after = step.before, step.after
    if args.db_command == "current":
        newest = maintenance.newest_revision()
        out.print(display_text(f"{shown}: revision {after or 'none (empty)'}; newest is {newest}"))
    elif before == after:
        out.print(display_text(f"{shown}: already at revision {after or 'base'}"))
    else:
        out.print(display_text(f"{shown}: {before or 'base'} -> {after or 'base'}"))
    return 0


def run_db_init(url: str) -> int:
    """A new database at the newest schema; an existing one of ours is only brought up to
    date, and anything else is refused (`upgrade` checks)."""
    from ..services.maintenance import upgrade_schema

    shown = display_url(url)
    step = upgrade_schema(url, create=True)
    before, after = step.before, step.after
    if not step.existed:
        out.print(display_text(f"Created {shown} (revision {after})"))
    elif before == after:
        out.print(display_text(f"{shown} is already a pipeline-tui database (revision {after})"))
    else:
        out.print(display_text(f"{shown}: {before or 'base'} -> {after}"))
    return 0


def run_downgrade(url: str, shown: str, revision: str, *, yes: bool) -> int:
    """Says what the downgrade drops and asks, unless `--yes`; without a terminal to ask
    on, refuses."""
    from ..services.maintenance import downgrade_schema, plan_schema_downgrade

    plan = plan_schema_downgrade(url, revision)
    if plan.target == plan.current:
        out.print(display_text(f"{shown}: already at revision {plan.current or 'base'}"))
        return 0
    step = f"{shown}: {plan.current or 'base'} -> {plan.target or 'base'}"
    if plan.drops_anything and not yes:
        question = f"Downgrading {step} drops {plan.describe()}"
        if not sys.stdin.isatty():
            raise CliError(f"{question}; run again with --yes to do it")
        err.print(display_text(question + "."))
        try:
            answer = input("Drop them? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            raise CliError("Downgrade cancelled; nothing was changed")
    downgrade_schema(url, plan)
    out.print(display_text(step))
    return 0


def make_demo_database(path: Path) -> str:
    """A new demo database in the data folder, replacing the last one."""
    path.parent.mkdir(parents=True, exist_ok=True)  # the app's own data folder
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    with session(url, create=True) as ws:
        ws.seed_demo(deals=5_000, seed=42)
    return url
