"""Never touching a database that isn't ours, and stepping our own schema back only when
asked, all or nothing."""

from __future__ import annotations

import hashlib
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from pipeline_tui.cli import main
from pipeline_tui.storage import head_revision, make_engine, upgrade
from tests.conftest import fresh_pg_schema

TODAY = "2026-11-26"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sqlite_tables(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows if not row[0].startswith("sqlite_")}
    finally:
        connection.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


FOREIGN_SCHEMAS = {
    "another app's tables": [
        "CREATE TABLE invoices (id INTEGER PRIMARY KEY AUTOINCREMENT, total INTEGER)",
        "INSERT INTO invoices (total) VALUES (1200)",
    ],
    "a table named like ours": [  # today: half-migrated, then a crash
        "CREATE TABLE deal (id INTEGER PRIMARY KEY, title TEXT)",
        "INSERT INTO deal (title) VALUES ('not a pipeline-tui deal')",
    ],
    "another app's alembic history": [
        "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
        "INSERT INTO alembic_version VALUES ('9f3ab2c1d4e5')",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY)",
    ],
}


@pytest.fixture(params=list(FOREIGN_SCHEMAS))
def foreign_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    path = tmp_path / "other-app.db"
    connection = sqlite3.connect(path)
    for statement in FOREIGN_SCHEMAS[request.param]:
        connection.execute(statement)
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["report"],
        ["seed", "--deals", "10"],
        ["db", "upgrade"],
        ["db", "downgrade", "base", "--yes"],
        ["export"],
        ["changes", "--since", "2026-11-01"],
    ],
)
def test_a_foreign_sqlite_file_is_refused_and_left_exactly_as_it_was(
    foreign_file: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    tables, before = sqlite_tables(foreign_file), digest(foreign_file)
    code, out, err = run(capsys, *command, "--db", str(foreign_file))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "not a pipeline-tui database" in err or "not pipeline-tui's" in err
    assert sqlite_tables(foreign_file) == tables
    assert digest(foreign_file) == before  # not even switched to WAL
    assert {p.name for p in foreign_file.parent.iterdir()} == {foreign_file.name}


def test_db_init_refuses_a_foreign_file_but_creates_and_accepts_our_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    connection.close()
    before = digest(other)
    code, _, err = run(capsys, "db", "init", str(other))
    assert code == 2 and "not a pipeline-tui database (it has other tables: invoices)" in err
    assert digest(other) == before

    ours = tmp_path / "ours.db"
    code, out, _ = run(capsys, "db", "init", str(ours))
    assert code == 0 and "Created" in out
    code, out, _ = run(capsys, "db", "init", str(ours))
    assert code == 0 and "already a pipeline-tui database" in out


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema holding another app's table, and a URL whose search path
    is that schema."""
    with fresh_pg_schema() as schema:
        with schema.admin.connect() as conn:
            table = f'"{schema.name}".invoices'
            conn.execute(text(f"CREATE TABLE {table} (id serial PRIMARY KEY, total int)"))
            conn.execute(text(f"INSERT INTO {table} (total) VALUES (1200)"))
        yield schema.name, schema.url.render_as_string(hide_password=False)


@pytest.mark.parametrize("command", [["report"], ["db", "upgrade"], ["seed", "--deals", "10"]])
def test_a_foreign_postgresql_schema_is_refused_and_unchanged(
    pg_schema: tuple[str, str], command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    schema, url = pg_schema
    code, out, err = run(capsys, *command, "--db", url)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "is not a pipeline-tui database (it has other tables: invoices)" in err
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names(schema=schema)) == {"invoices"}
    finally:
        engine.dispose()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A seeded database: rows everywhere, reviews and snapshots included."""
    path = tmp_path / "filled.db"
    assert main(["seed", "--deals", "300", "--seed", "3", "--today", TODAY, "--db", str(path)]) == 0
    return path


def revision_of(path: Path) -> str | None:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        connection.close()
    return rows[0][0] if rows else None


def test_downgrade_without_a_terminal_says_what_it_would_drop_and_drops_nothing(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tables = sqlite_tables(filled)
    code, out, err = run(capsys, "db", "downgrade", "0002", "--db", str(filled))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "drops tables " in err and "forecast_snapshot (" in err and "review (1 row)" in err
    assert "columns deal.archived, deal.probability_at_close" in err and "--yes" in err
    assert sqlite_tables(filled) == tables and revision_of(filled) == head_revision()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_downgrade_asks_on_a_terminal(
    filled: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))
    code, _, err = run(capsys, "db", "downgrade", "base", "--db", str(filled))
    assert code == 2 and "drops tables account (" in err and "cancelled" in err
    assert revision_of(filled) == head_revision()

    monkeypatch.setattr("sys.stdin", Terminal("y\n"))
    code, out, _ = run(capsys, "db", "downgrade", "0002", "--db", str(filled))
    assert code == 0 and "-> 0002" in out
    assert revision_of(filled) == "0002"


def test_downgrade_of_a_filled_sqlite_database_leaves_no_stray_tables(
    filled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "db", "downgrade", "0002", "--yes", "--db", str(filled))
    assert code == 0, err
    tables = sqlite_tables(filled)
    assert "review" not in tables and "deal" in tables
    assert not [t for t in tables if t.startswith("_alembic")]
    code, out, err = run(capsys, "db", "downgrade", "base", "--yes", "--db", str(filled))
    assert code == 0, err
    assert sqlite_tables(filled) == {"alembic_version"}
    code, out, err = run(capsys, "db", "upgrade", "--db", str(filled))
    assert code == 0 and f"base -> {head_revision()}" in out


def test_a_failing_sqlite_migration_changes_nothing(tmp_path: Path) -> None:
    """A migration that breaks halfway leaves the schema and the revision as they were."""
    path = tmp_path / "half.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    with engine.begin() as conn:  # in the way of a table 0003 creates
        conn.execute(text("CREATE TABLE review_item (id INTEGER PRIMARY KEY)"))
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0002')"))
    before = sqlite_tables(path)
    with pytest.raises(Exception, match="review_item"):
        upgrade(engine)
    engine.dispose()
    assert sqlite_tables(path) == before and revision_of(path) == "0002"
