"""Archived deals through export and import: left out of an export unless asked for, kept
archived by a round trip, and never changed by a re-import without the report saying so."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine, text, update

from pipeline_tui.importing import RowsRejected, dry_run, export, import_file
from pipeline_tui.importing.export import DEAL_FIELDS
from pipeline_tui.importing.report import dry_run_report, import_summary
from pipeline_tui.models import Deal, table_of
from pipeline_tui.storage import open_database
from tests.domain.test_import_support import options, snapshot
from tests.factories import Builder

HEADER = "external_id,name,owner_login,owner,stage,amount,close_date"


@pytest.fixture
def world(engine: Engine) -> Engine:
    """A live deal, an archived one and a won one, each with an external id."""
    b = Builder(engine)
    rep = b.user("rep")
    deals = {
        "L-1": b.deal(rep, "Propose", "1000", date(2026, 12, 1), name="Live one"),
        "A-1": b.deal(rep, "Negotiate", "4000", date(2026, 12, 5), name="Shelved one"),
        "W-1": b.deal(rep, "Won", "2500", date(2026, 11, 2), name="=Won one", category="closed"),
    }
    for key, deal in deals.items():
        deal.external_id = key
    b.commit()
    deal = table_of(Deal)
    with engine.begin() as conn:
        conn.execute(update(deal).where(deal.c.external_id == "A-1").values(archived=True))
    return engine


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


def archived_by_key(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT external_id, archived FROM deal")).all()
    return {key: bool(flag) for key, flag in rows}


def archived_log(engine: Engine) -> list[tuple[str, str | None, str | None, str, str]]:
    query = text(
        "SELECT d.external_id, c.old_value, c.new_value, u.login, c.source FROM deal_change c "
        'JOIN deal d ON d.id = c.deal_id JOIN "user" u ON u.id = c.changed_by_id '
        "WHERE c.field = 'archived'"
    )
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query).all()]  # type: ignore[misc]


def rendered(group: object) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(group)
    return console.file.getvalue()  # type: ignore[attr-defined]


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "deals.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def test_an_export_leaves_archived_deals_out_and_counts_them(world: Engine) -> None:
    out = io.StringIO()
    done = export(world, out, kind="deals")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["external_id"] for r in rows} == {"L-1", "W-1"}
    assert (done.count, done.archived_left_out) == (2, 1)
    assert tuple(rows[0]) == DEAL_FIELDS  # the header is unchanged without --archived


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_archived_export_round_trips_into_an_empty_database(
    world: Engine, empty: Engine, tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"deals.{fmt}"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        done = export(world, stream, kind="deals", fmt=fmt, archived=True)
    assert (done.count, done.archived_left_out) == (3, 0)
    if fmt == "csv":
        rows = {r["external_id"]: r["archived"] for r in csv.DictReader(path.open())}
        assert rows == {"L-1": "no", "A-1": "yes", "W-1": "no"}
    summary = import_file(empty, path, options(user="rep"))
    assert summary.counts.created == 3 and summary.archived is None
    assert archived_by_key(empty) == {"L-1": False, "A-1": True, "W-1": False}
    # Still one of our own exports: the `'` before a formula-like name comes off again.
    with empty.connect() as conn:
        names = dict(conn.execute(text("SELECT external_id, name FROM deal")).all())
    assert names["W-1"] == "=Won one"
    # Importing the same export again changes nothing, and says which rows were archived.
    again = import_file(empty, path, options(user="rep"))
    assert again.counts.unchanged == 3
    assert again.archived is not None and again.archived.sample == ["Shelved one"]


def test_a_reimport_matching_an_archived_deal_says_so_and_keeps_it_archived(
    world: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "L-1,Live one,rep,Rep,Propose,1000,2026-12-01",
        "A-1,Shelved one,rep,Rep,Negotiate,4500,2026-12-05",
    )
    report = dry_run(world, path, options(user="rep"))
    assert report.archived is not None
    assert (report.archived.count, report.archived.restored) == (1, 0)
    assert report.archived.sample == ["Shelved one"]
    shown = rendered(dry_run_report(report))
    assert "1 row matched archived deals (Shelved one): 1 would stay archived" in shown
    # An archived deal is not "missing" from a file that leaves it out.
    assert report.missing is not None and report.missing.sample == [("W-1", "=Won one")]

    summary = import_file(world, path, options(user="rep"))
    assert summary.archived == report.archived
    assert "1 stay archived, 0 restored" in rendered(import_summary(summary))
    assert archived_by_key(world)["A-1"] is True
    assert archived_log(world) == []


def test_a_row_saying_archived_no_restores_the_deal_in_the_change_log(
    world: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "A-1,Shelved one,rep,Rep,Negotiate,4000,2026-12-05,no",
        "L-1,Live one,rep,Rep,Propose,1000,2026-12-01,No",
        header=HEADER + ",Archived",
    )
    report = dry_run(world, path, options(user="rep"))
    assert report.archived is not None and report.archived.restored == 1
    assert "0 would stay archived, 1 be restored" in rendered(dry_run_report(report))
    summary = import_file(world, path, options(user="rep"))
    assert summary.counts.updated == 1 and summary.counts.unchanged == 1
    assert archived_by_key(world) == {"L-1": False, "A-1": False, "W-1": False}
    assert archived_log(world) == [("A-1", "True", "False", "rep", "import")]


def test_a_row_saying_archived_yes_archives_a_live_deal(world: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path, "L-1,Live one,rep,Rep,Propose,1000,2026-12-01,yes", header=HEADER + ",archived"
    )
    import_file(world, path, options(user="rep"))
    assert archived_by_key(world)["L-1"] is True
    assert archived_log(world) == [("L-1", "False", "True", "rep", "import")]


def test_a_bad_archived_value_is_a_row_error_and_writes_nothing(
    world: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "A-1,Shelved one,rep,Rep,Negotiate,4000,2026-12-05,maybe",
        "L-1,Live one,rep,Rep,Propose,2000,2026-12-01,no",
        header=HEADER + ",Archived",
    )
    before = snapshot(world)
    report = dry_run(world, path, options(user="rep"))
    assert [(p.line, p.column, p.value) for p in report.errors] == [(2, "Archived", "maybe")]
    assert "yes or no" in report.errors[0].reason
    with pytest.raises(RowsRejected) as caught:
        import_file(world, path, options(user="rep"))
    assert [p.value for p in caught.value.problems] == ["maybe"]
    assert snapshot(world) == before
    # With --skip-invalid the good row goes in; the bad one is left as it was.
    summary = import_file(world, path, options(user="rep", skip_invalid=True))
    assert (summary.counts.updated, summary.counts.rejected) == (1, 1)
    assert archived_by_key(world)["A-1"] is True
    assert archived_log(world) == []


def test_only_an_open_deal_is_archived_by_an_import(world: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "W-1,Won one,rep,Rep,Won,2500,2026-11-02,yes",
        "A-1,Shelved one,rep,Rep,Won,4000,2026-12-05,",
        header=HEADER + ",archived",
    )
    report = dry_run(world, path, options(user="rep"))
    reasons = {p.line: p.reason for p in report.errors}
    assert "only open deals are archived" in reasons[2]
    assert "matches an archived deal" in reasons[3] and "archived no" in reasons[3]
