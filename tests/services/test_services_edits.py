"""Keystroke edits, checked against the database with plain SQL afterwards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.models import ChangeSource
from pipeline_tui.services import (
    DealNotFoundError,
    EditError,
    FieldChange,
    StageRef,
    StaleDealError,
    add_note,
    cycle_category,
    mark_lost,
    mark_won,
    move_stage,
    nudge_probability,
    set_amount,
    set_close_date,
    set_probability,
)

from ..factories import Builder

TUI = ChangeSource.TUI
TODAY = date(2026, 11, 26)


@dataclass
class World:
    rep: int
    other: int
    stages: dict[str, int]
    qualify: int  # Qualify, 10000.00 at 25%, closing 2026-11-20
    negotiate: int  # Negotiate, 40000.00 at 80%, commit, closing 2026-12-10
    undated: int  # Propose, no close date
    won: int


@pytest.fixture
def world(engine: Engine) -> World:
    b = Builder(engine)
    rep = b.user("rep")
    other = b.user("other")
    qualify = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    negotiate = b.deal(rep, "Negotiate", "40000", date(2026, 12, 10), category="commit")
    undated = b.deal(rep, "Propose", "5000", None)
    won = b.deal(rep, "Won", "1000", date(2026, 10, 1), category="closed")
    result = World(
        rep.id or 0,
        other.id or 0,
        {name: s.id or 0 for name, s in b.stages.items()},
        qualify.id or 0,
        negotiate.id or 0,
        undated.id or 0,
        won.id or 0,
    )
    b.commit()
    return result


def row(engine: Engine, deal_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM deal WHERE id = :id"), {"id": deal_id})
        values = dict(found.mappings().one())
    for key in ("close_date", "closed_date"):  # SQLite's driver returns plain SQL dates as text
        if isinstance(values[key], str):
            values[key] = date.fromisoformat(values[key])
    return values


def history(engine: Engine, deal_id: int) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT field, old_value, new_value, changed_by_id, source FROM deal_change "
                    "WHERE deal_id = :id ORDER BY id"
                ),
                {"id": deal_id},
            )
        ]


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def snapshot(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        deals = conn.execute(text("SELECT * FROM deal ORDER BY id")).all()
    return (deals, count(engine, "deal_change"), count(engine, "note"))


def assert_refused(
    engine: Engine,
    edit: Callable[[], Any],
    error: type[Exception] = EditError,
    match: str | None = None,
) -> None:
    before = snapshot(engine)
    with pytest.raises(error, match=match):
        edit()
    assert snapshot(engine) == before


# --- probability ---------------------------------------------------------------------


def test_set_probability_writes_one_change_and_bumps_version(engine: Engine, world: World) -> None:
    before = row(engine, world.qualify)
    result = set_probability(engine, world.qualify, 1, 65, user_id=world.rep, source=TUI)
    after = row(engine, world.qualify)
    assert after["probability"] == 65
    assert after["version"] == 2
    assert after["updated_at"] > before["updated_at"]
    assert history(engine, world.qualify) == [("probability", "25", "65", world.rep, "tui")]
    assert result.changes == [FieldChange("probability", 25, 65)]
    assert result.deal.probability == 65
    assert result.deal.version == 2
    assert result.deal.updated_at.tzinfo is not None


def test_an_edit_that_changes_nothing_writes_nothing(engine: Engine, world: World) -> None:
    before = snapshot(engine)
    result = set_probability(engine, world.qualify, 1, 25, user_id=world.rep, source=TUI)
    assert result.changes == []
    assert result.deal.version == 1
    assert snapshot(engine) == before


@pytest.mark.parametrize("bad", [101, -1, True, "50", 50.0])
def test_bad_probability_writes_nothing(engine: Engine, world: World, bad: Any) -> None:
    assert_refused(
        engine,
        lambda: set_probability(engine, world.qualify, 1, bad, user_id=world.rep, source=TUI),
        match="Probability",
    )


def test_stale_version_raises_and_writes_nothing(engine: Engine, world: World) -> None:
    set_probability(engine, world.qualify, 1, 30, user_id=world.other, source=TUI)
    with pytest.raises(StaleDealError) as caught:
        set_probability(engine, world.qualify, 1, 40, user_id=world.rep, source=TUI)
    message = str(caught.value)
    assert "changed probability" in message and "→ 30%" in message
    assert message.endswith("your change was not saved and the deal has been reloaded.")
    assert_refused(
        engine,
        lambda: set_amount(engine, world.qualify, 1, Decimal(5), user_id=world.rep, source=TUI),
        StaleDealError,
    )
    assert row(engine, world.qualify)["probability"] == 30


def test_unknown_deal_and_source(engine: Engine, world: World) -> None:
    assert_refused(
        engine,
        lambda: set_probability(engine, 999_999, 1, 5, user_id=world.rep, source=TUI),
        DealNotFoundError,
    )
    assert_refused(
        engine,
        lambda: set_probability(engine, world.qualify, 1, 5, user_id=world.rep, source="fax"),
        match="source",
    )


def test_nudge_clamps(engine: Engine, world: World) -> None:
    up = nudge_probability(engine, world.negotiate, 1, 15, user_id=world.rep, source=TUI)
    assert up.changes == [FieldChange("probability", 80, 95)]
    up = nudge_probability(engine, world.negotiate, 2, 10, user_id=world.rep, source=TUI)
    assert up.deal.probability == 100
    same = nudge_probability(engine, world.negotiate, 3, 10, user_id=world.rep, source=TUI)
    assert same.changes == [] and same.deal.version == 3
    down = nudge_probability(engine, world.qualify, 1, -40, user_id=world.rep, source="cli")
    assert down.deal.probability == 0
    assert history(engine, world.qualify) == [("probability", "25", "0", world.rep, "cli")]


# --- stages --------------------------------------------------------------------------


def test_move_stage_keeps_the_reps_probability(engine: Engine, world: World) -> None:
    entered_before = row(engine, world.qualify)["stage_entered_at"]
    result = move_stage(engine, world.qualify, 1, +1, user_id=world.rep, source=TUI)
    after = row(engine, world.qualify)
    assert after["stage_id"] == world.stages["Propose"]
    assert after["probability"] == 25
    assert after["stage_entered_at"] > entered_before
    assert result.proposed_probability == 50
    assert result.deal.stage_name == "Propose"
    qualify = StageRef(world.stages["Qualify"], "Qualify")
    propose = StageRef(world.stages["Propose"], "Propose")
    assert result.changes == [FieldChange("stage", qualify, propose)]
    assert history(engine, world.qualify) == [("stage", "Qualify", "Propose", world.rep, "tui")]


def test_move_stage_can_take_the_default_probability(engine: Engine, world: World) -> None:
    result = move_stage(
        engine, world.qualify, 1, +1, user_id=world.rep, source=TUI, accept_default_probability=True
    )
    assert result.deal.probability == 50
    assert history(engine, world.qualify) == [
        ("stage", "Qualify", "Propose", world.rep, "tui"),
        ("probability", "25", "50", world.rep, "tui"),
    ]
    back = move_stage(engine, world.qualify, 2, -1, user_id=world.rep, source=TUI)
    assert back.deal.stage_name == "Qualify"
    assert back.proposed_probability == 10
    assert back.deal.probability == 50


def test_move_stage_stops_at_the_open_ends(engine: Engine, world: World) -> None:
    assert_refused(
        engine,
        lambda: move_stage(engine, world.negotiate, 1, +1, user_id=world.rep, source=TUI),
        match="Already in the last open stage",
    )
    assert_refused(
        engine,
        lambda: move_stage(engine, world.qualify, 1, -1, user_id=world.rep, source=TUI),
        match="Already in the first open stage",
    )
    assert_refused(
        engine,
        lambda: move_stage(engine, world.qualify, 1, 2, user_id=world.rep, source=TUI),
        match=r"\+1 or -1",
    )
    assert_refused(
        engine,
        lambda: move_stage(engine, world.won, 1, -1, user_id=world.rep, source=TUI),
        match="won",
    )


def test_cycle_category(engine: Engine, world: World) -> None:
    seen = []
    for version in range(1, 6):
        result = cycle_category(engine, world.qualify, version, user_id=world.rep, source=TUI)
        seen.append(result.deal.forecast_category)
    assert seen == ["best_case", "commit", "omitted", "pipeline", "best_case"]
    assert row(engine, world.qualify)["version"] == 6
    assert [h[1:3] for h in history(engine, world.qualify)] == [
        ("pipeline", "best_case"),
        ("best_case", "commit"),
        ("commit", "omitted"),
        ("omitted", "pipeline"),
        ("pipeline", "best_case"),
    ]
    assert_refused(
        engine,
        lambda: cycle_category(engine, world.won, 1, user_id=world.rep, source=TUI),
        match="open deals",
    )


# --- close date ----------------------------------------------------------------------


def test_close_date_within_the_quarter_is_not_a_push(engine: Engine, world: World) -> None:
    result = set_close_date(
        engine, world.qualify, 1, date(2026, 12, 31), user_id=world.rep, source=TUI
    )
    assert result.changes == [FieldChange("close_date", date(2026, 11, 20), date(2026, 12, 31))]
    assert row(engine, world.qualify)["push_count"] == 0
    assert history(engine, world.qualify) == [
        ("close_date", "2026-11-20", "2026-12-31", world.rep, "tui")
    ]


def test_close_date_into_a_later_quarter_is_a_push(engine: Engine, world: World) -> None:
    set_close_date(engine, world.qualify, 1, date(2027, 1, 4), user_id=world.rep, source=TUI)
    after = row(engine, world.qualify)
    assert (after["close_date"], after["push_count"], after["version"]) == (
        date(2027, 1, 4),
        1,
        2,
    )
    assert history(engine, world.qualify) == [
        ("close_date", "2026-11-20", "2027-01-04", world.rep, "tui"),
        ("push_count", "0", "1", world.rep, "tui"),
    ]
    # Pulling it back in is not a push, and doesn't undo one.
    set_close_date(engine, world.qualify, 2, date(2026, 10, 1), user_id=world.rep, source=TUI)
    assert row(engine, world.qualify)["push_count"] == 1
    # A first close date is not a push either.
    first = set_close_date(engine, world.undated, 1, date(2030, 1, 1), user_id=None, source=TUI)
    assert first.deal.push_count == 0


def test_push_follows_the_fiscal_calendar(engine: Engine, world: World) -> None:
    # With a February start, November to January is one fiscal quarter.
    result = set_close_date(
        engine,
        world.negotiate,
        1,
        date(2027, 1, 15),
        user_id=world.rep,
        source=TUI,
        fiscal_year_start_month=2,
    )
    assert result.deal.push_count == 0
    result = set_close_date(
        engine,
        world.negotiate,
        2,
        date(2027, 2, 1),
        user_id=world.rep,
        source=TUI,
        fiscal_year_start_month=2,
    )
    assert result.deal.push_count == 1


@pytest.mark.parametrize("bad", [date(1999, 12, 31), date(2101, 1, 1)])
def test_close_date_out_of_range(engine: Engine, world: World, bad: date) -> None:
    assert_refused(
        engine,
        lambda: set_close_date(engine, world.qualify, 1, bad, user_id=world.rep, source=TUI),
        match="out of range",
    )


def test_clearing_the_close_date(engine: Engine, world: World) -> None:
    result = set_close_date(engine, world.qualify, 1, None, user_id=world.rep, source=TUI)
    assert result.deal.close_date_missing
    assert history(engine, world.qualify) == [("close_date", "2026-11-20", None, world.rep, "tui")]


# --- amount --------------------------------------------------------------------------


def test_set_amount(engine: Engine, world: World) -> None:
    result = set_amount(engine, world.qualify, 1, Decimal("12000"), user_id=world.rep, source=TUI)
    assert result.changes == [FieldChange("amount", Decimal("10000.00"), Decimal("12000.00"))]
    assert row(engine, world.qualify)["amount_minor"] == 1_200_000
    assert history(engine, world.qualify) == [("amount", "10000.00", "12000.00", world.rep, "tui")]
    # Cents are rounded half to even, as everywhere.
    result = set_amount(engine, world.qualify, 2, Decimal("0.125"), user_id=world.rep, source=TUI)
    assert result.deal.amount == Decimal("0.12")
    big = set_amount(
        engine, world.qualify, 3, Decimal("9999999999999.99"), user_id=None, source=TUI
    )
    assert row(engine, world.qualify)["amount_minor"] == 999_999_999_999_999
    assert big.deal.amount == Decimal("9999999999999.99")


@pytest.mark.parametrize(
    "bad", [Decimal(-1), Decimal(10**13), Decimal("NaN"), Decimal("Infinity"), 12.5, "12"]
)
def test_bad_amount_writes_nothing(engine: Engine, world: World, bad: Any) -> None:
    assert_refused(
        engine,
        lambda: set_amount(engine, world.qualify, 1, bad, user_id=world.rep, source=TUI),
        match="mount",
    )


# --- notes ---------------------------------------------------------------------------


def notes(engine: Engine, deal_id: int) -> list[tuple[Any, ...]]:
    query = text("SELECT kind, text, author_id, due_date FROM note WHERE deal_id = :i")
    with engine.connect() as conn:
        found = conn.execute(query, {"i": deal_id}).all()
    # SQLite's driver returns plain SQL dates as text.
    return [(k, t, a, None if d is None else str(d)) for k, t, a, d in found]


def test_a_note_leaves_the_deal_alone(engine: Engine, world: World) -> None:
    before = row(engine, world.qualify)
    result = add_note(
        engine,
        world.qualify,
        "  Spoke to Sam  ",
        kind="note",
        user_id=world.rep,
        expected_version=1,
    )
    assert notes(engine, world.qualify) == [("note", "Spoke to Sam", world.rep, None)]
    assert row(engine, world.qualify) == before
    assert history(engine, world.qualify) == []
    assert result.changes == [] and not result.undoable


def test_a_next_step_note_sets_the_next_step(engine: Engine, world: World) -> None:
    due = date(2026, 12, 3)
    result = add_note(
        engine,
        world.qualify,
        "Send pricing",
        kind="next_step",
        user_id=world.rep,
        due_date=due,
        expected_version=1,
    )
    assert notes(engine, world.qualify) == [("next_step", "Send pricing", world.rep, "2026-12-03")]
    after = row(engine, world.qualify)
    assert (after["next_step"], after["version"]) == ("Send pricing", 2)
    assert history(engine, world.qualify) == [("next_step", None, "Send pricing", world.rep, "tui")]
    assert result.deal.next_step == "Send pricing"
    assert result.deal.version == 2


@pytest.mark.parametrize(
    ("body", "kind", "match"),
    [
        ("   ", "note", "needs some text"),
        ("", "next_step", "needs some text"),
        ("hello", "diary", "Unknown note kind"),
        ("x" * 501, "next_step", "limit is 500"),
        ("x" * 4001, "note", "limit is 4000"),
    ],
)
def test_bad_notes_write_nothing(
    engine: Engine, world: World, body: str, kind: str, match: str
) -> None:
    assert_refused(
        engine,
        lambda: add_note(
            engine, world.qualify, body, kind=kind, user_id=world.rep, expected_version=1
        ),
        match=match,
    )


def test_a_stale_next_step_writes_nothing(engine: Engine, world: World) -> None:
    assert_refused(
        engine,
        lambda: add_note(
            engine, world.qualify, "x", kind="next_step", user_id=None, expected_version=7
        ),
        StaleDealError,
    )


# --- won and lost --------------------------------------------------------------------


def test_mark_won(engine: Engine, world: World) -> None:
    result = mark_won(engine, world.negotiate, 1, user_id=world.rep, source=TUI, today=TODAY)
    after = row(engine, world.negotiate)
    assert after["stage_id"] == world.stages["Won"]
    assert (after["probability"], after["forecast_category"]) == (100, "closed")
    assert (after["closed_date"], after["close_date"]) == (TODAY, TODAY)  # was in December
    assert after["version"] == 2
    assert history(engine, world.negotiate) == [
        ("stage", "Negotiate", "Won", world.rep, "tui"),
        ("probability", "80", "100", world.rep, "tui"),
        ("forecast_category", "commit", "closed", world.rep, "tui"),
        ("closed_date", None, "2026-11-26", world.rep, "tui"),
        ("close_date", "2026-12-10", "2026-11-26", world.rep, "tui"),
    ]
    assert result.deal.stage_name == "Won"
    assert_refused(
        engine,
        lambda: mark_won(engine, world.negotiate, 2, user_id=world.rep, source=TUI),
        match="already won",
    )


def test_mark_won_keeps_a_past_close_date(engine: Engine, world: World) -> None:
    result = mark_won(engine, world.qualify, 1, user_id=world.rep, source=TUI, today=TODAY)
    assert result.deal.close_date == date(2026, 11, 20)
    undated = mark_won(engine, world.undated, 1, user_id=world.rep, source=TUI, today=TODAY)
    assert undated.deal.close_date == TODAY


def test_mark_lost(engine: Engine, world: World) -> None:
    assert_refused(
        engine,
        lambda: mark_lost(engine, world.qualify, 1, "  ", user_id=world.rep, source=TUI),
        match="why",
    )
    assert_refused(
        engine,
        lambda: mark_lost(engine, world.qualify, 1, "x" * 256, user_id=world.rep, source=TUI),
        match="limit is 255",
    )
    mark_lost(
        engine, world.qualify, 1, "Went with a rival", user_id=world.rep, source=TUI, today=TODAY
    )
    after = row(engine, world.qualify)
    assert after["stage_id"] == world.stages["Lost"]
    assert (after["probability"], after["forecast_category"]) == (0, "omitted")
    assert (after["closed_date"], after["lost_reason"]) == (TODAY, "Went with a rival")
    assert after["close_date"] == date(2026, 11, 20)
    assert [h[0] for h in history(engine, world.qualify)] == [
        "stage",
        "probability",
        "forecast_category",
        "closed_date",
        "lost_reason",
    ]
    # A lost deal later won: the reason it was lost no longer holds.
    won = mark_won(engine, world.qualify, 2, user_id=world.rep, source=TUI, today=TODAY)
    assert FieldChange("lost_reason", "Went with a rival", None) in won.changes


def test_changed_at_is_utc_now(engine: Engine, world: World) -> None:
    start = datetime.now(UTC)
    set_probability(engine, world.qualify, 1, 40, user_id=world.rep, source=TUI)
    with engine.connect() as conn:
        changed_at = conn.execute(text("SELECT changed_at FROM deal_change")).scalar_one()
    if isinstance(changed_at, str):  # SQLite keeps the UTC wall time as text, without a zone
        changed_at = datetime.fromisoformat(changed_at)
    if changed_at.tzinfo is None:
        changed_at = changed_at.replace(tzinfo=UTC)
    assert start <= changed_at <= datetime.now(UTC)
