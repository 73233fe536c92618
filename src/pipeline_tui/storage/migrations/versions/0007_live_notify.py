"""Live updates on PostgreSQL: every committed write notifies the open apps

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

A statement trigger on every table sends `NOTIFY pipeline_tui_changes` with the table's
schema and the writer's backend pid, so a listening app can tell its own writes from
anyone else's and a schema from its neighbours on the same server. A trigger, rather than
a call in each write path, fires for every writer: the app, the CLI, imports, psql.
SQLite has no notifications (the app polls `PRAGMA data_version` there), so this is
PostgreSQL only and a no-op on SQLite.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = "pipeline_tui_changes"
FUNCTION = "pipeline_tui_notify"
TRIGGER = "pipeline_tui_live"


def _tables() -> list[str]:
    names = sa.inspect(op.get_bind()).get_table_names()
    return sorted(n for n in names if n != "alembic_version")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            -- Identical notifications in one transaction arrive once, at its commit.
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA || ' ' || pg_backend_pid());
            RETURN NULL;
        END
        $$
        """
    )
    for table in _tables():
        op.execute(
            f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        op.execute(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "{table}"')
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
