"""The change watcher: a write by anyone else wakes it, reads and this session's own
writes (PostgreSQL) don't, on SQLite (a file, two connections) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from pipeline_tui.services.live import ChangeWatcher, watch
from pipeline_tui.storage import make_engine, upgrade

from ..conftest import fresh_pg_schema
from ..factories import Builder

QUIET = 1.2  # longer than two SQLite polls: nothing changed means nothing was seen

# Every kind of row a screen shows, changed by a plain statement of another program.
WRITES = {
    "deal": "UPDATE deal SET probability = 55",
    "people": "UPDATE \"user\" SET display_name = 'Renamed'",
    "quotas": "DELETE FROM quota",
    "settings": "UPDATE settings SET currency = 'EUR'",
}


def _build(engine: Engine) -> None:
    upgrade(engine)
    b = Builder(engine)
    rep = b.user("rep")
    b.quota(rep, date(2026, 10, 1), date(2026, 12, 31), "100000")
    b.deal(rep, "Propose", "10000", date(2026, 12, 10), probability=40)
    b.commit()


@pytest.fixture(params=["sqlite", "postgresql"])
def two_engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """The watched session's engine and another program's, on one database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/live.db"
        mine, theirs = make_engine(url), make_engine(url)
        _build(mine)
        yield mine, theirs
        mine.dispose()
        theirs.dispose()
        return
    with fresh_pg_schema() as schema:
        mine, theirs = create_engine(schema.url), create_engine(schema.url)
        _build(mine)
        try:
            yield mine, theirs
        finally:
            mine.dispose()
            theirs.dispose()


def run(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql))


@pytest.fixture
def watcher(two_engines: tuple[Engine, Engine]) -> Iterator[ChangeWatcher]:
    found = watch(two_engines[0])
    yield found
    found.close()


@pytest.mark.parametrize("kind", list(WRITES))
def test_another_programs_write_changes_the_token(
    two_engines: tuple[Engine, Engine], watcher: ChangeWatcher, kind: str
) -> None:
    assert watcher.wait(0.05) is None
    run(two_engines[1], WRITES[kind])
    token = watcher.wait(2.0)
    assert token is not None and token == watcher.token == 1
    assert watcher.wait(QUIET) is None  # told once, not again


def test_reads_do_not_change_the_token(
    two_engines: tuple[Engine, Engine], watcher: ChangeWatcher
) -> None:
    mine, theirs = two_engines
    for engine in (mine, theirs):
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM deal")).all()
    assert watcher.wait(QUIET) is None
    assert watcher.token == 0


def test_several_writes_wake_it_once_per_wait(
    two_engines: tuple[Engine, Engine], watcher: ChangeWatcher
) -> None:
    for p in (41, 42, 43):
        run(two_engines[1], f"UPDATE deal SET probability = {p}")
    assert watcher.wait(2.0) == 1
    assert watcher.wait(QUIET) is None


def test_postgresql_ignores_own_writes_and_other_schemas() -> None:
    with fresh_pg_schema() as schema, fresh_pg_schema() as neighbour:
        mine, theirs = create_engine(schema.url), create_engine(schema.url)
        elsewhere = create_engine(neighbour.url)
        try:
            _build(mine)
            _build(elsewhere)
            watcher = watch(mine)
            try:
                run(mine, "UPDATE deal SET probability = 61")  # this session's own edit
                run(elsewhere, "UPDATE deal SET probability = 62")  # another team's database
                assert watcher.wait(QUIET) is None
                run(theirs, "UPDATE deal SET probability = 63")
                assert watcher.wait(2.0) == 1
            finally:
                watcher.close()
        finally:
            for engine in (mine, theirs, elsewhere):
                engine.dispose()


def test_a_watcher_survives_a_lost_postgresql_connection() -> None:
    """The listening connection is killed: the next wait reconnects and reports a change
    (something may have been missed meanwhile), and later writes are seen again."""
    with fresh_pg_schema() as schema:
        mine, theirs = create_engine(schema.url), create_engine(schema.url)
        try:
            _build(mine)
            watcher = watch(mine)
            try:
                listener = _listener_pid(schema.admin, schema.name)
                run_admin: Callable[[str], None] = lambda sql: _admin(schema.admin, sql)  # noqa: E731
                run_admin(f"SELECT pg_terminate_backend({listener})")
                tokens = [watcher.wait(0.5) for _ in range(4)]
                assert [t for t in tokens if t is not None] == [1]
                run(theirs, "UPDATE deal SET probability = 64")
                assert watcher.wait(2.0) == 2
            finally:
                watcher.close()
        finally:
            mine.dispose()
            theirs.dispose()


def _admin(admin: Engine, sql: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(sql))


def _listener_pid(admin: Engine, schema: str) -> int:
    with admin.connect() as conn:
        pid = conn.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
                "AND datname = current_database() ORDER BY backend_start DESC LIMIT 1"
            )
        ).scalar_one()
    return int(pid)
