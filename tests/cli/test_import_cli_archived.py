"""`export` and `import` with archived deals on the command line: left out and said so,
`--archived` round trips, and a re-import names the archived deals it matched."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.storage import make_engine
from tests.cli.test_import_cli import REPORT, run


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    """The Salesforce fixture imported, with one open deal archived; its name is kept
    in the file `archived.txt` beside the database."""
    monkeypatch.setenv("PIPELINE_TUI_USER", "jane.doe")
    path = str(tmp_path / "cli.db")
    code, _, err = run(capsys, "import", REPORT, "--db", path)
    assert code == 0, err
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            key, name = conn.execute(
                text(
                    "SELECT d.external_id, d.name FROM deal d JOIN stage s ON s.id = d.stage_id "
                    "WHERE s.kind = 'open' ORDER BY d.id LIMIT 1"
                )
            ).one()
            conn.execute(text("UPDATE deal SET archived = 1 WHERE external_id = :k"), {"k": key})
    finally:
        engine.dispose()
    (tmp_path / "archived.txt").write_text(f"{key}\n{name}", encoding="utf-8")
    return path


def archived_deal(db: str) -> tuple[str, str]:
    key, name = (Path(db).parent / "archived.txt").read_text(encoding="utf-8").split("\n")
    return key, name


def archived_flags(db: str) -> dict[str, bool]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT external_id, archived FROM deal")).all()
    finally:
        engine.dispose()
    return {key: bool(flag) for key, flag in rows}


def test_export_leaves_archived_deals_out_and_says_so_on_stderr(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    key, _ = archived_deal(db)
    code, out, err = run(capsys, "export", "--db", db)
    assert code == 0
    assert len(out.splitlines()) == 5 and key not in out and "archived" not in out
    assert "1 archived deal left out; add --archived to include them" in err
    target = tmp_path / "deals.csv"
    code, _, err = run(capsys, "export", "--db", db, "-o", str(target))
    assert "Exported 4 deals to" in err and "1 archived deal left out" in err


def test_export_archived_round_trips_into_a_new_database(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    key, _ = archived_deal(db)
    target = tmp_path / "all.csv"
    code, _, err = run(capsys, "export", "--db", db, "--archived", "-o", str(target))
    assert code == 0 and "Exported 5 deals to" in err and "left out" not in err
    with open(target, newline="", encoding="utf-8") as stream:
        flags = {r["external_id"]: r["archived"] for r in csv.DictReader(stream)}
    assert flags[key] == "yes" and sorted(flags.values()).count("no") == 4
    fresh = str(tmp_path / "fresh.db")
    code, _, err = run(capsys, "import", str(target), "--db", fresh)
    assert code == 0 and "5 created" in err, err
    assert archived_flags(fresh) == archived_flags(db)
    assert archived_flags(fresh)[key] is True


def test_a_reimport_names_the_archived_deals_it_matched_and_keeps_them(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    key, name = archived_deal(db)
    code, out, _ = run(capsys, "import", REPORT, "--db", db, "--dry-run")
    assert code == 0
    assert f"1 row matched archived deals ({name}): 1 would stay archived" in out
    code, _, err = run(capsys, "import", REPORT, "--db", db)
    assert code == 0 and f"1 row matched archived deals ({name}): 1 stay archived" in err
    assert archived_flags(db)[key] is True


def test_archived_no_restores_and_a_bad_value_is_refused(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    key, name = archived_deal(db)
    target = tmp_path / "all.csv"
    run(capsys, "export", "--db", db, "--archived", "-o", str(target))
    exported = target.read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(exported.replace(",yes\n", ",perhaps\n"), encoding="utf-8")
    code, _, err = run(capsys, "import", str(bad), "--db", db)
    assert code == 2 and "archived: Can't read 'perhaps' as yes or no" in err
    assert "1 of 5 rows rejected; nothing was imported" in err
    assert archived_flags(db)[key] is True

    target.write_text(exported.replace(",yes\n", ",no\n"), encoding="utf-8")
    code, _, err = run(capsys, "import", str(target), "--db", db)
    assert code == 0 and "1 updated (1 field changes)" in err and "1 restored" in err
    assert archived_flags(db)[key] is False
    code, out, _ = run(capsys, "export", "--db", db, "--kind", "changes")
    logged = [r for r in csv.DictReader(out.splitlines()) if r["field"] == "archived"]
    assert [(r["deal_external_id"], r["deal"], r["old_value"], r["new_value"]) for r in logged] == [
        (key, name, "True", "False")
    ]
    assert logged[0]["changed_by"] == "jane.doe" and logged[0]["source"] == "import"


def test_archived_is_for_deals_only(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = run(capsys, "export", "--db", db, "--kind", "users", "--archived")
    assert code == 2 and "--archived is for --kind deals" in err
