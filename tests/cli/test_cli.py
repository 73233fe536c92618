"""The command line: reports checked against SQL written here independently, and errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pipeline_tui.cli import main
from pipeline_tui.storage import head_revision

from ..independent_sql import independent_totals

TODAY = "2026-11-26"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("cli") / "seeded.db"
    assert (
        main(["seed", "--deals", "20000", "--seed", "7", "--today", TODAY, "--db", str(path)]) == 0
    )
    yield str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_report_json_totals_equal_independent_sql(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "report", "--db", seeded, "--period", "2026Q4", "--format", "json", "--today", TODAY
    )
    assert code == 0
    data = json.loads(out)
    assert data["period"] == {"key": "2026Q4", "start": "2026-10-01", "end": "2026-12-31"}
    expected = independent_totals(seeded, "2026-10-01", "2026-12-31")
    totals = data["totals"]
    for key, value in expected.items():
        got = Decimal(totals[key]) if isinstance(value, Decimal) else totals[key]
        assert got == value, key
    assert expected["open_count"] > 100 and expected["won_count"] > 10  # a real test
    # Rows add up to the totals for the additive figures.
    for key in ("closed_won", "commit", "pipeline", "weighted"):
        assert sum(Decimal(r[key]) for r in data["rows"]) == Decimal(totals[key]), key
    assert set(totals) == {
        "quota", "closed_won", "commit", "best_case", "pipeline", "weighted", "open_count",
        "won_count", "lost_count", "coverage", "win_rate", "win_rate_value", "needed_coverage",
        "gap", "quota_basis", "unconverted",
    }  # fmt: skip
    assert totals["quota_basis"] is None  # every pipeline counted: nothing to say
    assert totals["unconverted"] == {}  # the demo is all in the reporting currency


@pytest.mark.parametrize("by", ["rep", "manager", "stage", "category"])
def test_report_groupings_and_formats(
    seeded: str, capsys: pytest.CaptureFixture[str], by: str
) -> None:
    base = ["report", "--db", seeded, "--by", by, "--today", TODAY]
    code, out, _ = run(capsys, *base, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[-1]["key"] == "TOTAL" and len(rows) >= 3
    code, out, _ = run(capsys, *base, "--format", "markdown")
    assert code == 0 and out.startswith("# Forecast Q4 FY2026") and "| TOTAL |" in out
    code, out, _ = run(capsys, *base)
    assert code == 0 and "Total" in out


def report_json(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> dict[str, Any]:
    code, out, err = run(capsys, "report", "--db", db, "--format", "json", "--today", TODAY, *args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def test_owner_scope_matches_the_roll_up_rows(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    everyone = report_json(capsys, seeded)["totals"]
    managers = report_json(capsys, seeded, "--by", "manager")["rows"]
    reps = [
        r
        for r in report_json(capsys, seeded, "--by", "rep")["rows"]
        if r["key"] not in {m["key"] for m in managers}
    ]  # a manager's own deals only
    assert managers and reps
    for row in managers + reps:
        scoped = report_json(capsys, seeded, "--owner", row["key"])["totals"]
        assert scoped == {k: v for k, v in row.items() if k != "key"}, row["key"]
    rep = report_json(capsys, seeded, "--by", "rep")["rows"][0]
    assert Decimal(rep["pipeline"]) < Decimal(everyone["pipeline"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026Q5"], "Unknown period '2026Q5'"),
        (["--period", "soon"], "Try 2026Q4"),
        (["--owner", "nobody.here"], "nobody.here"),
        (["--pipeline", "Nope"], "no pipeline named 'Nope'"),
    ],
)
def test_report_bad_input_is_one_clear_line(
    seeded: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, "report", "--db", seeded, *args)
    assert code == 2
    assert out == ""
    assert message in err and "Traceback" not in err


def test_seeding_a_database_with_deals_is_refused(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "seed", "--deals", "10", "--db", seeded)
    assert code == 2 and "already" in err


def test_password_is_never_printed(capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://someone:hunter2secret@127.0.0.1:9/nowhere"
    code, out, err = run(capsys, "report", "--db", url)
    assert code == 2
    assert "hunter2secret" not in out + err
    assert "someone:***@127.0.0.1" in err


def test_db_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "fresh.db")
    code, _, err = run(capsys, "db", "current", "--db", db)
    assert code == 2 and "No database at" in err and not Path(db).exists()
    code, out, _ = run(capsys, "db", "init", db)
    assert code == 0 and f"Created {db} (revision {head_revision()})" in out
    code, out, _ = run(capsys, "db", "downgrade", "base", "--db", db, "--yes")
    assert code == 0 and "-> base" in out
    code, out, _ = run(capsys, "db", "current", "--db", db)
    assert code == 0 and "none (empty)" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and f"base -> {head_revision()}" in out
    code, out, _ = run(capsys, "db", "upgrade", "--db", db)
    assert "already at revision" in out


def test_database_url_from_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-env.db"
    monkeypatch.setenv("PIPELINE_TUI_DB", str(db))
    code, out, _ = run(capsys, "db", "init")
    assert code == 0 and db.exists() and str(db) in out
