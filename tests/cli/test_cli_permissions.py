"""Roles on the command line: `users` and every import kind, as each role. A refusal is
one line on stderr, exit status 2, and the database is unchanged (compared whole)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main
from pipeline_tui.storage import make_engine

from ..conftest import copy_sqlite_file

HEADER = (
    "external_id,name,account,owner,owner_login,pipeline,stage,status,amount,currency,"
    "probability,forecast_category,close_date,closed_date,created,stage_entered_at,"
    "next_step,lost_reason,push_count"
)
ROW = (
    "{id},{name},Acme,{owner},{login},New Business,Propose,open,{amount},USD,40,pipeline,"
    "2026-12-10,,2026-10-01T00:00:00+00:00,2026-10-01T00:00:00+00:00,,,0"
)
TABLES = ("user", "deal", "deal_change", "quota", "stage", "pipeline", "rate")


def deals_csv(path: Path, *rows: tuple[str, str, str]) -> str:
    """(external id, owner login, amount) per deal."""
    lines = [
        ROW.format(id=i, name=f"Deal {i}", owner=login.title(), login=login, amount=amount)
        for i, login, amount in rows
    ]
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return str(path)


def ok(*args: str) -> None:
    assert main(list(args)) == 0, args


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ada (the first person, so the admin); Dana manages Priya and Raj; Vic views. Made
    once (seven commands) and copied for each test."""
    folder = tmp_path_factory.mktemp("team")
    path = str(folder / "team.db")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.delenv("PIPELINE_TUI_USER", raising=False)
        ok("users", "add", "ada", "--name", "Ada", "--db", path)
        admin = ("--db", path, "--user", "ada")
        for login, extra in (
            ("dana", ["--role", "manager"]),
            ("priya", ["--manager", "dana"]),
            ("raj", ["--manager", "dana"]),
            ("vic", ["--role", "viewer"]),
        ):
            ok("users", "add", login, "--name", login.title(), *extra, *admin)
        both = deals_csv(
            folder / "both.csv", ("P-1", "priya", "10000.00"), ("R-1", "raj", "5000.00")
        )
        ok("import", both, *admin)
    return Path(path)


