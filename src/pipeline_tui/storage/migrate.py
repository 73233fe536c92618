"""Alembic, driven from code so that every entry point migrates the same way.

Two promises hold for every migration. A database that has tables but isn't ours (no
`alembic_version`, or a revision that isn't one of our scripts) is refused before
anything is written. And a migration happens all or nothing: on SQLite that needs an
explicit transaction (the driver would run DDL outside one) and foreign keys switched
off (rebuilding a table in batch mode drops it while other tables still refer to it),
with the references checked before the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, inspect
from sqlalchemy.pool import StaticPool

from ..errors import InputError, StorageError
from .opening import display_url
from .revisions import VERSION_TABLE, is_current, shipped_chain

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: a start that finds the schema current never
# needs it (`revisions`), and importing it is a good part of the time to the first screen.
MIGRATIONS = Path(__file__).with_name("migrations")


class ForeignDatabase(StorageError):
    """The database has tables of another application's; nothing was changed."""


def alembic_config(engine: Engine | None = None, connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def our_revisions() -> tuple[str, ...]:
    """Every revision we ship, oldest first."""
    chain = shipped_chain()
    if chain is not None:
        return chain
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return tuple(reversed([rev.revision for rev in script.walk_revisions()]))


def head_revision() -> str | None:
    shipped = our_revisions()
    return shipped[-1] if shipped else None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def display_name(engine: Engine) -> str:
    """How a message names the database: the file, or the URL without its password."""
    return display_url(engine.url)


def check_ours(connection: Connection, shown: str) -> str | None:
    """The database's revision, if it is empty or ours; `ForeignDatabase` otherwise."""
    from alembic.runtime.migration import MigrationContext
    from alembic.util import CommandError

    tables = set(inspect(connection).get_table_names())
    try:
        revision = MigrationContext.configure(connection).get_current_revision()
    except CommandError:  # several rows in alembic_version: not a history of ours
        revision = "(several)"
    refuse_foreign(shown, tables, revision)
    return revision


def refuse_foreign(shown: str, tables: set[str], revision: str | None) -> None:
    """Raises `ForeignDatabase` unless the tables and revision are an empty database's or
    a pipeline-tui schema's."""
    others = sorted(tables - {VERSION_TABLE})
    if revision is None and others:
        listed = ", ".join(others[:5]) + (", …" if len(others) > 5 else "")
        raise ForeignDatabase(
            f"{shown} is not a pipeline-tui database (it has other tables: {listed}); "
            "nothing was changed"
        )
    if revision is not None and revision not in our_revisions():
        raise ForeignDatabase(
            f"{shown} has schema revision '{revision}', which is not pipeline-tui's "
            "(another app's database, or one from a newer pipeline-tui); nothing was changed"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    shown = display_name(engine)
    if revision == "head":
        with engine.connect() as connection:
            # The usual start: one lookup, no Alembic. Anything else is checked in full.
            if is_current(connection) or check_ours(connection, shown) == head_revision():
                return
    from alembic import command
    from alembic.util import CommandError

    with migrating(engine) as connection:
        check_ours(connection, shown)
        try:
            command.upgrade(alembic_config(connection=connection), revision)
        except CommandError as exc:
            raise InputError(f"Can't upgrade to '{revision}': {exc}") from None


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Steps the schema back to `revision` (an id, `-N` or `base`), all or nothing."""
    from alembic import command

    shown = display_name(engine)
    with migrating(engine) as connection:
        current = check_ours(connection, shown)
        target = resolve_downgrade(current, revision)
        if target == current:
            return
        command.downgrade(alembic_config(connection=connection), target or "base")


def resolve_downgrade(current: str | None, revision: str) -> str | None:
    """The revision `revision` names, counted from `current`; None is base."""
    order = our_revisions()
    text = revision.strip()
    position = -1 if current is None else order.index(current)
    choices = ", ".join(["base", "-1", *order])
    if text == "base":
        index = -1
    elif text.startswith("-") and text[1:].isdigit():
        index = position - int(text[1:])
        if index < -1:
            raise InputError(
                f"Can't step back {text[1:]} from {current or 'base'}: "
                f"there are only {position + 1} revisions below it"
            )
    else:
        matches = [i for i, rev in enumerate(order) if rev == text] or [
            i for i, rev in enumerate(order) if text and rev.startswith(text)
        ]
        if len(matches) != 1:
            raise InputError(f"Unknown revision '{revision}': use one of {choices}")
        index = matches[0]
    if index > position:
        raise InputError(
            f"Revision {order[index]} is newer than the database's {current or 'base'}: "
            "use `pipeline-tui db upgrade`"
        )
    return None if index < 0 else order[index]


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction that commits only if the block succeeds."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        raw: Any = connection.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # a no-op inside a transaction: first
        raw.isolation_level = None  # the driver leaves transactions to us
        try:
            with connection.begin():
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StorageError(
                        f"The migration would break references in {broken[0][0]}; "
                        "nothing was changed"
                    )
        finally:
            try:
                raw.isolation_level = ""
                raw.execute("PRAGMA foreign_keys=ON")
            except Exception:  # a broken connection must not go back to the pool
                connection.invalidate()


@lru_cache(maxsize=8)
def schema_at(revision: str | None) -> dict[str, frozenset[str]]:
    """Our tables and their columns at `revision`, built once in a scratch database."""
    if revision is None:
        return {}
    from alembic import command

    scratch = create_engine("sqlite://", poolclass=StaticPool)
    try:
        with scratch.begin() as connection:
            command.upgrade(alembic_config(connection=connection), revision)
            inspector = inspect(connection)
            return {
                name: frozenset(column["name"] for column in inspector.get_columns(name))
                for name in inspector.get_table_names()
                if name != VERSION_TABLE
            }
    finally:
        scratch.dispose()
