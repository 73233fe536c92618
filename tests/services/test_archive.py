"""Archiving a deal: withdrawn from every list and figure, kept in the history; an edit
like any other (versioned, logged, undone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.forecast import GroupBy, Scope, load_org
from pipeline_tui.forecast.snapshots import SnapshotScope, snapshot_totals, take_snapshot
from pipeline_tui.forecast.waterfall import waterfall
from pipeline_tui.forecast.waterfall_model import Bar
from pipeline_tui.labels import change_text
from pipeline_tui.models import utcnow
from pipeline_tui.periods import quarter_containing
from pipeline_tui.services.edit_types import Archive, SetProbability
from pipeline_tui.services.errors import EditError, StaleDealError
from pipeline_tui.services.people import load_settings
from pipeline_tui.services.replay import replay_violations
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
    rep = b.user("rep")
    kept = b.deal(rep, "Propose", "1000", date(2026, 12, 1), name="kept")
    gone = b.deal(rep, "Negotiate", "4000", date(2026, 12, 5), name="gone", category="commit")
    won = b.deal(rep, "Won", "2500", date(2026, 11, 2), name="won", category="closed")
    ids = {"rep": rep.id or 0, "pipeline": b.pipeline.id or 0}
    ids |= {"kept": kept.id or 0, "gone": gone.id or 0, "won": won.id or 0}
    b.commit()
    return ids


def board_ids(ws: Workspace, world: dict[str, int]) -> set[int]:
    flt = Scope(None, world["pipeline"], Q4, today=TODAY)
    return {c.id for c in ws.deals(flt, sort="close_date", descending=False, offset=0, limit=50)}


def figures(ws: Workspace, world: dict[str, int]) -> tuple[Decimal, Decimal, Decimal, int]:
    scope = Scope(None, world["pipeline"])
    totals = ws.report(Q4, GroupBy.REP, scope).totals
    return totals.pipeline, totals.commit, totals.closed_won, totals.open_count


def card(ws: Workspace, deal_id: int):  # type: ignore[no-untyped-def]
    flt = Scope(None, None, None, open_only=False, with_archived=True)
    found = ws.deals(flt, sort="close_date", descending=False, offset=0, limit=50)
    return next(c for c in found if c.id == deal_id)


def test_an_archived_deal_leaves_the_board_and_every_figure(
    engine: Engine, world: dict[str, int]
) -> None:
    ws = session(engine, "rep")
    assert board_ids(ws, world) == {world["kept"], world["gone"]}
    pipeline, commit, won, count = figures(ws, world)
    since = utcnow()
    result = ws.edit(card(ws, world["gone"]), Archive())
    assert [(c.field, c.old, c.new) for c in result.changes] == [("archived", False, True)]
    assert board_ids(ws, world) == {world["kept"]}
    assert ws.count(Scope(None, world["pipeline"], Q4, today=TODAY)) == 1
    # Open figures lose it; closed-won (a won deal can't be archived) doesn't move.
    assert figures(ws, world) == (pipeline - 4000, commit - 4000, won, count - 1)
    with engine.connect() as conn:
        log = conn.execute(
            text("SELECT field, old_value, new_value, changed_by_id, source FROM deal_change "
                 "WHERE deal_id = :id"), {"id": world["gone"]}
        ).all()  # fmt: skip
        assert list(replay_violations(conn)) == []  # the log replays to what the deal holds
    assert [tuple(r) for r in log] == [("archived", "False", "True", world["rep"], "tui")]
    # What changed since before: it left the pipeline, and the bars add up.
    team = waterfall(engine, since=since, period=Q4, scope=Scope(None, world["pipeline"])).team
    assert team.movement(Bar.OMITTED).amount == Decimal("4000")
    assert team.start - team.end == Decimal("4000") and team.balanced
    # Undo brings it back into everything.
    ws.undo()
    assert board_ids(ws, world) == {world["kept"], world["gone"]}
    assert figures(ws, world) == (pipeline, commit, won, count)
    team = waterfall(engine, since=since, period=Q4, scope=Scope(None, world["pipeline"])).team
    assert team.start == team.end and team.movement(Bar.OMITTED).amount == 0


def test_archive_checks_the_version_it_read(engine: Engine, world: dict[str, int]) -> None:
    mine, theirs = session(engine, "rep"), session(engine, "rep")
    seen = card(mine, world["gone"])
    theirs.edit(card(theirs, world["gone"]), SetProbability(55))
    with pytest.raises(StaleDealError, match="55"):
        mine.edit(seen, Archive())
    assert card(mine, world["gone"]).id in board_ids(mine, world)


def test_only_an_open_deal_is_archived(engine: Engine, world: dict[str, int]) -> None:
    ws = session(engine, "rep")
    with pytest.raises(EditError, match="won"):
        ws.edit(card(ws, world["won"]), Archive())
    ws.edit(card(ws, world["kept"]), Archive())
    with pytest.raises(EditError, match="archived already"):
        ws.edit(card(ws, world["kept"]), Archive())


def test_a_scope_can_still_ask_for_archived_deals(engine: Engine, world: dict[str, int]) -> None:
    ws = session(engine, "rep")
    ws.edit(card(ws, world["gone"]), Archive())
    flt = Scope(None, world["pipeline"], Q4, today=TODAY)
    assert ws.count(replace(flt, with_archived=True)) == 2
    assert ws.count(flt) == 1


def test_a_snapshot_taken_before_keeps_it(engine: Engine, world: dict[str, int]) -> None:
    """History stands: a snapshot counted the deal, and still does after it is archived;
    what changed since that snapshot shows it leaving."""
    ws = session(engine, "rep")
    scope = SnapshotScope(None, True, world["pipeline"])
    taken = take_snapshot(engine, period=Q4, scope=scope, today=TODAY)
    with engine.connect() as conn:
        before = snapshot_totals(conn, taken.id).figures
    ws.edit(card(ws, world["gone"]), Archive())
    with engine.connect() as conn:
        after = snapshot_totals(conn, taken.id).figures
        kept = conn.execute(
            text("SELECT COUNT(*) FROM snapshot_deal WHERE snapshot_id = :s AND deal_id = :d"),
            {"s": taken.id, "d": world["gone"]},
        ).scalar_one()
    assert after == before and before.pipeline == Decimal("5000") and kept == 1
    team = waterfall(engine, since=taken.id, period=Q4, scope=Scope(None, world["pipeline"])).team
    assert team.start == Decimal("5000") and team.end == Decimal("1000")
    assert team.movement(Bar.OMITTED).amount == Decimal("4000") and team.balanced


def test_the_history_says_archived_in_words() -> None:
    assert change_text("archived", "False", "True", "USD") == "Archived: no → yes"
    assert change_text("archived", True, False, "USD") == "Archived: yes → no"
