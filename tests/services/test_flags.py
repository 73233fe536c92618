"""Deal inspection flags, computed in SQL, on both databases: for each flag a deal that has
it and one that just misses it, the thresholds as settings, the flagged-only filter's
counts, and the review walking flagged deals first within a stage.

Every deal starts clean (no flag at all): a next step, a close date ahead, changed and
moved into its stage yesterday, never pushed. Each case then changes one thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, insert, update

from pipeline_tui import reviews
from pipeline_tui.marks import FLAG_BY_KEY, FLAGS, flags_of
from pipeline_tui.models import (
    Deal,
    DealChange,
    ItemStatus,
    Review,
    ReviewItem,
    ReviewStatus,
    Settings,
    Stage,
    table_of,
)
from pipeline_tui.periods import parse_period
from pipeline_tui.services import DealFilter, count_deals, get_deal, list_deals, stage_columns

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
DEAL, CHANGE = table_of(Deal), table_of(DealChange)
REVIEWED_AT = datetime(2026, 11, 16, 17, 0, tzinfo=UTC)  # ten days before TODAY


def at(days_ago: float) -> datetime:
    return datetime(2026, 11, 26, 12, 0, tzinfo=UTC) - timedelta(days=days_ago)


@dataclass
class World:
    engine: Engine
    builder: Builder
    rep: Any

    def deal(self, name: str, **values: Any) -> int:
        """A clean deal of 10,000 in Propose closing 20 Dec, with `values` over that."""
        row = self.builder.deal(self.rep, "Propose", "10000", date(2026, 12, 20), name=name)
        clean = {
            "next_step": "Call the CFO",
            "updated_at": at(1),
            "stage_entered_at": at(1),
            "created_at": at(100),
            "push_count": 0,
        }
        self.builder.session.execute(
            update(DEAL).where(DEAL.c.id == row.id).values(**(clean | values))
        )
        self.builder.session.flush()
        assert row.id is not None
        return row.id

    def change(self, deal_id: int, field: str, old: str, new: str, days_ago: float) -> None:
        self.builder.session.execute(
            insert(CHANGE).values(
                deal_id=deal_id,
                field=field,
                old_value=old,
                new_value=new,
                changed_at=at(days_ago),
                source="tui",
            )
        )

    def reviewed(self, *deal_ids: int, ended_at: datetime = REVIEWED_AT) -> None:
        """An ended review in which these deals were reviewed."""
        review = table_of(Review)
        review_id = self.builder.session.execute(
            insert(review)
            .returning(review.c.id)
            .values(
                started_by_id=self.rep.id,
                started_at=ended_at - timedelta(hours=1),
                ended_at=ended_at,
                status=ReviewStatus.ENDED.value,
                period_key=Q4.key,
                period_kind=Q4.kind,
            )
        ).scalar_one()
        for position, deal_id in enumerate(deal_ids):
            self.builder.session.execute(
                insert(table_of(ReviewItem)).values(
                    review_id=review_id,
                    deal_id=deal_id,
                    position=position,
                    stage_id=self.builder.stages["Propose"].id,
                    status=ItemStatus.REVIEWED.value,
                )
            )

    def settings(self, **values: Any) -> None:
        self.builder.session.execute(update(table_of(Settings)).values(**values))

    def flags(self) -> dict[str, set[str]]:
        """Each deal's flags by name, as the cards come back from the page query."""
        self.builder.commit()
        cards = list_deals(self.engine, DealFilter(today=TODAY), limit=100)
        return {c.name: {f.key for f in flags_of(c.flags)} for c in cards}


@pytest.fixture
def world(engine: Engine) -> World:
    b = Builder(engine)
    rep = b.user("ann")
    return World(engine, b, rep)


# Each case makes a deal named `name` that has its flag (`has`) or just misses it.
Case = Callable[[World, str, bool], None]


def overdue(w: World, name: str, has: bool) -> None:
    w.deal(name, close_date=date(2026, 11, 25) if has else TODAY)


def pushed(w: World, name: str, has: bool) -> None:
    w.deal(name, push_count=2 if has else 1)  # the setting's default is 2


def amount_cut(w: World, name: str, has: bool) -> None:
    """Cut after the deal's last review; missed: cut before it."""
    deal_id = w.deal(name, amount_minor=800_000)
    w.reviewed(deal_id)
    w.change(deal_id, "amount", "10000.00", "8000.00", 3 if has else 20)


def category_down(w: World, name: str, has: bool) -> None:
    """Commit to best case since the review; missed: pipeline up to best case."""
    deal_id = w.deal(name, forecast_category="best_case")
    w.reviewed(deal_id)
    w.change(deal_id, "forecast_category", "commit" if has else "pipeline", "best_case", 2)


def stuck(w: World, name: str, has: bool) -> None:
    w.deal(name, stage_entered_at=at(61 if has else 59))  # the stage's limit: 60 days


def no_next_step(w: World, name: str, has: bool) -> None:
    w.deal(name, next_step="   " if has else "Send the order form")


def stale(w: World, name: str, has: bool) -> None:
    w.deal(name, updated_at=at(31 if has else 29))  # the setting's default is 30 days


CASES: dict[str, Case] = {
    "overdue": overdue,
    "pushed": pushed,
    "amount_cut": amount_cut,
    "category_down": category_down,
    "stuck": stuck,
    "no_next_step": no_next_step,
    "stale": stale,
}


def test_every_flag_has_a_case() -> None:
    assert set(CASES) == {f.key for f in FLAGS}


@pytest.mark.parametrize("flag", list(CASES))
def test_a_deal_with_the_flag_and_one_without(world: World, flag: str) -> None:
    CASES[flag](world, "has it", True)
    CASES[flag](world, "misses it", False)
    world.deal("clean")
    flags = world.flags()
    assert flags["has it"] == {flag}
    assert flags["misses it"] == set()
    assert flags["clean"] == set()


