"""Engines for SQLite (one file, WAL mode) and PostgreSQL (psycopg 3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from ..config import database_url
from .opening import check_sqlite_file, parse_url, redact_url, sqlite_path

__all__ = ["make_engine", "open_database", "redact_url"]


def make_engine(url: str | None = None) -> Engine:
    """An engine on a database we support; refuses, without creating anything, a SQLite
    path in a missing folder or a file that isn't SQLite (see `opening`)."""
    parsed = parse_url(url or database_url())
    path = sqlite_path(parsed)
    if path is not None:
        check_sqlite_file(path)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the UI read while a worker writes; NORMAL sync is safe under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def open_database(url: str | None = None) -> Engine:
    """An engine whose schema has been brought to the newest migration."""
    from .migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine
