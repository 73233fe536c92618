"""Migrations: from empty to head, back down to nothing, and up again, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from pipeline_tui import models  # noqa: F401  (the tables register on the metadata)
from pipeline_tui.storage import current_revision, downgrade, head_revision, upgrade

TABLES = {"user", "quota", "account", "pipeline", "stage", "deal", "deal_change", "note",
          "settings", "review", "review_item", "forecast_snapshot", "snapshot_row",
          "snapshot_deal", "judgment", "rate", "forecast_call",
          "process_change"}  # fmt: skip


def app_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def test_upgrade_downgrade_upgrade(empty_engine: Engine) -> None:
    assert app_tables(empty_engine) == set()
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert app_tables(empty_engine) == TABLES
    # The migrations build exactly what the models describe.
    assert schema_drift(empty_engine) == []

    downgrade(empty_engine, "base")
    assert current_revision(empty_engine) is None
    assert app_tables(empty_engine) == set()

    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert schema_drift(empty_engine) == []


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
