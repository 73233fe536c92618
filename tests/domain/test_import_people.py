"""`import --kind users` builds the hierarchy; `--kind quotas` loads quotas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.importing import RowsRejected, dry_run, import_file
from pipeline_tui.importing.quotas import read_period
from pipeline_tui.periods import PeriodError
from tests.domain.test_import_support import FIXTURES, options, snapshot


def people(engine: Engine) -> dict[str, dict[str, Any]]:
    query = text(
        "SELECT u.login, u.display_name, u.email, u.role, u.team, u.active, m.login AS manager "
        'FROM "user" u LEFT JOIN "user" m ON m.id = u.manager_id'
    )
    with engine.connect() as conn:
        return {row["login"]: dict(row) for row in conn.execute(query).mappings()}


def quotas(engine: Engine) -> set[tuple[str, date, date, Decimal]]:
    query = text(
        "SELECT u.login, q.period_start, q.period_end, q.amount_minor FROM quota q "
        'JOIN "user" u ON u.id = q.user_id'
    )
    with engine.connect() as conn:
        return {
            (login, date.fromisoformat(str(start)), date.fromisoformat(str(end)),
             Decimal(amount) / 100)
            for login, start, end, amount in conn.execute(query)
        }  # fmt: skip


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_users_file_builds_the_hierarchy(engine: Engine) -> None:
    summary = import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    assert (summary.counts.created, summary.counts.rejected) == (5, 0)
    found = people(engine)
    assert set(found) == {"alex.kim", "jane.doe", "john.roe", "maria.garcia", "sam.lee"}
    assert found["alex.kim"]["manager"] is None and found["alex.kim"]["role"] == "manager"
    assert (found["jane.doe"]["manager"], found["jane.doe"]["team"]) == ("alex.kim", "East")
    assert found["john.roe"]["manager"] == "alex.kim"  # named by email
    assert (found["sam.lee"]["manager"], found["sam.lee"]["role"]) == ("maria.garcia", "rep")
    assert found["jane.doe"]["email"] == "jane.doe@example.com"

    again = import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    assert (again.counts.created, again.counts.updated, again.counts.unchanged) == (0, 0, 5)


def test_a_users_file_updates_people_the_deal_import_created(engine: Engine) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    assert people(engine)["jane.doe"]["manager"] is None
    summary = import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    # Jane Doe and John Roe exist (by name): they are updated, not duplicated.
    assert (summary.counts.created, summary.counts.updated) == (3, 2)
    found = people(engine)
    assert found["jane.doe"]["manager"] == "alex.kim" and len(found) == 5


def test_a_file_without_managers_leaves_the_hierarchy_alone(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    teams = write(tmp_path, "teams.csv", "name,team\nJane Doe,North\nSam Lee,West\n")
    summary = import_file(engine, teams, options(kind="users"))
    assert (summary.counts.updated, summary.counts.unchanged) == (1, 1)
    jane = people(engine)["jane.doe"]
    assert (jane["team"], jane["manager"], jane["email"]) == (
        "North", "alex.kim", "jane.doe@example.com",
    )  # fmt: skip


def test_people_who_would_manage_themselves_are_refused(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    before = snapshot(engine)
    loop = write(tmp_path, "loop.csv", "name,manager\nAlex Kim,Sam Lee\nNew Person,Nobody Here\n")
    with pytest.raises(RowsRejected) as caught:
        import_file(engine, loop, options(kind="users"))
    found = {(p.line, p.column): p.reason for p in caught.value.problems}
    # A manager nobody is called is a new person (a team sheet's managers have no row).
    assert found == {(2, "manager"): "this would make a loop in who reports to whom"}
    assert snapshot(engine) == before
    with pytest.raises(RowsRejected, match="1 of 1 rows"):
        import_file(
            engine, write(tmp_path, "bad.csv", "name,role\nAl,boss\n"), options(kind="users")
        )


def test_quotas_load_by_period_and_replace_on_reimport(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    report = dry_run(engine, FIXTURES / "quotas.csv", options(kind="quotas"))
    assert report.counts.created == 4 and not report.errors
    summary = import_file(engine, FIXTURES / "quotas.csv", options(kind="quotas"))
    assert summary.counts.created == 4
    assert quotas(engine) == {
        ("jane.doe", date(2026, 1, 1), date(2026, 3, 31), Decimal("250000.00")),
        ("jane.doe", date(2026, 4, 1), date(2026, 6, 30), Decimal("260000.00")),
        ("john.roe", date(2026, 1, 1), date(2026, 3, 31), Decimal("180000.00")),
        ("sam.lee", date(2026, 4, 1), date(2026, 6, 30), Decimal("150000.00")),
    }
    change = write(tmp_path, "q.csv", "user,period,amount\njane.doe,2026Q1,275000\n")
    again = import_file(engine, change, options(kind="quotas"))
    assert (again.counts.updated, again.counts.created) == (1, 0)
    assert ("jane.doe", date(2026, 1, 1), date(2026, 3, 31), Decimal("275000.00")) in quotas(engine)


def test_bad_quota_rows_are_each_reported(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "users.csv", options(kind="users"))
    before = snapshot(engine)
    body = (
        "user,period,amount\n"
        "nobody,2026Q1,100\n"
        "jane.doe,this-quarter,100\n"
        "jane.doe,2026Q5,100\n"
        "jane.doe,2026Q1,lots\n"
        "sam.lee,2026Q2,100\n"
        "Sam Lee,2026Q2,200\n"
    )
    with pytest.raises(RowsRejected) as caught:
        import_file(engine, write(tmp_path, "q.csv", body), options(kind="quotas"))
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (2, "user"), (3, "period"), (4, "period"), (5, "amount"), (7, "period"),
    ]  # fmt: skip
    assert "import the people first" in caught.value.problems[0].reason
    assert caught.value.problems[-1].reason == "the same period as line 6"
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    ("text", "month", "expected"),
    [
        ("2026Q1", 1, (date(2026, 1, 1), date(2026, 3, 31))),
        ("2027Q1", 2, (date(2026, 2, 1), date(2026, 4, 30))),
        ("2026-07", 1, (date(2026, 7, 1), date(2026, 7, 31))),
        ("FY2027", 2, (date(2026, 2, 1), date(2027, 1, 31))),
        ("2026-01-15..2026-02-14", 1, (date(2026, 1, 15), date(2026, 2, 14))),
    ],
)
def test_quota_periods(text: str, month: int, expected: tuple[date, date]) -> None:
    assert read_period(text, month) == expected


@pytest.mark.parametrize("text", ["all", "next-quarter", "2026-02-01..2026-01-01", "soon"])
def test_quota_periods_that_mean_nothing_fixed(text: str) -> None:
    with pytest.raises(PeriodError):
        read_period(text, 1)
