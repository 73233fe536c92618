"""Hints a new user meets in the first minutes (issue 14, item 17): an empty database
says how to bring one's own deals, and a deal file without an owner column says that
`--user` names the one person they all belong to."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.cli import main
from pipeline_tui.errors import PipelineError
from pipeline_tui.services.workspace import Workspace


def test_an_empty_database_suggests_importing_a_file(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    assert main(["db", "init", db]) == 0
    with pytest.raises(PipelineError) as caught:
        Workspace.open(f"sqlite:///{db}")
    message = str(caught.value)
    assert "`pipeline-tui import FILE`" in message and "`pipeline-tui --demo`" in message


def test_a_file_with_no_owner_column_says_user_would_fix_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "deals.db")
    assert main(["db", "init", db]) == 0
    path = tmp_path / "mine.csv"
    path.write_text("name,amount,stage,close date\nAcme,1000,Qualify,2026-12-01\n")
    assert main(["import", str(path), "--db", db, "--dry-run"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "missing the required column owner" in err
    assert "give --user LOGIN" in err
    capsys.readouterr()
    # And with it, the file imports as that person's deals (the first person is admin).
    assert main(["users", "add", "jane", "--name", "Jane Doe", "--db", db]) == 0
    assert main(["import", str(path), "--db", db, "--user", "jane"]) == 0
    assert main(["report", "--db", db, "--period", "2026Q4", "--format", "json"]) == 0
    assert '"open_count": 1' in " ".join(capsys.readouterr().out.split()).replace(" ,", ",")
