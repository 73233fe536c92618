"""The forecast index covers the currency too: the board's totals read no table row

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

The board's header and stage totals come from one grouped query over the deals closing
in the trailing year or the period (`services/board_totals.py`). It groups by currency
(amounts are converted per currency and rate), which `ix_deal_forecast` did not hold, so
SQLite visited the table for every deal in the range: at a million deals, about half a
million random reads before the first useful screen. With the currency in the index the
query is answered from the index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ["close_date", "owner_id", "stage_id", "forecast_category", "amount_minor", "probability"]


def upgrade() -> None:
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_forecast")
        batch_op.create_index("ix_deal_forecast", [*BEFORE, "currency"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deal", schema=None) as batch_op:
        batch_op.drop_index("ix_deal_forecast")
        batch_op.create_index("ix_deal_forecast", BEFORE, unique=False)
