"""`check_database`: clean after real edits, imports and the demo seed; each planted
violation found, by the row it is about, with what was expected and what was found."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.importing import ImportOptions, import_file
from pipeline_tui.models import ChangeSource
from pipeline_tui.seed import seed_demo
from pipeline_tui.services import (
    UndoStack,
    mark_lost,
    mark_won,
    move_stage,
    set_amount,
    set_close_date,
    set_probability,
)
from pipeline_tui.services.edits import add_note
from pipeline_tui.services.integrity import CheckSummary, check_database
from pipeline_tui.storage.integrity import Violation

from ..factories import Builder

TODAY = date(2026, 11, 26)
CLI = ChangeSource.CLI


def violations(engine: Engine) -> list[Violation]:
    return list(check_database(engine))


def sql(engine: Engine, statement: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), params)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed_demo(engine, deals=1500, seed=3, today=TODAY)
    return engine


def a_logged_deal(engine: Engine, field: str) -> tuple[int, str]:
    """A deal whose log changed `field`, with the value its last change left."""
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(
                text(
                    "SELECT deal_id, new_value FROM deal_change WHERE id = "
                    "(SELECT max(id) FROM deal_change WHERE field = :f)"
                ),
                {"f": field},
            ).one()
        )


def test_a_seeded_database_passes(seeded: Engine) -> None:
    summary = CheckSummary()
    assert list(check_database(seeded, summary)) == []
    assert summary.deals == 1500 and summary.quotas > 0 and summary.people > 0
    # The replay really looked at the seed's history (3 fields from 1 to 3 edits each).
    assert summary.replay.changes > 300 and summary.replay.deals > 200
    assert summary.violations == 0


def test_a_probability_changed_behind_the_logs_back(seeded: Engine) -> None:
    deal_id, logged = a_logged_deal(seeded, "probability")
    tampered = (int(logged) + 7) % 100
    sql(seeded, "UPDATE deal SET probability = :p WHERE id = :id", p=tampered, id=deal_id)
    [found] = violations(seeded)
    assert (found.check, found.table, found.row_id, found.field) == (
        "replay",
        "deal",
        deal_id,
        "probability",
    )
    assert (found.expected, found.found) == (logged, str(tampered))
    assert found.name  # the deal's name, to find it by


@pytest.mark.parametrize(
    ("field", "column", "planted"),
    [
        ("amount", "amount_minor", [(123, "1.23"), (456, "4.56")]),
        ("close_date", "close_date", [(date(2031, 1, 2), "2031-01-02"), (None, None)]),
        ("forecast_category", "forecast_category", [("omitted", "omitted"), ("commit", "commit")]),
    ],
)
def test_other_fields_changed_behind_the_logs_back(
    seeded: Engine, field: str, column: str, planted: list[tuple[object, str | None]]
) -> None:
    deal_id, logged = a_logged_deal(seeded, field)
    value, shown = next((v, s) for v, s in planted if s != logged)
    sql(seeded, f"UPDATE deal SET {column} = :v WHERE id = :id", v=value, id=deal_id)
    [found] = violations(seeded)
    assert (found.row_id, found.field, found.expected, found.found) == (
        deal_id,
        field,
        logged,
        shown,
    )


def test_a_stage_moved_behind_the_logs_back(seeded: Engine) -> None:
    deal_id, logged = a_logged_deal(seeded, "stage")
    sql(
        seeded,
        "UPDATE deal SET stage_id = (SELECT s.id FROM stage s WHERE s.pipeline_id = "
        "deal.pipeline_id AND s.name <> :n ORDER BY s.position LIMIT 1) WHERE id = :id",
        n=logged,
        id=deal_id,
    )
    [found] = violations(seeded)
    assert (found.check, found.row_id, found.field, found.expected) == (
        "replay",
        deal_id,
        "stage",
        logged,
    )
    assert found.found != logged


def test_a_gap_in_the_log(seeded: Engine) -> None:
    """A change whose old value isn't where the change before left the field: a write
    that bypassed the log, even though the deal agrees with the newest change."""
    deal_id, logged = a_logged_deal(seeded, "probability")
    sql(
        seeded,
        "INSERT INTO deal_change (deal_id, field, old_value, new_value, changed_by_id, "
        "changed_at, source) VALUES (:id, 'probability', '3', :v, NULL, :at, 'cli')",
        id=deal_id,
        v=logged,
        at="2026-11-26 12:00:00",
    )
    [found] = violations(seeded)
    assert (found.check, found.row_id, found.field) == ("replay", deal_id, "probability")
    assert (found.expected, found.found) == (logged, "3")
    assert "does not start where" in found.problem


def test_a_deal_in_a_stage_of_another_pipeline(seeded: Engine) -> None:
    with seeded.connect() as conn:
        deal_id, pipeline_id = conn.execute(
            text(
                "SELECT id, pipeline_id FROM deal WHERE id NOT IN "
                "(SELECT deal_id FROM deal_change WHERE field = 'stage') ORDER BY id LIMIT 1"
            )
        ).one()
        stage_id = conn.execute(
            text("SELECT min(id) FROM stage WHERE pipeline_id <> :p"), {"p": pipeline_id}
        ).scalar_one()
    sql(seeded, "UPDATE deal SET stage_id = :s WHERE id = :id", s=stage_id, id=deal_id)
    [found] = violations(seeded)
    assert (found.check, found.table, found.row_id, found.field) == (
        "stage-pipeline",
        "deal",
        deal_id,
        "stage",
    )
    assert found.expected and found.expected.startswith("a stage of ")


def test_overlapping_quotas(engine: Engine) -> None:
    b = Builder(engine)
    rep, other = b.user("rep"), b.user("other")
    b.quota(rep, date(2026, 10, 1), date(2026, 12, 31), "100000")
    year = b.quota(rep, date(2026, 1, 1), date(2026, 12, 31), "400000")
    b.quota(rep, date(2027, 1, 1), date(2027, 3, 31), "100000")  # the next quarter: fine
    b.quota(other, date(2026, 10, 1), date(2026, 12, 31), "100000")  # another person: fine
    b.commit()
    [found] = violations(engine)
    assert (found.check, found.table, found.row_id, found.name) == (
        "quota-overlap",
        "quota",
        year.id,
        "Rep",
    )
    assert found.found == "both cover 2026-10-01..2026-12-31"


def test_values_out_of_range(engine: Engine) -> None:
    b = Builder(engine)
    rep = b.user("rep")
    deal = b.deal(rep, "Qualify", "100", date(2026, 12, 1))
    b.commit()
    # Columns without a CHECK constraint, so both databases take the values.
    sql(engine, "UPDATE deal SET version = 0, push_count = -1 WHERE id = :id", id=deal.id)
    found = {(v.check, v.row_id, v.field, v.found) for v in violations(engine)}
    assert found == {
        ("deal-values", deal.id, "version", "0"),
        ("deal-values", deal.id, "push_count", "-1"),
    }


def test_a_reporting_loop(engine: Engine) -> None:
    b = Builder(engine)
    boss = b.user("boss")
    mid = b.user("mid", manager=boss)
    b.user("rep", manager=mid)
    b.commit()
    sql(engine, 'UPDATE "user" SET manager_id = :m WHERE id = :b', m=mid.id, b=boss.id)
    [found] = violations(engine)
    assert (found.check, found.table, found.field) == ("manager-loop", "user", "manager")
    assert found.row_id in (boss.id, mid.id)
    assert found.found in ("Boss → Mid → Boss", "Mid → Boss → Mid")


def test_the_apps_own_writes_replay_cleanly(engine: Engine) -> None:
    """Edits, closing, undo and redo all keep the deal and its log in step: the check
    has nothing to say about a database only the app wrote."""
    b = Builder(engine)
    rep = b.user("rep")
    one = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    two = b.deal(rep, "Propose", "5000", None)
    b.commit()
    undo = UndoStack()
    opts = {"user_id": rep.id, "source": CLI}
    r = set_probability(engine, one.id or 0, 1, 40, **opts)
    undo.push(r)
    r = move_stage(engine, one.id or 0, r.deal.version, 1, **opts)
    undo.push(r)
    r = set_amount(engine, one.id or 0, r.deal.version, Decimal("12500.50"), **opts)
    undo.push(r)
    r = set_close_date(engine, one.id or 0, r.deal.version, date(2027, 2, 1), **opts)
    undo.push(r)
    undo.undo(engine, **opts)
    undo.undo(engine, **opts)
    undo.redo(engine, **opts)
    r = add_note(engine, two.id or 0, "send the MSA", kind="next_step", expected_version=1, **opts)
    r = mark_lost(engine, two.id or 0, r.deal.version, "Budget", **opts, today=TODAY)
    r = mark_won(engine, two.id or 0, r.deal.version, **opts, today=TODAY)
    summary = CheckSummary()
    assert list(check_database(engine, summary)) == []
    assert summary.replay.changes >= 12 and summary.replay.deals == 2


def test_a_reimport_replays_cleanly(engine: Engine, tmp_path: Path) -> None:
    first = tmp_path / "deals.csv"
    header = (
        "Opportunity ID,Opportunity Name,Account Name,Opportunity Owner,Stage,Amount,Close Date\n"
    )
    first.write_text(header + "X1,Big deal,Acme,Dana Lee,Prospecting,1000,2026-12-01\n")
    second = tmp_path / "again.csv"
    second.write_text(header + "X1,Big deal renamed,Acme,Dana Lee,Negotiation,2500.5,2027-01-15\n")
    options = ImportOptions(kind="deals")
    import_file(engine, first, options)
    import_file(engine, second, options)
    summary = CheckSummary()
    assert list(check_database(engine, summary)) == []
    assert summary.replay.changes >= 4  # name, stage, amount, close date (and their kin)


def test_sqlite_rows_pointing_at_nothing(sqlite_engine: Engine) -> None:
    b = Builder(sqlite_engine)
    rep = b.user("rep")
    deal = b.deal(rep, "Qualify", "100", date(2026, 12, 1))
    b.commit()
    with sqlite_engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql(
            "INSERT INTO note (deal_id, author_id, text, created_at, kind, done) "
            "VALUES (999, ?, 'orphan', '2026-11-26 10:00:00', 'note', 0)",
            (rep.id,),
        )
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
    [found] = violations(sqlite_engine)
    assert (found.check, found.table, found.field, found.found) == (
        "foreign-key",
        "note",
        "deal_id",
        "999",
    )
    assert deal.id != 999


def test_postgres_constraints_that_are_missing_or_not_valid(pg_engine: Engine) -> None:
    with pg_engine.begin() as conn:
        conn.execute(text("ALTER TABLE deal DROP CONSTRAINT ck_deal_probability"))
        conn.execute(
            text(
                "ALTER TABLE quota ADD CONSTRAINT ck_quota_amount CHECK (amount_minor >= 0) "
                "NOT VALID"
            )
        )
    found = {(v.check, v.table, v.problem) for v in violations(pg_engine)}
    assert found == {
        ("pg-constraint", "deal", "CHECK constraint ck_deal_probability is missing"),
        (
            "pg-constraint",
            "quota",
            "constraint ck_quota_amount was never validated, so rows may break it",
        ),
    }
