"""Settings changes in the process log: a `setting` kind for `process_change`

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

The settings (fiscal calendar, currency, flag thresholds, a stage's days limit, ...) are
changed with `pipeline-tui settings set` and on the process screen, each change a row of
the process log. The kind column's CHECK constraint names every kind, so it is rebuilt
(SQLite rebuilds the table through batch mode; PostgreSQL drops and adds the constraint).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = (
    "stage_added",
    "stage_renamed",
    "stage_moved",
    "stage_retired",
    "target",
    "proposal",
    "proposal_accepted",
)
NEW_KINDS = (*OLD_KINDS, "setting")
NAME = "ck_process_change_kind"


def _rebuild(kinds: Sequence[str]) -> None:
    allowed = ", ".join(f"'{k}'" for k in kinds)
    with op.batch_alter_table("process_change") as batch:
        batch.drop_constraint(NAME, type_="check")
        batch.create_check_constraint(NAME, f"kind IN ({allowed})")


def upgrade() -> None:
    _rebuild(NEW_KINDS)


def downgrade() -> None:
    # The rows the older schema has no kind for would break its constraint.
    op.execute("DELETE FROM process_change WHERE kind = 'setting'")
    _rebuild(OLD_KINDS)
