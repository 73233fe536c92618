"""`pipeline-tui import` and `export` on the command line: output, files, exit status."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline_tui.cli import main
from pipeline_tui.cli.importing import PROGRESS_FROM_ROWS, _progress_bar
from pipeline_tui.storage import make_engine
from tests.domain.test_import_support import FIXTURES, count

REPORT = str(FIXTURES / "salesforce_report.csv")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    # The first person an import adds becomes the admin, who may import again (roles).
    monkeypatch.setenv("PIPELINE_TUI_USER", "jane.doe")
    return str(tmp_path / "cli.db")


def deals_in(db: str) -> int:
    engine: Engine = make_engine(f"sqlite:///{db}")
    try:
        return count(engine, "deal")
    finally:
        engine.dispose()


def test_dry_run_shows_format_mapping_rows_and_problems_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, _ = run(capsys, "import", REPORT, "--dry-run", "--db", db)
    assert code == 0
    assert "Salesforce report (UTF-8 with BOM, comma): 5 rows, 5 lines left out" in out
    assert "external_id" in out and "Opportunity ID, Opportunity ID" in out
    assert "First rows as they will be stored" in out and "485000.00" in out
    assert "line 3, Close Date: no close date" in out
    assert "Would create 5, update 0" in out and "Dry run: nothing was written." in out
    assert not Path(db).exists()  # a dry run writes nothing, not even a new database


def test_import_prints_a_summary_and_a_reimport_finds_nothing_new(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, err = run(capsys, "import", REPORT, "--db", db)
    assert code == 0 and out == ""
    assert "5 created, 0 updated (0 field changes), 0 unchanged, 0 rejected" in err
    assert "New owners (2): Jane Doe (jane.doe), John Roe (john.roe)" in err
    code, _, err = run(capsys, "import", REPORT, "--db", db)
    assert code == 0 and "0 created, 0 updated (0 field changes), 5 unchanged" in err
    assert deals_in(db) == 5


def test_rejected_rows_are_listed_written_to_errors_and_exit_2(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes((FIXTURES / "salesforce_report.csv").read_bytes().replace(
        b'"USD 12,500.00"', b'"twelve"'))  # fmt: skip
    errors = tmp_path / "errors.csv"
    code, _, err = run(capsys, "import", str(bad), "--db", db, "--errors", str(errors))
    assert code == 2
    assert "line 3, Amount: Can't read 'twelve' as an amount" in err
    assert "error: 1 of 5 rows rejected; nothing was imported (written to" in err
    with open(errors, newline="", encoding="utf-8") as stream:
        assert list(csv.reader(stream))[1][:3] == ["3", "Amount", "twelve"]
    assert deals_in(db) == 0

    code, out, _ = run(capsys, "import", str(bad), "--db", db, "--dry-run")
    assert code == 1 and "reject 1" in out
    code, _, err = run(capsys, "import", str(bad), "--db", db, "--skip-invalid")
    assert code == 0 and "4 created" in err and "1 rejected" in err
    assert deals_in(db) == 4


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "error: empty.csv is empty"),
        (b"\x00\x01\x02binary", "error: empty.csv is a binary file, not a CSV export"),
        (b"Title,Phase\nA,B\n", "error: empty.csv is not a layout pipeline-tui knows"),
    ],
)
def test_an_unusable_file_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(data)
    code, out, err = run(capsys, "import", str(path), "--db", db)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_map_stage_map_pipeline_and_dayfirst_options(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_TUI_USER", "kim.park")  # the file's first: the admin
    generic = str(FIXTURES / "generic_semicolon.csv")
    code, _, err = run(
        capsys, "import", generic, "--db", db, "--pipeline", "Partners",
        "--map", "external_id=Deal Ref,name=Title,account=Client,owner=Rep",
        "--map", "stage=Phase,amount=Value (USD),close_date=Expected Close",
        "--stage-map", "Discovery=Qualify",
    )  # fmt: skip
    assert code == 0, err
    assert "New stages (2): Partners / Qualify (open, 10%), Partners / Won (won, 100%)" in err
    code, _, err = run(capsys, "import", generic, "--db", db, "--map", "size=Title")
    assert code == 2 and "unknown field 'size'" in err
    pipedrive = str(FIXTURES / "pipedrive_deals.csv")
    code, _, err = run(capsys, "import", pipedrive, "--db", db, "--dayfirst")
    assert code == 0 and "4 created" in err


def test_users_then_quotas_from_the_command_line(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_TUI_USER", "alex.kim")  # the file's first: the admin
    code, _, err = run(capsys, "import", str(FIXTURES / "users.csv"), "--kind", "users",
                       "--db", db)  # fmt: skip
    assert code == 0 and "Imported users (People)" in err and "5 created" in err
    code, _, err = run(capsys, "import", str(FIXTURES / "quotas.csv"), "--kind", "quotas",
                       "--db", db)  # fmt: skip
    assert code == 0 and "4 created" in err


def test_export_to_stdout_and_to_a_file(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "import", REPORT, "--db", db)
    code, out, _ = run(capsys, "export", "--db", db)
    assert code == 0 and out.splitlines()[0].startswith("external_id,name,account,owner")
    assert len(out.splitlines()) == 6
    target = tmp_path / "deals.json"
    code, out, err = run(capsys, "export", "--db", db, "--format", "json", "-o", str(target))
    assert code == 0 and out == "" and "Exported 5 deals to" in err
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 5
    code, _, err = run(capsys, "export", "--db", db, "-o", str(tmp_path / "no" / "such.csv"))
    assert code == 2 and "can't write" in err


def test_the_progress_bar_waits_for_a_large_file() -> None:
    with _progress_bar() as small:
        small("Reading", 10, PROGRESS_FROM_ROWS - 1)
        assert small.tasks == {}
    with _progress_bar() as large:
        large("Reading", 5, PROGRESS_FROM_ROWS)
        large("Writing", PROGRESS_FROM_ROWS, PROGRESS_FROM_ROWS)
        assert list(large.tasks) == ["Reading", "Writing"]
        writing = large.bar.tasks[1]
        assert (writing.completed, writing.total) == (PROGRESS_FROM_ROWS, PROGRESS_FROM_ROWS)
