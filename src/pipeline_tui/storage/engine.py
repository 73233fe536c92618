"""Engines for SQLite (one file, WAL mode) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

from ..config import database_url
from .opening import check_sqlite_file, parse_url, redact_url, sqlite_path

__all__ = ["make_engine", "open_database", "redact_url"]


def make_engine(
    url: str | None = None, *, busy_timeout: float = 30.0, read_only: bool = False
) -> Engine:
    """An engine on a database we support; refuses, without creating anything, a SQLite
    path in a missing folder or a file that isn't SQLite (see `opening`).

    `busy_timeout`: how long SQLite waits for another writer's lock before failing.
    `read_only`: open a SQLite file so that nothing can be written to it."""
    parsed = parse_url(url or database_url())
    path = sqlite_path(parsed)
    if path is not None:
        check_sqlite_file(path)
    if parsed.get_backend_name() == "sqlite":
        target = _read_only_url(parsed) if read_only else parsed
        connect_args = {"check_same_thread": False, "timeout": busy_timeout}
        engine = create_engine(target, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_read_only if read_only else _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the UI read while a worker writes; NORMAL sync is safe under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _read_only_url(parsed: URL) -> URL:
    """The file as a `mode=ro` URI: SQLite itself refuses every write, whoever we are
    (root can write a file whose mode says read-only)."""
    path = Path(parsed.database or "").resolve()
    query = {"mode": "ro", "uri": "true"}
    # A WAL file on read-only media can't get the shared-memory file readers need; there
    # nobody can write it either, so SQLite may read it without locking at all.
    if not os.access(path.parent, os.W_OK) and not Path(f"{path}-shm").exists():
        query["immutable"] = "1"
    return parsed.set(database=f"file:{quote(str(path), safe='/')}", query=query)


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    # No journal_mode switch: that is a write, and a read-only file keeps the mode it has.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_database(url: str | None = None) -> Engine:
    """An engine whose schema has been brought to the newest migration."""
    from .migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine
