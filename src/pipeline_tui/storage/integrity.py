"""The database's own integrity check, as violations one can read one per line.

SQLite: `PRAGMA integrity_check` (the file's structure: pages, indexes that match their
tables) and `PRAGMA foreign_key_check` (rows that point at nothing; SQLite only enforces
foreign keys on connections that ask, so a file written by another tool can have them).

PostgreSQL keeps its files consistent and enforces every constraint it has, so what can
be wrong is the schema: a constraint added `NOT VALID` and never validated, an index left
invalid by a failed `CREATE INDEX CONCURRENTLY`, or a foreign key or CHECK constraint of
ours that isn't there at all (dropped by hand, or a table made by another tool).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import CheckConstraint, Connection, inspect, text
from sqlmodel import SQLModel

from .. import models  # noqa: F401  (the tables register on SQLModel's metadata)


@dataclass(frozen=True)
class Violation:
    """One thing wrong, about one row where there is one."""

    check: str  # which check found it: "sqlite-integrity", "replay", "quota-overlap", ...
    problem: str  # what is wrong, in words
    table: str | None = None
    row_id: int | None = None
    name: str | None = None  # the row's name (a deal's, a person's), as stored
    field: str | None = None
    expected: str | None = None
    found: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def database_checks(conn: Connection, *, quick: bool = False) -> Iterator[Violation]:
    """`quick`: SQLite's `quick_check`, which skips checking that every index matches its
    table: the slow part on a large file."""
    if conn.dialect.name == "sqlite":
        yield from _sqlite_integrity(conn, quick=quick)
        yield from _sqlite_foreign_keys(conn)
    else:
        yield from _pg_schema(conn)


def _sqlite_integrity(conn: Connection, *, quick: bool) -> Iterator[Violation]:
    pragma = "quick_check" if quick else "integrity_check"
    for (message,) in conn.exec_driver_sql(f"PRAGMA {pragma}"):
        if message != "ok":
            yield Violation("sqlite-integrity", str(message))


def _sqlite_foreign_keys(conn: Connection) -> Iterator[Violation]:
    columns: dict[tuple[str, int], tuple[str, str]] = {}
    for table, rowid, parent, fkid in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
        if (table, fkid) not in columns:
            for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
                columns[(table, row[0])] = (row[3], row[4] or "rowid")
        column, target = columns.get((table, fkid), ("?", "id"))
        value = None
        if rowid is not None and column != "?":
            value = conn.exec_driver_sql(
                f'SELECT "{column}" FROM "{table}" WHERE rowid = ?', (rowid,)
            ).scalar()
        yield Violation(
            "foreign-key",
            f"refers to a {parent} that does not exist",
            table=table,
            row_id=rowid,
            field=column,
            expected=f"a {parent}.{target}",
            found=None if value is None else str(value),
        )


def _pg_schema(conn: Connection) -> Iterator[Violation]:
    for table, name in conn.execute(
        text(
            "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c "
            "WHERE c.connamespace = current_schema()::regnamespace AND NOT c.convalidated"
        )
    ):
        yield Violation(
            "pg-constraint",
            f"constraint {name} was never validated, so rows may break it",
            table=table,
            expected="validated",
            found="NOT VALID",
        )
    for (index,) in conn.execute(
        text(
            "SELECT i.indexrelid::regclass::text FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid"
        )
    ):
        yield Violation("pg-index", f"index {index} is invalid", expected="valid", found="invalid")
    yield from _missing_constraints(conn)


def _missing_constraints(conn: Connection) -> Iterator[Violation]:
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in present:
            yield Violation("pg-constraint", "table is missing", table=table.name)
            continue
        keys = {tuple(fk["constrained_columns"]) for fk in inspector.get_foreign_keys(table.name)}
        for fk in table.foreign_keys:
            if (fk.parent.name,) not in keys:
                yield Violation(
                    "pg-constraint",
                    f"foreign key to {fk.column.table.name} is missing",
                    table=table.name,
                    field=fk.parent.name,
                    expected="a foreign key",
                    found="none",
                )
        checks = {c["name"] for c in inspector.get_check_constraints(table.name)}
        for constraint in table.constraints:
            if isinstance(constraint, CheckConstraint) and constraint.name not in checks:
                yield Violation(
                    "pg-constraint",
                    f"CHECK constraint {constraint.name} is missing",
                    table=table.name,
                    expected=str(constraint.sqltext),
                    found="none",
                )