@pytest.fixture
def db(team: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("PIPELINE_TUI_USER", raising=False)
    return str(copy_sqlite_file(team, tmp_path / "team.db"))


def everything(db: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        found = {
            name: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{name}"'))))
            for name in TABLES
        }
    engine.dispose()
    return found  # type: ignore[return-value]


def refused(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], says: str, lines: int = 1
) -> None:
    before = everything(db)
    capsys.readouterr()
    assert main([*args, "--db", db]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == lines and says in err, err
    assert everything(db) == before


PRIYAS = "Only Priya, Dana (Priya's manager) or an admin can change Priya's deals"


@pytest.mark.parametrize("who", ["raj", "vic"])
def test_a_deal_import_of_someone_elses_deal_is_refused(
    capsys: pytest.CaptureFixture[str],
    db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    who: str,
) -> None:
    path = deals_csv(tmp_path / "p.csv", ("P-1", "priya", "99000.00"))
    says = PRIYAS if who == "raj" else "Vic is a viewer: viewers can't import deals"
    refused(capsys, db, ["import", path, "--user", who], says)
    monkeypatch.setenv("PIPELINE_TUI_USER", who)  # counts as much as --user
    refused(capsys, db, ["import", path], says)


def test_the_owner_and_her_manager_may(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("import", deals_csv(tmp_path / "a.csv", ("P-1", "priya", "20000.00")), "--db", db,
       "--user", "priya")  # fmt: skip
    monkeypatch.setenv("PIPELINE_TUI_USER", "dana")
    ok("import", deals_csv(tmp_path / "b.csv", ("P-1", "priya", "30000.00")), "--db", db)
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        amount = conn.execute(text("SELECT amount_minor FROM deal WHERE external_id = 'P-1'"))
        assert amount.scalar_one() == 3_000_000
    engine.dispose()


def test_a_rep_adds_no_deal_for_another(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    path = deals_csv(tmp_path / "n.csv", ("N-1", "raj", "1000.00"))
    says = "Only Raj, Dana (Raj's manager) or an admin can add deals for Raj"
    refused(capsys, db, ["import", path, "--user", "priya"], says)


@pytest.mark.parametrize("who", ["priya", "dana", "vic"])
def test_people_and_quotas_imports_are_an_admins(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path, who: str
) -> None:
    people = tmp_path / "people.csv"
    people.write_text("login,name,role\npriya,Priya,admin\n", encoding="utf-8")  # herself
    refused(
        capsys,
        db,
        ["import", str(people), "--kind", "users", "--user", who],
        "Only an admin can import people",
    )
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("user,period,amount\npriya,2026Q4,100000\n", encoding="utf-8")
    refused(
        capsys,
        db,
        ["import", str(quotas), "--kind", "quotas", "--user", who],
        "Only an admin can import quotas",
    )


def test_quotas_for_someone_who_doesnt_exist_are_refused(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    quotas = tmp_path / "quotas.csv"
    quotas.write_text("user,period,amount\npriya,2026Q4,1000\nghost,2026Q4,9000\n")
    refused(
        capsys,
        db,
        ["import", str(quotas), "--kind", "quotas", "--user", "ada"],
        "1 of 2 rows rejected; nothing was imported",
        lines=3,  # the rejected row, then the one-line error
    )


@pytest.mark.parametrize("who", ["priya", "dana", "vic"])
@pytest.mark.parametrize(
    "command",
    [
        ["users", "add", "eve", "--name", "Eve"],
        ["users", "set-role", "priya", "admin"],
        ["users", "set-manager", "priya", "none"],
        ["users", "deactivate", "ada"],
        ["users", "activate", "raj"],
    ],
    ids=lambda c: c[1],
)
def test_only_an_admin_changes_people(
    capsys: pytest.CaptureFixture[str], db: str, who: str, command: list[str]
) -> None:
    refused(capsys, db, [*command, "--user", who], "Only an admin can change people")


def test_unknown_users_are_refused_with_how_to_be_added(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    path = deals_csv(tmp_path / "p.csv", ("P-1", "priya", "99000.00"))
    how = 'An admin adds people with `pipeline-tui users add LOGIN --name "Full Name"`'
    refused(capsys, db, ["import", path, "--user", "mallory"], how)
    # No --user, no PIPELINE_TUI_USER, no config: the OS login, which is no one here.
    refused(capsys, db, ["import", path], how)
    refused(capsys, db, ["users", "set-role", "priya", "admin"], how)
    refused(capsys, db, [], how)  # the app itself, before its screen starts


def test_users_list_is_for_everyone_and_changes_show_in_it(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    ok("users", "set-role", "raj", "manager", "--db", db, "--user", "ada")
    ok("users", "set-manager", "priya", "raj", "--db", db, "--user", "ada")
    ok("users", "deactivate", "vic", "--db", db, "--user", "ada")
    capsys.readouterr()
    ok("users", "list", "--format", "json", "--db", db, "--user", "priya")
    listed = {p["login"]: p for p in json.loads(capsys.readouterr().out)}
    assert listed["ada"]["role"] == "admin"
    assert listed["raj"]["role"] == "manager" and listed["priya"]["manager"] == "raj"
    assert listed["vic"]["active"] is False
    ok("users", "list", "--db", db)
    table = capsys.readouterr().out
    assert "Priya" in table and "manager" in table
    # A deactivated person's login stops working.
    refused(capsys, db, ["import", "nothing.csv", "--user", "vic"], "Vic (vic) is deactivated")


def test_the_last_admin_stays_and_loops_are_refused(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    capsys.readouterr()
    assert main(["users", "set-role", "ada", "rep", "--db", db, "--user", "ada"]) == 2
    assert "Ada is the only admin: make someone else an admin first" in capsys.readouterr().err
    assert main(["users", "set-manager", "dana", "priya", "--db", db, "--user", "ada"]) == 2
    assert "would make a loop" in capsys.readouterr().err
    assert main(["users", "add", "priya", "--name", "P", "--db", db, "--user", "ada"]) == 2
    assert "Someone already has the login 'priya'" in capsys.readouterr().err


@pytest.mark.parametrize("who", ["priya", "dana", "vic"])
def test_rates_are_an_admins(capsys: pytest.CaptureFixture[str], db: str, who: str) -> None:
    refused(
        capsys,
        db,
        ["--user", who, "rates", "set", "EUR", "1.08", "--date", "2026-11-01"],
        "Only an admin can change exchange rates",
    )
    ok("--user", "ada", "rates", "set", "EUR", "1.08", "--date", "2026-11-01", "--db", db)
