"""What a caller read, for tests that write as someone who just looked at the deal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from pipeline_tui.models import Deal, table_of
from pipeline_tui.reviews.lookups import latest_judgment

DEAL = table_of(Deal).c


def version_of(engine: Engine, deal_id: int) -> int:
    with engine.connect() as conn:
        version: int = conn.execute(select(DEAL.version).where(DEAL.id == deal_id)).scalar_one()
    return version


def read(engine: Engine, deal_id: int) -> dict[str, Any]:
    """`expected_version` and `expected_judgment_id` as they are now."""
    with engine.connect() as conn:
        judgment = latest_judgment(conn, deal_id)
    return {
        "expected_version": version_of(engine, deal_id),
        "expected_judgment_id": judgment.id if judgment else None,
    }


def judged(engine: Engine, deal_id: int) -> dict[str, Any]:
    """The same for withdrawing: the judgment in force, which must exist."""
    seen = read(engine, deal_id)
    assert seen["expected_judgment_id"] is not None
    return seen
