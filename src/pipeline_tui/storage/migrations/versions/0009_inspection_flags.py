"""Deal inspection flags: their thresholds in the settings, a day limit per stage

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.add_column(
            sa.Column("flag_push_count", sa.Integer(), nullable=False, server_default="2")
        )
        batch.add_column(sa.Column("stale_days", sa.Integer(), nullable=False, server_default="30"))
        batch.add_column(
            sa.Column("flag_review_days", sa.Integer(), nullable=False, server_default="7")
        )
    with op.batch_alter_table("stage") as batch:
        batch.add_column(sa.Column("days_limit", sa.Integer(), nullable=False, server_default="60"))


def downgrade() -> None:
    with op.batch_alter_table("stage") as batch:
        batch.drop_column("days_limit")
    with op.batch_alter_table("settings") as batch:
        batch.drop_column("flag_review_days")
        batch.drop_column("stale_days")
        batch.drop_column("flag_push_count")
