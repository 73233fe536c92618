"""The session's forecast reviews: starting, walking, judging, action items, ending."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from ..periods import Period
from ..reviews import (
    ActionItemView,
    JudgmentView,
    ReviewedDeal,
    ReviewForecast,
    ReviewScope,
    ReviewState,
    ReviewSummary,
    add_action_item,
    end_review,
    get_review,
    move,
    open_review,
    record_judgment,
    review_deal,
    review_forecast,
    start_review,
)
from .deals import DealCard
from .session_base import SessionBase


class ReviewsDoor(SessionBase):
    def open_review(self) -> ReviewState | None:
        """This person's unfinished review, if any."""
        return self.run(lambda: open_review(self.engine, self.me.id))

    def get_review(self, review_id: int) -> ReviewState:
        return self.run(lambda: get_review(self.engine, review_id))

    def review_deal(self, review_id: int) -> ReviewedDeal:
        """The review's current deal, with what changed and what was decided."""
        return self.run(lambda: review_deal(self.engine, review_id, today=self.today()))

    def review_forecast(self, review_id: int) -> ReviewForecast:
        return self.run(lambda: review_forecast(self.engine, review_id, today=self.today()))

    def start_review(
        self,
        scope: ReviewScope,
        period: Period,
        *,
        stage_ids: Sequence[int] | None = None,
        min_amount: Decimal | None = None,
        changed_only: bool = False,
        latest_stage_first: bool = True,
    ) -> ReviewState:
        """A new review run by this person: a manager of everyone in it, or an admin."""
        self._writable()
        self.policy.check_review(scope.owner_ids(self.org))
        return self.run(
            lambda: start_review(
                self.engine,
                started_by=self.me.id,
                scope=scope,
                period=period,
                today=self.today(),
                stage_ids=stage_ids,
                min_amount=min_amount,
                changed_only=changed_only,
                latest_stage_first=latest_stage_first,
            )
        )

    def move_review(
        self,
        review_id: int,
        to_index: int,
        *,
        mark: str | None = None,
        seconds_spent: int = 0,
        from_index: int | None = None,
    ) -> ReviewState:
        """Leaves the current deal (time spent, marked reviewed or skipped) for another:
        part of running the review, so whoever may run it."""
        self._writable()
        self._may_run(review_id)
        return self.run(
            lambda: move(
                self.engine,
                review_id,
                to_index,
                mark=mark,
                seconds_spent=seconds_spent,
                from_index=from_index,
            )
        )

    def record_judgment(
        self,
        review_id: int | None,
        seen: DealCard,
        category: str | None,
        amount: Decimal | None,
        note: str | None,
        *,
        expected_judgment_id: int | None,
    ) -> JudgmentView:
        """This person's call on `seen`, the deal as they saw it (and the judgment they
        saw, `expected_judgment_id`): `ConflictError` if either changed since."""
        self._writable()
        self.policy.check_judgment(self.owner_of(seen.id))
        return self.run(
            lambda: record_judgment(
                self.engine,
                review_id,
                seen.id,
                self.me.id,
                category,
                amount,
                note,
                expected_version=self.based_on(seen),
                expected_judgment_id=expected_judgment_id,
            )
        )

    def add_action_item(
        self,
        review_id: int | None,
        seen: DealCard,
        text: str,
        owner_id: int,
        due: date | None,
    ) -> ActionItemView:
        """An action item on `seen` (as this person saw it), written by them."""
        self._writable()
        self.policy.check_action_item(self.owner_of(seen.id))
        return self.run(
            lambda: add_action_item(
                self.engine,
                review_id,
                seen.id,
                text,
                owner_id,
                due,
                self.me.id,
                expected_version=self.based_on(seen),
            )
        )

    def end_review(self, review_id: int, *, seconds_spent: int = 0) -> ReviewSummary:
        """Ends the review: its summary, stored with a forecast snapshot."""
        self._writable()
        self._may_run(review_id)
        return self.run(
            lambda: end_review(
                self.engine, review_id, today=self.today(), seconds_spent=seconds_spent
            )
        )

    def _may_run(self, review_id: int) -> None:
        review = self.run(lambda: get_review(self.engine, review_id))
        self.policy.check_review(review.scope.owner_ids(self.org))
