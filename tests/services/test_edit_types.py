"""Edits as values: every kind of `Edit` reaches the database through one `apply`, and
one `Workspace.edit` runs any of them with the version checks and undo of the others."""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.forecast import load_org
from pipeline_tui.models import ChangeSource
from pipeline_tui.services import EditError, StaleDealError
from pipeline_tui.services import edit_types as et
from pipeline_tui.services.cards import DealCard, load_card
from pipeline_tui.services.people import list_pipelines, load_settings
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.services.writes import FieldChange

from ..factories import Builder

TODAY = date(2026, 11, 26)

# Each kind of edit with the fields it must change on an open Qualify deal at 25%.
EXPECTED: list[tuple[et.Edit, set[str]]] = [
    (et.SetProbability(70), {"probability"}),
    (et.NudgeProbability(-5), {"probability"}),
    (et.MoveStage(1), {"stage"}),
    (et.MoveStage(1, accept_default_probability=True), {"stage", "probability"}),
    (et.CycleCategory(), {"forecast_category"}),
    (et.SetCloseDate(date(2027, 3, 1), 1), {"close_date", "push_count"}),
    (et.SetAmount(Decimal("12345.675")), {"amount"}),
    (et.AddNote("Call the CFO", "next_step"), {"next_step"}),
    (et.AddNote("Met the team"), set()),
    (
        et.MarkWon(TODAY),
        {"stage", "probability", "forecast_category", "closed_date"},  # closes after its date
    ),
    (
        et.MarkLost("Price", TODAY),
        {"stage", "probability", "forecast_category", "closed_date", "lost_reason"},
    ),
    (et.Archive(), {"archived"}),
    # Undo's edit: 25% is what the reversed edit left, 40% what it replaced.
    (et.RestoreFields((FieldChange("probability", 40, 25),), 1), {"probability"}),
]


@pytest.fixture
def deal(engine: Engine) -> tuple[int, int]:
    b = Builder(engine)
    rep = b.user("rep")
    made = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    b.commit()
    assert rep.id is not None and made.id is not None
    return rep.id, made.id


def card(engine: Engine, deal_id: int) -> DealCard:
    with engine.connect() as conn:
        return load_card(conn, deal_id)


def session(engine: Engine, person_id: int) -> Workspace:
    with engine.connect() as conn:
        org = load_org(conn)
    settings, pipelines = load_settings(engine), list_pipelines(engine)
    return Workspace("sqlite://", engine, org.people[person_id], org, settings, pipelines)


def test_every_kind_of_edit_is_in_the_examples() -> None:
    kinds = set(typing.get_args(et.Edit))
    assert {type(edit) for edit, _ in EXPECTED} == kinds


def _id(value: object) -> str:
    # Sets print in hash order, which differs between processes: parallel runs (xdist)
    # need every process to collect the same ids.
    return repr(sorted(value) if isinstance(value, set) else value)[:40]


@pytest.mark.parametrize("edit,fields", EXPECTED, ids=_id)
def test_apply_writes_each_edit(
    engine: Engine, deal: tuple[int, int], edit: et.Edit, fields: set[str]
) -> None:
    rep, deal_id = deal
    result = et.apply(engine, deal_id, 1, edit, user_id=rep, source=ChangeSource.TUI)
    assert {change.field for change in result.changes} == fields
    assert result.undoable is not isinstance(edit, et.AddNote)
    if isinstance(edit, et.SetAmount):
        assert result.deal.amount == Decimal("12345.68")  # to the cent, half-even


def test_apply_checks_the_version(engine: Engine, deal: tuple[int, int]) -> None:
    rep, deal_id = deal
    et.apply(engine, deal_id, 1, et.SetProbability(40), user_id=rep, source=ChangeSource.TUI)
    with pytest.raises(StaleDealError):
        et.apply(engine, deal_id, 1, et.SetAmount(Decimal(1)), user_id=rep, source=ChangeSource.TUI)


def test_bad_values_are_refused_before_anything_is_written(
    engine: Engine, deal: tuple[int, int]
) -> None:
    rep, deal_id = deal
    for edit in (et.SetProbability(101), et.MoveStage(2), et.AddNote("  "), et.MarkLost(" ")):
        with pytest.raises(EditError):
            et.apply(engine, deal_id, 1, edit, user_id=rep, source=ChangeSource.TUI)
    assert card(engine, deal_id).version == 1


def test_workspace_edit_runs_any_edit_and_undoes_it(engine: Engine, deal: tuple[int, int]) -> None:
    rep, deal_id = deal
    ws = session(engine, rep)
    seen = card(engine, deal_id)
    ws.edit(seen, et.SetProbability(60))
    # Built on the same (now old) copy: this session's own write is not a conflict.
    ws.edit(seen, et.AddNote("Send the deck", "next_step"))
    ws.edit(seen, et.SetAmount(Decimal(20000)))
    assert ws.undo().changes[0].field == "amount"
    assert ws.undo().changes[0].field == "probability"  # the note is skipped, not undone
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM deal WHERE id = :id"), {"id": deal_id})
        found = row.mappings().one()
    assert (found["probability"], found["next_step"]) == (25, "Send the deck")


def test_labels_name_what_was_asked_for() -> None:
    assert et.label(et.SetProbability(70), "USD") == "Probability 70%"
    assert et.label(et.NudgeProbability(-5), "USD") == "Probability -5%"
    assert et.label(et.MoveStage(-1), "USD") == "Previous stage"
    assert et.label(et.SetCloseDate(date(2026, 12, 31)), "USD") == "Close date 2026-12-31"
    assert et.label(et.SetAmount(Decimal(12000)), "USD") == "Amount $12,000"
    assert et.label(et.AddNote("x", "next_step"), "USD") == "Next step"
    assert et.label(et.MarkLost("Price"), "USD") == "Lost"


def test_undo_keeps_edits_and_refuses_a_field_someone_changed_since(
    engine: Engine, deal: tuple[int, int]
) -> None:
    rep, deal_id = deal
    ws = session(engine, rep)
    ws.edit(card(engine, deal_id), et.SetProbability(60))
    (step,) = ws.undo_stack._undo
    assert step.edit == et.RestoreFields((FieldChange("probability", 25, 60),), 2)
    # The same edit, applied where the probability no longer holds 60, writes nothing.
    et.apply(engine, deal_id, 2, et.SetProbability(70), user_id=None, source=ChangeSource.CLI)
    with pytest.raises(StaleDealError):
        et.apply(engine, deal_id, 3, step.edit, user_id=rep, source=ChangeSource.TUI)
    assert card(engine, deal_id).probability == 70
