"""A people file as managers keep them: reps in rows, their managers only named.

The expected hierarchy is read from the fixture here with the csv module and a login
rule written out by hand, not with the importer's own matching.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine

from pipeline_tui.importing import FileRejected, dry_run, import_file
from tests.domain.test_import_people import people, write
from tests.domain.test_import_support import FIXTURES, options, snapshot

TEAM_SHEET = FIXTURES / "team_sheet.csv"
# How the two managers are named in the sheet, and the login each should get.
MANAGER_LOGINS = {"Dana Whitfield": "dana.whitfield", "marco.rossi@example.com": "marco.rossi"}
NEW_MANAGERS = "managers, named only in the manager column"


def sheet() -> list[dict[str, str]]:
    with open(TEAM_SHEET, newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def test_a_team_sheet_creates_the_managers_it_only_names(engine: Engine) -> None:
    before = snapshot(engine)
    report = dry_run(engine, TEAM_SHEET, options(kind="users"))
    assert report.errors == [] and report.counts.created == len(sheet()) + 2
    assert report.new[NEW_MANAGERS] == [
        "Dana Whitfield (dana.whitfield)",
        "Marco Rossi (marco.rossi)",
    ]
    assert snapshot(engine) == before

    summary = import_file(engine, TEAM_SHEET, options(kind="users"))
    assert (summary.counts.created, summary.counts.rejected) == (len(sheet()) + 2, 0)
    found = people(engine)
    for row in sheet():
        login = row["Email"].split("@")[0]
        assert found[login]["manager"] == MANAGER_LOGINS[row["Manager"]]
        assert (found[login]["role"], found[login]["team"]) == ("rep", row["Team"])
    dana, marco = found["dana.whitfield"], found["marco.rossi"]
    assert (dana["display_name"], dana["email"], dana["role"]) == (
        "Dana Whitfield",
        None,
        "manager",
    )
    assert (marco["display_name"], marco["email"]) == ("Marco Rossi", "marco.rossi@example.com")
    assert dana["manager"] is None and marco["manager"] is None
    # Team sizes, counted from the sheet itself.
    expected = Counter(MANAGER_LOGINS[row["Manager"]] for row in sheet())
    assert Counter(p["manager"] for p in found.values() if p["manager"]) == expected

    again = import_file(engine, TEAM_SHEET, options(kind="users"))
    counts = again.counts
    assert (counts.created, counts.updated, counts.unchanged) == (0, 0, len(sheet()))
    assert not again.new[NEW_MANAGERS]


def test_a_named_manager_who_exists_is_matched_not_created(engine: Engine, tmp_path: Path) -> None:
    # Dana is stored under a login the sheet doesn't use; Marco by his email.
    stored = "name,login,email\nDana Whitfield,dwhit,\nMarco Rossi,mrossi,marco.rossi@example.com\n"
    import_file(engine, write(tmp_path, "managers.csv", stored), options(kind="users"))
    report = dry_run(engine, TEAM_SHEET, options(kind="users"))
    assert report.new[NEW_MANAGERS] == [] and report.counts.created == len(sheet())
    assert [row["manager"] for row in report.preview[:3]] == [
        "Dana Whitfield (dwhit)", "Dana Whitfield (dwhit)", "Marco Rossi (mrossi)",
    ]  # fmt: skip
    import_file(engine, TEAM_SHEET, options(kind="users"))
    found = people(engine)
    assert {p["manager"] for p in found.values()} == {None, "dwhit", "mrossi"}
    assert found["dwhit"]["role"] == "rep"  # a stored role stays as it is


def test_a_near_miss_of_an_existing_name_is_flagged(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, TEAM_SHEET, options(kind="users"))
    typo = write(tmp_path, "typo.csv", "name,manager\nNew Rep,Dana Whitfeld\n")
    report = dry_run(engine, typo, options(kind="users"))
    [warning] = report.warnings
    assert warning.line == 2 and "'Dana Whitfield' was meant" in warning.reason
    assert report.new[NEW_MANAGERS] == ["Dana Whitfeld (dana.whitfeld)"]


def test_user_nobody_has_is_refused_unless_the_file_adds_them(engine: Engine) -> None:
    with pytest.raises(FileRejected, match=r"No one has the login 'dana' \(--user\); nearest"):
        dry_run(engine, TEAM_SHEET, options(kind="users", user="dana"))
    report = dry_run(engine, TEAM_SHEET, options(kind="users", user="dana.whitfield"))
    assert report.errors == []


def test_a_placeholder_manager_is_nobody(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "tbd.csv", "name,manager\nNew Rep,TBD\nOther Rep,n/a\n")
    report = dry_run(engine, path, options(kind="users"))
    assert [(p.line, p.reason) for p in report.warnings] == [
        (2, "read as no manager"), (3, "read as no manager"),
    ]  # fmt: skip
    assert report.new[NEW_MANAGERS] == [] and report.counts.created == 2
