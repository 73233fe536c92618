"""Undo and redo write new edits: values come back, history only ever grows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text, update

from pipeline_tui.models import ChangeSource, Deal, table_of
from pipeline_tui.services import (
    EditError,
    StaleDealError,
    UndoStack,
    add_note,
    mark_won,
    move_stage,
    set_amount,
    set_close_date,
    set_probability,
)

from ..factories import Builder

TUI = ChangeSource.TUI
TODAY = date(2026, 11, 26)
# Columns an undo restores; updated_at and version move forward like any edit.
RESTORED = (
    "stage_id",
    "probability",
    "forecast_category",
    "amount_minor",
    "close_date",
    "push_count",
    "closed_date",
    "lost_reason",
    "next_step",
    "stage_entered_at",
)


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    rep = b.user("rep")
    other = b.user("other")
    deal = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    second = b.deal(rep, "Propose", "500", date(2026, 12, 1))
    result = {"rep": rep.id or 0, "other": other.id or 0, "deal": deal.id or 0}
    result["second"] = second.id or 0
    b.commit()
    # A stage clock that isn't "now", so a restored one is told apart from a reset one.
    with engine.begin() as conn:
        conn.execute(
            update(table_of(Deal)).values(stage_entered_at=datetime(2026, 10, 1, 8, tzinfo=UTC))
        )
    return result


def row(engine: Engine, deal_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM deal WHERE id = :id"), {"id": deal_id})
        return dict(found.mappings().one())


def restored(engine: Engine, deal_id: int) -> dict[str, Any]:
    values = row(engine, deal_id)
    return {key: values[key] for key in RESTORED}


def history(engine: Engine, deal_id: int) -> list[tuple[Any, ...]]:
    query = text(
        "SELECT id, field, old_value, new_value, changed_by_id FROM deal_change "
        "WHERE deal_id = :i ORDER BY id"
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query, {"i": deal_id})]


def test_undo_and_redo_round_trip(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep = ids["deal"], ids["rep"]
    original = restored(engine, deal)
    stack = UndoStack()
    assert not stack.can_undo and not stack.can_redo

    r = set_probability(engine, deal, 1, 60, user_id=rep, source=TUI)
    stack.push(r)
    r = set_amount(engine, deal, r.deal.version, Decimal("12000"), user_id=rep, source=TUI)
    stack.push(r)
    r = move_stage(
        engine, deal, r.deal.version, +1, user_id=rep, source=TUI, accept_default_probability=True
    )
    stack.push(r)
    r = set_close_date(engine, deal, r.deal.version, date(2027, 2, 1), user_id=rep, source=TUI)
    stack.push(r)
    edited = restored(engine, deal)
    assert edited["push_count"] == 1
    assert len(history(engine, deal)) == 6

    undone = [stack.undo(engine, user_id=rep, source=TUI) for _ in range(4)]
    assert not stack.can_undo and stack.can_redo
    assert restored(engine, deal) == original
    assert row(engine, deal)["version"] == 9
    assert undone[0].changes[0].new == date(2026, 11, 20)
    assert undone[-1].deal.probability == 25
    after_undo = history(engine, deal)
    assert len(after_undo) == 12  # every undo wrote its own rows; none were deleted
    assert [h[1:4] for h in after_undo[6:]] == [
        ("close_date", "2027-02-01", "2026-11-20"),
        ("push_count", "1", "0"),
        ("stage", "Propose", "Qualify"),
        ("probability", "50", "60"),
        ("amount", "12000.00", "10000.00"),
        ("probability", "60", "25"),
    ]

    for _ in range(4):
        stack.redo(engine, user_id=rep, source=TUI)
    assert restored(engine, deal) == edited
    assert stack.can_undo and not stack.can_redo
    assert len(history(engine, deal)) == 18
    assert history(engine, deal)[:12] == after_undo


def test_undoing_a_stage_move_restores_the_stage_clock(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep = ids["deal"], ids["rep"]
    before = row(engine, deal)["stage_entered_at"]
    stack = UndoStack()
    stack.push(move_stage(engine, deal, 1, +1, user_id=rep, source=TUI))
    moved_at = row(engine, deal)["stage_entered_at"]
    assert moved_at != before
    stack.undo(engine, user_id=rep, source=TUI)
    assert row(engine, deal)["stage_entered_at"] == before
    stack.redo(engine, user_id=rep, source=TUI)
    assert row(engine, deal)["stage_entered_at"] == moved_at


def test_undo_of_a_win(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep = ids["deal"], ids["rep"]
    original = restored(engine, deal)
    stack = UndoStack()
    stack.push(mark_won(engine, deal, 1, user_id=rep, source=TUI, today=TODAY))
    result = stack.undo(engine, user_id=rep, source="cli")
    assert restored(engine, deal) == original
    assert result.deal.stage_name == "Qualify"
    assert result.deal.forecast_category == "pipeline"
    with engine.connect() as conn:
        sources = conn.execute(text("SELECT DISTINCT source FROM deal_change ORDER BY source"))
        assert [s for (s,) in sources] == ["cli", "tui"]


def test_a_deal_changed_meanwhile_is_not_undone(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep, other = ids["deal"], ids["rep"], ids["other"]
    stack = UndoStack()
    first = set_probability(engine, deal, 1, 60, user_id=rep, source=TUI)
    stack.push(first)
    set_amount(engine, deal, 2, Decimal(1), user_id=other, source=TUI)
    before = (row(engine, deal), history(engine, deal))
    with pytest.raises(StaleDealError):
        stack.undo(engine, user_id=rep, source=TUI)
    assert (row(engine, deal), history(engine, deal)) == before
    assert stack.can_undo and not stack.can_redo
    # Still there to try again, and still refused for the same reason.
    with pytest.raises(StaleDealError):
        stack.undo(engine, user_id=rep, source=TUI)


def test_a_stale_redo_keeps_the_stack(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep, other = ids["deal"], ids["rep"], ids["other"]
    stack = UndoStack()
    stack.push(set_probability(engine, deal, 1, 60, user_id=rep, source=TUI))
    undone = stack.undo(engine, user_id=rep, source=TUI)
    set_probability(engine, deal, undone.deal.version, 70, user_id=other, source=TUI)
    with pytest.raises(StaleDealError):
        stack.redo(engine, user_id=rep, source=TUI)
    assert stack.can_redo and not stack.can_undo
    assert row(engine, deal)["probability"] == 70


def test_a_new_edit_clears_redo(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep = ids["deal"], ids["rep"]
    stack = UndoStack()
    stack.push(set_probability(engine, deal, 1, 60, user_id=rep, source=TUI))
    undone = stack.undo(engine, user_id=rep, source=TUI)
    assert stack.can_redo
    stack.push(set_probability(engine, deal, undone.deal.version, 40, user_id=rep, source=TUI))
    assert not stack.can_redo
    with pytest.raises(EditError, match="Nothing to redo"):
        stack.redo(engine, user_id=rep, source=TUI)


def test_notes_and_no_ops_are_not_remembered(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep = ids["deal"], ids["rep"]
    stack = UndoStack()
    stack.push(
        add_note(engine, deal, "Call back", kind="next_step", user_id=rep, expected_version=1)
    )
    stack.push(add_note(engine, deal, "Met", kind="note", user_id=rep, expected_version=2))
    stack.push(set_probability(engine, deal, 2, 25, user_id=rep, source=TUI))
    assert not stack.can_undo
    with pytest.raises(EditError, match="Nothing to undo"):
        stack.undo(engine, user_id=rep, source=TUI)


def test_undo_spans_deals_in_order(engine: Engine, ids: dict[str, int]) -> None:
    rep = ids["rep"]
    stack = UndoStack()
    stack.push(set_probability(engine, ids["deal"], 1, 60, user_id=rep, source=TUI))
    stack.push(set_probability(engine, ids["second"], 1, 70, user_id=rep, source=TUI))
    assert stack.undo(engine, user_id=rep, source=TUI).deal.id == ids["second"]
    assert stack.undo(engine, user_id=rep, source=TUI).deal.id == ids["deal"]
    assert row(engine, ids["deal"])["probability"] == 25
    assert row(engine, ids["second"])["probability"] == 50


def test_the_stack_is_bounded(engine: Engine, ids: dict[str, int]) -> None:
    deal, rep = ids["deal"], ids["rep"]
    stack = UndoStack(limit=2)
    version = 1
    for probability in (30, 40, 50):
        result = set_probability(engine, deal, version, probability, user_id=rep, source=TUI)
        stack.push(result)
        version = result.deal.version
    stack.undo(engine, user_id=rep, source=TUI)
    stack.undo(engine, user_id=rep, source=TUI)
    assert not stack.can_undo
    assert row(engine, deal)["probability"] == 30


def test_a_pushed_next_step_is_not_someone_elses_change(
    engine: Engine, ids: dict[str, int]
) -> None:
    deal, rep = ids["deal"], ids["rep"]
    stack = UndoStack()
    stack.push(set_probability(engine, deal, 1, 60, user_id=rep, source=TUI))
    note = add_note(engine, deal, "Call back", kind="next_step", user_id=rep, expected_version=2)
    with pytest.raises(StaleDealError):  # not told about it: it looks like anyone's change
        stack.undo(engine, user_id=rep, source=TUI)
    stack.push(note)
    assert stack.undo(engine, user_id=rep, source=TUI).deal.probability == 25
    assert row(engine, deal)["next_step"] == "Call back"


def test_undo_reverts_only_its_fields_past_a_reloaded_change(
    engine: Engine, ids: dict[str, int]
) -> None:
    deal, rep, other = ids["deal"], ids["rep"], ids["other"]
    stack = UndoStack()
    stack.push(set_probability(engine, deal, 1, 60, user_id=rep, source=TUI))
    set_amount(engine, deal, 2, Decimal(777), user_id=other, source=TUI)
    # The rep reloads (version 3) and edits on top of the other change.
    stack.push(set_close_date(engine, deal, 3, date(2026, 11, 30), user_id=rep, source=TUI))
    stack.undo(engine, user_id=rep, source=TUI)
    stack.undo(engine, user_id=rep, source=TUI)
    after = row(engine, deal)
    assert (after["probability"], after["amount_minor"]) == (25, 77_700)
    assert str(after["close_date"]) == "2026-11-20"
