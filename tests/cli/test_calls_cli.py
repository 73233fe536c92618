"""`pipeline-tui calls`: submit as each role, refusals and bad amounts (one line, exit 2,
nothing written), and list / show in every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main
from pipeline_tui.storage import make_engine, upgrade

from ..factories import Builder

TODAY = "2026-11-26"


@pytest.fixture
def db(tmp_path: Path) -> str:
    """Dana manages Priya and Raj; Vic is a viewer. Priya has 50k won this quarter."""
    path = tmp_path / "pipeline.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    dana = b.user("dana", role="manager")
    priya = b.user("priya", manager=dana)
    b.user("raj", manager=dana)
    b.user("vic", role="viewer")
    b.deal(priya, "Won", "50000", date(2026, 10, 15))
    b.commit()
    engine.dispose()
    return str(path)


def calls_in(db: str) -> list[tuple[str, int, int, str]]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.login, c.commit_minor, c.best_case_minor, m.login FROM forecast_call c "
                'JOIN "user" p ON p.id = c.person_id JOIN "user" m ON m.id = c.made_by_id '
                "ORDER BY c.id"
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def run(db: str, *args: str) -> int:
    return main(["calls", *args, "--db", db, "--today", TODAY])


def test_submit_rules_and_refusals(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, "submit", "--user", "priya", "--commit", "80k", "--best-case", "$100,000") == 0
    assert "Priya's call for Q4 FY2026: commit $80,000, best case $100,000" in (
        capsys.readouterr().err
    )
    refused = [
        (["--user", "priya", "--for", "raj"], "Only Raj, Dana (Raj's manager) or an admin"),
        (["--user", "vic"], "viewers make no forecast calls"),
        (["--user", "priya", "--period", "2026Q3"], "Q3 FY2026 has closed"),
        (["--user", "priya", "--best-case", "1k"], "above the best case"),
        (["--user", "priya", "--commit", "lots"], "The commit: Can't read 'lots'"),
    ]
    for extra, said in refused:
        args = ["--commit", "5k", "--best-case", "9k", *extra]
        # A later option wins in argparse: the bad values above replace the good ones.
        assert run(db, "submit", *args) == 2, extra
        assert said in capsys.readouterr().err, extra
    assert calls_in(db) == [("priya", 8_000_000, 10_000_000, "priya")]
    assert (
        run(db, "submit", "--user", "dana", "--for", "raj", "--commit", "1k", "--best-case", "2k")
        == 0
    )
    assert calls_in(db)[-1] == ("raj", 100_000, 200_000, "dana")


def test_list_and_show_in_every_format(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, "submit", "--user", "priya", "--commit", "80k", "--best-case", "100k", "--note", "a|b")
    run(db, "submit", "--user", "priya", "--commit", "90k", "--best-case", "100k")
    run(db, "submit", "--user", "dana", "--commit", "120k", "--best-case", "150k")
    capsys.readouterr()
    assert run(db, "list", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["person"]: r for r in data["calls"]}
    assert data["period"] == "2026Q4"
    assert rows["priya"]["commit"] == "90000.00" and rows["priya"]["change"] == "10000.00"
    assert rows["dana"]["team_sum"] == "90000.00" and rows["dana"]["team_size"] == 2
    assert rows["dana"]["against_team"] == "30000.00"
    assert rows["raj"]["commit"] is None

    assert run(db, "list", "--format", "csv") == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["person"]: r["commit"] for r in parsed} == {
        "dana": "120000.00",
        "priya": "90000.00",
        "raj": "",
    }
    assert run(db, "list") == 0
    table = capsys.readouterr().out
    assert "Forecast calls, Q4 FY2026" in table and "$120k" in table
    assert run(db, "show", "priya", "--format", "markdown") == 0
    shown = capsys.readouterr().out
    assert shown.count("| 2026Q4 |") == 2 and "a\\|b" in shown  # a note's pipe is escaped
    assert run(db, "show", "priya", "--format", "json") == 0
    history = json.loads(capsys.readouterr().out)
    assert [c["commit"] for c in history["calls"]] == ["80000.00", "90000.00"]
    assert history["accuracy"]["scored"] == []  # Q4 is still running
    assert run(db, "show", "nobody") == 2
    assert "nobody" in capsys.readouterr().err


def test_hostile_names_and_notes_print_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline_tui.cli import calls as calls_cli
    from pipeline_tui.forecast.call_store import insert_call
    from pipeline_tui.periods import parse_period

    from ..hostile import HOSTILE, MIXED, seed_hostile, unsafe_chars

    monkeypatch.setattr(calls_cli.out, "width", 400)
    path = seed_hostile(tmp_path / "hostile.db")
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        people = conn.execute(text('SELECT id, login FROM "user" ORDER BY id')).all()
        for i, (person_id, _) in enumerate(people):
            insert_call(
                conn,
                person_id=person_id,
                scope="team" if i == 0 else "own",
                period=parse_period("2026Q4"),
                commit=Decimal(1000 * (i + 1)),
                best_case=Decimal(2000 * (i + 1)),
                most_likely=None,
                currency="USD",
                note=(HOSTILE + MIXED)[i],
                made_by_id=person_id,
            )
    engine.dispose()
    runs = [["list", "--format", f] for f in ("table", "json", "csv", "markdown")]
    runs += [["show", people[1][1], "--format", f] for f in ("table", "json", "csv", "markdown")]
    for args in runs:
        assert main(["calls", *args, "--db", str(path), "--today", TODAY]) == 0, args
        captured = capsys.readouterr()
        assert not unsafe_chars(captured.out + captured.err), args
