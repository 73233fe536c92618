"""What each subcommand does, once the arguments are understood."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from ..config import UserConfig, default_database_url
from ..display import display_text
from ..errors import NotFoundError
from ..forecast import GroupBy, Rollup, compute_rollup
from ..services.people import SettingsView
from ..services.scope import ResolvedScope
from ..storage import (
    current_revision,
    database_exists,
    display_url,
    downgrade,
    faults_as_errors,
    head_revision,
    make_engine,
    plan_downgrade,
    redact_url,
    upgrade,
)
from . import CliConsole, CliError, err
from .output import as_csv, as_json, as_markdown, as_table

out = CliConsole(highlight=False, soft_wrap=True)


@contextmanager
def opened(url: str, *, migrate: bool = True, create: bool = False) -> Iterator[Engine]:
    """An engine on the database, migrated, with database faults turned into one line.

    An explicit database must exist unless the command exists to make one (`create`):
    a mistyped `--db` must not leave an empty database behind.
    """
    if not create and not database_exists(url) and url != default_database_url():
        shown = display_url(url)
        raise NotFoundError(
            f"No database at {shown}; create one with `pipeline-tui db init {shown}`"
        )
    engine = make_engine(url)
    try:
        with faults_as_errors(url):
            if migrate:
                upgrade(engine)
            yield engine
    finally:
        engine.dispose()


def run_seed(url: str, *, deals: int, seed: int, today: date | None) -> int:
    from ..seed import SeedError, seed_demo

    with opened(url, create=True) as engine, _progress() as progress:
        task = progress.add_task("Seeding deals", total=deals)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            summary = seed_demo(engine, deals=deals, seed=seed, today=today, progress=report)
        except SeedError as exc:
            raise CliError(str(exc)) from exc
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


def resolve_scope(
    engine: Engine, args: argparse.Namespace, user: str | None
) -> tuple[SettingsView, ResolvedScope]:
    """Settings and the scope asked for by `--period`, `--owner` and `--pipeline`, by the
    rules every screen uses (`services.scope.resolve_scope`)."""
    from ..services.people import load_settings
    from ..services.scope import ScopeRequest
    from ..services.scope import resolve_scope as resolve

    request = ScopeRequest(args.owner, args.period, args.pipeline)
    return load_settings(engine), resolve(engine, request, user=user, today=args.today)


def run_report(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    with opened(url) as engine:
        settings, resolved = resolve_scope(engine, args, user)
        with engine.connect() as conn:
            rollup = compute_rollup(
                conn, resolved.period, GroupBy(args.by), resolved.scope, today=args.today
            )
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
    """The roll-up as a rich table, compact money when the terminal is narrow."""
    out.print(
        as_table(
            rollup,
            coverage_target=settings.coverage_target,
            win_rate_target=settings.win_rate_target,
            compact=out.width < 150,
        )
    )


def run_db(url: str, args: argparse.Namespace) -> int:
    shown = display_url(url)
    if args.db_command == "init":
        return run_db_init(url)
    with opened(url, migrate=False) as engine:
        if args.db_command == "downgrade":
            return run_downgrade(engine, shown, args.revision, yes=args.yes)
        before = current_revision(engine)
        if args.db_command == "upgrade":
            upgrade(engine)
        after = current_revision(engine)
    if args.db_command == "current":
        out.print(
            display_text(
                f"{shown}: revision {after or 'none (empty)'}; newest is {head_revision()}"
            )
        )
    elif before == after:
        out.print(display_text(f"{shown}: already at revision {after or 'base'}"))
    else:
        out.print(display_text(f"{shown}: {before or 'base'} -> {after or 'base'}"))
    return 0


def run_db_init(url: str) -> int:
    """A new database at the newest schema; an existing one of ours is only brought up to
    date, and anything else is refused (`upgrade` checks)."""
    shown = display_url(url)
    existed = database_exists(url)
    with opened(url, migrate=False, create=True) as engine:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    if not existed:
        out.print(display_text(f"Created {shown} (revision {after})"))
    elif before == after:
        out.print(display_text(f"{shown} is already a pipeline-tui database (revision {after})"))
    else:
        out.print(display_text(f"{shown}: {before or 'base'} -> {after}"))
    return 0


def run_downgrade(engine: Engine, shown: str, revision: str, *, yes: bool) -> int:
    """Says what the downgrade drops and asks, unless `--yes`; without a terminal to ask
    on, refuses."""
    plan = plan_downgrade(engine, revision)
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
    downgrade(engine, plan.target or "base")
    out.print(display_text(step))
    return 0


def make_demo_database(path: Path) -> str:
    """A new demo database in the data folder, replacing the last one."""
    from ..seed import seed_demo

    path.parent.mkdir(parents=True, exist_ok=True)  # the app's own data folder
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    with opened(url, create=True) as engine:
        seed_demo(engine, deals=5_000, seed=42)
    return url


def run_app(url: str, *, user: str | None, config: UserConfig) -> int:
    from ..ui.app import run

    with opened(url):
        pass  # migrate and check the connection before the screen takes over
    return run(url, user=user, config=config)
