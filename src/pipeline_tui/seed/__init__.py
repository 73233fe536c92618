"""Deterministic demo data: a sales organisation with a pipeline of any size.

Everything comes from one `random.Random(seed)` and from `today`, so the same arguments
give byte-identical databases. Rows are built as tuples in stored form and written in
bulk, because a million deals have to load in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from ..errors import InputError
from ..models import (
    Account,
    Deal,
    DealChange,
    ForecastSnapshot,
    Judgment,
    Note,
    Pipeline,
    Quota,
    Review,
    ReviewItem,
    Settings,
    SnapshotRow,
    Stage,
    User,
)
from .closings import closing_changes
from .deals import CHANGE_COLUMNS, DEAL_COLUMNS, NOTE_COLUMNS, DealFactory
from .history import ROW_COLUMNS, SNAPSHOT_COLUMNS, forecast_history
from .meeting import (
    ACTION_COLUMNS,
    ITEM_COLUMNS,
    JUDGMENT_COLUMNS,
    REVIEW_COLUMNS,
    demo_review,
)
from .org import (
    ACCOUNT_COLUMNS,
    PIPELINE_COLUMNS,
    QUOTA_COLUMNS,
    STAGE_COLUMNS,
    USER_COLUMNS,
    account_rows,
    organisation,
    pipeline_rows,
    quota_rows,
)
from .timeline import Timeline
from .writers import BulkWriter

CHUNK = 50_000
SETTINGS_COLUMNS = (
    "id",
    "fiscal_year_start_month",
    "currency",
    "coverage_target",
    "win_rate_target",
)
DEFAULT_SETTINGS = (1, 1, "USD", 3.0, 0.60)
HISTORY_TABLES = (Review, ForecastSnapshot, ReviewItem, Judgment)

__all__ = ["SeedError", "SeedSummary", "seed_demo"]


@dataclass(frozen=True)
class SeedSummary:
    users: int
    managers: int  # everyone with the manager role, the VP included
    reps: int
    accounts: int
    pipelines: int
    stages: int
    deals: int
    changes: int
    notes: int
    quotas: int
    snapshots: int = 0
    reviews: int = 0


class SeedError(InputError):
    """The database can't take demo data, for example because it already has deals."""


def seed_demo(
    engine: Engine,
    *,
    deals: int,
    seed: int = 42,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedSummary:
    """Fill an empty, migrated database with an organisation, quotas and `deals` deals.

    `progress(done, total)` is called as deals are written. Raises `SeedError` if the
    database already has deals, users, accounts or pipelines.
    """
    if deals < 0:
        raise ValueError(f"deals must be zero or more, not {deals}")
    today = today or datetime.now(UTC).date()
    rng = random.Random(seed)
    with engine.connect() as connection, BulkWriter.open(connection) as writer:
        _check_empty(writer)
        timeline = Timeline(today, writer.timestamp_suffix)
        if not writer.count(Settings):
            writer.write(Settings, SETTINGS_COLUMNS, [DEFAULT_SETTINGS])
        org = organisation(rng, deals)
        writer.write(User, USER_COLUMNS, org.users)
        accounts = account_rows(rng, max(20, round(deals / 8)))
        writer.write(Account, ACCOUNT_COLUMNS, accounts)
        pipelines, stages = pipeline_rows()
        writer.write(Pipeline, PIPELINE_COLUMNS, pipelines)
        writer.write(Stage, STAGE_COLUMNS, stages)

        # The forecast history draws from a generator of its own: the deals stay the same.
        extra = random.Random(f"pipeline-tui-history-{seed}")
        factory = DealFactory(rng, timeline, org, [name for _, name, _ in accounts], extra)
        written = 0
        if progress:
            progress(0, deals)
        # The review tables are empty until the end, but their indexes were created after
        # the deal tables' ones: rebuilding them here too keeps the schema in its order.
        with writer.loading((Deal, DealChange, Note, *HISTORY_TABLES)):
            # Deals first in each chunk: on PostgreSQL the foreign keys are checked at once.
            for deal_rows, change_rows, note_rows in factory.chunks(deals, CHUNK):
                writer.write(Deal, DEAL_COLUMNS, deal_rows)
                writer.write(DealChange, CHANGE_COLUMNS, change_rows)
                writer.write(Note, NOTE_COLUMNS, note_rows)
                written += len(deal_rows)
                if progress:
                    progress(written, deals)
            closed = closing_changes(factory.closings, extra, factory.change_count + 1)
            writer.write(DealChange, CHANGE_COLUMNS, closed)
        quotas = quota_rows(rng, org, timeline, factory.won)
        writer.write(Quota, QUOTA_COLUMNS, quotas)
        history = forecast_history(connection, extra, org, timeline, quotas, factory.won)
        demo_review(connection, history, extra, org, timeline, factory.note_count + 1)
        writer.write(Review, REVIEW_COLUMNS, history.reviews)
        writer.write(ForecastSnapshot, SNAPSHOT_COLUMNS, history.snapshots)
        writer.write(SnapshotRow, ROW_COLUMNS, history.rows)
        writer.write(ReviewItem, ITEM_COLUMNS, history.items)
        writer.write(Judgment, JUDGMENT_COLUMNS, history.judgments)
        writer.write(Note, ACTION_COLUMNS, history.actions)
        writer.finish()
        connection.commit()
    return SeedSummary(
        users=len(org.users),
        managers=org.managers,
        reps=len(org.reps),
        accounts=len(accounts),
        pipelines=len(pipelines),
        stages=len(stages),
        deals=written,
        changes=factory.change_count + len(closed),
        notes=factory.note_count + len(history.actions),
        quotas=len(quotas),
        snapshots=len(history.snapshots),
        reviews=len(history.reviews),
    )


def _check_empty(writer: BulkWriter) -> None:
    # Demo logins, names and ids would collide with anything already there.
    for model, noun in (
        (Deal, "deals"),
        (User, "users"),
        (Account, "accounts"),
        (Pipeline, "pipelines"),
    ):
        if count := writer.count(model):
            raise SeedError(
                f"The database already has {count:,} {noun}; demo data can only be "
                "seeded into an empty database."
            )
