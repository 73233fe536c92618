"""Shared fixtures: throwaway databases on SQLite and, when asked for, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from psycopg import ClientCursor
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from pipeline_tui.storage import make_engine, upgrade

PG_ENV = "PIPELINE_TUI_TEST_PG_URL"
PG_SKIP_REASON = f"set {PG_ENV} to run the storage tests on PostgreSQL too"


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


def copy_sqlite_file(template: Path, target: Path) -> Path:
    """A copy of a SQLite file that may still have a WAL (its writer's engine not yet
    disposed): the WAL is written into the file first, so the copy has every commit."""
    with closing(sqlite3.connect(template)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(template, target)
    return target


@pytest.fixture
def empty_sqlite_engine(tmp_path: os.PathLike[str]) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/pipeline.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head, made once per test process: Alembic takes about
    a second a database, and hundreds of tests start from a migrated one."""
    path = tmp_path_factory.mktemp("migrated") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    # Closing the last connection checkpoints the WAL into the file; a copy of the file
    # alone would miss whatever a WAL still held.
    assert not Path(f"{path}-wal").exists(), "the migrated template still has a WAL"
    return path


@pytest.fixture
def sqlite_engine(empty_sqlite_engine: Engine, migrated_sqlite_file: Path) -> Engine:
    """A migrated database of the test's own: a copy of the migrated template, made
    before the engine's first connection (`test_fixtures` holds it equal to a migration)."""
    shutil.copyfile(migrated_sqlite_file, str(empty_sqlite_engine.url.database))
    return empty_sqlite_engine


@pytest.fixture
def empty_pg_engine() -> Iterator[Engine]:
    """A PostgreSQL engine whose search path is a fresh, empty schema of its own."""
    with fresh_pg_schema() as schema:
        engine = create_engine(
            schema.server, connect_args={"options": f"-csearch_path={schema.name}"}
        )
        try:
            yield engine
        finally:
            engine.dispose()


@dataclass(frozen=True)
class PgSchema:
    name: str
    server: URL  # the configured server, with the psycopg 3 driver
    admin: Engine  # AUTOCOMMIT, for whatever setup a test needs

    @property
    def url(self) -> URL:
        """The server's URL with this schema as the search path."""
        return self.server.update_query_dict({"options": f"-csearch_path={self.name}"})


@contextmanager
def fresh_pg_schema() -> Iterator[PgSchema]:
    """A new, empty schema on the test server, dropped afterwards; skips the test when no
    server is configured."""
    url = pg_url()
    if url is None:
        pytest.skip(PG_SKIP_REASON)
    server = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield PgSchema(name, server, admin)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_migration_script() -> Iterator[str]:
    """Every statement a migration to head runs on PostgreSQL, as one script: recorded
    once per test process, then replayed into each test's empty schema in one round trip
    (less than half the time of Alembic; `test_fixtures` holds the result equal to a
    migration). The statements name no schema: each lands in the search path's."""
    with fresh_pg_schema() as schema:
        engine = create_engine(schema.url)
        statements: list[str] = []

        def record(
            conn: Connection,
            cursor: Any,
            statement: str,
            parameters: Any,
            context: Any,
            executemany: bool,
        ) -> None:
            # A statement run many times would need each row's values: none is, today.
            assert not executemany, f"a migration ran a statement many times: {statement}"
            if parameters:
                statement = ClientCursor(cursor.connection).mogrify(statement, parameters)
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
    yield ";\n".join(statements)


@pytest.fixture
def pg_engine(empty_pg_engine: Engine, pg_migration_script: str) -> Engine:
    raw = empty_pg_engine.raw_connection()
    try:
        raw.driver_connection.execute(pg_migration_script)  # type: ignore[union-attr]
        raw.commit()
    finally:
        raw.close()
    return empty_pg_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A migrated database, once on each backend (PostgreSQL only when configured)."""
    name = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    result: Engine = request.getfixturevalue(name)
    return result


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest) -> Engine:
    """An empty database (no schema at all), once on each backend."""
    name = "empty_sqlite_engine" if request.param == "sqlite" else "empty_pg_engine"
    result: Engine = request.getfixturevalue(name)
    return result
