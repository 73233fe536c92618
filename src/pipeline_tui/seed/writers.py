"""Bulk writes of rows that are already in stored form.

Rows are tuples of ints, strings and None, with dates as ISO text and timestamps as UTC
text. The SQLite writer hands them to the driver untouched, which is only correct
because they are exactly what SQLAlchemy itself would store (the tests compare both
routes byte for byte); PostgreSQL parses the text in COPY; any other database goes
through Core, after turning the text back into dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, func, select
from sqlmodel import SQLModel

from ..models import table_of
from .timeline import Row


class BulkWriter:
    """Any database, through SQLAlchemy Core executemany."""

    timestamp_suffix = "+00:00"

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.written: list[Table] = []
        self.quote = connection.dialect.identifier_preparer.quote

    @staticmethod
    @contextmanager
    def open(connection: Connection) -> Iterator[BulkWriter]:
        writer = writer_class(connection)(connection)
        writer.begin()
        try:
            yield writer
        finally:
            writer.end()

    def begin(self) -> None:
        pass

    def end(self) -> None:
        pass

    @contextmanager
    def loading(self, models: Sequence[type[SQLModel]]) -> Iterator[None]:
        """Around the bulk of the rows: a writer may suspend index upkeep meanwhile."""
        yield

    def finish(self) -> None:
        pass

    def count(self, model: type[SQLModel]) -> int:
        return self.connection.scalar(select(func.count()).select_from(table_of(model))) or 0

    def write(self, model: type[SQLModel], columns: Sequence[str], rows: list[Row]) -> None:
        table = table_of(model)
        if table not in self.written:
            self.written.append(table)
        if rows:  # an empty executemany would insert one row of defaults
            self._write(table, columns, rows)

    def _write(self, table: Table, columns: Sequence[str], rows: list[Row]) -> None:
        def parser(column: str) -> Callable[[str], Any] | None:
            kind = table.c[column].type
            kind = getattr(kind, "impl_instance", kind)  # UTCDateTime decorates DateTime
            if isinstance(kind, DateTime):
                return datetime.fromisoformat
            return date.fromisoformat if isinstance(kind, Date) else None

        parsers = [parser(column) for column in columns]
        self.connection.execute(
            table.insert(),
            [
                {
                    column: value if parse is None or value is None else parse(value)
                    for column, parse, value in zip(columns, parsers, row, strict=True)
                }
                for row in rows
            ],
        )


class SQLiteWriter(BulkWriter):
    """executemany on the driver, skipping Core's per-row type processing.

    SQLAlchemy stores a DATETIME on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC, no
    offset), a DATE as ISO text and a boolean as 0/1; rows are built that way.
    """

    timestamp_suffix = ""
    # Only on this connection and only while seeding: everything is one transaction
    # that lands whole or not at all, and the rows are consistent by construction.
    PRAGMAS = (("synchronous", "OFF"), ("foreign_keys", "OFF"), ("cache_size", "-262144"))

    def begin(self) -> None:
        run = self.connection.exec_driver_sql
        self.saved = [(name, run(f"PRAGMA {name}").scalar()) for name, _ in self.PRAGMAS]
        for name, value in self.PRAGMAS:
            run(f"PRAGMA {name}={value}")
        # The driver would open the transaction only at the first INSERT, after the
        # emptiness check and outside the index drops; IMMEDIATE also takes the write
        # lock now rather than failing half way.
        run("BEGIN IMMEDIATE")

    def end(self) -> None:
        self.connection.rollback()  # after a commit this is a no-op
        # PRAGMA foreign_keys does nothing inside a transaction, hence after rollback.
        for name, value in self.saved:
            self.connection.exec_driver_sql(f"PRAGMA {name}={value}")
        self.connection.commit()

    @contextmanager
    def loading(self, models: Sequence[type[SQLModel]]) -> Iterator[None]:
        """Drop the tables' secondary indexes and rebuild them from the same SQL.

        One sorted build per index beats a million scattered inserts (it saves about a
        quarter of the time at a million deals); a rollback restores them on failure.
        """
        names = [table_of(model).name for model in models]
        indexes = self.connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({', '.join('?' * len(names))}) ORDER BY rowid",
            tuple(names),
        ).all()
        for name, _ in indexes:
            self.connection.exec_driver_sql(f"DROP INDEX {self.quote(name)}")
        yield
        for _, sql in indexes:
            self.connection.exec_driver_sql(sql)

    def _write(self, table: Table, columns: Sequence[str], rows: list[Row]) -> None:
        self.connection.exec_driver_sql(
            f"INSERT INTO {self.quote(table.name)} ({', '.join(map(self.quote, columns))}) "
            f"VALUES ({', '.join('?' * len(columns))})",
            rows,
        )


class PostgresWriter(BulkWriter):
    """COPY through psycopg 3; the server parses the ISO text by column type."""

    @contextmanager
    def loading(self, models: Sequence[type[SQLModel]]) -> Iterator[None]:
        """Drop foreign keys and secondary indexes, then restore them from their DDL.

        Row-by-row foreign key checks are most of PostgreSQL's load time; adding the
        constraint back checks every row in one pass, and fails the seed if one is bad.
        """
        run = self.connection.exec_driver_sql
        keys: list[tuple[str, str, str]] = []
        indexes: list[tuple[str, str]] = []
        for model in models:
            table = self.quote(table_of(model).name)
            keys += [
                (table, name, ddl)
                for name, ddl in run(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    f" WHERE contype = 'f' AND conrelid = '{table}'::regclass ORDER BY conname"
                )
            ]
            indexes += [
                (name, ddl)
                for name, ddl in run(
                    "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indexrelid"
                    f" WHERE i.indrelid = '{table}'::regclass AND NOT EXISTS"
                    " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
                    " ORDER BY c.relname"
                )
            ]
        for table, name, _ in keys:
            run(f"ALTER TABLE {table} DROP CONSTRAINT {self.quote(name)}")
        for name, _ in indexes:
            run(f"DROP INDEX {self.quote(name)}")
        yield
        for _, ddl in indexes:
            run(ddl)
        for table, name, ddl in keys:
            run(f"ALTER TABLE {table} ADD CONSTRAINT {self.quote(name)} {ddl}")

    def _write(self, table: Table, columns: Sequence[str], rows: list[Row]) -> None:
        sql = f"COPY {self.quote(table.name)} ({', '.join(map(self.quote, columns))}) FROM STDIN"
        driver: Any = self.connection.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        # Explicit ids don't advance the id sequences; the app's next insert would clash.
        for table in self.written:
            if "id" not in table.c:  # keyed by other columns, with no sequence
                continue
            name = self.quote(table.name)
            self.connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )


def writer_class(connection: Connection) -> type[BulkWriter]:
    dialect = connection.dialect
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        return SQLiteWriter
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return PostgresWriter
    return BulkWriter
