"""Which databases we agree to open, checked before anything connects or writes.

Only SQLite (the standard library's driver) and PostgreSQL through psycopg 3 are tested,
so any other URL is refused by name rather than failing deep inside SQLAlchemy with an
import error. A SQLite path must be in an existing folder (a typo must not create
folders) and, if the file exists, must be a SQLite file: opening a text file would fail
with a driver message, and opening someone's half-written file would be worse.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from ..config import default_database_path
from ..errors import InputError, NotFoundError, StorageError, redact

SUPPORTED_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
SQLITE_HEADER = b"SQLite format 3\x00"
PASSWORD_ENV = "PGPASSWORD"


def redact_url(url: str) -> str:
    """The URL as it may be shown to a person: no password, in the userinfo or the query."""
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown without anything after the scheme
        return url.split("://", 1)[0] + "://…"
    return redact(shown)


def display_url(url: str | URL) -> str:
    """How a message names a database: the SQLite file, or the server URL with neither
    password nor parameters (which are noise in a message, and may carry the password)."""
    try:
        parsed = make_url(url)
    except Exception:
        return redact_url(str(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return parsed.database
    return redact(parsed.set(query={}).render_as_string(hide_password=True))


def url_secrets(url: str | URL) -> tuple[str, ...]:
    """Every spelling of a password the URL or the environment gives the driver."""
    found: list[str] = []
    try:
        parsed = make_url(url)
    except Exception:
        parsed = None
    if parsed is not None:
        if parsed.password:
            found.append(str(parsed.password))
        query_password = parsed.query.get("password")
        if isinstance(query_password, str):
            found.append(query_password)
        elif query_password:
            found.extend(query_password)
    if os.environ.get(PASSWORD_ENV):
        found.append(os.environ[PASSWORD_ENV])
    return tuple(secret for secret in found if secret)


def parse_url(url: str) -> URL:
    """The parsed URL of a database we support, with its driver; a one-line error otherwise."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(f"Not a database URL or path: {redact_url(url)}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend not in SUPPORTED_DRIVERS:
        raise InputError(
            f"Unsupported database '{parsed.drivername}': use a SQLite file path "
            "or a postgresql:// URL"
        )
    wanted = SUPPORTED_DRIVERS[backend]
    if driver and driver != wanted:
        raise InputError(
            f"Unsupported driver '{parsed.drivername}': use {backend}+{wanted}:// (or {backend}://)"
        )
    _check_query(parsed, backend)
    if backend == "postgresql" and not driver:
        # A plain postgresql:// would ask SQLAlchemy for psycopg2, which we don't ship.
        parsed = parsed.set(drivername=f"{backend}+{wanted}")
    return parsed


def _check_query(parsed: URL, backend: str) -> None:
    if not parsed.query:
        return
    if backend == "sqlite":
        names = ", ".join(sorted(parsed.query))
        raise InputError(f"A SQLite database URL takes no parameters (got {names})")
    import psycopg.conninfo

    params = {
        key: value if isinstance(value, str) else ",".join(value)
        for key, value in parsed.query.items()
    }
    try:
        psycopg.conninfo.make_conninfo("", **params)
    except psycopg.Error as exc:
        reason = redact(str(exc).strip().splitlines()[0] if str(exc).strip() else "")
        raise InputError(f"Bad parameter in the database URL: {reason}") from None


def sqlite_path(parsed: URL) -> Path | None:
    """The file a SQLite URL names; None for PostgreSQL and for in-memory databases."""
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_sqlite_file(path: Path) -> None:
    """Refuses a path SQLite would fail on or create folders for: one line, nothing made.

    The default database in the user data folder is the app's own: its folder is made on
    first use.
    """
    if path == default_database_path().expanduser().resolve():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"Can't create {path.parent}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a database file")
    if not path.parent.is_dir():
        raise NotFoundError(f"No folder {path.parent} for the database {path.name}")
    if not path.exists():
        return
    try:
        with path.open("rb") as stream:
            header = stream.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StorageError(f"Can't read {path}: {exc.strerror or exc}") from None
    if header and header != SQLITE_HEADER:
        raise StorageError(f"{path} is not a SQLite database")
    if header:
        _refuse_foreign_file(path)


def _refuse_foreign_file(path: Path) -> None:
    """Refuses another application's SQLite file before our connection setup touches it
    (switching it to WAL would already be a change), looking through a read-only handle.

    When the file can't be read that way (locked, say), the same check still runs on the
    real connection before any migration (`migrate.check_ours`).
    """
    from .migrate import refuse_foreign

    try:
        peek = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, ValueError):
        return
    try:
        tables = {
            row[0]
            for row in peek.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%'"
                " ESCAPE '~'"
            )
        }
        versions = (
            [str(row[0]) for row in peek.execute("SELECT version_num FROM alembic_version")]
            if "alembic_version" in tables
            else []
        )
    except sqlite3.Error:
        return
    finally:
        peek.close()
    revision = versions[0] if len(versions) == 1 else "(several)" if versions else None
    refuse_foreign(str(path), tables, revision)


def database_exists(url: str) -> bool:
    """Whether opening `url` would find a database rather than create an empty file.

    A server database always exists as far as we can tell without connecting: we never
    create those, and connecting to one that isn't there fails on its own.
    """
    path = sqlite_path(parse_url(url))
    return path is None or path.exists()


@contextmanager
def faults_as_errors(url: str) -> Iterator[None]:
    """Inside the block, the database failing (unreachable, dropped connection, locked,
    full, not a database) raises a one-line `StorageError` that names the database: the
    driver's own words at most (see `faults.translate`), never the SQL, never a password."""
    from .faults import translate

    try:
        yield
    except DBAPIError as exc:
        fault = translate(exc, url_secrets(url))
        if fault is None:
            raise
        raise type(fault)(f"Database {display_url(url)}: {fault}") from None
