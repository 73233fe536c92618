"""What the review functions hand back: frozen values, safe to pass between threads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..forecast.calls import CallFigures
from ..forecast.snapshots import SnapshotScope
from ..labels import field_label, field_value
from ..models import ItemStatus, ReviewStatus
from ..periods import Period
from ..services.detail import DealDetail

# A review covers the same kind of scope a snapshot does: a person's team, one person, or
# everyone, optionally in one pipeline.
ReviewScope = SnapshotScope

# The fields whose changes a review shows, in the order it shows them.
DIFF_FIELDS = ("stage", "amount", "probability", "forecast_category", "close_date")


@dataclass(frozen=True)
class ReviewItemView:
    position: int  # 0-based
    deal_id: int
    deal_name: str
    stage_id: int  # the deal's stage when the review started: the walk is grouped by it
    stage_name: str
    amount: Decimal  # as it is now, in the deal's own currency
    status: str
    seconds_spent: int
    currency: str = ""  # "": the reporting currency


@dataclass(frozen=True)
class Progress:
    stage_name: str
    stage_index: int  # 1-based, within the stage
    stage_count: int
    index: int  # 1-based, overall
    total: int

    @property
    def text(self) -> str:
        """ "Negotiation 3/8 - deal 11/42"."""
        return (
            f"{self.stage_name} {self.stage_index}/{self.stage_count} - "
            f"deal {self.index}/{self.total}"
        )


@dataclass(frozen=True)
class ReviewState:
    id: int
    status: str
    started_by_id: int
    started_by_name: str
    started_at: datetime
    ended_at: datetime | None
    scope: ReviewScope
    scope_label: str
    period: Period
    stage_ids: tuple[int, ...] | None  # None: every open stage
    min_amount: Decimal | None
    changed_only: bool
    latest_stage_first: bool
    current_index: int
    elapsed_seconds: int  # meeting time recorded so far, not counting the running deal
    items: tuple[ReviewItemView, ...]
    start_snapshot_id: int | None
    end_snapshot_id: int | None
    start_figures: CallFigures | None  # the forecast when the meeting started
    previous_review_id: int | None  # the meeting before, whose end "changed since" means
    baseline_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN.value

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def current(self) -> ReviewItemView | None:
        return self.items[self.current_index] if 0 <= self.current_index < self.total else None

    def count(self, status: ItemStatus | str) -> int:
        return sum(1 for item in self.items if item.status == status)

    def progress(self, index: int | None = None) -> Progress:
        """Where item `index` (default: the current one) stands in its stage and overall."""
        at = self.current_index if index is None else index
        if not 0 <= at < self.total:
            raise IndexError(f"item {at} of a review with {self.total} deals")
        item = self.items[at]
        # Items are ordered stage by stage, so a stage is one contiguous run.
        first = at
        while first > 0 and self.items[first - 1].stage_id == item.stage_id:
            first -= 1
        last = at
        while last + 1 < self.total and self.items[last + 1].stage_id == item.stage_id:
            last += 1
        return Progress(item.stage_name, at - first + 1, last - first + 1, at + 1, self.total)


@dataclass(frozen=True)
class ReviewListing:
    id: int
    status: str
    started_by_id: int
    started_by_name: str
    started_at: datetime
    ended_at: datetime | None
    scope_label: str
    period_key: str
    total: int
    reviewed: int
    skipped: int
    elapsed_seconds: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "started_by": self.started_by_name,
            "started_at": self.started_at.isoformat(),
            "ended_at": None if self.ended_at is None else self.ended_at.isoformat(),
            "scope": self.scope_label,
            "period": self.period_key,
            "deals": self.total,
            "reviewed": self.reviewed,
            "skipped": self.skipped,
            "elapsed_seconds": self.elapsed_seconds,
        }


@dataclass(frozen=True)
class FieldDiff:
    """One field's value before and after, as the history writes it (amounts "12000.00",
    ISO dates, stage names)."""

    field: str
    before: str | None
    after: str | None

    @property
    def label(self) -> str:
        return field_label(self.field)

    def before_text(self, currency: str) -> str:
        return field_value(self.field, self.before, currency, missing="—")

    def after_text(self, currency: str) -> str:
        return field_value(self.field, self.after, currency, missing="—")


@dataclass(frozen=True)
class JudgmentView:
    id: int
    deal_id: int
    deal_name: str
    manager_id: int
    manager_name: str
    review_id: int | None
    category: str | None  # None (with amount None): withdrawn, the rep's call stands
    amount: Decimal | None  # None: the deal's amount
    note: str | None
    created_at: datetime
    rep_category: str  # the rep's call when the judgment was made
    rep_amount: Decimal

    @property
    def active(self) -> bool:
        return self.category is not None or self.amount is not None

    @property
    def manager_category(self) -> str:
        return self.category or self.rep_category

    @property
    def manager_amount(self) -> Decimal:
        return self.rep_amount if self.amount is None else self.amount


@dataclass(frozen=True)
class ActionItemView:
    id: int
    deal_id: int
    deal_name: str
    text: str
    owner_id: int | None
    owner_name: str | None
    due_date: date | None
    done: bool
    author_id: int | None
    author_name: str | None
    review_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class ReviewedDeal:
    """One deal as the walk shows it."""

    deal: DealDetail  # every field, days in stage, age, push count, next step, notes
    item: ReviewItemView
    progress: Progress
    baseline_at: datetime | None  # "since the last review" means since this; None: never
    baseline_review_id: int | None
    changes_since_last_review: tuple[FieldDiff, ...]  # up to this review's start
    changes_in_review: tuple[FieldDiff, ...]  # since this review started
    judgment: JudgmentView | None  # the latest, if it is still standing
    action_items: tuple[ActionItemView, ...]


@dataclass(frozen=True)
class ReviewForecast:
    """The live banner: the forecast at the start of the meeting and now."""

    start: CallFigures | None
    now: CallFigures
