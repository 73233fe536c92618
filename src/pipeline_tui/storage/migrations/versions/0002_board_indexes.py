"""Indexes for the board: covering stage columns, columns sorted by amount, stale deals

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deal", schema=None) as batch_op:
        # The stage index grows into a covering one: SQLite's planner starts roll-ups filtered
        # by stage from it, and then had to visit the table for every deal.
        batch_op.drop_index("ix_deal_stage_close")
        batch_op.create_index(
            "ix_deal_stage_cover",
            [
                "stage_id",
                "close_date",
                "owner_id",
                "forecast_category",
                "amount_minor",
                "probability",
            ],
            unique=False,
        )
        batch_op.create_index(
            "ix_deal_stage_amount", ["stage_id", "amount_minor", "probability"], unique=False
        )
        batch_op.create_index("ix_deal_updated", ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_updated")
        batch_op.drop_index("ix_deal_stage_amount")
        batch_op.drop_index("ix_deal_stage_cover")
        batch_op.create_index("ix_deal_stage_close", ["stage_id", "close_date"], unique=False)
