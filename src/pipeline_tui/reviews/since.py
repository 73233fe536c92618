"""Where "since the last review" starts, for the what-changed waterfall."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from ..forecast.snapshots import load_snapshot
from ..models import SnapshotKind
from ..periods import Period
from ..query import load_org
from .model import ReviewScope
from .store import last_review, snapshot_id_of


def since_last_review(engine: Engine, period: Period, scope: ReviewScope) -> datetime | int | None:
    """The end of the last review of this scope (`store.last_review`: of the same scope
    if there is one, else of any): its end snapshot (an id) when that snapshot holds these
    deals in this period, else the moment it ended; None when no review has ended."""
    with engine.connect() as conn:
        found = last_review(conn, scope)
        if found is None:
            return None
        review_id, ended_at = found
        snapshot_id = snapshot_id_of(conn, review_id, SnapshotKind.REVIEW_END)
        if snapshot_id is not None:
            snapshot = load_snapshot(conn, snapshot_id)
            org = load_org(conn)
            if (
                snapshot.with_deals
                and snapshot.period.key == period.key
                and snapshot.scope.covers(org, scope.owner_ids(org), scope.pipeline_id)
            ):
                return snapshot.id
    return ended_at
