"""Adding a deal by hand through the session: what is written, what is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.errors import PermissionDenied
from pipeline_tui.forecast import Scope, load_org
from pipeline_tui.periods import quarter_containing
from pipeline_tui.services.deal_draft import DealDraft
from pipeline_tui.services.errors import EditError
from pipeline_tui.services.people import load_settings
from pipeline_tui.services.workspace import Workspace

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = quarter_containing(TODAY, 1)


def session(engine: Engine, login: str) -> Workspace:
    with engine.connect() as conn:
        org = load_org(conn)
    me = org.by_login(login)
    assert me is not None
    return Workspace(
        str(engine.url), engine, me, org, load_settings(engine), [(1, "New Business")],
        lambda: TODAY, login=login,
    )  # fmt: skip


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    boss = b.user("boss", role="manager")
    rep = b.user("rep", manager=boss)
    b.user("viewer", role="viewer")
    b.deal(rep, "Propose", "1000", date(2026, 12, 1))
    ids = {"rep": rep.id or 0, "boss": boss.id or 0, "pipeline": b.pipeline.id or 0}
    ids |= {name: stage.id or 0 for name, stage in b.stages.items()}
    b.add(b.account.__class__(name="Zenith Labs"))
    b.commit()
    return ids


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("deal", "account", "deal_change")
        )


def draft(stage_id: int, **changes: object) -> DealDraft:
    when = date(2026, 12, 20)
    base = DealDraft("Zenith expansion", "zenith labs", Decimal("12000"), when, stage_id)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_reps_new_deal_is_theirs_at_the_stage_default(
    engine: Engine, world: dict[str, int]
) -> None:
    ws = session(engine, "rep")
    before = ws.forecast(Scope(frozenset({world["rep"]}), world["pipeline"]), _flt(world))
    created = ws.add_deal(draft(world["Negotiate"]))
    deal = created.deal
    assert (deal.owner_id, deal.stage_id) == (world["rep"], world["Negotiate"])
    assert deal.probability == 80  # Negotiate's default
    assert deal.account == "Zenith Labs" and not created.new_account  # found ignoring case
    assert deal.amount == Decimal("12000.00") and deal.currency == "USD"
    assert deal.forecast_category == "pipeline" and deal.version == 1
    with engine.connect() as conn:
        log = conn.execute(
            text("SELECT field, old_value, changed_by_id, source FROM deal_change "
                 "WHERE deal_id = :id"), {"id": deal.id}
        ).all()  # fmt: skip
    assert [tuple(r) for r in log] == [("created", None, world["rep"], "tui")]
    after = ws.forecast(Scope(frozenset({world["rep"]}), world["pipeline"]), _flt(world))
    assert after.pipeline - before.pipeline == Decimal("12000.00")
    # The board's page for its stage holds it where `position` says.
    flt = replace(_flt(world), stage_id=world["Negotiate"])
    at = ws.position(flt, deal.id, sort="close_date", descending=False)
    assert at is not None
    cards = ws.deals(flt, sort="close_date", descending=False, offset=at, limit=1)
    assert [c.id for c in cards] == [deal.id]


def _flt(world: dict[str, int]) -> Scope:
    return Scope(None, world["pipeline"], Q4, today=TODAY)


def test_a_new_account_and_a_typed_currency(engine: Engine, world: dict[str, int]) -> None:
    ws = session(engine, "boss")
    created = ws.add_deal(draft(world["Qualify"], account="  Brand   New  ", currency="EUR"))
    assert created.new_account and created.deal.account == "Brand New"
    assert created.deal.currency == "EUR" and created.deal.owner_id == world["boss"]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"name": "  "}, "needs a name"),
        ({"name": "x" * 300}, "limit is 255"),
        ({"account": ""}, "Name the account"),
        ({"amount": Decimal("-1")}, "at least 0"),
        ({"amount": Decimal("1e14")}, "less than"),
        ({"currency": "euro"}, "three-letter"),
        ({"close_date": date(1999, 1, 1)}, "out of range"),
    ],
)
def test_bad_drafts_write_nothing(
    engine: Engine, world: dict[str, int], changes: dict[str, object], why: str
) -> None:
    before = counts(engine)
    with pytest.raises(EditError, match=why):
        session(engine, "rep").add_deal(draft(world["Qualify"], **changes))
    assert counts(engine) == before


def test_a_closed_stage_is_refused(engine: Engine, world: dict[str, int]) -> None:
    before = counts(engine)
    with pytest.raises(EditError, match="won stage"):
        session(engine, "rep").add_deal(draft(world["Won"], account="Another New One"))
    assert counts(engine) == before  # not even the account


def test_a_viewer_adds_nothing(engine: Engine, world: dict[str, int]) -> None:
    before = counts(engine)
    ws = session(engine, "viewer")
    assert ws.may_add_deals() is not None
    with pytest.raises(PermissionDenied, match="viewer"):
        ws.add_deal(draft(world["Qualify"]))
    assert counts(engine) == before


def test_undoing_a_new_deal_archives_it(engine: Engine, world: dict[str, int]) -> None:
    """Nothing is deleted: `u` right after adding a deal withdraws it, redo brings it back."""
    ws = session(engine, "rep")
    flt = Scope(None, world["pipeline"], Q4, today=TODAY)
    before = ws.count(flt)
    deal = ws.add_deal(draft(world["Qualify"])).deal
    assert ws.count(flt) == before + 1
    undone = ws.undo()
    assert [(c.field, c.old, c.new) for c in undone.changes] == [("archived", False, True)]
    assert ws.count(flt) == before
    ws.redo()
    assert ws.count(flt) == before + 1
    with engine.connect() as conn:
        fields = conn.execute(
            text("SELECT field FROM deal_change WHERE deal_id = :id ORDER BY id"), {"id": deal.id}
        ).scalars()
        assert list(fields) == ["created", "archived", "archived"]
