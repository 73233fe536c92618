"""What each subcommand does, once the arguments are understood."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from ..config import UserConfig
from ..display import display_text
from ..forecast import GroupBy, Rollup, Scope, compute_rollup
from ..periods import Period, PeriodError, parse_period
from ..services.people import SettingsView
from ..storage import current_revision, downgrade, head_revision, make_engine, redact_url, upgrade
from . import CliError, err
from .output import as_csv, as_json, as_markdown, as_table

out = Console(highlight=False, soft_wrap=True)


@contextmanager
def opened(url: str, *, migrate: bool = True) -> Iterator[Engine]:
    """An engine on the database, migrated, with connection trouble turned into one line."""
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError, OSError) as exc:
        raise CliError(f"can't open database {redact_url(url)}: {exc}") from exc
    try:
        if migrate:
            upgrade(engine)
        yield engine
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise CliError(f"database {redact_url(url)}: {reason}") from exc
    finally:
        engine.dispose()


def run_seed(url: str, *, deals: int, seed: int, today: date | None) -> int:
    from ..seed import SeedError, seed_demo

    with opened(url) as engine, _progress() as progress:
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
) -> tuple[SettingsView, Period, frozenset[int] | None, int | None]:
    """Settings, period, owners and pipeline from `--period`, `--owner` and `--pipeline`."""
    from ..services.people import list_pipelines, load_settings, resolve_owner_scope

    settings = load_settings(engine)
    try:
        period = parse_period(
            args.period, today=args.today, fiscal_year_start_month=settings.fiscal_year_start_month
        )
    except PeriodError as exc:
        raise CliError(str(exc)) from exc
    try:
        owners, _label = resolve_owner_scope(engine, args.owner, me=user)
    except LookupError as exc:
        raise CliError(str(exc.args[0]) if exc.args else str(exc)) from exc
    pipeline_id = None
    if args.pipeline:
        pipelines = list_pipelines(engine)
        pipeline_id = {name.casefold(): pid for pid, name in pipelines}.get(
            args.pipeline.casefold()
        )
        if pipeline_id is None:
            known = ", ".join(name for _, name in pipelines)
            raise CliError(f"no pipeline named '{args.pipeline}'; there is {known}")
    return settings, period, owners, pipeline_id


def run_report(url: str, args: argparse.Namespace, *, user: str | None) -> int:
    with opened(url) as engine:
        settings, period, owners, pipeline_id = resolve_scope(engine, args, user)
        with engine.connect() as conn:
            rollup = compute_rollup(
                conn, period, GroupBy(args.by), Scope(owners, pipeline_id), today=args.today
            )
    rollup = replace(rollup, currency=settings.currency)
    if args.format == "json":
        print(as_json(rollup))
    elif args.format == "csv":
        print(as_csv(rollup), end="")
    elif args.format == "markdown":
        print(as_markdown(rollup), end="")
    else:
        print_rollup_table(rollup, settings)
    return 0


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


def run_db(url: str, action: str, revision: str | None) -> int:
    with opened(url, migrate=False) as engine:
        before = current_revision(engine)
        if action == "upgrade":
            upgrade(engine)
        elif action == "downgrade":
            downgrade(engine, revision or "-1")
        after = current_revision(engine)
    shown = redact_url(url)
    if action == "current":
        line = f"{shown}: revision {after or 'none (empty)'}; newest is {head_revision()}"
    elif before == after:
        line = f"{shown}: already at revision {after or 'base'}"
    else:
        line = f"{shown}: {before or 'base'} -> {after or 'base'}"
    out.print(display_text(line))  # the URL is what was typed: text, not markup
    return 0


def make_demo_database(path: Path) -> str:
    """A new demo database in the data folder, replacing the last one."""
    from ..seed import seed_demo

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    with opened(url) as engine:
        seed_demo(engine, deals=5_000, seed=42)
    return url


def run_app(url: str, *, user: str | None, config: UserConfig) -> int:
    from ..ui.app import run

    with opened(url):
        pass  # migrate and check the connection before the screen takes over
    return run(url, user=user, config=config)
