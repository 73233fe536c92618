"""`pipeline-tui process`: the same figures as the session and `report`, every change
recorded, and bad input one line that writes nothing.

The history is the hand-computed one of tests/services/test_process.py; Ann also has a
quota of 500 for 2026Q4, so that coverage is defined: her one open deal (D6, 1000,
closing 2026-12-15) over 500 still to close is 2.0x; the trailing year before the quarter
(2025-10-01 to 2026-09-30) won D1 and D4 and lost D2 and D3, 1000 each: a 50% win rate
by value, so 1 / 50% = 2.0x coverage implied.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from pipeline_tui.cli import main
from pipeline_tui.models import ProcessChange, Quota, table_of
from pipeline_tui.storage import make_engine, upgrade

from ..services.test_process import seed

TODAY = "2026-11-26"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PIPELINE_TUI_USER", raising=False)
    path = tmp_path / "process.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ids = seed(engine)
    with Session(engine) as session:
        quarter = (date(2026, 10, 1), date(2026, 12, 31))
        session.add(
            Quota(
                user_id=ids["ann"],
                period_start=quarter[0],
                period_end=quarter[1],
                amount_minor=50_000,
            )
        )
        session.commit()
    engine.dispose()
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([*args, "--today", TODAY])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def changes(db: str) -> int:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(table_of(ProcessChange))).scalar_one()
    engine.dispose()
    return int(n)


def test_show_json_has_the_hand_computed_figures_and_reports_numbers(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "process", "show", "--format", "json", "--db", db)
    assert code == 0
    view = json.loads(out)
    stages = {
        s["stage"]: (s["observed_percent"], s["won"], s["closed"], s["median_days"])
        for s in view["stages"]
    }
    assert stages == {
        "Qualify": (50, 2, 4, "8.0"),
        "Propose": (67, 2, 3, "20.0"),
        "Negotiate": (50, 1, 2, "20.0"),
    }
    targets = view["targets"]
    assert (targets["coverage"], targets["win_rate"], targets["implied_coverage"]) == (
        2.0,
        0.5,
        2.0,
    )
    # The same question gives the same number: `report` for the same pipeline and quarter.
    code, out, _ = run(
        capsys, "report", "--format", "json", "--pipeline", "New Business", "--db", db
    )
    totals = json.loads(out)["totals"]
    assert (totals["coverage"], totals["needed_coverage"]) == (
        targets["coverage"],
        targets["implied_coverage"],
    )


def test_table_csv_and_markdown(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "process", "--db", db)
    assert code == 0 and "67% (2/3)" in out and "20.0 d (3)" in out and "2.0x" in out
    code, out, _ = run(capsys, "process", "--format", "csv", "--db", db)
    assert out.splitlines()[2].startswith("Propose,open,False,50,67,2,3,20.0,3,1,")
    code, out, _ = run(capsys, "process", "show", "--format", "markdown", "--db", db)
    assert "| Propose | open | False | 50 | 67 | 2 | 3 | 20.0 | 3 | 1 |  |" in out


def test_propose_observed_accept_and_history(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "process", "propose", "propose", "observed", "--user", "mgr", "--db", db
    )
    assert code == 0 and "50% → 67%" in out
    code, out, err = run(capsys, "process", "accept", "1", "--user", "ada", "--db", db)
    assert code == 2 and "--why" in err
    code, out, _ = run(
        capsys, "process", "accept", "1", "--why", "the year says so", "--user", "ada", "--db", db
    )
    assert code == 0 and "Propose now defaults to 67%" in out
    code, out, _ = run(capsys, "process", "history", "--format", "json", "--db", db)
    history = json.loads(out)
    assert [(h["kind"], h["who"], h["why"]) for h in history] == [
        ("proposal_accepted", "Ada", "the year says so"),
        ("proposal", "Mgr", "observed 67% (2/3)"),
    ]
    code, out, _ = run(capsys, "process", "history", "--db", db)
    assert all(
        part in out for part in ("Ada", "accepted", "Propose: 50% →", "67% (#1)", "the year")
    )


def test_stage_commands_and_refusals_write_nothing(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = changes(db)
    for args, message in (
        (["stage", "add", "Demo", "--probability", "150", "--user", "ada"], "0-100%"),
        (["stage", "add", "", "--probability", "20", "--user", "ada"], "needs a name"),
        (["stage", "add", "Demo", "--probability", "20", "--user", "mgr"], "Only an admin"),
        (["stage", "rename", "Nope", "Demo", "--user", "ada"], "no stage called 'Nope'"),
        (["stage", "rename", "Qualify", "propose", "--user", "ada"], "already has a stage"),
        (["stage", "retire", "Propose", "--user", "ada"], "1 open deal is in Propose"),
        (["propose", "Qualify", "40", "--user", "ann"], "only a manager or an admin"),
        (["target", "coverage", "0", "--user", "ada"], "0.1x to 100x"),
    ):
        code, _, err = run(capsys, "process", *args, "--db", db)
        assert code == 2 and message in err, (args, err)
    assert changes(db) == before
    for args in (
        ["stage", "add", "Demo", "--probability", "20", "--position", "2", "--why", "pilot"],
        ["stage", "rename", "Demo", "Demonstrate"],
        ["stage", "move", "Demonstrate", "up"],
        ["stage", "retire", "Negotiate", "--why", "we close from Propose"],
        ["target", "coverage", "3.5x"],
    ):
        code, _, err = run(capsys, "process", *args, "--user", "ada", "--db", db)
        assert code == 0, (args, err)
    code, out, _ = run(capsys, "process", "--format", "json", "--db", db)
    view = json.loads(out)
    assert [(s["stage"], s["retired"]) for s in view["stages"]] == [
        ("Demonstrate", False),
        ("Qualify", False),
        ("Propose", False),
        ("Negotiate", True),
    ]
    assert view["targets"]["coverage_target"] == 3.5
    code, out, _ = run(capsys, "process", "history", "--format", "json", "--db", db)
    assert [h["kind"] for h in json.loads(out)] == [
        "target", "stage_retired", "stage_moved", "stage_renamed", "stage_added",
    ]  # fmt: skip


def test_an_accepted_default_is_what_a_new_deal_in_the_stage_starts_from(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "process", "propose", "Propose", "observed", "--user", "mgr", "--db", db)
    run(capsys, "process", "accept", "1", "--why", "the year says so", "--user", "ada", "--db", db)
    deals = tmp_path / "new.csv"
    deals.write_text(
        "external_id,name,account,owner_login,pipeline,stage,status,amount,currency,close_date\n"
        "N1,New one,Acme,ann,New Business,Propose,open,500,USD,2026-12-20\n",
        encoding="utf-8",
    )
    code = main(["import", str(deals), "--user", "ada", "--db", db])
    assert code == 0, capsys.readouterr().err
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = {n: p for n, p in conn.execute(text("SELECT name, probability FROM deal"))}
    engine.dispose()
    # The new deal starts from the accepted default; D6, already in Propose, keeps its 50%.
    assert (rows["New one"], rows["D6"]) == (67, 50)


def test_an_import_puts_no_open_deal_into_a_retired_stage(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(capsys, "process", "stage", "retire", "Negotiate", "--user", "ada", "--db", db)
    deals = tmp_path / "new.csv"
    deals.write_text(
        "external_id,name,account,owner_login,pipeline,stage,status,amount,currency,close_date\n"
        "N1,New one,Acme,ann,New Business,Negotiate,open,500,USD,2026-12-20\n",
        encoding="utf-8",
    )
    code = main(["import", str(deals), "--user", "ada", "--db", db])
    assert code != 0 and "Negotiate is retired" in capsys.readouterr().err
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM deal WHERE name='New one'")).scalar() == 0
    engine.dispose()
