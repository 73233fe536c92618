"""The history of deals that closed in the last few weeks, as `mark_won` and `mark_lost`
write it: the stage, the probability and the category each move once, at the moment the
deal closed. What changed since a recent date then shows deals won and lost."""

from __future__ import annotations

import random

from .timeline import Row
from .vocabulary import PIPELINES

# (deal id, owner, pipeline index, closed stamp, last open probability, won)
Closing = tuple[int, int, int, str, int, bool]


def closing_changes(closings: list[Closing], rng: random.Random, first_id: int) -> list[Row]:
    """`deal_change` rows, with ids from `first_id`: written after every other change, so
    those keep the ids they had before closings were recorded."""
    pick = rng.random
    rows: list[Row] = []
    for deal_id, owner, p, stamp, stated, won in closings:
        spec = PIPELINES[p]
        open_names = [s.name for s in spec.open_stages]
        # Won deals mostly close from the last stage; lost ones from anywhere late.
        back = 1 if won and pick() < 0.8 else 1 + int(pick() * min(3, len(open_names)))
        before = "commit" if stated >= 90 else "best_case" if stated >= 60 else "pipeline"
        for field, old, new in (
            ("stage", open_names[-back], spec.won if won else spec.lost),
            ("probability", str(stated), "100" if won else "0"),
            ("forecast_category", before, "closed" if won else "omitted"),
        ):
            rows.append((first_id + len(rows), deal_id, field, old, new, owner, stamp, "cli"))
    return rows
