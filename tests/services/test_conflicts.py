"""Two people, one deal: a write based on an old read is refused and says what changed.

Each person is a `Workspace` of their own (their own undo stack, their own reads), on
the same database, once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from pipeline_tui import reviews
from pipeline_tui.errors import ConflictError
from pipeline_tui.forecast import load_org
from pipeline_tui.models import Judgment, Note, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.reviews.lookups import latest_judgment
from pipeline_tui.services import EditError, StaleDealError, add_note
from pipeline_tui.services.cards import DealCard, load_card
from pipeline_tui.services.edit_types import (
    AddNote,
    CycleCategory,
    SetAmount,
    SetCloseDate,
    SetProbability,
)
from pipeline_tui.services.people import list_pipelines, load_settings
from pipeline_tui.services.workspace import Workspace

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
NOT_SAVED = "was not saved and the deal has been reloaded."


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    rep = b.user("rep", manager=mgr)
    # Dana changes Rep's deal behind Rep's back: an admin may (roles).
    dana = b.user("dana", manager=mgr, role="admin")
    boss = b.user("boss", role="manager")
    deal = b.deal(rep, "Propose", "10000", date(2026, 12, 10), probability=40)
    second = b.deal(dana, "Qualify", "5000", date(2026, 12, 12))  # a review's next deal
    made = {"mgr": mgr, "rep": rep, "dana": dana, "boss": boss, "deal": deal, "second": second}
    result = {k: v.id for k, v in made.items() if v.id is not None}
    b.commit()
    return result


def session(engine: Engine, person_id: int) -> Workspace:
    """One person's app session, with an undo stack of its own."""
    with engine.connect() as conn:
        org = load_org(conn)
    return Workspace(
        "sqlite://",
        engine,
        org.people[person_id],
        org,
        load_settings(engine),
        list_pipelines(engine),
    )


def card(engine: Engine, deal_id: int) -> DealCard:
    """The deal as someone reads it now."""
    with engine.connect() as conn:
        return load_card(conn, deal_id)


