"""The migrated databases the tests start from are copies (a SQLite file, a replayed
PostgreSQL script): each must be exactly what a migration from empty builds, or every test
on it would test something the app never meets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

from pipeline_tui.storage import make_engine, upgrade

from .conftest import fresh_pg_schema

# Everything a migration leaves in a PostgreSQL schema, each row naming no schema.
PG_CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default,
                         character_maximum_length, numeric_precision
                  FROM information_schema.columns WHERE table_schema = current_schema()""",
    "constraints": """SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid)
                      FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
                      WHERE co.connamespace = current_schema()::regnamespace""",
    "indexes": """SELECT tablename, indexname, replace(indexdef, current_schema() || '.', '')
                  FROM pg_indexes WHERE schemaname = current_schema()""",
    "triggers": """SELECT event_object_table, trigger_name, event_manipulation, action_timing,
                          action_orientation,
                          replace(action_statement, current_schema() || '.', '')
                   FROM information_schema.triggers WHERE trigger_schema = current_schema()""",
    "functions": """SELECT p.proname, p.prosrc FROM pg_proc p
                    WHERE p.pronamespace = current_schema()::regnamespace""",
    "sequences": """SELECT sequence_name, data_type, start_value, increment
                    FROM information_schema.sequences
                    WHERE sequence_schema = current_schema()""",
}


def rows_of_every_table(engine: Engine, tables: list[str]) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            table: sorted(
                (tuple(row) for row in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr
            )
            for table in tables
        }


def clauses(sql: str | None) -> list[str]:
    """A CREATE statement's lines in order of their text: Alembic's batch mode rebuilds a
    table with its constraints in an order that varies from one migration to the next."""
    return sorted(line.strip().rstrip(",") for line in (sql or "").splitlines())


def sqlite_contents(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        master = [
            (kind, name, table, clauses(sql))
            for kind, name, table, sql in conn.execute(
                text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
            )
        ]
        version = conn.execute(text("PRAGMA user_version")).scalar_one()
    tables = [name for kind, name, _, _ in master if kind == "table"]
    return (master, version, rows_of_every_table(engine, tables))


def pg_contents(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        catalog = {
            name: sorted((tuple(row) for row in conn.execute(text(query))), key=repr)
            for name, query in PG_CATALOG.items()
        }
        tables = list(
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() ORDER BY table_name"
                )
            ).scalars()
        )
    return (catalog, rows_of_every_table(engine, tables))


def test_the_migrated_sqlite_copy_is_a_migration(sqlite_engine: Engine, tmp_path: Path) -> None:
    fresh = make_engine(f"sqlite:///{tmp_path}/fresh.db")
    try:
        upgrade(fresh)
        contents = sqlite_contents(sqlite_engine)
        assert contents[0], "the copy has no schema at all"
        assert contents == sqlite_contents(fresh)
    finally:
        fresh.dispose()


def test_the_replayed_postgres_schema_is_a_migration(pg_engine: Engine) -> None:
    with fresh_pg_schema() as schema:
        fresh = create_engine(schema.url)
        try:
            upgrade(fresh)
            contents = pg_contents(pg_engine)
            assert contents[0]["triggers"], "the replayed schema has no triggers"
            assert contents == pg_contents(fresh)
        finally:
            fresh.dispose()
