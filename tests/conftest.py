"""Shared fixtures: throwaway databases on SQLite and, when asked for, PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

from pipeline_tui.storage import make_engine, upgrade

PG_ENV = "PIPELINE_TUI_TEST_PG_URL"
PG_SKIP_REASON = f"set {PG_ENV} to run the storage tests on PostgreSQL too"


def pg_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture
def empty_sqlite_engine(tmp_path: os.PathLike[str]) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path}/pipeline.db")
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(empty_sqlite_engine: Engine) -> Engine:
    upgrade(empty_sqlite_engine)
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


@pytest.fixture
def pg_engine(empty_pg_engine: Engine) -> Engine:
    upgrade(empty_pg_engine)
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
