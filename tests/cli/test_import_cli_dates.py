"""`--dayfirst` and `--monthfirst` on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.cli import main
from tests.domain.test_import_support import FIXTURES

HYPHENS = str(FIXTURES / "dayfirst_hyphens.csv")


def test_the_date_order_flags(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    assert main(["import", HYPHENS, "--db", db, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert (
        "because '20-10-16' in Deal - Expected close date can only be day first; pass --dayfirst"
        in out
    )
    assert main(["import", HYPHENS, "--db", db, "--dry-run", "--dayfirst"]) == 0
    assert "can only be day first" not in capsys.readouterr().out
    assert main(["import", HYPHENS, "--db", db, "--monthfirst"]) == 2
    err = capsys.readouterr().err
    assert "can only be day first, but --monthfirst says month first" in err
    assert err.rstrip().endswith("error: 2 of 4 rows rejected; nothing was imported")
    assert main(["import", HYPHENS, "--db", db, "--dayfirst", "--monthfirst"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not allowed with argument --dayfirst" in err
