"""Where "since the last review" starts, for the what-changed waterfall."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from ..forecast.snapshots import load_snapshot
from ..periods import Period
from ..query import Scope, load_org
from .start import get_review, list_reviews


def since_last_review(engine: Engine, period: Period, scope: Scope) -> datetime | int | None:
    """The end of the latest ended review: its end snapshot (an id) when that snapshot holds
    these deals in this period, else the moment it ended; None when no review has ended."""
    ended = list_reviews(engine, status="ended", limit=1)
    if not ended:
        return None
    review = get_review(engine, ended[0].id)
    assert review.ended_at is not None
    if review.end_snapshot_id is not None:
        with engine.connect() as conn:
            snapshot = load_snapshot(conn, review.end_snapshot_id)
            org = load_org(conn)
        if (
            snapshot.with_deals
            and snapshot.period.key == period.key
            and snapshot.scope.covers(org, scope.owner_ids, scope.pipeline_id)
        ):
            return snapshot.id
    return review.ended_at