def deal_row(engine: Engine, deal_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM deal WHERE id = :id"), {"id": deal_id})
        return dict(found.mappings().one())


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message and message.endswith(NOT_SAVED)
    return message


# --- next step and notes ---------------------------------------------------------------


def test_a_stale_next_step_is_refused_and_the_others_kept(
    engine: Engine, ids: dict[str, int]
) -> None:
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    seen_by_rep = card(engine, ids["deal"])
    dana.edit(card(engine, ids["deal"]), AddNote("Call the CFO", "next_step"))
    notes_before = count(engine, Note)

    with pytest.raises(StaleDealError) as caught:
        rep.edit(seen_by_rep, AddNote("Send the deck", "next_step"))

    message = one_line(caught.value)
    assert message.startswith("Dana changed next step none → “Call the CFO” at ")
    assert message.endswith("your next step was not saved and the deal has been reloaded.")
    assert deal_row(engine, ids["deal"])["next_step"] == "Call the CFO"
    assert count(engine, Note) == notes_before


def test_a_plain_note_on_a_stale_view_is_refused(engine: Engine, ids: dict[str, int]) -> None:
    """A note overwrites nothing, but it is about the deal as its author saw it."""
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    seen_by_rep = card(engine, ids["deal"])
    dana.edit(card(engine, ids["deal"]), SetProbability(60))

    with pytest.raises(StaleDealError) as caught:
        rep.edit(seen_by_rep, AddNote("They agreed to 40%", "note"))

    assert "Dana changed probability 40% → 60%" in one_line(caught.value)
    assert "your note was not saved" in str(caught.value)
    assert count(engine, Note) == 0


def test_the_message_is_one_clean_line_however_much_changed(
    engine: Engine, ids: dict[str, int]
) -> None:
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    seen_by_rep = card(engine, ids["deal"])
    dana.edit(card(engine, ids["deal"]), SetProbability(50))
    dana.edit(card(engine, ids["deal"]), SetProbability(70))
    hostile = "\x1b]0;pwned\x07" + "x" * 100 + "\nrm -rf"
    dana.edit(card(engine, ids["deal"]), AddNote(hostile, "next_step"))
    with pytest.raises(StaleDealError) as caught:
        rep.edit(seen_by_rep, SetAmount(Decimal(1)))
    message = one_line(caught.value)
    # Dana's three writes in a row are one clause, each field from first to last value.
    assert message.startswith("Dana changed probability 40% → 70%, next step none → “␛]0;pwned␇x")
    assert "\x1b" not in message and "\x07" not in message
    assert "rm -rf" not in message  # long values are cut short
    assert deal_row(engine, ids["deal"])["amount_minor"] == 1_000_000


def test_no_write_takes_whatever_version_is_current(engine: Engine, ids: dict[str, int]) -> None:
    with pytest.raises(EditError, match="needs the version of the deal"):
        add_note(
            engine,
            ids["deal"],
            "Send the deck",
            kind="next_step",
            user_id=ids["rep"],
            expected_version=None,  # type: ignore[arg-type]
        )
    assert deal_row(engine, ids["deal"])["next_step"] is None
    assert count(engine, Note) == 0


def test_own_writes_since_a_read_are_built_on(engine: Engine, ids: dict[str, int]) -> None:
    """A screen that hasn't reloaded after this session's own edit isn't stale; someone
    else's edit on top of it is."""
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    seen = card(engine, ids["deal"])
    rep.edit(seen, SetProbability(50))
    rep.edit(seen, AddNote("Send the deck", "next_step"))  # still the version-1 copy
    assert deal_row(engine, ids["deal"])["version"] == 3
    dana.edit(card(engine, ids["deal"]), SetAmount(Decimal(12000)))
    with pytest.raises(StaleDealError, match=r"Dana changed amount \$10,000 → \$12,000"):
        rep.edit(seen, SetProbability(70))
    assert deal_row(engine, ids["deal"])["probability"] == 50


# --- undo and redo -----------------------------------------------------------------------


def test_a_multi_step_undo_never_writes_over_a_later_change(
    engine: Engine, ids: dict[str, int]
) -> None:
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    rep.edit(card(engine, ids["deal"]), SetProbability(60))  # 40 -> 60, version 2
    dana.edit(card(engine, ids["deal"]), SetProbability(80))  # 60 -> 80, version 3
    # The rep reloads and edits on top of Dana's change.
    rep.edit(card(engine, ids["deal"]), SetAmount(Decimal(15000)))  # version 4
    rep.undo()  # the amount is the rep's own: back to 10000, version 5

    with pytest.raises(StaleDealError) as caught:
        rep.undo()  # would put probability back to 40 over Dana's 80

    message = one_line(caught.value)
    assert message.startswith("Dana changed probability 60% → 80% at ")
    assert "your undo was not saved" in message
    after = deal_row(engine, ids["deal"])
    assert (after["probability"], after["amount_minor"], after["version"]) == (80, 1_000_000, 5)
    # The stack is as it was: the refused step can still be seen, and redo still redoes.
    assert rep.undo_stack.can_undo and rep.undo_stack.can_redo
    assert rep.redo().deal.amount == Decimal(15000)


def test_undo_of_a_field_changed_again_by_someone_else_is_refused_without_a_reload(
    engine: Engine, ids: dict[str, int]
) -> None:
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    rep.edit(card(engine, ids["deal"]), SetCloseDate(date(2026, 12, 20)))
    dana.edit(card(engine, ids["deal"]), SetCloseDate(date(2026, 12, 24)))
    with pytest.raises(StaleDealError, match="Dana changed close date 2026-12-20 → 2026-12-24"):
        rep.undo()
    assert str(deal_row(engine, ids["deal"])["close_date"]) == "2026-12-24"
    assert rep.undo_stack.can_undo


def test_a_redo_never_writes_over_a_later_change(engine: Engine, ids: dict[str, int]) -> None:
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    rep.edit(card(engine, ids["deal"]), SetAmount(Decimal(20000)))  # version 2
    rep.undo()  # back to 10000, version 3
    dana.edit(card(engine, ids["deal"]), SetAmount(Decimal(15000)))  # version 4
    # The rep reloads and sets the next step (a note: it leaves redo alone), version 5.
    rep.edit(card(engine, ids["deal"]), AddNote("Send the deck", "next_step"))

    with pytest.raises(StaleDealError) as caught:
        rep.redo()  # would put 20000 over Dana's 15000

    assert one_line(caught.value).startswith("Dana changed amount $10,000 → $15,000 at ")
    assert "your redo was not saved" in str(caught.value)
    assert deal_row(engine, ids["deal"])["amount_minor"] == 1_500_000
    assert rep.undo_stack.can_redo and not rep.undo_stack.can_undo


def test_a_redo_after_someone_elses_change_says_what_it_was(
    engine: Engine, ids: dict[str, int]
) -> None:
    rep, dana = session(engine, ids["rep"]), session(engine, ids["dana"])
    rep.edit(card(engine, ids["deal"]), SetProbability(60))
    rep.undo()
    dana.edit(card(engine, ids["deal"]), CycleCategory())
    with pytest.raises(StaleDealError, match="Dana changed forecast category Pipeline → Best case"):
        rep.redo()
    assert deal_row(engine, ids["deal"])["probability"] == 40


# --- judgments and action items -----------------------------------------------------------


def test_a_judgment_on_a_stale_deal_is_refused(engine: Engine, ids: dict[str, int]) -> None:
    mgr, dana = session(engine, ids["mgr"]), session(engine, ids["dana"])
    review = reviews.start_review(
        engine, started_by=ids["mgr"], scope=reviews.ReviewScope(ids["mgr"]), period=Q4, today=TODAY
    )
    seen = reviews.review_deal(engine, review.id, ids["deal"], today=TODAY)
    dana.edit(card(engine, ids["deal"]), SetAmount(Decimal(30000)))

    with pytest.raises(reviews.ReviewConflict) as caught:
        reviews.record_judgment(
            engine,
            review.id,
            ids["deal"],
            ids["mgr"],
            "commit",
            None,
            expected_version=mgr.based_on(seen.deal),
            expected_judgment_id=None,
        )
    assert isinstance(caught.value, ConflictError)
    message = str(caught.value)
    assert message.startswith("Dana changed amount $10,000 → $30,000 at ")
    assert message.endswith("your judgment was not saved and the deal has been reloaded.")
    with pytest.raises(reviews.ReviewConflict, match="your action item was not saved"):
        reviews.add_action_item(
            engine,
            review.id,
            ids["deal"],
            "Get the PO",
            ids["rep"],
            None,
            ids["mgr"],
            expected_version=seen.deal.version,
        )
    assert count(engine, Judgment) == 0 and count(engine, Note) == 0


def test_a_judgment_made_without_seeing_anothers_is_refused(
    engine: Engine, ids: dict[str, int]
) -> None:
    version = card(engine, ids["deal"]).version
    boss_call = reviews.record_judgment(
        engine,
        None,
        ids["deal"],
        ids["boss"],
        "best_case",
        Decimal(8000),
        expected_version=version,
        expected_judgment_id=None,
    )
    with pytest.raises(reviews.ReviewConflict) as caught:
        reviews.record_judgment(  # the manager saw no judgment yet
            engine,
            None,
            ids["deal"],
            ids["mgr"],
            "commit",
            None,
            expected_version=version,
            expected_judgment_id=None,
        )
    assert str(caught.value).startswith("Boss made the call Best case $8,000 at ")
    assert "your judgment was not saved" in str(caught.value)
    with engine.connect() as conn:
        latest = latest_judgment(conn, ids["deal"])
    assert latest is not None and latest.id == boss_call.id
    # Having seen it, the manager may overrule it.
    overruled = reviews.record_judgment(
        engine,
        None,
        ids["deal"],
        ids["mgr"],
        "commit",
        None,
        expected_version=version,
        expected_judgment_id=boss_call.id,
    )
    assert overruled.manager_category == "commit"


# --- review decisions ----------------------------------------------------------------------


def test_a_mark_from_a_stale_position_is_refused(engine: Engine, ids: dict[str, int]) -> None:
    review = reviews.start_review(
        engine, started_by=ids["mgr"], scope=reviews.ReviewScope(ids["mgr"]), period=Q4, today=TODAY
    )
    assert review.total == 2 and review.current_index == 0
    # Another session of the same manager marks the first deal and moves on.
    reviews.move(engine, review.id, 1, mark="reviewed", from_index=0)

    with pytest.raises(reviews.ReviewConflict, match="moved on to deal 2 of 2 meanwhile"):
        reviews.move(engine, review.id, 1, mark="skipped", seconds_spent=30, from_index=0)
    with pytest.raises(reviews.ReviewConflict, match="your mark was not saved"):
        reviews.end_review(engine, review.id, today=TODAY, mark="skipped", from_index=0)
    with pytest.raises(reviews.ReviewError, match="needs the position"):
        reviews.move(engine, review.id, 1, mark="skipped")

    after = reviews.get_review(engine, review.id)
    assert [i.status for i in after.items] == ["reviewed", "pending"]
    assert after.is_open and after.elapsed_seconds == 0
