"""Deals: archived (withdrawn from the pipeline, kept in the history)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

The covering indexes gain `archived` as their last column: every figure now leaves
archived deals out, and without it each counted deal would be a visit to the table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FORECAST = ["close_date", "owner_id", "stage_id", "forecast_category", "amount_minor",
            "probability", "currency"]  # fmt: skip
STAGE_COVER = ["stage_id", "close_date", "owner_id", "forecast_category", "amount_minor",
               "probability"]  # fmt: skip
STAGE_AMOUNT = ["stage_id", "amount_minor", "probability"]
INDEXES = {
    "ix_deal_forecast": FORECAST,
    "ix_deal_stage_cover": STAGE_COVER,
    "ix_deal_stage_amount": STAGE_AMOUNT,
}


def upgrade() -> None:
    with op.batch_alter_table("deal") as batch:
        batch.add_column(
            sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="deal")
        op.create_index(name, "deal", [*columns, "archived"], unique=False)


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="deal")
        op.create_index(name, "deal", columns, unique=False)
    with op.batch_alter_table("deal") as batch:
        batch.drop_column("archived")
