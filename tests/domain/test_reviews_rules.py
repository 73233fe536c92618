"""Reviews: what "changed since the last review" means, the order of the walk, and every
refusal (each one writes nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from pipeline_tui import reviews
from pipeline_tui.models import Deal, Judgment, Note, Review, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services import edits

from ..factories import Builder
from ..reads import judged, read, version_of

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
D = Decimal
DEAL = table_of(Deal).c


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann, bob = b.user("ann", manager=mgr), b.user("bob", manager=mgr)
    dec = date(2026, 12, 10)
    made = {
        "mgr": mgr,
        "ann": ann,
        "bob": bob,
        "x": b.deal(ann, "Negotiate", "50000", dec, probability=70, category="best_case"),
        "y": b.deal(ann, "Qualify", "80000", dec, probability=10),
        "z": b.deal(bob, "Propose", "20000", dec, probability=50),
        "lost": b.deal(bob, "Lost", "9000", dec, category="omitted"),
    }
    result = {k: v.id for k, v in made.items() if v.id is not None}
    result |= {f"stage:{k}": s.id for k, s in b.stages.items() if s.id is not None}
    b.commit()
    return result


def start(engine: Engine, ids: dict[str, int], **kwargs: object) -> reviews.ReviewState:
    return reviews.start_review(
        engine,
        started_by=ids["mgr"],
        scope=reviews.ReviewScope(ids["mgr"]),
        period=Q4,
        today=TODAY,
        **kwargs,  # type: ignore[arg-type]
    )


def walk_all(engine: Engine, state: reviews.ReviewState) -> reviews.ReviewSummary:
    for k in range(1, state.total):
        reviews.move(engine, state.id, k, mark="reviewed", from_index=k - 1)
    last = state.total - 1
    return reviews.end_review(engine, state.id, today=TODAY, mark="reviewed", from_index=last)


def bump(engine: Engine, deal_id: int, probability: int) -> None:
    with engine.connect() as conn:
        version = conn.execute(select(DEAL.version).where(DEAL.id == deal_id)).scalar_one()
    edits.set_probability(engine, deal_id, version, probability, user_id=None, source="cli")


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def test_open_stages_latest_first_then_biggest(engine: Engine, ids: dict[str, int]) -> None:
    state = start(engine, ids)
    assert [i.deal_id for i in state.items] == [ids["x"], ids["z"], ids["y"]]
    assert [i.stage_name for i in state.items] == ["Negotiate", "Propose", "Qualify"]
    assert [state.progress(k).text for k in range(3)] == [
        "Negotiate 1/1 - deal 1/3",
        "Propose 1/1 - deal 2/3",
        "Qualify 1/1 - deal 3/3",
    ]
    reviews.cancel_review(engine, state.id)
    earliest = start(engine, ids, latest_stage_first=False)
    assert [i.deal_id for i in earliest.items] == [ids["y"], ids["z"], ids["x"]]


def test_changed_since_the_last_review(engine: Engine, ids: dict[str, int]) -> None:
    # No review has ended yet: everything counts as changed, and there is nothing to diff.
    first = start(engine, ids, changed_only=True)
    assert first.total == 3 and first.baseline_at is None
    # The first meeting reviews x and z, and skips y.
    reviews.move(engine, first.id, 1, mark="reviewed", from_index=0)
    reviews.move(engine, first.id, 2, mark="reviewed", from_index=1)
    reviews.end_review(engine, first.id, today=TODAY, mark="skipped", from_index=2)
    # Only z and y change after it; x changes twice but ends where it was.
    bump(engine, ids["z"], 60)
    bump(engine, ids["z"], 65)
    bump(engine, ids["x"], 75)
    bump(engine, ids["x"], 70)
    bump(engine, ids["y"], 20)

    second = start(engine, ids, changed_only=True)
    # x: a change to a forecast field since it was reviewed counts, even one undone.
    assert {i.deal_id for i in second.items} == {ids["x"], ids["y"], ids["z"]}
    assert second.previous_review_id == first.id and second.baseline_at is not None
    z = reviews.review_deal(engine, second.id, ids["z"], today=TODAY)
    assert z.baseline_review_id == first.id
    assert z.changes_since_last_review == (reviews.FieldDiff("probability", "50", "65"),)
    x = reviews.review_deal(engine, second.id, ids["x"], today=TODAY)
    assert x.changes_since_last_review == ()  # 70 -> 75 -> 70: no net change
    y = reviews.review_deal(engine, second.id, ids["y"], today=TODAY)
    # y was skipped, so its baseline is the previous review of this scope: the same one.
    assert y.baseline_review_id == first.id
    assert y.changes_since_last_review == (reviews.FieldDiff("probability", "10", "20"),)
    walk_all(engine, second)

    # After a meeting that reviewed all three, nothing has changed since.
    with pytest.raises(reviews.ReviewError, match="No open deal matches"):
        start(engine, ids, changed_only=True)
    bump(engine, ids["y"], 30)
    third = start(engine, ids, changed_only=True)
    assert [i.deal_id for i in third.items] == [ids["y"]]


def test_judgments_stand_beside_the_reps_call_and_can_be_withdrawn(
    engine: Engine, ids: dict[str, int]
) -> None:
    state = start(engine, ids)
    first = reviews.record_judgment(
        engine, state.id, ids["x"], ids["mgr"], "commit", None, **read(engine, ids["x"])
    )
    assert (first.manager_category, first.manager_amount) == ("commit", D("50000"))
    second = reviews.record_judgment(
        engine,
        state.id,
        ids["x"],
        ids["mgr"],
        None,
        D("42000.004"),
        "  haircut  ",
        **read(engine, ids["x"]),
    )
    assert (second.category, second.amount, second.note) == (None, D("42000.00"), "haircut")
    assert (second.manager_category, second.manager_amount) == ("best_case", D("42000.00"))
    banner = reviews.review_forecast(engine, state.id, today=TODAY)
    assert banner.now.manager_call == banner.now.rep_call  # the latest counts: no commit now
    withdrawn = reviews.withdraw_judgment(
        engine, state.id, ids["x"], ids["mgr"], **judged(engine, ids["x"])
    )
    assert not withdrawn.active
    assert reviews.review_deal(engine, state.id, ids["x"], today=TODAY).judgment is None
    # Withdrawing again, from a view still showing the judgment: it is already gone.
    with pytest.raises(reviews.ReviewConflict, match="Mgr withdrew the manager's call"):
        reviews.withdraw_judgment(
            engine,
            state.id,
            ids["x"],
            ids["mgr"],
            expected_version=version_of(engine, ids["x"]),
            expected_judgment_id=second.id,
        )
    # The deal itself never changed.
    with engine.connect() as conn:
        row = conn.execute(
            select(DEAL.forecast_category, DEAL.amount_minor).where(DEAL.id == ids["x"])
        ).one()
    assert tuple(row) == ("best_case", 5_000_000)
    assert count(engine, Judgment) == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stage_ids": [999]}, "no stage with id 999"),
        ({"stage_ids": ["Won"]}, "'Won' is not an open stage"),
        ({"min_amount": D("-1")}, "at least 0"),
        ({"min_amount": 1.5}, "must be a Decimal"),
        ({"min_amount": D("1000000")}, "No open deal matches"),
        ({"scope": reviews.ReviewScope(999)}, "no person with id 999"),
        ({"scope": reviews.ReviewScope(None, pipeline_id=999)}, "no pipeline with id 999"),
        ({"started_by": 999}, "no person with id 999"),
    ],
)
def test_bad_starts_write_nothing(
    engine: Engine, ids: dict[str, int], kwargs: dict[str, object], message: str
) -> None:
    if kwargs.get("stage_ids") == ["Won"]:
        kwargs = {"stage_ids": [ids["stage:Won"]]}
    arguments: dict[str, object] = {
        "started_by": ids["mgr"],
        "scope": reviews.ReviewScope(ids["mgr"]),
        "period": Q4,
        "today": TODAY,
    } | kwargs
    with pytest.raises(reviews.ReviewError, match=message):
        reviews.start_review(engine, **arguments)  # type: ignore[arg-type]
    assert count(engine, Review) == 0


def test_bad_steps_are_refused(engine: Engine, ids: dict[str, int]) -> None:
    state = start(engine, ids)
    for call, message in [
        (lambda: reviews.move(engine, state.id, 3), "deals 0 to 2, not 3"),
        (lambda: reviews.move(engine, state.id, -1), "deals 0 to 2, not -1"),
        (lambda: reviews.move(engine, state.id, 1, mark="pending"), "'reviewed' or 'skipped'"),
        (lambda: reviews.move(engine, state.id, 1, seconds_spent=-5), "0 to 86400"),
        (lambda: reviews.move(engine, 999, 1), "no review with id 999"),
        (
            lambda: reviews.record_judgment(
                engine,
                state.id,
                ids["lost"],
                ids["mgr"],
                "commit",
                None,
                **read(engine, ids["lost"]),
            ),
            "lost; judgments apply to open deals",
        ),
        (
            lambda: reviews.record_judgment(
                engine, state.id, ids["x"], ids["mgr"], "closed", None, **read(engine, ids["x"])
            ),
            "one of pipeline, best_case, commit, omitted",
        ),
        (
            lambda: reviews.record_judgment(
                engine, state.id, ids["x"], ids["mgr"], None, None, **read(engine, ids["x"])
            ),
            "needs a category or an amount",
        ),
        (
            lambda: reviews.add_action_item(
                engine,
                state.id,
                ids["x"],
                "  ",
                ids["ann"],
                None,
                None,
                expected_version=version_of(engine, ids["x"]),
            ),
            "needs some text",
        ),
        (
            lambda: reviews.add_action_item(
                engine,
                state.id,
                ids["lost"],
                "Call",
                ids["ann"],
                None,
                None,
                expected_version=version_of(engine, ids["lost"]),
            ),
            "not one of review",
        ),
        (
            lambda: reviews.add_action_item(
                engine,
                state.id,
                ids["x"],
                "Call",
                999,
                None,
                None,
                expected_version=version_of(engine, ids["x"]),
            ),
            "no person with id 999",
        ),
        (lambda: reviews.review_deal(engine, state.id, ids["lost"]), "not one of review"),
    ]:
        with pytest.raises(reviews.ReviewError, match=message):
            call()
    after = reviews.get_review(engine, state.id)
    assert after.current_index == 0 and after.elapsed_seconds == 0
    assert {i.status for i in after.items} == {"pending"}
    assert count(engine, Judgment) == 0 and count(engine, Note) == 0

    reviews.end_review(engine, state.id, today=TODAY)
    with pytest.raises(reviews.ReviewError, match="is ended; it can't be changed"):
        reviews.move(engine, state.id, 1)
    with pytest.raises(reviews.ReviewError, match="is ended; it can't be changed"):
        reviews.end_review(engine, state.id, today=TODAY)
    with pytest.raises(reviews.ReviewError, match="is ended; it can't be added to"):
        reviews.record_judgment(
            engine, state.id, ids["x"], ids["mgr"], "commit", None, **read(engine, ids["x"])
        )
    with pytest.raises(reviews.ReviewError, match="is ended, not open"):
        reviews.cancel_review(engine, state.id)


def test_action_items_can_be_done_and_outside_a_review(engine: Engine, ids: dict[str, int]) -> None:
    item = reviews.add_action_item(
        engine,
        None,
        ids["z"],
        "Send the order form",
        ids["bob"],
        date(2026, 12, 2),
        ids["mgr"],
        expected_version=version_of(engine, ids["z"]),
    )
    assert (item.owner_name, item.author_name, item.review_id, item.done) == (
        "Bob",
        "Mgr",
        None,
        False,
    )
    done = reviews.set_action_done(engine, item.id)
    assert done.done and done.id == item.id
    with pytest.raises(reviews.ReviewError, match="no action item with id"):
        reviews.set_action_done(engine, item.id + 100)


def test_a_cancelled_review_is_kept_without_an_end(engine: Engine, ids: dict[str, int]) -> None:
    state = start(engine, ids)
    cancelled = reviews.cancel_review(engine, state.id)
    assert cancelled.status == "cancelled" and cancelled.end_snapshot_id is None
    assert reviews.open_review(engine, ids["mgr"]) is None
    summary = reviews.review_summary(engine, state.id)
    assert summary.forecast_end is None and summary.forecast_start is not None
    assert [r.status for r in reviews.list_reviews(engine)] == ["cancelled"]
    assert reviews.list_reviews(engine, status="open") == []
