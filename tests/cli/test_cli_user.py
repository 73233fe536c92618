"""`--user LOGIN` that nobody has: one line, the nearest logins, how to add people, for
every command that takes `--user`."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.cli import main
from tests.domain.test_import_support import FIXTURES

ADD = 'An admin adds people with `pipeline-tui users add LOGIN --name "Full Name"`'


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "cli.db")
    assert main(["import", str(FIXTURES / "users.csv"), "--kind", "users", "--db", path]) == 0
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["report"],
        ["report", "--calibration"],
        ["changes", "--since", "2026-01-01"],
        ["import", str(FIXTURES / "hubspot_deals.csv")],
        ["import", str(FIXTURES / "hubspot_deals.csv"), "--dry-run"],
        ["import", str(FIXTURES / "quotas.csv"), "--kind", "quotas"],
        ["import", str(FIXTURES / "users.csv"), "--kind", "users"],
        [],  # the app itself, refused before its screen starts
    ],
)
def test_a_login_nobody_has_is_one_line_with_the_nearest(
    capsys: pytest.CaptureFixture[str], db: str, command: list[str]
) -> None:
    capsys.readouterr()
    code = main([*command, "--db", db, "--user", "jane"])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert (
        err == f"error: No one has the login 'jane' (--user); nearest: jane.doe, john.roe. {ADD}\n"
    )


def test_a_login_far_from_all_lists_some_and_an_empty_database_says_so(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    capsys.readouterr()
    assert main(["report", "--db", db, "--user", "zzz"]) == 2
    err = capsys.readouterr().err
    assert "some that exist: alex.kim, jane.doe, john.roe, maria.garcia and 1 more" in err
    empty = str(tmp_path / "empty.db")
    assert main(["db", "init", empty]) == 0
    capsys.readouterr()
    assert main(["report", "--db", empty, "--user", "zzz"]) == 2
    assert "no people yet; add them with `pipeline-tui users add" in capsys.readouterr().err


def test_a_login_that_exists_still_works(capsys: pytest.CaptureFixture[str], db: str) -> None:
    assert main(["report", "--db", db, "--user", "JANE.DOE", "--format", "json"]) == 0
    assert main(["changes", "--since", "2026-01-01", "--db", db, "--user", "sam.lee"]) == 0


def test_a_people_import_checks_only_a_typed_user(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment's user may not exist yet in a new database: a people import, which
    # records no author, goes ahead; a typed --user is checked against the file too.
    monkeypatch.setenv("PIPELINE_TUI_USER", "ghost")
    db = str(tmp_path / "new.db")
    users = str(FIXTURES / "users.csv")
    assert main(["import", users, "--kind", "users", "--db", db, "--user", "jane"]) == 2
    assert "No one has the login 'jane' (--user); nearest: jane.doe" in capsys.readouterr().err
    assert main(["import", users, "--kind", "users", "--db", db, "--user", "jane.doe"]) == 0
    # Now the database has people (the first, alex.kim, its admin): "ghost" is no one.
    capsys.readouterr()
    assert main(["import", users, "--kind", "users", "--db", db]) == 2
    assert "No one has the login 'ghost'" in capsys.readouterr().err
    assert main(["import", users, "--kind", "users", "--db", db, "--user", "alex.kim"]) == 0
