"""Forecast history for the demo: weekly snapshots and last week's review meeting.

Past snapshots can't be rebuilt from deals whose own history covers only recent weeks, so
their figures are made up the way real ones drift: a rep's call starts off by their bias
and closes in on what the quarter actually won, the manager's call a little closer. They
keep the per-person money figures only (`with_deals` false; counts and trailing win
rates are zero). The review is a real one over real deals: a first-line manager went
through their team's biggest deals a week ago, judged a few and agreed some actions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, func, select

from ..models import Deal, Stage, table_of
from ..periods import quarter_containing
from .org import Organisation
from .timeline import Row, Timeline
from .vocabulary import QUARTERS_BACK

# fmt: off
SNAPSHOT_COLUMNS = (
    "id", "taken_at", "as_of", "kind", "review_id", "period_key", "period_kind",
    "period_start", "period_end", "scope_owner_id", "scope_subtree", "pipeline_id",
    "with_deals",
)
ROW_COLUMNS = (
    "snapshot_id", "owner_id", "quota_minor", "closed_won_minor", "commit_minor",
    "best_case_minor", "pipeline_minor", "weighted_units", "lost_minor", "open_count",
    "won_count", "lost_count", "trailing_won_minor", "trailing_lost_minor",
    "manager_commit_minor", "judged_count",
)
# fmt: on
PAST_OFFSETS = (20, 48, 76)  # days into a past quarter at which a snapshot was taken
# Indexes into `Timeline.times`, which starts at 08:00: 17:00, and 09:00 for the meeting.
EVENING, MORNING = 9 * 60, 60


@dataclass(frozen=True)
class Now:
    """A rep's figures in the current quarter, in minor units."""

    won: int = 0
    commit: int = 0
    best: int = 0
    pipeline: int = 0
    weighted: int = 0


@dataclass
class History:
    """Rows in stored form, and what the review needs to make its own snapshots."""

    snapshots: list[Row] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    reviews: list[Row] = field(default_factory=list)
    items: list[Row] = field(default_factory=list)
    judgments: list[Row] = field(default_factory=list)
    actions: list[Row] = field(default_factory=list)
    quota: dict[tuple[int, str], int] = field(default_factory=dict)  # (rep, start) -> minor
    current: dict[int, Now] = field(default_factory=dict)


def forecast_history(
    conn: Connection,
    rng: random.Random,
    org: Organisation,
    timeline: Timeline,
    quotas: list[Row],
    won: list[int],
) -> History:
    """Weekly snapshots: three in each past quarter, one a week in the current one."""
    history = History()
    quota = {(rep, start): amount for _, rep, start, _, amount in quotas}
    nq = timeline.quarters
    for q in range(QUARTERS_BACK):
        start = timeline.quarter_starts[q]
        length = timeline.quarter_starts[q + 1] - start
        for offset in PAST_OFFSETS:
            sid = snapshot(history, timeline, start + offset, EVENING)
            f = offset / length
            mood = rng.gauss(0, 0.08)  # the whole team's optimism that week
            for rep, profile in org.reps.items():
                final = won[rep * nq + q]
                closed = min(final, dollars(final * f**1.6 * rng.uniform(0.8, 1.1)))
                e = (profile.bias / 100 * 1.2 + mood + rng.gauss(0, 0.1)) * (1 - f)
                e += rng.gauss(0, 0.03)
                commit = max(0, dollars(final * (1 + e)) - closed)
                manager = max(0, dollars(final * (1 + 0.6 * e + rng.gauss(0, 0.03))) - closed)
                best = dollars(commit * rng.uniform(0.6, 1.2) * (1 - f / 2))
                pipeline = dollars((commit + best) * rng.uniform(1.4, 2.2))
                q_start = timeline.iso(start)
                history.rows.append(
                    _row(
                        sid,
                        rep,
                        quota.get((rep, q_start)),
                        closed,
                        commit,
                        best,
                        pipeline,
                        pipeline * rng.randint(40, 55),
                        manager,
                    )
                )
    current = _current(conn, timeline)
    start = timeline.quarter_starts[QUARTERS_BACK]
    days = [d for d in range(start + 6, timeline.today, 7)]
    for day in days:
        sid = snapshot(history, timeline, day, EVENING)
        current_rows(history, rng, org, timeline, quota, current, sid, day, None)
    history.quota, history.current = quota, current
    return history


