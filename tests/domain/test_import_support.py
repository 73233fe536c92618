"""What the import tests share: the fixture files, and reading back what was stored.

Stored deals are read with plain SQL written here, not with the export, so that the
import tests don't take the export's word for anything.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, inspect, text

from pipeline_tui.importing import ImportOptions

FIXTURES = Path(__file__).parents[1] / "fixtures" / "import"
TODAY = date(2026, 11, 26)


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def options(**changes: Any) -> ImportOptions:
    return ImportOptions(**({"today": TODAY} | changes))


def as_utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def stored_deals(engine: Engine) -> dict[str | None, dict[str, Any]]:
    """Every deal with its names joined in, by external id (None for at most one)."""
    query = text(
        """
        SELECT d.external_id, d.name, a.name AS account, u.display_name AS owner,
               u.login AS owner_login, p.name AS pipeline, s.name AS stage, s.kind AS kind,
               d.amount_minor, d.currency, d.probability, d.forecast_category, d.close_date,
               d.closed_date, d.created_at, d.stage_entered_at, d.updated_at, d.next_step,
               d.lost_reason, d.push_count, d.version, d.id
        FROM deal d
        JOIN "user" u ON u.id = d.owner_id
        JOIN pipeline p ON p.id = d.pipeline_id
        JOIN stage s ON s.id = d.stage_id
        LEFT JOIN account a ON a.id = d.account_id
        """
    )
    deals: dict[str | None, dict[str, Any]] = {}
    with engine.connect() as conn:
        for row in conn.execute(query).mappings():
            deal = dict(row)
            deal["amount"] = Decimal(deal.pop("amount_minor")) / 100
            for key in ("close_date", "closed_date"):
                deal[key] = as_date(deal[key])
            for key in ("created_at", "stage_entered_at", "updated_at"):
                deal[key] = as_utc(deal[key])
            assert deal["external_id"] not in deals
            deals[deal["external_id"]] = deal
    return deals


def changes_of(engine: Engine) -> list[dict[str, Any]]:
    query = text(
        "SELECT d.external_id, c.field, c.old_value, c.new_value, c.source, c.changed_by_id "
        "FROM deal_change c JOIN deal d ON d.id = c.deal_id ORDER BY d.external_id, c.field"
    )
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a failed import left no trace."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.connect() as conn:
        return {
            table: sorted(
                (tuple(map(repr, row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))),
            )
            for table in tables
        }


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one())


def test_fixture_files_match_their_generator_and_keep_their_quirks() -> None:
    make = generator()
    for name in make.FILES:
        assert (FIXTURES / name).read_bytes() == make.contents(name), f"regenerate {name}"
    report = (FIXTURES / "salesforce_report.csv").read_bytes()
    assert report.startswith(b"\xef\xbb\xbf") and b"\r\n" in report
    assert "Copyright ©".encode() in report and b"Copyright (c)" in report
    pipedrive = (FIXTURES / "pipedrive_deals.csv").read_bytes()
    assert b"\r\n" in pipedrive and "Société".encode("cp1252") in pipedrive
    try:
        pipedrive.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("the Pipedrive fixture should not be valid UTF-8")
    assert b"\r" not in (FIXTURES / "hubspot_deals.csv").read_bytes()
