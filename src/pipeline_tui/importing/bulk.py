"""Moving many rows quickly: the driver's executemany on SQLite, COPY on PostgreSQL.

Core processes every value of every row in Python, which was most of the time of a
100,000-row import. SQLite gets and gives rows in the form SQLAlchemy itself stores
(ISO dates, UTC timestamps as `YYYY-MM-DD HH:MM:SS.ffffff`; the tests compare both
routes), converting each distinct date once; psycopg's COPY adapts dates and aware
datetimes itself. Any other database goes through Core. Everything runs in the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Table, func, select

Row = tuple[Any, ...]
REBUILD_FROM_ROWS = 20_000
ANALYZE_FROM_ROWS = 5_000


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: list[Row]) -> None:
    if not rows:
        return
    dialect = conn.dialect
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in columns)
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        stored = _sqlite_rows(table, columns, rows)
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})", stored)
    elif dialect.name == "postgresql" and dialect.driver == "psycopg":
        driver: Any = conn.connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        conn.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sqlite_rows(table: Table, columns: Sequence[str], rows: list[Row]) -> list[Row]:
    dated = []
    for i, column in enumerate(columns):
        kind = table.c[column].type
        kind = getattr(kind, "impl_instance", kind)
        if isinstance(kind, Date | DateTime):
            dated.append((i, _remembered()))
    if not dated:
        return rows
    stored = []
    for row in rows:
        values = list(row)
        for i, convert in dated:
            if values[i] is not None:
                values[i] = convert(values[i])
        stored.append(tuple(values))
    return stored


def _remembered() -> Callable[[Any], Any]:
    """`sqlite_value`, once per distinct value: imports repeat a few dates many times."""
    memo: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            memo[value] = result = sqlite_value(value)
            return result

    return convert


@contextmanager
def indexes_rebuilt(conn: Connection, table: Table, adding: int) -> Iterator[None]:
    """On SQLite, drop the table's secondary indexes while `adding` rows go in and build
    them again afterwards, when that many rows are at least as many as it holds.

    One sorted build per index is cheaper than as many scattered inserts (a 100,000-deal
    first import spends a third less time writing); a weekly re-import into a large
    table keeps its indexes. It all happens inside the import's transaction, so a
    rollback restores them; other connections keep reading their snapshot meanwhile.
    Unique indexes stay, since they check the rows.
    """
    if conn.dialect.name != "sqlite" or adding < REBUILD_FROM_ROWS:
        yield
        return
    if conn.execute(select(func.count()).select_from(table)).scalar_one() > adding:
        yield
        return
    quote = conn.dialect.identifier_preparer.quote
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY rowid",
        (table.name,),
    ).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in indexes:
        conn.exec_driver_sql(sql)


def select_by_keys(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    key: str,
    keys: Sequence[Any],
    chunk: int,
) -> Iterator[dict[str, Any]]:
    """The rows whose `key` column is one of `keys`, `chunk` keys per query."""
    dialect = conn.dialect
    sqlite = dialect.name == "sqlite" and dialect.driver == "pysqlite"
    quote = dialect.identifier_preparer.quote
    readers = [(i, _reader(table, c)) for i, c in enumerate(columns)] if sqlite else []
    dated = [(i, read) for i, read in readers if read is not None]
    for start in range(0, len(keys), chunk):
        part = list(keys[start : start + chunk])
        if not sqlite:
            query = select(*(table.c[c] for c in columns)).where(table.c[key].in_(part))
            yield from (dict(row) for row in conn.execute(query).mappings())
            continue
        sql = (
            f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table.name)} "
            f"WHERE {quote(key)} IN ({', '.join('?' * len(part))})"
        )
        for row in conn.exec_driver_sql(sql, tuple(part)).all():
            values = list(row)
            for i, read in dated:
                if values[i] is not None:
                    values[i] = read(values[i])
            yield dict(zip(columns, values, strict=True))


def _reader(table: Table, column: str) -> Callable[[Any], Any] | None:
    kind = table.c[column].type
    kind = getattr(kind, "impl_instance", kind)
    if isinstance(kind, DateTime):
        return _remembered_parse(_utc_timestamp)
    if isinstance(kind, Date):
        return _remembered_parse(date.fromisoformat)
    return None


def _utc_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _remembered_parse(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    memo: dict[str, Any] = {}

    def read(text: str) -> Any:
        try:
            return memo[text]
        except KeyError:
            memo[text] = result = parse(text)
            return result

    return read


def refresh_statistics(conn: Connection, table: Table, rows: int) -> None:
    """On PostgreSQL, let the planner know about `rows` rows just added or about to be
    looked up, when there are many.

    Right after a bulk load the planner still believes the table is small, scans all of
    it for every chunk of external ids and turns a weekly re-import from seconds into
    minutes; autovacuum catches up only later. ANALYZE reads a sample, takes no lock
    that blocks readers or writers, and runs inside the import's transaction.
    """
    if conn.dialect.name == "postgresql" and rows >= ANALYZE_FROM_ROWS:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table.name)}")
