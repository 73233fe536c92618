"""A keystroke edit's prediction is its write: the screen shows, before the write, the
deal exactly as the write leaves it (the fields a card shows), by the edit's own rule."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from pipeline_tui.models import ChangeSource
from pipeline_tui.services import edit_types as et
from pipeline_tui.services.cards import DealCard
from pipeline_tui.services.deals import Scope, stage_columns
from pipeline_tui.services.predict import predict

from ..factories import Builder
from .test_edit_types import EXPECTED, card

# What the write alone decides: when it happened and which version it made.
WRITTEN_ONLY = {"updated_at", "stage_entered_at", "version"}
PREDICTED = [
    edit
    for edit, _ in EXPECTED
    if isinstance(
        edit,
        et.SetProbability
        | et.NudgeProbability
        | et.MoveStage
        | et.CycleCategory
        | et.SetCloseDate
        | et.SetAmount,
    )
] + [et.SetAmount(Decimal("99.995"), "EUR"), et.NudgeProbability(90), et.MoveStage(-1)]


def shown(deal: DealCard) -> dict[str, object]:
    return {f.name: getattr(deal, f.name) for f in fields(deal) if f.name not in WRITTEN_ONLY}


@pytest.mark.parametrize("edit", PREDICTED, ids=lambda v: repr(v)[:40])
def test_the_prediction_is_what_the_write_leaves(engine: Engine, edit: et.Edit) -> None:
    b = Builder(engine)
    rep = b.user("rep")
    made = b.deal(rep, "Propose", "10000", date(2026, 11, 20), probability=25)
    b.commit()
    assert rep.id is not None and made.id is not None and b.pipeline.id is not None
    before = card(engine, made.id)
    columns = stage_columns(engine, Scope(), b.pipeline.id)
    predicted = predict(before, edit, columns)
    assert predicted is not None
    written = et.apply(engine, made.id, 1, edit, user_id=rep.id, source=ChangeSource.TUI)
    assert shown(predicted) == shown(written.deal)
    assert shown(predicted) != shown(before)


def test_what_the_rules_refuse_or_cannot_tell_is_not_predicted(engine: Engine) -> None:
    b = Builder(engine)
    rep = b.user("rep")
    made = b.deal(rep, "Qualify", "10000", date(2026, 11, 20), probability=25)
    b.commit()
    assert made.id is not None and b.pipeline.id is not None
    before = card(engine, made.id)
    columns = stage_columns(engine, Scope(), b.pipeline.id)
    assert predict(before, et.MoveStage(-1), columns) is None  # the first open stage
    assert predict(before, et.SetProbability(101), columns) is None
    assert predict(before, et.MarkWon(), columns) is None  # shown when written
    assert predict(before, et.AddNote("x"), columns) is None
