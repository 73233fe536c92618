"""Database faults as the app's own errors: the right kind, one clean line, no secrets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from pipeline_tui.errors import StorageError, user_message
from pipeline_tui.storage import make_engine
from pipeline_tui.storage.faults import (
    ConnectionLost,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    install,
    read_only_reason,
    translate,
    translated,
)
from pipeline_tui.storage.opening import url_secrets

PASSWORD = "s3cr3tpw"


def wrapped(message: str) -> OperationalError:
    """A driver error as SQLAlchemy raises it: with the statement and its parameters."""
    return OperationalError(
        "UPDATE deal SET name = ? WHERE id = ?",
        ("Top secret deal", 7),
        sqlite3.OperationalError(message),
    )


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("database is locked", DatabaseLocked),
        ("attempt to write a readonly database", DatabaseReadOnly),
        ("database or disk is full", DiskFull),
    ],
)
def test_driver_messages_become_their_kind_without_sql_or_parameters(
    message: str, kind: type[StorageError]
) -> None:
    fault = translate(wrapped(message))
    assert isinstance(fault, kind)
    shown = user_message(fault)
    assert "UPDATE" not in shown and "Top secret" not in shown and "\n" not in shown


def test_a_lost_connection_is_its_own_kind() -> None:
    error = wrapped("server closed the connection unexpectedly")
    error.connection_invalidated = True
    assert isinstance(translate(error), ConnectionLost)


def test_other_failures_keep_only_the_drivers_first_line_and_hide_the_password() -> None:
    error = wrapped(f"could not connect to postgresql://u:{PASSWORD}@db/x\nHINT: more")
    fault = translate(error, (PASSWORD,))
    assert type(fault) is StorageError
    shown = user_message(fault, (PASSWORD,))
    assert PASSWORD not in shown and "HINT" not in shown and "UPDATE" not in shown


def test_conflicts_and_bugs_are_not_taken_for_faults() -> None:
    integrity = IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed"))
    assert translate(integrity) is None
    assert translate(ValueError("nope")) is None
    with pytest.raises(ValueError), translated():
        raise ValueError("nope")


def test_an_installed_engine_raises_the_kind_itself(tmp_path: Path) -> None:
    """Through SQLAlchemy's error hook, so code that uses the engine directly gets it too."""
    path = tmp_path / "locked.db"
    engine: Engine = install(make_engine(f"sqlite:///{path}", busy_timeout=0.05))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseLocked), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        other.execute("ROLLBACK")
        other.close()
    with engine.begin() as conn:  # the engine is fine once the lock is gone
        conn.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()


def test_read_only_files_are_recognised_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    sqlite3.connect(path).close()
    assert read_only_reason(f"sqlite:///{path}") is None
    path.chmod(0o444)
    assert read_only_reason(f"sqlite:///{path}") == "the file is read-only"
    engine = make_engine(f"sqlite:///{path}", read_only=True)
    with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    assert read_only_reason("postgresql+psycopg://u@h/db") is None


def test_url_secrets_are_the_password_only() -> None:
    assert url_secrets(f"postgresql+psycopg://u:{PASSWORD}@h/db") == (PASSWORD,)
    assert url_secrets("sqlite:///x.db") == ()
    assert url_secrets("not a url") == ()
