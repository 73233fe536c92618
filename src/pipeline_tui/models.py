"""The database tables.

Amounts are BIGINT hundredths of the currency unit (see `money`); timestamps are
timezone-aware UTC. Enumerations are short strings with CHECK constraints rather than
database ENUM types, so adding a value is a plain migration on both databases.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import cast

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Table, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from .money import from_minor


def table_of(model: type[SQLModel]) -> Table:
    """The Core table, for set-based SQL that reads better (and type-checks) without the ORM."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"
    VIEWER = "viewer"


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ForecastCategory(StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"


# The one order the categories are stepped through: forwards by a rep's C on a deal,
# backwards by a manager's judgment in a review (commit first: what a manager weighs).
CATEGORY_CYCLE = (
    ForecastCategory.PIPELINE.value,
    ForecastCategory.BEST_CASE.value,
    ForecastCategory.COMMIT.value,
    ForecastCategory.OMITTED.value,
)


def next_category(current: str | None, *, backwards: bool = False) -> str:
    """The category after `current` in `CATEGORY_CYCLE` (before it, `backwards`).

    One outside the cycle (`closed` on an open deal imported that way, or none) stands
    at its end, so forwards it re-enters at pipeline and backwards at commit.
    """
    step = -1 if backwards else 1
    here = CATEGORY_CYCLE.index(current) if current in CATEGORY_CYCLE else len(CATEGORY_CYCLE) - 1
    return CATEGORY_CYCLE[(here + step) % len(CATEGORY_CYCLE)]


class ChangeSource(StrEnum):
    TUI = "tui"
    CLI = "cli"
    IMPORT = "import"


class NoteKind(StrEnum):
    NOTE = "note"
    NEXT_STEP = "next_step"
    ACTION = "action"


class ReviewStatus(StrEnum):
    OPEN = "open"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ItemStatus(StrEnum):
    PENDING = "pending"
    REVIEWED = "reviewed"
    SKIPPED = "skipped"


class SnapshotKind(StrEnum):
    REVIEW_START = "review_start"
    REVIEW_END = "review_end"
    WEEKLY = "weekly"


def _one_of(table: str, column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


class User(SQLModel, table=True):
    __table_args__ = (_one_of("user", "role", Role),)

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=128)
    email: str | None = Field(default=None, max_length=255)
    role: str = Field(default=Role.REP.value, max_length=16)
    manager_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    team: str | None = Field(default=None, max_length=128)
    active: bool = True


class Quota(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("user_id", "period_start", "period_end", name="uq_quota_user_period"),
        CheckConstraint("period_end >= period_start", name="ck_quota_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    period_start: date
    period_end: date
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor)


class Account(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    external_id: str | None = Field(default=None, max_length=64, unique=True)


class Pipeline(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    position: int = 0


class Stage(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("pipeline_id", "name", name="uq_stage_pipeline_name"),
        _one_of("stage", "kind", StageKind),
        CheckConstraint(
            "default_probability BETWEEN 0 AND 100", name="ck_stage_default_probability"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    pipeline_id: int = Field(foreign_key="pipeline.id")
    name: str = Field(max_length=128)
    position: int
    default_probability: int = 10
    kind: str = Field(default=StageKind.OPEN.value, max_length=8)
    # An open deal longer than this in the stage is flagged for inspection.
    days_limit: int = 60
    # No longer offered for moves or new deals; its deals and history keep it.
    retired: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class Deal(SQLModel, table=True):
    __table_args__ = (
        _one_of("deal", "forecast_category", ForecastCategory),
        CheckConstraint("probability BETWEEN 0 AND 100", name="ck_deal_probability"),
        CheckConstraint("amount_minor >= 0", name="ck_deal_amount_minor"),
        CheckConstraint(
            "probability_at_close BETWEEN 0 AND 100", name="ck_deal_probability_at_close"
        ),
        # The forecast roll-up and the board's totals filter on close date and read only
        # these columns (the currency picks the rate): a covering index lets SQLite
        # answer them from the index alone.
        # `archived` last: every figure leaves archived deals out, from the index alone.
        Index(
            "ix_deal_forecast",
            "close_date",
            "owner_id",
            "stage_id",
            "forecast_category",
            "amount_minor",
            "probability",
            "currency",
            "archived",
        ),
        Index("ix_deal_owner_close", "owner_id", "close_date"),
        # Board columns (a stage, a close-date range) and roll-ups filtered by stage: the
        # planner likes to start from the stage, so this index covers the roll-up too.
        Index(
            "ix_deal_stage_cover",
            "stage_id",
            "close_date",
            "owner_id",
            "forecast_category",
            "amount_minor",
            "probability",
            "archived",
        ),
        # A board column sorted by amount, and stage totals with no period filter.
        Index("ix_deal_stage_amount", "stage_id", "amount_minor", "probability", "archived"),
        # "Stale: no change for N days".
        Index("ix_deal_updated", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = Field(default=None, max_length=64, unique=True)
    name: str = Field(max_length=255)
    account_id: int | None = Field(default=None, foreign_key="account.id")
    owner_id: int = Field(foreign_key="user.id")
    pipeline_id: int = Field(foreign_key="pipeline.id")
    stage_id: int = Field(foreign_key="stage.id")
    amount_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    currency: str = Field(default="USD", max_length=3)
    probability: int = 10
    forecast_category: str = Field(default=ForecastCategory.PIPELINE.value, max_length=16)
    close_date: date | None = None
    next_step: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    stage_entered_at: datetime = Field(default_factory=utcnow)
    closed_date: date | None = None
    lost_reason: str | None = Field(default=None, max_length=255)
    push_count: int = 0
    version: int = 1
    # Closed deals show 100% or 0%; calibration needs what the rep said while it was open.
    probability_at_close: int | None = None
    # Withdrawn from the pipeline (a duplicate, a mistake, parked): off the board and out
    # of every figure, kept in the history. Only open deals are archived (docs/metrics.md).
    archived: bool = False

    @property
    def amount(self) -> Decimal:
        return from_minor(self.amount_minor)


class DealChange(SQLModel, table=True):
    __tablename__ = "deal_change"
    __table_args__ = (
        _one_of("deal_change", "source", ChangeSource),
        Index("ix_deal_change_deal", "deal_id", "changed_at"),
        Index("ix_deal_change_at", "changed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id")
    field: str = Field(max_length=32)
    old_value: str | None = Field(default=None, max_length=500)
    new_value: str | None = Field(default=None, max_length=500)
    changed_by_id: int | None = Field(default=None, foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    source: str = Field(default=ChangeSource.TUI.value, max_length=8)


class Note(SQLModel, table=True):
    __table_args__ = (
        _one_of("note", "kind", NoteKind),
        Index("ix_note_deal", "deal_id", "created_at"),
        Index("ix_note_review", "review_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    kind: str = Field(default=NoteKind.NOTE.value, max_length=16)
    due_date: date | None = None
    done: bool = False
    # Action items: who has to do it (the author is who wrote it down), and the meeting.
    owner_id: int | None = Field(default=None, foreign_key="user.id")
    review_id: int | None = Field(default=None, foreign_key="review.id")


class Review(SQLModel, table=True):
    """A forecast review meeting: what it covers, where it stopped, how long it took."""

    __table_args__ = (
        _one_of("review", "status", ReviewStatus),
        Index("ix_review_started_by", "started_by_id", "status"),
        Index("ix_review_ended_at", "ended_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    started_by_id: int = Field(foreign_key="user.id")
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    status: str = Field(default=ReviewStatus.OPEN.value, max_length=16)
    # Scope: a person (with everyone below them when `scope_subtree`), or NULL: everyone.
    scope_owner_id: int | None = Field(default=None, foreign_key="user.id")
    scope_subtree: bool = True
    pipeline_id: int | None = Field(default=None, foreign_key="pipeline.id")
    period_key: str = Field(max_length=16)
    period_kind: str = Field(max_length=8)
    period_start: date | None = None
    period_end: date | None = None
    stage_ids: str | None = Field(default=None, max_length=500)  # "3,4,5"; NULL: all open
    min_amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    changed_only: bool = False
    latest_stage_first: bool = True
    current_index: int = 0
    elapsed_seconds: int = 0


class ReviewItem(SQLModel, table=True):
    __tablename__ = "review_item"
    __table_args__ = (
        _one_of("review_item", "status", ItemStatus),
        UniqueConstraint("review_id", "position", name="uq_review_item_position"),
        UniqueConstraint("review_id", "deal_id", name="uq_review_item_deal"),
        Index("ix_review_item_deal", "deal_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id")
    deal_id: int = Field(foreign_key="deal.id")
    position: int
    # The stage when the meeting started: the walk's grouping stays put when a deal moves.
    stage_id: int = Field(foreign_key="stage.id")
    status: str = Field(default=ItemStatus.PENDING.value, max_length=16)
    seconds_spent: int = 0
    reviewed_at: datetime | None = None


class ForecastSnapshot(SQLModel, table=True):
    """The forecast of one period and scope at one moment, kept for later comparison."""

    __tablename__ = "forecast_snapshot"
    __table_args__ = (
        _one_of("forecast_snapshot", "kind", SnapshotKind),
        UniqueConstraint("review_id", "kind", name="uq_forecast_snapshot_review_kind"),
        Index("ix_forecast_snapshot_period", "period_key", "taken_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    taken_at: datetime = Field(default_factory=utcnow)
    as_of: date  # the "today" its trailing win rates were computed for
    kind: str = Field(max_length=16)
    review_id: int | None = Field(default=None, foreign_key="review.id")
    period_key: str = Field(max_length=16)
    period_kind: str = Field(max_length=8)
    period_start: date | None = None
    period_end: date | None = None
    scope_owner_id: int | None = Field(default=None, foreign_key="user.id")
    scope_subtree: bool = True
    pipeline_id: int | None = Field(default=None, foreign_key="pipeline.id")
    # False when only the per-person figures were kept (demo history, for one).
    with_deals: bool = True


class SnapshotRow(SQLModel, table=True):
    """One owner's figures in a snapshot; a manager's are the sum over their subtree."""

    __tablename__ = "snapshot_row"

    snapshot_id: int = Field(foreign_key="forecast_snapshot.id", primary_key=True)
    owner_id: int = Field(foreign_key="user.id", primary_key=True)
    quota_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    closed_won_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    commit_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    best_case_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    pipeline_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # SUM(amount_minor * probability): exact, like the roll-up keeps it.
    weighted_units: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    lost_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    open_count: int = 0
    won_count: int = 0
    lost_count: int = 0
    trailing_won_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    trailing_lost_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # The open part of the manager's call: commit by the manager's judgment where given.
    manager_commit_minor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    judged_count: int = 0
    # A one-pipeline snapshot's owner over all pipelines, which quota, gap and coverage
    # are measured against (quotas are per person); NULL: the figures above themselves.
    basis_won_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    basis_commit_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    basis_pipeline_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    basis_trailing_won_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    basis_trailing_lost_minor: int | None = Field(default=None, sa_column=Column(BigInteger))


class SnapshotDeal(SQLModel, table=True):
    """Every deal of the snapshot's period and scope, as it stood."""

    __tablename__ = "snapshot_deal"

    snapshot_id: int = Field(foreign_key="forecast_snapshot.id", primary_key=True)
    deal_id: int = Field(foreign_key="deal.id", primary_key=True)
    owner_id: int = Field(foreign_key="user.id")
    pipeline_id: int = Field(foreign_key="pipeline.id")
    stage_id: int = Field(foreign_key="stage.id")
    amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    probability: int
    forecast_category: str = Field(max_length=16)
    close_date: date | None = None


class Judgment(SQLModel, table=True):
    """A manager's own call on a deal, kept beside the rep's; the latest per deal counts.

    NULL category and amount is a judgment withdrawn: the rep's call stands again.
    """

    __table_args__ = (
        CheckConstraint(
            "category IS NULL OR category IN ('pipeline', 'best_case', 'commit', 'omitted')",
            name="ck_judgment_category",
        ),
        CheckConstraint("amount_minor >= 0", name="ck_judgment_amount_minor"),
        Index("ix_judgment_deal", "deal_id", "id"),
        Index("ix_judgment_review", "review_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id")
    manager_id: int = Field(foreign_key="user.id")
    review_id: int | None = Field(default=None, foreign_key="review.id")
    category: str | None = Field(default=None, max_length=16)
    amount_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    note: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    # The rep's call when the judgment was made, so it reads the same later on.
    rep_category: str = Field(max_length=16)
    rep_amount_minor: int = Field(sa_column=Column(BigInteger, nullable=False))


class CallScope(StrEnum):
    OWN = "own"  # a rep's number for their own deals
    TEAM = "team"  # a manager's number for everyone below them


class ForecastCall(SQLModel, table=True):
    """A person's stated number for a period. Append-only: a new call is a new row, the
    latest per person and period counts, and the rows are the calls' own history."""

    __tablename__ = "forecast_call"
    __table_args__ = (
        _one_of("forecast_call", "scope", CallScope),
        CheckConstraint("commit_minor >= 0", name="ck_forecast_call_commit"),
        CheckConstraint("best_case_minor >= commit_minor", name="ck_forecast_call_best_case"),
        CheckConstraint("most_likely_minor >= 0", name="ck_forecast_call_most_likely"),
        Index("ix_forecast_call_person", "person_id", "period_key", "id"),
        Index("ix_forecast_call_period", "period_key", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="user.id")
    scope: str = Field(default=CallScope.OWN.value, max_length=8)
    period_key: str = Field(max_length=16)
    period_kind: str = Field(max_length=8)
    period_start: date
    period_end: date
    commit_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    best_case_minor: int = Field(sa_column=Column(BigInteger, nullable=False))
    most_likely_minor: int | None = Field(default=None, sa_column=Column(BigInteger))
    currency: str = Field(default="USD", max_length=3)
    note: str | None = Field(default=None, max_length=4000)
    made_by_id: int = Field(foreign_key="user.id")
    made_at: datetime = Field(default_factory=utcnow)
    # The review meeting it was made in, if any (its summary lists them).
    review_id: int | None = Field(default=None, foreign_key="review.id")


class ProcessChangeKind(StrEnum):
    STAGE_ADDED = "stage_added"
    STAGE_RENAMED = "stage_renamed"
    STAGE_MOVED = "stage_moved"
    STAGE_RETIRED = "stage_retired"
    TARGET = "target"
    PROPOSAL = "proposal"
    PROPOSAL_ACCEPTED = "proposal_accepted"
    # Any other setting (`services/settings.py`), a stage's days limit too.
    SETTING = "setting"


class ProcessChange(SQLModel, table=True):
    """One change to the sales process, with who, when and why; a proposal is one too
    (pending until a `proposal_accepted` row names it in `proposal_id`)."""

    __tablename__ = "process_change"
    __table_args__ = (
        _one_of("process_change", "kind", ProcessChangeKind),
        Index("ix_process_change_at", "changed_at"),
        Index("ix_process_change_stage", "stage_id", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    pipeline_id: int | None = Field(default=None, foreign_key="pipeline.id")
    stage_id: int | None = Field(default=None, foreign_key="stage.id")
    old_value: str | None = Field(default=None, max_length=500)
    new_value: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=1000)
    changed_by_id: int | None = Field(default=None, foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    proposal_id: int | None = Field(default=None, foreign_key="process_change.id")


class Rate(SQLModel, table=True):
    """How many units of the reporting currency one unit of `currency` was worth from
    `effective_date` on (until the next row of the same currency).

    The rate is a decimal string, not a float, so it converts exactly as it was typed.
    """

    __table_args__ = (UniqueConstraint("currency", "effective_date", name="uq_rate_currency_date"),)

    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    effective_date: date
    rate: str = Field(max_length=32)


class Settings(SQLModel, table=True):
    """One row (id 1): the process settings a team tunes without a schema change."""

    __table_args__ = (
        CheckConstraint(
            "fiscal_year_start_month BETWEEN 1 AND 12", name="ck_settings_fiscal_month"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    fiscal_year_start_month: int = 1
    currency: str = Field(default="USD", max_length=3)
    # Targets are ratios, not money, so binary floats are fine here.
    coverage_target: float = 3.0
    win_rate_target: float = 0.60
    # Who "me" falls back to when no one is signed in; None: the person without a
    # manager who has the largest team.
    head_login: str | None = Field(default=None, max_length=64)
    # Reads: a rep sees only their own team's deals (writes follow the roles regardless).
    reps_own_team_only: bool = False
    # A forecast call older than this many days is shown as stale (as is one made before
    # the last review of the caller's team).
    call_stale_days: int = 7
    # Inspection flags (`query/flags.py`): a close date pushed this many times; no change
    # for this many days (also the stale filter); with no review ended yet, "since the
    # last review" is this many days back.
    flag_push_count: int = 2
    stale_days: int = 30
    flag_review_days: int = 7


__all__ = [
    "Account",
    "CallScope",
    "ChangeSource",
    "Deal",
    "DealChange",
    "ForecastCall",
    "ForecastCategory",
    "ForecastSnapshot",
    "ItemStatus",
    "Judgment",
    "Note",
    "NoteKind",
    "Pipeline",
    "ProcessChange",
    "ProcessChangeKind",
    "Quota",
    "Rate",
    "Review",
    "ReviewItem",
    "ReviewStatus",
    "Role",
    "Settings",
    "SnapshotDeal",
    "SnapshotKind",
    "SnapshotRow",
    "Stage",
    "StageKind",
    "User",
    "table_of",
    "utcnow",
]
