"""Every date option of the CLI is read by one parser: the same form and the same range."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.cli import main


@pytest.mark.parametrize(
    "command",
    [
        ["report", "--today"],
        ["review", "show", "1", "--today"],
        ["changes", "--since", "2026-11-01", "--today"],
    ],
)
def test_a_day_out_of_range_is_refused_alike_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code = main([*command, "1800-01-01", "--db", str(tmp_path / "none.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "1800-01-01 is out of range" in err and "Traceback" not in err
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("command", [["report", "--today"], ["review", "show", "1", "--today"]])
def test_a_date_that_is_no_date_gets_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code = main([*command, "26/11/2026", "--db", str(tmp_path / "none.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "'26/11/2026' is not a date like 2026-11-26" in err
