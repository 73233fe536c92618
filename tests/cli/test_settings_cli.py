"""`pipeline-tui settings`: every setting listed with its value, default and meaning in
each format; `set` and `set-stage` change one as an admin, recorded in `process history`;
a bad value, a non-admin or an unknown stage is one line that writes nothing; `settings
set coverage_target` and `process target coverage` are the same change."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main
from pipeline_tui.storage import make_engine, upgrade

from ..services.test_process import seed


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PIPELINE_TUI_USER", raising=False)
    path = tmp_path / "settings.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(db: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(text(sql))]
    engine.dispose()
    return found


def test_the_list_in_every_format(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "settings", "--format", "json", "--db", db)
    assert code == 0
    listed = json.loads(out)
    assert [r["name"] for r in listed][:10] == [
        "fiscal_year_start_month",
        "currency",
        "coverage_target",
        "win_rate_target",
        "head_login",
        "reps_own_team_only",
        "call_stale_days",
        "flag_push_count",
        "stale_days",
        "flag_review_days",
    ]
    assert listed[8] | {"meaning": ""} == {
        "name": "stale_days",
        "pipeline": None,
        "stage": None,
        "value": 30,
        "default": 30,
        "meaning": "",
    }
    assert [(r["stage"], r["value"]) for r in listed[10:]] == [
        ("Qualify", 60),
        ("Propose", 60),
        ("Negotiate", 60),
    ]
    code, out, _ = run(capsys, "settings", "list", "--db", db)
    assert code == 0 and "stale_days" in out and "New Business / Propose: days_limit" in out
    code, out, _ = run(capsys, "settings", "--format", "csv", "--db", db)
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["name", "pipeline", "stage", "value", "default", "meaning"]
    assert table[3][:5] == ["coverage_target", "", "", "3x", "3x"]
    code, out, _ = run(capsys, "settings", "--format", "markdown", "--db", db)
    assert "| win\\_rate\\_target | 60% | 60% |" in out


def test_set_and_set_stage_are_recorded_in_the_history(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "settings",
        "set",
        "stale_days",
        "14",
        "--why",
        "weekly",
        "--user",
        "ada",
        "--db",
        db,
    )
    assert (code, out.strip()) == (0, "Setting stale_days: 30 → 14")
    code, out, _ = run(
        capsys,
        "settings",
        "set-stage",
        "propose",
        "days_limit",
        "45",
        "--user",
        "ada",
        "--db",
        db,
    )
    assert (code, out.strip()) == (0, "Setting Propose: days_limit 60 → 45")
    assert rows(db, "SELECT stale_days FROM settings") == [(14,)]
    assert rows(db, "SELECT days_limit FROM stage WHERE name = 'Propose'") == [(45,)]
    code, out, _ = run(capsys, "process", "history", "--format", "json", "--db", db)
    history = [(h["kind"], h["stage"], h["old"], h["new"], h["why"]) for h in json.loads(out)]
    assert history == [
        ("setting", "Propose", "days_limit 60", "days_limit 45", None),
        ("setting", None, "stale_days 30", "stale_days 14", "weekly"),
    ]
    code, out, _ = run(capsys, "process", "history", "--db", db)
    assert "Propose: days_limit 60" in out


def test_settings_set_and_process_target_record_the_same_change(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(capsys, "settings", "set", "coverage_target", "3.5", "--user", "ada", "--db", db)[0]
        == 0
    )
    assert run(capsys, "process", "target", "coverage", "3", "--user", "ada", "--db", db)[0] == 0
    assert run(capsys, "process", "target", "win-rate", "0.55", "--user", "ada", "--db", db)[0] == 0
    assert rows(db, "SELECT kind, old_value, new_value FROM process_change ORDER BY id") == [
        ("target", "coverage 3x", "coverage 3.5x"),
        ("target", "coverage 3.5x", "coverage 3x"),
        ("target", "win-rate 60%", "win-rate 55%"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set", "fiscal_year_start_month", "0", "--user", "ada"], "1 to 12, not 0"),
        (["set", "currency", "dollars", "--user", "ada"], "three-letter code"),
        (["set", "win_rate_target", "150%", "--user", "ada"], "1% to 100%"),
        (["set", "reps_own_team_only", "perhaps", "--user", "ada"], "yes or no"),
        (["set", "head_login", "ghost", "--user", "ada"], "no one has the login 'ghost'"),
        (["set", "nonsense", "1", "--user", "ada"], "There is no setting 'nonsense'"),
        (["set", "stale_days", "14", "--user", "mgr"], "Only an admin can change the settings"),
        (["set", "stale_days", "14", "--user", "vic"], "Only an admin can change the settings"),
        (["set-stage", "Nope", "days_limit", "5", "--user", "ada"], "no open stage called 'Nope'"),
        (["set-stage", "Propose", "days_limit", "0", "--user", "ada"], "1 to 3650"),
        (["set-stage", "Propose", "days_limit", "9", "--user", "ann"], "Only an admin"),
    ],
)
def test_refusals_are_one_line_and_write_nothing(
    db: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    before = rows(db, "SELECT * FROM settings"), rows(db, "SELECT days_limit FROM stage")
    code, out, err = run(capsys, "settings", *args, "--db", db)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1 and not out
    after = rows(db, "SELECT * FROM settings"), rows(db, "SELECT days_limit FROM stage")
    assert after == before
    assert rows(db, "SELECT count(*) FROM process_change") == [(0,)]