def current_rows(
    history: History,
    rng: random.Random,
    org: Organisation,
    timeline: Timeline,
    quota: dict[tuple[int, str], int],
    current: dict[int, Now],
    sid: int,
    day: int,
    team: frozenset[int] | None,
) -> None:
    """Rows for a snapshot taken `day` into the current quarter: today's figures wound
    back, the call starting off by the rep's bias."""
    start = timeline.quarter_starts[QUARTERS_BACK]
    f = max(0.0, min(1.0, (day - start) / max(1, timeline.today - start)))
    for rep, profile in org.reps.items():
        if team is not None and rep not in team:
            continue
        now = current.get(rep, Now())
        closed = dollars(now.won * f**1.4)
        e = (profile.bias / 100 + rng.gauss(0, 0.06)) * (1 - f)
        commit = max(0, dollars((now.won + now.commit) * (1 + e)) - closed)
        manager = max(0, dollars((now.won + now.commit) * (1 + 0.6 * e)) - closed)
        growth = (1 + 0.25 * (1 - f)) * rng.uniform(0.97, 1.03)
        history.rows.append(
            _row(
                sid,
                rep,
                quota.get((rep, timeline.iso(start))),
                closed,
                commit,
                dollars(now.best * rng.uniform(0.9, 1.15)),
                dollars(now.pipeline * growth),
                round(now.weighted * growth),
                manager,
            )
        )


def _current(conn: Connection, timeline: Timeline) -> dict[int, Now]:
    """Each owner's figures in the current quarter, summed by the database."""
    deal, stage = table_of(Deal).c, table_of(Stage).c
    first, last = timeline.quarter_bounds(QUARTERS_BACK)
    kinds = dict(conn.execute(select(stage.id, stage.kind)).all())
    is_open = deal.stage_id.in_([s for s, k in kinds.items() if k == "open"])
    is_won = deal.stage_id.in_([s for s, k in kinds.items() if k == "won"])
    counted = is_open & (deal.forecast_category != "omitted")

    def total(condition: Any, value: Any) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    query = (
        select(
            deal.owner_id,
            total(is_won, deal.amount_minor),
            total(is_open & (deal.forecast_category == "commit"), deal.amount_minor),
            total(is_open & (deal.forecast_category == "best_case"), deal.amount_minor),
            total(counted, deal.amount_minor),
            total(counted, deal.amount_minor * deal.probability),
        )
        .where(deal.close_date.between(date.fromisoformat(first), date.fromisoformat(last)))
        .group_by(deal.owner_id)
    )
    return {row[0]: Now(*(int(v) for v in row[1:])) for row in conn.execute(query)}


def snapshot(
    history: History,
    timeline: Timeline,
    day: int,
    minute: int,
    *,
    kind: str = "weekly",
    review_id: int | None = None,
    owner: int | None = None,
) -> int:
    sid = len(history.snapshots) + 1
    period = quarter_containing(date.fromordinal(day))
    history.snapshots.append(
        (
            sid,
            timeline.iso(day) + timeline.times[minute],
            timeline.iso(day),
            kind,
            review_id,
            period.key,
            period.kind,
            period.start.isoformat() if period.start else None,
            period.end.isoformat() if period.end else None,
            owner,
            True,
            None,
            False,
        )
    )
    return sid


def _row(
    sid: int,
    owner: int,
    quota: int | None,
    closed: int,
    commit: int,
    best: int,
    pipeline: int,
    weighted: int,
    manager: int,
) -> Row:
    return (
        sid,
        owner,
        quota,
        closed,
        commit,
        best,
        pipeline,
        weighted,
        0,
        0,
        0,
        0,
        0,
        0,
        manager,
        0,
    )


def dollars(minor: float) -> int:
    """Whole dollars, in minor units."""
    return round(minor / 100) * 100
