"""`pipeline-tui import` shows the order new stages will take, and `--stage-order` sets it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main
from pipeline_tui.storage import make_engine
from tests.domain.test_import_support import FIXTURES

PLAIN = (
    "name,owner,stage,amount,close_date\n"
    "A,Kim Park,Trial,100,2026-12-01\n"
    "B,Kim Park,Discovery,200,2026-12-02\n"
    "C,Kim Park,Demo,300,2026-12-03\n"
)


def stage_names(db: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            query = text("SELECT name FROM stage ORDER BY position")
            return [row[0] for row in conn.execute(query)]
    finally:
        engine.dispose()


def test_dry_run_names_the_order_and_its_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = str(FIXTURES / "hubspot_default_stages.csv")
    assert main(["import", path, "--dry-run", "--db", str(tmp_path / "x.db")]) == 0
    out = capsys.readouterr().out
    assert "recognised by 'Record ID', 'Deal Name', 'Deal Stage'" in out
    assert (
        "Stages of Sales Pipeline (new stages ordered by HubSpot's default deal pipeline): "
        "Appointment Scheduled 20% (new) → Qualified To Buy 40% (new) → "
        "Presentation Scheduled 60% (new) → Decision Maker Bought-In 80% (new) → "
        "Contract Sent 90% (new) → Closed Won 100% (won, new) → Closed Lost 0% (lost, new)"
    ) in out


def test_stage_order_flag_orders_what_the_file_cannot(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(PLAIN, encoding="utf-8")
    db = tmp_path / "cli.db"
    assert main(["import", str(path), "--dry-run", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Can't tell" in out and '--stage-order "Trial,Discovery,Demo"' in out
    code = main(["import", str(path), "--db", str(db), "--stage-order", "Discovery, Demo,Trial"])
    assert code == 0
    assert stage_names(db) == ["Discovery", "Demo", "Trial"]


def test_an_import_without_an_order_says_the_order_was_the_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(PLAIN, encoding="utf-8")
    db = tmp_path / "cli.db"
    assert main(["import", str(path), "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert "Stages of Sales: Trial 10% (new) → Discovery 20% (new) → Demo 30% (new)" in err
    assert "they are in the order it first used them" in err and "--stage-order" not in err
    assert stage_names(db) == ["Trial", "Discovery", "Demo"]
