"""`export`: what it writes, and that importing it into an empty database gives the same
deals, people and quotas back."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, text

from pipeline_tui.importing import export, import_file
from pipeline_tui.importing.export import DEAL_FIELDS, period_name
from pipeline_tui.models import Deal, Stage, table_of
from pipeline_tui.seed import seed_demo
from pipeline_tui.storage import open_database
from tests.domain.test_import_people import people, quotas
from tests.domain.test_import_support import FIXTURES, TODAY, options, stored_deals

BOOKKEEPING = ("id", "version", "updated_at")  # this database's, not the deal's


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """A demo organisation, plus a deal with no external id and text CSV has to quote."""
    seed_demo(engine, deals=400, seed=11, today=TODAY)
    deal, stage = table_of(Deal), table_of(Stage)
    with engine.begin() as conn:
        template = conn.execute(select(deal).where(deal.c.id == 1)).mappings().one()
        open_stage = (
            conn.execute(
                select(stage.c.id).where(
                    stage.c.pipeline_id == template["pipeline_id"], stage.c.kind == "open"
                )
            )
            .scalars()
            .first()
        )
        row = dict(template) | {
            "external_id": None, "name": 'Quote "this", and\na new line',
            "next_step": "Übergabe, then €", "stage_id": open_stage, "closed_date": None,
            "close_date": None, "lost_reason": None, "forecast_category": "best_case",
            "created_at": datetime(2026, 5, 4, 3, 2, 1, 123456, tzinfo=UTC),
        }  # fmt: skip
        del row["id"]
        conn.execute(insert(deal).values(row))
    return engine


@pytest.fixture
def empty(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


def exported(engine: Engine, kind: str = "deals", fmt: str = "csv") -> str:
    out = io.StringIO()
    export(engine, out, kind=kind, fmt=fmt)
    return out.getvalue()


def deal_fields(engine: Engine) -> dict[str | None, dict[str, Any]]:
    return {
        key: {k: v for k, v in deal.items() if k not in BOOKKEEPING}
        for key, deal in stored_deals(engine).items()
    }


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_an_empty_database_gives_the_same_deals(
    seeded: Engine, empty: Engine, tmp_path: Path, fmt: str
) -> None:
    for kind in ("users", "quotas", "deals"):
        path = tmp_path / f"{kind}.{fmt}"
        path.write_text(exported(seeded, kind, fmt), encoding="utf-8")
        summary = import_file(empty, path, options(kind=kind))
        assert summary.counts.rejected == 0
    assert summary.counts.created == 401
    before, after = deal_fields(seeded), deal_fields(empty)
    assert after.keys() == before.keys()
    for key, deal in before.items():
        assert after[key] == deal, key
    assert people(empty) == people(seeded)
    assert quotas(empty) == quotas(seeded)


def test_deals_come_back_into_a_database_on_the_other_backend(
    engine: Engine, tmp_path: Path
) -> None:
    source = open_database(f"sqlite:///{tmp_path / 'source.db'}")
    try:
        seed_demo(source, deals=150, seed=5, today=TODAY)
        path = tmp_path / "deals.csv"
        path.write_text(exported(source), encoding="utf-8")
        import_file(engine, path, options())
        assert deal_fields(engine) == deal_fields(source)
    finally:
        source.dispose()


def test_deal_export_is_the_csv_import_layout(seeded: Engine) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(seeded))))
    assert list(rows[0]) == list(DEAL_FIELDS) and len(rows) == 401
    first = rows[0]
    assert first["external_id"] == "D-0000001" and first["status"] in ("open", "won", "lost")
    assert re.fullmatch(r"[0-9]+\.[0-9]{2}", first["amount"])
    assert datetime.fromisoformat(first["created"]).tzinfo is not None
    quoted = next(r for r in rows if r["external_id"] == "")
    assert quoted["name"] == 'Quote "this", and\na new line' and quoted["close_date"] == ""


def test_json_export_keeps_numbers_exact(seeded: Engine) -> None:
    items = json.loads(exported(seeded, "deals", "json"))
    assert len(items) == 401
    item = items[0]
    assert isinstance(item["amount"], str) and isinstance(item["probability"], int)
    assert item["next_step"] is None or isinstance(item["next_step"], str)
    users = json.loads(exported(seeded, "users", "json"))
    assert isinstance(users[0]["active"], bool)


def test_changes_export_lists_the_history_with_its_source(engine: Engine, tmp_path: Path) -> None:
    import_file(engine, FIXTURES / "salesforce_report.csv", options())
    changed = (FIXTURES / "salesforce_report.csv").read_bytes().replace(
        b'"USD 12,500.00"', b'"USD 13,000.00"'
    )  # fmt: skip
    (tmp_path / "week2.csv").write_bytes(changed)
    import_file(engine, tmp_path / "week2.csv", options(user="jane.doe"))
    [row] = list(csv.DictReader(io.StringIO(exported(engine, "changes"))))
    assert {k: row[k] for k in ("deal_external_id", "field", "old_value", "new_value")} == {
        "deal_external_id": "0065g00000AbCdFAAV", "field": "amount",
        "old_value": "12500.00", "new_value": "13000.00",
    }  # fmt: skip
    assert (row["changed_by"], row["source"]) == ("jane.doe", "import")
    assert datetime.fromisoformat(row["changed_at"]).tzinfo is not None


def test_an_empty_database_exports_headers_only(engine: Engine) -> None:
    assert exported(engine) == ",".join(DEAL_FIELDS) + "\n"
    assert json.loads(exported(engine, "quotas", "json")) == []
    with pytest.raises(ValueError, match="unknown kind"):
        export(engine, io.StringIO(), kind="notes")


@pytest.mark.parametrize(
    ("start", "end", "month", "name"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), 1, "2026Q1"),
        (date(2026, 2, 1), date(2026, 4, 30), 2, "2027Q1"),
        (date(2026, 5, 1), date(2026, 5, 31), 1, "2026-05"),
        (date(2026, 2, 1), date(2027, 1, 31), 2, "FY2027"),
        (date(2026, 1, 15), date(2026, 2, 14), 1, "2026-01-15..2026-02-14"),
    ],
)
def test_quota_periods_are_named_the_way_the_import_reads_them(
    start: date, end: date, month: int, name: str
) -> None:
    assert period_name(start, end, month) == name


def test_users_export_names_managers_by_login(seeded: Engine) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(seeded, "users"))))
    with seeded.connect() as conn:
        expected = conn.execute(
            text('SELECT COUNT(*) FROM "user" WHERE manager_id IS NOT NULL')
        ).scalar_one()
    logins = {r["login"] for r in rows}
    managed = [r for r in rows if r["manager"]]
    assert len(managed) == expected and all(r["manager"] in logins for r in managed)
