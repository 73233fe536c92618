"""Forecast calls: each person's stated commit / best case for a period (append-only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Also the setting after how many days a call is shown as stale. On PostgreSQL the new
table gets the live-update trigger every other table has (0007).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "forecast_call"
TRIGGER = "pipeline_tui_live"
FUNCTION = "pipeline_tui_notify"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("period_key", sa.String(16), nullable=False),
        sa.Column("period_kind", sa.String(8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("commit_minor", sa.BigInteger(), nullable=False),
        sa.Column("best_case_minor", sa.BigInteger(), nullable=False),
        sa.Column("most_likely_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("note", sa.String(4000), nullable=True),
        sa.Column("made_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("review.id"), nullable=True),
        sa.CheckConstraint("scope IN ('own', 'team')", name="ck_forecast_call_scope"),
        sa.CheckConstraint("commit_minor >= 0", name="ck_forecast_call_commit"),
        sa.CheckConstraint("best_case_minor >= commit_minor", name="ck_forecast_call_best_case"),
        sa.CheckConstraint("most_likely_minor >= 0", name="ck_forecast_call_most_likely"),
    )
    op.create_index("ix_forecast_call_person", TABLE, ["person_id", "period_key", "id"])
    op.create_index("ix_forecast_call_period", TABLE, ["period_key", "id"])
    with op.batch_alter_table("settings") as batch:
        batch.add_column(
            sa.Column("call_stale_days", sa.Integer(), nullable=False, server_default="7")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{TABLE}" '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def downgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.drop_column("call_stale_days")
    op.drop_index("ix_forecast_call_period", table_name=TABLE)
    op.drop_index("ix_forecast_call_person", table_name=TABLE)
    op.drop_table(TABLE)  # its trigger goes with it
