"""Forecast reviews: meetings, their deals, snapshots, manager judgments, action items

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _money(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_by_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scope_owner_id", sa.Integer(), nullable=True),
        sa.Column("scope_subtree", sa.Boolean(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=True),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("stage_ids", sa.String(length=500), nullable=True),
        _money("min_amount_minor", nullable=True),
        sa.Column("changed_only", sa.Boolean(), nullable=False),
        sa.Column("latest_stage_first", sa.Boolean(), nullable=False),
        sa.Column("current_index", sa.Integer(), nullable=False),
        sa.Column("elapsed_seconds", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'ended', 'cancelled')", name="ck_review_status"),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipeline.id"]),
        sa.ForeignKeyConstraint(["scope_owner_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["started_by_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index("ix_review_ended_at", ["ended_at"], unique=False)
        batch_op.create_index("ix_review_started_by", ["started_by_id", "status"], unique=False)

    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("seconds_spent", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'reviewed', 'skipped')", name="ck_review_item_status"
        ),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "deal_id", name="uq_review_item_deal"),
        sa.UniqueConstraint("review_id", "position", name="uq_review_item_position"),
    )
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.create_index("ix_review_item_deal", ["deal_id", "status"], unique=False)

    op.create_table(
        "forecast_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("period_kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("scope_owner_id", sa.Integer(), nullable=True),
        sa.Column("scope_subtree", sa.Boolean(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=True),
        sa.Column("with_deals", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('review_start', 'review_end', 'weekly')", name="ck_forecast_snapshot_kind"
        ),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipeline.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.ForeignKeyConstraint(["scope_owner_id"], ["user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "kind", name="uq_forecast_snapshot_review_kind"),
    )
    with op.batch_alter_table("forecast_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_forecast_snapshot_period", ["period_key", "taken_at"], unique=False
        )

    op.create_table(
        "snapshot_row",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        _money("quota_minor", nullable=True),
        _money("closed_won_minor"),
        _money("commit_minor"),
        _money("best_case_minor"),
        _money("pipeline_minor"),
        _money("weighted_units"),
        _money("lost_minor"),
        sa.Column("open_count", sa.Integer(), nullable=False),
        sa.Column("won_count", sa.Integer(), nullable=False),
        sa.Column("lost_count", sa.Integer(), nullable=False),
        _money("trailing_won_minor"),
        _money("trailing_lost_minor"),
        _money("manager_commit_minor"),
        sa.Column("judged_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["snapshot_id"], ["forecast_snapshot.id"]),
        sa.PrimaryKeyConstraint("snapshot_id", "owner_id"),
    )
    op.create_table(
        "snapshot_deal",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        _money("amount_minor"),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("forecast_category", sa.String(length=16), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"]),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["pipeline_id"], ["pipeline.id"]),
        sa.ForeignKeyConstraint(["snapshot_id"], ["forecast_snapshot.id"]),
        sa.ForeignKeyConstraint(["stage_id"], ["stage.id"]),
        sa.PrimaryKeyConstraint("snapshot_id", "deal_id"),
    )
    op.create_table(
        "judgment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=True),
        _money("amount_minor", nullable=True),
        sa.Column("note", sa.String(length=4000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rep_category", sa.String(length=16), nullable=False),
        _money("rep_amount_minor"),
        sa.CheckConstraint(
            "category IS NULL OR category IN ('pipeline', 'best_case', 'commit', 'omitted')",
            name="ck_judgment_category",
        ),
        sa.CheckConstraint("amount_minor >= 0", name="ck_judgment_amount_minor"),
        sa.ForeignKeyConstraint(["deal_id"], ["deal.id"]),
        sa.ForeignKeyConstraint(["manager_id"], ["user.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("judgment", schema=None) as batch_op:
        batch_op.create_index("ix_judgment_deal", ["deal_id", "id"], unique=False)
        batch_op.create_index("ix_judgment_review", ["review_id"], unique=False)

    # Plain ADD COLUMN on both databases: a nullable column needs no table rebuild, which
    # matters for a deal table of a million rows.
    with op.batch_alter_table("deal", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "probability_at_close",
                sa.Integer(),
                sa.CheckConstraint(
                    "probability_at_close BETWEEN 0 AND 100",
                    name="ck_deal_probability_at_close",
                ),
                nullable=True,
            )
        )
    # SQLite adds a column with a REFERENCES clause in place; going through batch mode would
    # rebuild the table, and the rebuilt table lists its foreign keys in no fixed order.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE note ADD COLUMN owner_id INTEGER REFERENCES "user" (id)')
        op.execute("ALTER TABLE note ADD COLUMN review_id INTEGER REFERENCES review (id)")
    else:
        op.add_column("note", sa.Column("owner_id", sa.Integer(), nullable=True))
        op.add_column("note", sa.Column("review_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_note_owner_id_user", "note", "user", ["owner_id"], ["id"])
        op.create_foreign_key("fk_note_review_id_review", "note", "review", ["review_id"], ["id"])
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.create_index("ix_note_review", ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("note", schema=None) as batch_op:
        batch_op.drop_index("ix_note_review")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_note_review_id_review", "note", type_="foreignkey")
        op.drop_constraint("fk_note_owner_id_user", "note", type_="foreignkey")
    # On SQLite, batch mode rebuilds the table without the columns and their references.
    _drop_columns("note", ["review_id", "owner_id"])
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_constraint("ck_deal_probability_at_close", type_="check")
        batch_op.drop_column("probability_at_close")

    with op.batch_alter_table("judgment", schema=None) as batch_op:
        batch_op.drop_index("ix_judgment_review")
        batch_op.drop_index("ix_judgment_deal")
    op.drop_table("judgment")
    op.drop_table("snapshot_deal")
    op.drop_table("snapshot_row")
    with op.batch_alter_table("forecast_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_forecast_snapshot_period")
    op.drop_table("forecast_snapshot")
    with op.batch_alter_table("review_item", schema=None) as batch_op:
        batch_op.drop_index("ix_review_item_deal")
    op.drop_table("review_item")
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index("ix_review_started_by")
        batch_op.drop_index("ix_review_ended_at")
    op.drop_table("review")


def _drop_columns(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_column(column)
