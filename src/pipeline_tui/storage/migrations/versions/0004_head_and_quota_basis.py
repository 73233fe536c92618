"""The head of the organisation in the settings; snapshot rows keep the all-pipelines
figures a one-pipeline snapshot's quota, gap and coverage are measured against

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BASIS_COLUMNS = (
    "basis_won_minor",
    "basis_commit_minor",
    "basis_pipeline_minor",
    "basis_trailing_won_minor",
    "basis_trailing_lost_minor",
)


def upgrade() -> None:
    with op.batch_alter_table("settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_login", sa.String(length=64), nullable=True))
    with op.batch_alter_table("snapshot_row", schema=None) as batch_op:
        for name in BASIS_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("snapshot_row", schema=None) as batch_op:
        for name in reversed(BASIS_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("settings", schema=None) as batch_op:
        batch_op.drop_column("head_login")
