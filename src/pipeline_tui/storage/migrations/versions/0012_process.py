"""The process under review: retired stages and the process change log

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

A stage is retired rather than deleted, so the deals that passed through it keep their
history and the reports keep reading it. Every change to the process (stages, their
default probabilities, the targets, proposals and their acceptance) is a row of
`process_change`, with who, when and why: the team's record of how its process evolved.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "stage_added",
    "stage_renamed",
    "stage_moved",
    "stage_retired",
    "target",
    "proposal",
    "proposal_accepted",
)


def upgrade() -> None:
    with op.batch_alter_table("stage") as batch:
        batch.add_column(
            sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    allowed = ", ".join(f"'{k}'" for k in KINDS)
    op.create_table(
        "process_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=True),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("old_value", sa.String(length=500), nullable=True),
        sa.Column("new_value", sa.String(length=500), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"kind IN ({allowed})", name="ck_process_change_kind"),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipeline.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.ForeignKeyConstraint(["changed_by_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["proposal_id"], ["process_change.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_process_change_at", "process_change", ["changed_at"])
    op.create_index("ix_process_change_stage", "process_change", ["stage_id", "kind"])
    if op.get_bind().dialect.name == "postgresql":
        # Live updates (0007): a new table needs the same trigger as every other one.
        op.execute(
            "CREATE TRIGGER pipeline_tui_live AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            'ON "process_change" FOR EACH STATEMENT EXECUTE FUNCTION pipeline_tui_notify()'
        )


def downgrade() -> None:
    op.drop_index("ix_process_change_stage", table_name="process_change")
    op.drop_index("ix_process_change_at", table_name="process_change")
    op.drop_table("process_change")
    with op.batch_alter_table("stage") as batch:
        batch.drop_column("retired")
