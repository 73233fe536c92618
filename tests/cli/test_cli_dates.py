"""Every date option of the CLI is read by one parser: the same form and the same range."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.cli import main

COMMANDS = {
    "report": ["report", "--today"],
    "review show": ["review", "show", "1", "--today"],
    "changes": ["changes", "--since", "2026-11-01", "--today"],
}
REFUSALS = {
    "1800-01-01": "1800-01-01 is out of range",
    "26/11/2026": "'26/11/2026' is not a date like 2026-11-26",
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("day", list(REFUSALS))
def test_every_command_refuses_a_bad_day_alike(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, day: str
) -> None:
    code = main([*COMMANDS[command], day, "--db", str(tmp_path / "none.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert REFUSALS[day] in err and "Traceback" not in err
    assert not (tmp_path / "none.db").exists()
