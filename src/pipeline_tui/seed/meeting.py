"""Last week's review meeting in the demo: a first-line manager went through their team's
biggest deals of the quarter, judged a few and agreed some actions."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from ..models import Deal, Stage, StageKind, table_of
from ..periods import quarter_containing
from .history import MORNING, History, current_rows, dollars, snapshot
from .org import FIRST_MANAGER_ID, Organisation
from .timeline import Timeline
from .vocabulary import NEXT_STEPS, QUARTERS_BACK

# fmt: off
REVIEW_COLUMNS = (
    "id", "started_by_id", "started_at", "ended_at", "status", "scope_owner_id",
    "scope_subtree", "pipeline_id", "period_key", "period_kind", "period_start", "period_end",
    "stage_ids", "min_amount_minor", "changed_only", "latest_stage_first", "current_index",
    "elapsed_seconds",
)
ITEM_COLUMNS = ("id", "review_id", "deal_id", "position", "stage_id", "status",
                "seconds_spent", "reviewed_at")
JUDGMENT_COLUMNS = ("id", "deal_id", "manager_id", "review_id", "category", "amount_minor",
                    "note", "created_at", "rep_category", "rep_amount_minor")
ACTION_COLUMNS = ("id", "deal_id", "author_id", "text", "created_at", "kind", "due_date",
                  "done", "owner_id", "review_id")
# fmt: on
REVIEW_DAYS_AGO, REVIEW_DEALS, REVIEW_MINUTES = 7, 12, 52
JUDGMENT_NOTES = (
    "Procurement has not started; not commit yet",
    "Expect a discount of about a fifth to land it",
    "Champion is new; the budget is not confirmed",
)


def demo_review(
    conn: Connection,
    history: History,
    rng: random.Random,
    org: Organisation,
    timeline: Timeline,
    first_note_id: int,
) -> None:
    """Adds the review, its items, snapshots, judgments and action items to `history`."""
    quota, current = history.quota, history.current
    day = timeline.today - REVIEW_DAYS_AGO
    manager = FIRST_MANAGER_ID
    team = frozenset(rep for rep, boss in org.manager_of.items() if boss == manager) | {manager}
    started = timeline.iso(day) + timeline.times[MORNING]
    ended = timeline.iso(day) + timeline.times[MORNING + REVIEW_MINUTES]
    opened = datetime.combine(date.fromordinal(day), time(9, 0), UTC)
    deals = review_deals(conn, timeline, team, opened)
    if not deals:
        return
    period = quarter_containing(date.fromordinal(timeline.today))
    review_id = 1
    seconds = [rng.randint(90, 360) for _ in deals]
    skipped = set(rng.sample(range(len(deals)), k=min(2, len(deals))))
    history.reviews.append(
        (
            review_id,
            manager,
            started,
            ended,
            "ended",
            manager,
            True,
            None,
            period.key,
            "quarter",
            period.start.isoformat() if period.start else None,
            period.end.isoformat() if period.end else None,
            None,
            min(d["amount"] for d in deals),
            False,
            True,
            len(deals) - 1,
            sum(seconds),
        )
    )
    for kind, minute in (("review_start", 0), ("review_end", REVIEW_MINUTES)):
        sid = snapshot(
            history, timeline, day, MORNING + minute, kind=kind, review_id=review_id, owner=manager
        )
        current_rows(history, rng, org, timeline, quota, current, sid, day, team)
    for k, deal in enumerate(deals):
        status = "skipped" if k in skipped else "reviewed"
        history.items.append(
            (
                len(history.items) + 1,
                review_id,
                deal["id"],
                k,
                deal["stage_id"],
                status,
                seconds[k],
                None if status == "skipped" else started,
            )
        )
    reviewed = [d for k, d in enumerate(deals) if k not in skipped]
    for k, deal in enumerate(reviewed[:3]):
        # Not commit yet; commit, at a discount; best case at most (or commit, from below).
        if k == 1:
            category, amount = "commit", dollars(deal["amount"] * 0.8)
        else:
            category, amount = ("best_case" if deal["category"] == "commit" else "commit"), None
        history.judgments.append(
            (
                k + 1,
                deal["id"],
                manager,
                review_id,
                category,
                amount,
                JUDGMENT_NOTES[k],
                started,
                deal["category"],
                deal["amount"],
            )
        )
    for k, deal in enumerate(reviewed[:4]):
        due = day + 3 + 4 * k
        # Written down by the rep; the last one is the manager's to do.
        history.actions.append(
            (
                first_note_id + k,
                deal["id"],
                deal["owner_id"],
                NEXT_STEPS[(k * 5) % len(NEXT_STEPS)],
                started,
                "action",
                timeline.iso(due),
                k == 0 and due < timeline.today,
                manager if k == 3 else deal["owner_id"],
                review_id,
            )
        )


def review_deals(
    conn: Connection, timeline: Timeline, team: frozenset[int], started: datetime
) -> list[dict[str, Any]]:
    """The team's biggest open deals of the quarter, stage by stage, latest stage first."""
    deal, stage = table_of(Deal).c, table_of(Stage).c
    first, last = timeline.quarter_bounds(QUARTERS_BACK)
    query = (
        select(deal.id, deal.stage_id, deal.amount_minor, deal.forecast_category, deal.owner_id)
        .join_from(table_of(Deal), table_of(Stage), stage.id == deal.stage_id)
        .where(
            stage.kind == StageKind.OPEN.value,
            deal.owner_id.in_(sorted(team)),
            deal.close_date.between(date.fromisoformat(first), date.fromisoformat(last)),
            deal.created_at < started,
        )
        .order_by(deal.amount_minor.desc(), deal.id)
        .limit(REVIEW_DEALS)
    )
    rows = [dict(r) for r in conn.execute(query).mappings()]
    positions = {
        sid: (pipeline, position)
        for sid, pipeline, position in conn.execute(
            select(stage.id, stage.pipeline_id, stage.position)
        )
    }
    rows.sort(
        key=lambda r: (
            positions[r["stage_id"]][0],
            -positions[r["stage_id"]][1],
            -r["amount_minor"],
            r["id"],
        )
    )
    return [
        {
            "id": r["id"],
            "stage_id": r["stage_id"],
            "amount": r["amount_minor"],
            "category": r["forecast_category"],
            "owner_id": r["owner_id"],
        }
        for r in rows
    ]