def test_amount_cut_never_reviewed_counts_from_the_last_review_of_anyone(world: World) -> None:
    """A deal no review has covered counts from when the last review ended."""
    other = world.deal("reviewed one")
    world.reviewed(other)  # ended 10 days ago
    cut = world.deal("cut after", amount_minor=500_000)
    world.change(cut, "amount", "9000.00", "5000.00", 5)
    before = world.deal("cut before", amount_minor=500_000)
    world.change(before, "amount", "9000.00", "5000.00", 12)
    flags = world.flags()
    assert flags["cut after"] == {"amount_cut"}
    assert flags["cut before"] == set()


def test_with_no_review_at_all_since_counts_a_week_back(world: World) -> None:
    recent = world.deal("recent cut", amount_minor=500_000)
    world.change(recent, "amount", "9000.00", "5000.00", 3)
    old = world.deal("old cut", amount_minor=500_000)
    world.change(old, "amount", "9000.00", "5000.00", 9)
    # Cut and raised back since: the amount is not below what it was.
    back = world.deal("cut and back")
    world.change(back, "amount", "10000.00", "6000.00", 4)
    world.change(back, "amount", "6000.00", "10000.00", 2)
    flags = world.flags()
    assert flags["recent cut"] == {"amount_cut"}
    assert flags["old cut"] == flags["cut and back"] == set()


def test_history_text_that_is_no_amount_is_not_read_as_one(world: World) -> None:
    odd = world.deal("odd history", amount_minor=100)
    world.change(odd, "amount", "ten thousand", "1.00", 2)
    assert world.flags()["odd history"] == set()


def test_closed_deals_have_no_flags(world: World) -> None:
    won = world.builder.deal(
        world.rep, "Won", "10000", date(2026, 10, 1), name="won long ago", category="closed"
    )
    world.builder.session.execute(
        update(DEAL).where(DEAL.c.id == won.id).values(updated_at=at(90), push_count=5)
    )
    world.builder.commit()
    cards = list_deals(world.engine, DealFilter(today=TODAY, open_only=False), limit=10)
    assert [(c.name, c.flags) for c in cards] == [("won long ago", 0)]


def test_thresholds_are_settings(world: World) -> None:
    world.deal("pushed twice", push_count=2)
    world.deal("idle 20 days", updated_at=at(20))
    world.deal("40 days in stage", stage_entered_at=at(40))
    world.settings(flag_push_count=3, stale_days=14)
    world.builder.session.execute(
        update(table_of(Stage))
        .where(table_of(Stage).c.id == world.builder.stages["Propose"].id)
        .values(days_limit=30)
    )
    flags = world.flags()
    assert flags["pushed twice"] == set()
    assert flags["idle 20 days"] == {"stale"}
    assert flags["40 days in stage"] == {"stuck"}


def test_several_flags_at_once_and_the_deal_screen_agrees(world: World) -> None:
    deal_id = world.deal(
        "troubled", close_date=date(2026, 11, 1), push_count=3, next_step=None, updated_at=at(45)
    )
    flags = world.flags()
    assert flags["troubled"] == {"overdue", "pushed", "no_next_step", "stale"}
    detail = get_deal(world.engine, deal_id, today=TODAY)
    assert {f.key for f in flags_of(detail.flags)} == flags["troubled"]
    assert detail.flag_marks == "!»∅z"


def test_flagged_only_filter_counts_agree(world: World) -> None:
    """The board's column count, the table's count and the cards are the same deals."""
    world.deal("overdue", close_date=date(2026, 11, 2))
    world.deal("no next step", next_step=None)
    world.deal("clean one")
    world.deal("clean two")
    world.builder.commit()
    flagged = DealFilter(period=Q4, today=TODAY, flagged=True)
    cards = list_deals(world.engine, flagged, limit=100)
    assert sorted(c.name for c in cards) == ["no next step", "overdue"]
    assert all(c.flags for c in cards)
    assert count_deals(world.engine, flagged) == 2
    pipeline_id = world.builder.pipeline.id
    assert pipeline_id is not None
    columns = {c.name: c.count for c in stage_columns(world.engine, flagged, pipeline_id)}
    assert columns["Propose"] == 2
    assert count_deals(world.engine, DealFilter(period=Q4, today=TODAY)) == 4


def test_flagged_only_needs_its_rules_in_plain_where() -> None:
    from pipeline_tui.query import where

    with pytest.raises(ValueError, match="flag rules"):
        where(DealFilter(flagged=True))


def test_the_review_walks_flagged_deals_first_within_a_stage(world: World) -> None:
    big = world.deal("big clean", amount_minor=9_000_000)
    small = world.deal("small overdue", amount_minor=100_000, close_date=date(2026, 11, 20))
    middle = world.deal("middle clean", amount_minor=5_000_000)
    flagged_middle = world.deal("middle idle", amount_minor=4_000_000, updated_at=at(40))
    world.builder.commit()
    state = reviews.start_review(
        world.engine,
        started_by=world.rep.id,
        scope=reviews.ReviewScope(world.rep.id),
        period=Q4,
        today=TODAY,
    )
    # Flagged first (biggest first among them), then the rest biggest first.
    assert [i.deal_id for i in state.items] == [flagged_middle, small, big, middle]


def test_marks_are_one_distinct_character_each() -> None:
    marks = [f.mark for f in FLAGS]
    assert all(len(m) == 1 for m in marks)
    assert len(set(marks)) == len(marks)
    assert not set(marks) & {"P", "B", "C", "O", "W", "↻", "…"}
    assert FLAG_BY_KEY["overdue"].bit == 1
