"""The one place where a database driver's failures become the app's own errors.

The environment can do four things to a working session: another program holds the
write lock, the file can't be written, the disk is full, the server connection dies. Each
becomes a `StorageError` kind whose message is written for a person: it never carries the
SQL, its parameters or the password of the database URL (SQLAlchemy's own messages carry
the first two, and a driver's may echo a conninfo).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, ProgrammingError

from ..errors import PipelineError, StorageError, redact
from .opening import url_secrets


class DatabaseLocked(StorageError):
    """Another program holds the write lock; nothing was written."""


class DatabaseReadOnly(StorageError):
    """The database can be read but not written; nothing was written."""


class DiskFull(StorageError):
    """The disk (or quota) has no room for the write; nothing was written."""


class ConnectionLost(StorageError):
    """The server connection died; the next operation connects afresh."""


LOCKED = "The database is locked by another program"
READ_ONLY = "The database is read-only"
FULL = "The disk is full"
LOST = "The connection to the database was lost"

# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_KINDS: dict[int, tuple[type[StorageError], str]] = {
    5: (DatabaseLocked, LOCKED),  # SQLITE_BUSY
    6: (DatabaseLocked, LOCKED),  # SQLITE_LOCKED
    8: (DatabaseReadOnly, READ_ONLY),  # SQLITE_READONLY
    13: (DiskFull, FULL),  # SQLITE_FULL
}
# The same by message, for drivers and injected errors that carry no code.
_MESSAGE_KINDS: list[tuple[str, type[StorageError], str]] = [
    ("database is locked", DatabaseLocked, LOCKED),
    ("database table is locked", DatabaseLocked, LOCKED),
    ("readonly database", DatabaseReadOnly, READ_ONLY),
    ("read-only", DatabaseReadOnly, READ_ONLY),
    ("disk is full", DiskFull, FULL),
    ("no space left on device", DiskFull, FULL),
    ("could not extend file", DiskFull, FULL),
]


def read_only_reason(url: str) -> str | None:
    """Why a SQLite file must be opened read-only, or None if it may be written.

    The mode bits count, not only `os.access`: root may write any file, but a file (or a
    folder, which must take SQLite's journal) that its owner made read-only is meant to
    stay as it is.
    """
    try:
        parsed = make_url(url)
    except Exception:  # not a URL we can open at all; opening it says why
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.query.get("mode") == "ro":
        return "opened with mode=ro"
    path = Path(parsed.database or "")
    if not path.exists():
        return None
    if not _writable(path):
        return "the file is read-only"
    if not _writable(path.resolve().parent):
        return "its folder is read-only"
    return None


def _writable(path: Path) -> bool:
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(path, os.W_OK)


def translate(
    exc: BaseException, secrets: tuple[str, ...] = (), *, disconnected: bool = False
) -> StorageError | None:
    """The `StorageError` for a driver or SQLAlchemy failure; None for anything else.

    Integrity, programming and data errors are not the environment's doing (they are bugs,
    conflicts or bad values that their callers handle), so they are left alone.
    """
    if isinstance(exc, StorageError):
        return exc
    original: BaseException = exc
    if isinstance(exc, DBAPIError):
        if isinstance(exc, IntegrityError | ProgrammingError | DataError):
            return None
        disconnected = disconnected or exc.connection_invalidated
        original = exc.orig if exc.orig is not None else exc
    elif not isinstance(exc, sqlite3.Error) or isinstance(
        exc, sqlite3.IntegrityError | sqlite3.ProgrammingError
    ):
        return None
    if disconnected:
        return ConnectionLost(f"{LOST}; it will reconnect on the next try")
    code = getattr(original, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _SQLITE_KINDS:
        kind, message = _SQLITE_KINDS[code & 0xFF]
        return kind(message)
    reason = _first_line(original, secrets)
    lowered = reason.lower()
    for needle, kind, message in _MESSAGE_KINDS:
        if needle in lowered:
            return kind(message)
    return StorageError(f"The database failed: {reason}" if reason else "The database failed")


def _first_line(exc: BaseException, secrets: tuple[str, ...]) -> str:
    """The driver's own words (never SQLAlchemy's, which append the SQL and parameters)."""
    lines = str(exc).strip().splitlines()
    return redact(lines[0].strip(), secrets) if lines else ""


def why_not_saved(fault: StorageError) -> str:
    """A few words for "… — not saved: <these>", one per kind of fault."""
    if isinstance(fault, ConnectionLost):
        return "connection lost"
    if isinstance(fault, DatabaseLocked):
        return "the database is locked"
    if isinstance(fault, DatabaseReadOnly):
        return "the database is read-only"
    if isinstance(fault, DiskFull):
        return "the disk is full"
    return "the database failed"


def as_pipeline_error(exc: BaseException, secrets: tuple[str, ...] = ()) -> PipelineError | None:
    """`exc` as one of the app's errors, if it is one or a database fault; else None (a bug)."""
    if isinstance(exc, PipelineError):
        return exc
    return translate(exc, secrets)


@contextmanager
def translated(secrets: tuple[str, ...] = ()) -> Iterator[None]:
    """Raises a `StorageError` in place of any database fault inside the block.

    `from None`: the driver's error (and its traceback's locals) stays out of whatever
    prints this one.
    """
    try:
        yield
    except Exception as exc:
        fault = None if isinstance(exc, PipelineError) else translate(exc, secrets)
        if fault is None:
            raise
        raise fault from None


def install(engine: Engine) -> Engine:
    """Makes every statement on `engine` raise `StorageError` kinds for faults.

    Done in SQLAlchemy's error hook rather than by callers, so the code that runs on the
    engine directly (reviews, imports) gets them too, and SQLAlchemy still invalidates a
    dead connection (and the pool) before the error reaches anyone.
    """
    secrets = url_secrets(engine.url)

    def on_error(context: ExceptionContext) -> BaseException | None:
        if context.is_pre_ping:
            return None  # the pool reconnects by itself; nothing to report
        failure = context.sqlalchemy_exception or context.original_exception
        return translate(failure, secrets, disconnected=context.is_disconnect)

    event.listen(engine, "handle_error", on_error)
    return engine
