"""One category cycle: a rep's C steps forwards through it, a manager's M backwards."""

from __future__ import annotations

from pipeline_tui.models import CATEGORY_CYCLE, ForecastCategory, next_category


def test_one_category_cycle_forwards_for_reps_backwards_for_managers() -> None:
    forwards = ["pipeline", "best_case", "commit", "omitted", "pipeline"]
    assert [next_category(c) for c in forwards[:-1]] == forwards[1:]
    # What the review screen's own list said: commit, best case, pipeline, omitted.
    backwards = ["commit", "best_case", "pipeline", "omitted", "commit"]
    assert [next_category(c, backwards=True) for c in backwards[:-1]] == backwards[1:]
    closed = ForecastCategory.CLOSED.value
    assert closed not in CATEGORY_CYCLE
    assert next_category(closed) == "pipeline"
    assert next_category(closed, backwards=True) == "commit"
    assert next_category(None, backwards=True) == "commit"
