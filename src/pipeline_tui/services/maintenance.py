"""Opening a database for a command, and the schema maintenance behind `pipeline-tui db`.

The CLI reaches the storage engine and the migrations only through here (and through
the session, `workspace.Workspace.for_command`), so that no front end holds an Engine
(the import-linter contract in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from ..config import default_database_url
from ..errors import NotFoundError
from ..storage import (
    DowngradePlan,
    current_revision,
    database_exists,
    display_url,
    downgrade,
    faults_as_errors,
    head_revision,
    make_engine,
    plan_downgrade,
    upgrade,
)
from ..storage.backup import BackupResult, Progress, backup
from ..storage.integrity import Violation
from .integrity import CheckSummary, check_database

__all__ = ["DowngradePlan", "SchemaStep", "opened_engine"]


@dataclass(frozen=True)
class SchemaStep:
    """What a maintenance command did to the schema: the revision before and after."""

    before: str | None
    after: str | None
    existed: bool = True


def new_engine(url: str, *, create: bool = False, busy_timeout: float = 30.0) -> Engine:
    """An engine on `url`. An explicit database must exist unless the command exists to
    make one (`create`): a mistyped `--db` must not leave an empty database behind."""
    if not create and not database_exists(url) and url != default_database_url():
        shown = display_url(url)
        raise NotFoundError(
            f"No database at {shown}; create one with `pipeline-tui db init {shown}`"
        )
    return make_engine(url, busy_timeout=busy_timeout)


@contextmanager
def opened_engine(
    url: str, *, create: bool = False, busy_timeout: float = 30.0
) -> Iterator[Engine]:
    """`new_engine`, with database faults turned into one line naming the database,
    disposed of at the end of the block."""
    engine = new_engine(url, create=create, busy_timeout=busy_timeout)
    try:
        with faults_as_errors(url):
            yield engine
    finally:
        engine.dispose()


def schema_revision(url: str) -> SchemaStep:
    """`db current`: the revision the database is at (before == after)."""
    with opened_engine(url) as engine:
        revision = current_revision(engine)
    return SchemaStep(revision, revision)


def newest_revision() -> str | None:
    return head_revision()


def upgrade_schema(url: str, *, create: bool = False) -> SchemaStep:
    """`db upgrade` (and `db init` with `create`): every pending migration."""
    existed = database_exists(url)
    with opened_engine(url, create=create) as engine:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    return SchemaStep(before, after, existed)


def plan_schema_downgrade(url: str, revision: str) -> DowngradePlan:
    """What `db downgrade REVISION` would do, and drop, without doing it."""
    with opened_engine(url) as engine:
        return plan_downgrade(engine, revision)


def downgrade_schema(url: str, plan: DowngradePlan) -> None:
    with opened_engine(url) as engine:
        downgrade(engine, plan.target or "base")


def backup_database(
    url: str, target: Path, *, force: bool = False, progress: Progress | None = None
) -> BackupResult:
    """`pipeline-tui backup`: a consistent copy of the database as it is (no migration
    first), while others keep using it."""
    with opened_engine(url) as engine:
        return backup(engine, target, force=force, progress=progress)


def check_database_at(url: str, summary: CheckSummary, *, quick: bool = False) -> list[Violation]:
    """`pipeline-tui check`: every violation of the integrity check and of the app's own
    invariants, on the migrated database."""
    with opened_engine(url) as engine:
        upgrade(engine)
        return list(check_database(engine, summary, quick=quick))
