"""The load script's checks, at tiny size: they pass on a real run through the session,
and each one fails when the database or the logs are made to tell a lost edit, an
unacknowledged write, a made-up conflict or a missing outcome.

One run per database serves every test: each test tampers inside a transaction that is
rolled back, and checks the run through that transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from benchmarks.concurrency.databases import migrate
from benchmarks.concurrency.verify import Check, verify
from benchmarks.load_edits import LoadRun, run_load
from pipeline_tui.models import Deal, DealChange, table_of
from pipeline_tui.storage import make_engine
from tests.conftest import fresh_pg_schema

PROCS, EDITS, DEALS = 2, 20, 3
CHANGE, DEAL = table_of(DealChange), table_of(Deal)
ACKED = "every acknowledged edit is in the database"
VERSIONS = "versions"
REPLAY = "the change log replays to every deal's final values"
UNACKED = "no write without an acknowledgement, beyond those in flight at a kill"
CONFLICTS = "every conflict is real and names who changed the deal"
ACCOUNTED = "every attempted edit is accounted for"
STEPS = "every undo and redo took back exactly its own edit"


@dataclass(frozen=True)
class Ran:
    engine: Engine
    run: LoadRun


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ran(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ran]:
    folder = tmp_path_factory.mktemp("load")
    if request.param == "sqlite":
        yield from _ran(f"sqlite:///{folder}/load.db", folder)
    else:
        with fresh_pg_schema() as schema:
            yield from _ran(schema.url.render_as_string(hide_password=False), folder)


def _ran(url: str, folder: Path) -> Iterator[Ran]:
    migrate(url)
    # Threads rather than processes: quicker to start, and they still collide. Admins, so
    # that the pool stays shared where reps may change only their own deals.
    run = run_load(url, procs=PROCS, edits=EDITS, deals=DEALS, seed=7, log_dir=folder,
                   undo=True, role="admin", in_process=True)  # fmt: skip
    engine = make_engine(url)
    try:
        yield Ran(engine, run)
    finally:
        engine.dispose()


@pytest.fixture
def conn(ran: Ran) -> Iterator[Connection]:
    with ran.engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


def failed(
    ran: Ran, conn: Connection, records: list[dict[str, Any]] | None = None, **kw: Any
) -> set[str]:
    given = ran.run.records if records is None else records
    checks: list[Check] = verify(conn, ran.run.baseline, given, **{"planned": EDITS, **kw})
    return {c.name.split(" (")[0].split(":")[0] for c in checks if not c.ok}


def changing_ack(ran: Ran) -> dict[str, Any]:
    return next(r for r in ran.run.records if r["kind"] == "ack" and r["changes"])


def test_a_real_run_passes_every_check(ran: Ran, conn: Connection) -> None:
    assert [c.line() for c in ran.run.checks if not c.ok] == []
    assert failed(ran, conn) == set()
    kinds = [r["kind"] for r in ran.run.records]
    assert kinds.count("ack") > EDITS  # most of the 40 edits went through
    assert sum(k in ("ack", "conflict", "refused", "error") for k in kinds) == PROCS * EDITS
    assert any(line.startswith("latency edit") for line in ran.run.lines)


def test_a_lost_acknowledged_edit_fails(ran: Ran, conn: Connection) -> None:
    deal_id = changing_ack(ran)["deal"]
    # Every row of the deal's last write: an edit of several fields (a stage move and its
    # probability) writes a row each, and one of them left would still stand for it.
    last = select(func.max(CHANGE.c.changed_at)).where(CHANGE.c.deal_id == deal_id)
    conn.execute(
        delete(CHANGE).where(
            CHANGE.c.deal_id == deal_id, CHANGE.c.changed_at == last.scalar_subquery()
        )
    )
    assert {ACKED, VERSIONS, REPLAY} <= failed(ran, conn)


def test_a_value_changed_without_history_fails_the_replay(ran: Ran, conn: Connection) -> None:
    deal_id = changing_ack(ran)["deal"]
    conn.execute(update(DEAL).where(DEAL.c.id == deal_id).values(amount_minor=1))
    assert failed(ran, conn) == {REPLAY}


def test_a_write_nobody_was_told_about_fails_unless_it_was_in_flight(
    ran: Ran, conn: Connection
) -> None:
    ack = changing_ack(ran)
    deal_id, who = ack["deal"], ack["user_id"]
    old = conn.execute(select(DEAL.c.probability).where(DEAL.c.id == deal_id)).scalar_one()
    new = 0 if old else 10
    # What a write that committed but was never acknowledged leaves behind.
    conn.execute(
        update(DEAL).where(DEAL.c.id == deal_id).values(probability=new, version=DEAL.c.version + 1)
    )
    conn.execute(
        insert(CHANGE).values(
            deal_id=deal_id, field="probability", old_value=str(old), new_value=str(new),
            changed_by_id=who, changed_at=datetime.now(UTC), source="tui",
        )
    )  # fmt: skip
    assert failed(ran, conn) == {UNACKED}
    # As the crash script checks: no process was to finish, one write was in flight.
    attempt = {"kind": "attempt", "proc": 9, "seq": 0, "deal": deal_id, "user_id": who}
    killed = [*ran.run.records, attempt]
    assert failed(ran, conn, killed, planned=None, in_flight=1) == set()
    assert failed(ran, conn, killed, planned=None, in_flight=0) == {UNACKED}


def test_a_conflict_nobody_caused_fails(ran: Ran, conn: Connection) -> None:
    ack = changing_ack(ran)
    made_up = {
        **ack,
        "kind": "conflict",
        "seq": EDITS,  # after the process's last edit
        "read_version": ack["read_version"] + 1000,
        "message": "Someone changed it",
    }
    assert CONFLICTS in failed(ran, conn, [*ran.run.records, made_up])


def test_a_missing_outcome_fails(ran: Ran, conn: Connection) -> None:
    records = [r for r in ran.run.records if not (r["proc"] == 1 and r.get("seq") == 3)]
    assert ACCOUNTED in failed(ran, conn, records)


def test_an_undo_that_did_not_put_back_its_edit_fails(ran: Ran, conn: Connection) -> None:
    ack = changing_ack(ran)
    # An undo that wrote the edit's own change again instead of its inverse.
    wrong = {
        **ack,
        "edit": "undo",
        "takes_back": {k: ack[k] for k in ("deal", "version", "changes")},
    }
    assert STEPS in failed(ran, conn, [*ran.run.records, wrong])
