"""The weekly re-import: matched by external id, changes recorded, nothing deleted."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text, update

from pipeline_tui.importing import ImportConflict, RowsRejected, import_file
from pipeline_tui.importing import deals as deals_module
from pipeline_tui.models import Deal, table_of
from pipeline_tui.services import StaleDealError, cycle_category, set_probability
from pipeline_tui.storage import make_engine, upgrade
from tests.domain.test_import_support import FIXTURES, changes_of, options, snapshot, stored_deals

HEADER = [
    "Opportunity ID", "Opportunity Name", "Account Name", "Opportunity Owner", "Stage",
    "Amount", "Probability (%)", "Close Date", "Created Date", "Forecast Category", "Next Step",
]  # fmt: skip
WEEK_2 = [
    ["0065g00000AbCdEAAV", "Acme - Platform", "Acme Corp", "Jane Doe", "Closed Won",
     "USD 485,000.00", "100%", "3/31/2026", "1/15/2026", "Closed", "Send redlines"],
    ["0065g00000AbCdFAAV", "Globex - Renewal", "-", "John Roe", "Prospecting",
     "USD 15,000.00", "10%", "4/15/2026", "2/1/2026", "Pipeline", "-"],
    ["0065g00000AbCdGAAV", "Initech - Seats", "Initech", "Jane Doe", "Closed Won",
     "USD 40,000.00", "100%", "2/28/2026", "1/2/2026", "Closed", "-"],
    ["0065g00000AbCdIAAV", "Umbrella - Pilot", "Umbrella", "Jane Doe", "Proposal/Price Quote",
     "USD 60,000.00", "-", "7/15/2026", "2/10/2026", "-", "-"],
    ["0065g00000AbCdJAAV", "Vandelay - Imports", "Vandelay", "John Roe", "Prospecting",
     "USD 5,000.00", "10%", "9/30/2026", "3/1/2026", "Pipeline", "-"],
]  # fmt: skip


def write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def without(columns: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    keep = [i for i, name in enumerate(HEADER) if name not in columns]
    return [HEADER[i] for i in keep], [[row[i] for i in keep] for row in rows]


def user_id(engine: Engine, login: str) -> int:
    with engine.connect() as conn:
        query = text('SELECT id FROM "user" WHERE login = :login')
        return int(conn.execute(query, {"login": login}).scalar_one())


def test_reimport_updates_matched_deals_and_records_each_change(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    before = stored_deals(engine)
    summary = import_file(engine, write(tmp_path / "week2.csv", WEEK_2), options(user="jane.doe"))

    c = summary.counts
    assert (c.created, c.updated, c.unchanged, c.rejected, c.changes) == (1, 3, 1, 0, 9)
    jane = user_id(engine, "jane.doe")
    expected = [
        ("0065g00000AbCdEAAV", "closed_date", None, "2026-03-31"),
        ("0065g00000AbCdEAAV", "forecast_category", "commit", "closed"),
        ("0065g00000AbCdEAAV", "probability", "90", "100"),
        ("0065g00000AbCdEAAV", "stage", "Negotiation/Review", "Closed Won"),
        ("0065g00000AbCdFAAV", "amount", "12500.00", "15000.00"),
        ("0065g00000AbCdFAAV", "close_date", None, "2026-04-15"),
        ("0065g00000AbCdIAAV", "close_date", "2026-06-30", "2026-07-15"),
        ("0065g00000AbCdIAAV", "next_step", "Pricing call", None),
        ("0065g00000AbCdIAAV", "push_count", "0", "1"),
    ]
    found = changes_of(engine)
    assert [
        (r["external_id"], r["field"], r["old_value"], r["new_value"]) for r in found
    ] == expected
    assert {(r["source"], r["changed_by_id"]) for r in found} == {("import", jane)}

    after = stored_deals(engine)
    for key in ("0065g00000AbCdEAAV", "0065g00000AbCdFAAV", "0065g00000AbCdIAAV"):
        assert after[key]["version"] == 2 and after[key]["updated_at"] > before[key]["updated_at"]
    for key in ("0065g00000AbCdGAAV", "0065g00000AbCdHAAV"):
        assert after[key] == before[key]  # untouched, and the missing one not deleted
    acme = after["0065g00000AbCdEAAV"]
    assert (
        acme["kind"] == "won"
        and acme["stage_entered_at"] > before[acme["external_id"]]["stage_entered_at"]
    )
    assert after["0065g00000AbCdIAAV"]["push_count"] == 1
    assert after["0065g00000AbCdJAAV"]["amount"] == Decimal("5000.00")

    assert summary.missing is not None
    assert (summary.missing.count, summary.missing.open_count) == (1, 0)
    assert summary.missing.sample == [("0065g00000AbCdHAAV", "Müller GmbH - Analytics")]


def test_an_app_session_holding_the_old_version_is_refused(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    acme = stored_deals(engine)["0065g00000AbCdEAAV"]
    import_file(engine, write(tmp_path / "week2.csv", WEEK_2), options())
    with pytest.raises(StaleDealError):
        set_probability(engine, acme["id"], acme["version"], 50, user_id=None, source="tui")


def test_fields_the_file_lacks_are_kept_and_categories_set_in_the_app_survive(
    engine: Engine, tmp_path: Path
) -> None:
    header, rows = without(["Forecast Category", "Next Step"], WEEK_2[:3])
    path = write(tmp_path / "lean.csv", rows, header)
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    acme = stored_deals(engine)["0065g00000AbCdFAAV"]
    assert acme["forecast_category"] == "pipeline"
    cycle_category(engine, acme["id"], acme["version"], user_id=None, source="tui")
    import_file(engine, path, options())
    deals = stored_deals(engine)
    # Globex's amount changed, but not its stage or probability: the category set in
    # the app stays, and the next step (no column) is not cleared.
    assert deals["0065g00000AbCdFAAV"]["forecast_category"] == "best_case"
    assert deals["0065g00000AbCdIAAV"]["next_step"] == "Pricing call"

    rows[1][header.index("Probability (%)")] = "95%"
    import_file(engine, write(tmp_path / "lean2.csv", rows, header), options())
    assert stored_deals(engine)["0065g00000AbCdFAAV"]["forecast_category"] == "commit"


def test_stage_moves_take_the_new_stage_default_when_the_file_has_no_probability(
    engine: Engine, tmp_path: Path
) -> None:
    header, rows = without(["Probability (%)", "Forecast Category"], WEEK_2[:2])
    import_file(engine, write(tmp_path / "a.csv", rows, header), options())
    assert stored_deals(engine)["0065g00000AbCdFAAV"]["probability"] == 10
    rows[1][header.index("Stage")] = "Legal Review"
    import_file(engine, write(tmp_path / "b.csv", [rows[1]], header), options())
    globex = stored_deals(engine)["0065g00000AbCdFAAV"]
    # A new stage without evidence gets 10% per open stage up to it: the second, 20%.
    assert (globex["stage"], globex["probability"]) == ("Legal Review", 20)
    assert globex["forecast_category"] == "pipeline"
    history = {(r["field"], r["old_value"], r["new_value"]) for r in changes_of(engine)}
    assert history == {("stage", "Prospecting", "Legal Review"), ("probability", "10", "20")}


def test_one_bad_row_rejects_the_whole_file_unless_asked_to_skip(
    engine: Engine, tmp_path: Path
) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    rows = [list(r) for r in WEEK_2]
    rows[3][HEADER.index("Amount")] = "sixty thousand"
    path = write(tmp_path / "bad.csv", rows)
    before = snapshot(engine)
    with pytest.raises(RowsRejected) as caught:
        import_file(engine, path, options())
    assert str(caught.value) == "1 of 5 rows rejected; nothing was imported"
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.value) == (5, "Amount", "sixty thousand")
    assert problem.reason.startswith("Can't read 'sixty thousand' as an amount")
    assert snapshot(engine) == before

    summary = import_file(engine, path, options(skip_invalid=True))
    assert (summary.counts.updated, summary.counts.created, summary.counts.rejected) == (2, 1, 1)
    assert stored_deals(engine)["0065g00000AbCdIAAV"]["close_date"] == date(2026, 6, 30)


def test_a_deal_changed_during_the_import_rolls_everything_back(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    before = snapshot(engine)
    plan_deals = deals_module.plan_deals

    def plan_then_interfere(conn: Connection, *args: Any, **kwargs: Any) -> Any:
        plan = plan_deals(conn, *args, **kwargs)
        # What another session's committed edit looks like from here.
        deal = table_of(Deal)
        conn.execute(update(deal).where(deal.c.external_id == "0065g00000AbCdFAAV").values(
            version=deal.c.version + 1))  # fmt: skip
        return plan

    monkeypatch.setattr(deals_module, "plan_deals", plan_then_interfere)
    with pytest.raises(ImportConflict, match="changed by someone else"):
        import_file(engine, write(tmp_path / "week2.csv", WEEK_2), options())
    assert snapshot(engine) == before


def test_progress_reports_reading_and_writing_to_the_end(engine: Engine, tmp_path: Path) -> None:
    rows = [
        [f"ID-{k:05d}", f"Deal {k}", f"Account {k % 50}", f"Rep {k % 7}", "Prospecting",
         f"USD {k * 1000:,}.00", "10%", "3/31/2026", "1/15/2026", "Pipeline", "-"]
        for k in range(1, 12_001)
    ]  # fmt: skip
    seen: list[tuple[str, int, int]] = []
    summary = import_file(
        engine, write(tmp_path / "big.csv", rows), options(),
        progress=lambda phase, done, total: seen.append((phase, done, total)),
    )  # fmt: skip
    assert summary.counts.created == 12_000
    assert {phase for phase, _, _ in seen} == {"Reading", "Writing"}
    for phase in ("Reading", "Writing"):
        steps = [done for p, done, _ in seen if p == phase]
        assert steps == sorted(steps) and steps[-1] == 12_000 and len(steps) > 1


def test_a_database_another_writer_holds_is_reported_busy(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    migrated = make_engine(f"sqlite:///{path}")
    upgrade(migrated)
    migrated.dispose()
    # The app's engines wait 30 s for a lock; this one gives up at once.
    impatient = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(ImportConflict, match="busy"):
            import_file(impatient, FIXTURES / "salesforce_report.csv", options())
        holder.execute("ROLLBACK")
        assert import_file(impatient, FIXTURES / "salesforce_report.csv", options()).counts.created
    finally:
        holder.close()
        impatient.dispose()
