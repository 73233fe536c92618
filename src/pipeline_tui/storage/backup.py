"""A consistent copy of the database while people keep working in it.

SQLite: the online backup API, copying a page range per step so a large file can show
progress. The source connection holds one read transaction for the whole copy: every
step then reads the same snapshot, so writers in other connections (WAL mode) carry on
and the copy is the database as it stood when the backup began. Without that, SQLite
restarts a stepped backup whenever another connection writes, and under a steady trickle
of edits it never finishes.

PostgreSQL: `pg_dump` in its custom format (restore with `pg_restore`), of the schema the
app's tables live in. The password goes to `pg_dump` through its environment, never on its
command line, where other users of the machine could read it.

Either way the copy is written next to the target under a temporary name, checked, and only
then moved into place; a failure leaves no file behind and an existing target untouched.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL

from ..errors import InputError, NotFoundError, StorageError, redact
from .opening import url_secrets

Progress = Callable[[int, int], None]  # (pages copied, pages in all)
PAGES_PER_STEP = 1024
BUSY_TIMEOUT = 30.0  # seconds to wait for a writer in rollback-journal mode
PG_DUMP = "pg_dump"


class BackupError(StorageError):
    """The copy could not be made; nothing was written at the target."""


class ToolMissing(BackupError):
    """A program the backup needs is not installed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    method: str  # "sqlite-backup" or "pg_dump"
    size: int  # bytes


def backup(
    engine: Engine, target: Path, *, force: bool = False, progress: Progress | None = None
) -> BackupResult:
    """Copy the database `engine` is on to `target`.

    Refuses an existing `target` unless `force`, a target that is the database itself, and
    a target another SQLite connection may still be using (it has a `-wal` file).
    """
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = _sqlite_source(url)
        _check_target(target, force=force, source=source)
        return _sqlite_backup(source, target, progress)
    _check_target(target, force=force, source=None)
    return _pg_dump(engine, target)


def _sqlite_source(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise InputError("Only a SQLite database in a file can be backed up")
    source = Path(url.database)
    if not source.is_file():
        raise NotFoundError(f"No database at {source}")
    return source


def _check_target(target: Path, *, force: bool, source: Path | None) -> None:
    if target.is_dir():
        raise InputError(f"{target} is a folder; name the backup file")
    if not target.parent.is_dir():
        raise NotFoundError(f"No folder {target.parent} for the backup {target.name}")
    if source is not None and target.exists() and target.samefile(source):
        raise InputError(f"{target} is the database itself; name another file")
    if target.exists() and not force:
        raise InputError(f"{target} already exists; use --force to replace it")
    for suffix in ("-wal", "-journal"):
        if Path(f"{target}{suffix}").exists():
            # Another database's log next to the new file would be replayed into it.
            raise InputError(
                f"{target}{suffix} exists: a database at {target} is open or was not closed "
                "cleanly; name another file"
            )


@contextmanager
def _staged(target: Path) -> Iterator[Path]:
    """A temporary file beside `target`, moved onto it only if the block succeeds."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    except OSError as exc:
        raise BackupError(f"Can't write in {target.parent}: {exc.strerror or exc}") from None
    os.close(fd)
    staged = Path(name)
    try:
        yield staged
        try:
            os.replace(staged, target)
        except OSError as exc:
            raise BackupError(f"Can't write {target}: {exc.strerror or exc}") from None
    finally:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{staged}{suffix}").unlink(missing_ok=True)


def _sqlite_backup(source: Path, target: Path, progress: Progress | None) -> BackupResult:
    def step(_status: int, remaining: int, total: int) -> None:
        if progress is not None:
            progress(total - remaining, total)

    with _staged(target) as staged:
        try:
            with (
                closing(sqlite3.connect(source, isolation_level=None, timeout=BUSY_TIMEOUT)) as src,
                closing(sqlite3.connect(staged, isolation_level=None)) as dst,
            ):
                # Pin one snapshot for every step (see the module's docstring).
                src.execute("BEGIN")
                src.execute("SELECT count(*) FROM sqlite_master").fetchone()
                src.backup(dst, pages=PAGES_PER_STEP, progress=step)
                src.execute("COMMIT")
                # One self-contained file: no WAL to carry around with it.
                dst.execute("PRAGMA journal_mode=DELETE")
                problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
        except sqlite3.Error as exc:
            raise BackupError(f"Backing up {source} failed: {exc}") from None
        if problems != ["ok"]:
            raise BackupError(f"The copy of {source} failed its integrity check: {problems[0]}")
        size = staged.stat().st_size
    return BackupResult(target, "sqlite-backup", size)


def _pg_dump(engine: Engine, target: Path) -> BackupResult:
    program = shutil.which(PG_DUMP)
    if program is None:
        raise ToolMissing(
            "pg_dump is not installed (it is not on PATH), so a PostgreSQL database can't be "
            "backed up from here; install the PostgreSQL client tools (postgresql-client) "
            "of the server's version or newer. Nothing was written."
        )
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar()
    if not schema:
        raise BackupError("The database has no schema on its search path to back up")
    conninfo, env = _connection(engine.url)
    secrets = url_secrets(engine.url)
    quoted = '"' + str(schema).replace('"', '""') + '"'
    with _staged(target) as staged:
        command = [
            program,
            "--format=custom",
            "--no-password",
            f"--schema={quoted}",
            f"--file={staged}",
            f"--dbname={conninfo}",
        ]
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise BackupError(f"Can't run {program}: {exc.strerror or exc}") from None
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
            raise BackupError(f"pg_dump failed: {redact(lines[0], secrets)}")
        _check_dump(staged, env)
        size = staged.stat().st_size
    return BackupResult(target, "pg_dump", size)


def _connection(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq conninfo `pg_dump` connects with, and its environment holding the
    password, if there is one."""
    import psycopg.conninfo

    params: dict[str, str] = {}
    for key, value in url.query.items():
        params[key] = value if isinstance(value, str) else ",".join(value)
    password = params.pop("password", None) or url.password
    where: dict[str, object] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    params.update({key: str(value) for key, value in where.items() if value is not None})
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return psycopg.conninfo.make_conninfo("", **params), env


def _check_dump(path: Path, env: dict[str, str]) -> None:
    """A dump `pg_restore` can read back, when it is installed to ask."""
    program = shutil.which("pg_restore")
    if program is None:
        return
    listed = subprocess.run(
        [program, "--list", str(path)], env=env, capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        lines = listed.stderr.strip().splitlines() or ["unreadable"]
        raise BackupError(f"pg_restore can't read the dump pg_dump wrote: {lines[0]}")
