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

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Table, UniqueConstraint
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


class ChangeSource(StrEnum):
    TUI = "tui"
    CLI = "cli"
    IMPORT = "import"


class NoteKind(StrEnum):
    NOTE = "note"
    NEXT_STEP = "next_step"
    ACTION = "action"


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


class Deal(SQLModel, table=True):
    __table_args__ = (
        _one_of("deal", "forecast_category", ForecastCategory),
        CheckConstraint("probability BETWEEN 0 AND 100", name="ck_deal_probability"),
        CheckConstraint("amount_minor >= 0", name="ck_deal_amount_minor"),
        # The forecast roll-up filters on close date and reads only these columns: a
        # covering index lets SQLite answer it from the index alone.
        Index(
            "ix_deal_forecast",
            "close_date",
            "owner_id",
            "stage_id",
            "forecast_category",
            "amount_minor",
            "probability",
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
        ),
        # A board column sorted by amount, and stage totals with no period filter.
        Index("ix_deal_stage_amount", "stage_id", "amount_minor", "probability"),
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
    )

    id: int | None = Field(default=None, primary_key=True)
    deal_id: int = Field(foreign_key="deal.id")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    kind: str = Field(default=NoteKind.NOTE.value, max_length=16)
    due_date: date | None = None
    done: bool = False


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


__all__ = [
    "Account",
    "ChangeSource",
    "Deal",
    "DealChange",
    "ForecastCategory",
    "Note",
    "NoteKind",
    "Pipeline",
    "Quota",
    "Role",
    "Settings",
    "Stage",
    "StageKind",
    "User",
    "table_of",
    "utcnow",
]
