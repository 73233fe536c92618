"""The process under review: observed stage-to-win shares and days in stage against a
hand computation, proposals an admin accepts, and stages added, renamed, moved, retired.

The seeded history (today 2026-11-26; the window is the 12 months to today, from
2025-11-27), stages Qualify 10% › Propose 50% › Negotiate 80% › Won / Lost:

    D1  created 01-01 Qualify; 01-11 → Propose; 02-10 → Won           (2026)
    D2  created 03-01 Qualify; 03-05 → Propose; 03-25 → Negotiate; 04-04 → Lost
    D3  created 05-01 Qualify; 05-03 → Lost
    D4  created 06-01 Qualify; 06-09 → Propose; 06-19 → Negotiate; 07-19 → Won
    D5  created 2025-01-01 Qualify; 2025-02-01 → Won          (closed before the window)
    D6  created 10-01 Qualify; 10-21 → Propose                 (open)

By hand: Qualify was the stage of D1-D4 among the deals closed in the window, 2 won
(D1, D4): 2/4. Propose: D1, D2, D4, 2 won: 2/3 (67%). Negotiate: D2, D4, 1 won: 1/2.
Stays that ended in the window, in days: Qualify 10, 4, 2, 8, 20 (D6) → median 8;
Propose 30, 20, 10 → 20; Negotiate 10, 30 → 20. D5's stay ended before the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from pipeline_tui.errors import ConflictError, InputError, PermissionDenied
from pipeline_tui.forecast.calibration import CalibrationWindow
from pipeline_tui.forecast.history import load_moved, stages_by_name, state_at
from pipeline_tui.forecast.process import process_stages
from pipeline_tui.models import Deal, DealChange, ProcessChange, table_of
from pipeline_tui.query import load_stages
from pipeline_tui.services.deals import DealFilter, stage_columns
from pipeline_tui.services.edits import move_stage
from pipeline_tui.services.replay import replay_violations
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.storage import make_engine, upgrade

from ..conftest import fresh_pg_schema
from ..factories import Builder

TODAY = date(2026, 11, 26)
WINDOW = CalibrationWindow(date(2025, 11, 27), TODAY)


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


PATHS = {
    "D1": ("2026-01-01", [("2026-01-11", "Propose"), ("2026-02-10", "Won")]),
    "D2": (
        "2026-03-01",
        [("2026-03-05", "Propose"), ("2026-03-25", "Negotiate"), ("2026-04-04", "Lost")],
    ),
    "D3": ("2026-05-01", [("2026-05-03", "Lost")]),
    "D4": (
        "2026-06-01",
        [("2026-06-09", "Propose"), ("2026-06-19", "Negotiate"), ("2026-07-19", "Won")],
    ),
    "D5": ("2025-01-01", [("2025-02-01", "Won")]),
    "D6": ("2026-10-01", [("2026-10-21", "Propose")]),
}


def seed(engine: Engine) -> dict[str, int]:
    """The history above; ids of the people and deals by name."""
    b = Builder(engine)
    ada = b.user("ada", role="admin")
    mgr = b.user("mgr", role="manager")
    ann = b.user("ann", manager=mgr)
    b.user("vic", role="viewer")
    ids = {u.login: u.id or 0 for u in (ada, mgr, ann)}
    for name, (created, path) in PATHS.items():
        last = path[-1][1]
        closed = date.fromisoformat(path[-1][0]) if last in ("Won", "Lost") else None
        deal = b.deal(ann, last, "1000", closed or date(2026, 12, 15), name=name)
        deal.created_at = at(created)
        deal.closed_date = closed
        previous = "Qualify"
        for day, stage in path:
            b.add(
                DealChange(
                    deal_id=deal.id,
                    field="stage",
                    old_value=previous,
                    new_value=stage,
                    changed_at=at(day),
                    changed_by_id=ann.id,
                )
            )
            previous = stage
        ids[name] = deal.id or 0
    b.commit()
    return ids


def figures(engine: Engine) -> dict[str, tuple[int, int, Decimal | None, int]]:
    with engine.connect() as conn:
        stages = process_stages(conn, 1, WINDOW)
    return {s.name: (s.closed, s.won, s.median_days, s.stays) for s in stages if s.is_open}


def test_observed_shares_and_days_in_stage_match_the_hand_computation(engine: Engine) -> None:
    seed(engine)
    assert figures(engine) == {
        "Qualify": (4, 2, Decimal(8), 5),
        "Propose": (3, 2, Decimal(20), 3),
        "Negotiate": (2, 1, Decimal(20), 2),
    }
    with engine.connect() as conn:
        propose = next(s for s in process_stages(conn, 1, WINDOW) if s.name == "Propose")
    assert propose.observed == Fraction(2, 3) and propose.observed_percent == 67
    assert propose.open_deals == 1  # D6


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A seeded database's URL for the session, once on each backend."""
    if request.param == "sqlite":
        address = f"sqlite:///{tmp_path / 'process.db'}"
        engine = make_engine(address)
        upgrade(engine)
        seed(engine)
        engine.dispose()
        yield address
        return
    with fresh_pg_schema() as schema:
        address = schema.url.render_as_string(hide_password=False)
        engine = make_engine(address)
        upgrade(engine)
        seed(engine)
        engine.dispose()
        yield address


def session(url: str, login: str) -> Workspace:
    return Workspace.for_command(url, login, today=TODAY)


def stage_id(url: str, name: str) -> int:
    with session(url, "ada") as ws:
        return next(s.id for s in ws.process(1).stages if s.name == name)


def count(url: str, model: type) -> int:
    with session(url, "ada") as ws, ws.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def test_a_rename_keeps_the_stage_and_its_history(url: str) -> None:
    propose = stage_id(url, "Propose")
    with session(url, "ada") as ws:
        ws.rename_stage(propose, "Proposal", "the CRM calls it that", seen_name="Propose")
        view = ws.process(1)
        renamed = view.stage(propose)
    assert renamed.name == "Proposal"
    assert (renamed.closed, renamed.won, renamed.median_days) == (3, 2, Decimal(20))


def test_adopting_a_proposal_changes_the_default_for_new_deals_only(url: str) -> None:
    propose = stage_id(url, "Propose")
    with session(url, "mgr") as ws:
        view = ws.process(1)
        observed = view.stage(propose).observed_percent
        proposed = ws.propose_default(propose, observed, "2 of 3 won", seen=50)
        assert ws.process(1).stage(propose).proposal is not None
        with pytest.raises(PermissionDenied, match="Only an admin"):
            ws.accept_proposal(proposed.change_id, "a manager may not")
    with session(url, "ada") as ws:
        with pytest.raises(InputError, match="Say why"):
            ws.accept_proposal(proposed.change_id, "  ")
        assert ws.process(1).stage(propose).default_probability == 50
        result = ws.accept_proposal(proposed.change_id, "the last year says so")
        assert "67%" in result.text
        after = ws.process(1).stage(propose)
        assert (after.default_probability, after.proposal) == (67, None)
        with ws.engine.connect() as conn:
            probabilities = conn.execute(
                select(table_of(Deal).c.name, table_of(Deal).c.probability).order_by("name")
            ).all()
        history = ws.process_history(1)
    # Every deal kept the probability it had (the rep's); D6 sits in Propose at 50%.
    assert dict(probabilities)["D6"] == 50
    assert [(h.kind, h.old_value, h.new_value, h.who, h.reason) for h in history] == [
        ("proposal_accepted", "50", "67", "Ada", "the last year says so"),
        ("proposal", "50", "67", "Mgr", "2 of 3 won"),
    ]
    assert history[0].proposal_id == proposed.change_id
    # A deal moving into Propose from now on is offered the new default.
    with session(url, "ada") as ws:
        d3 = ws.add_stage(1, "Discover", 5, position=1)  # something to move from
        assert "position 1" in d3.text
        with ws.engine.begin() as conn:
            conn.execute(
                text("UPDATE deal SET stage_id = :s WHERE name = 'D6'"),
                {"s": stage_id(url, "Qualify")},
            )
        d6 = one(ws, "SELECT id, version FROM deal WHERE name='D6'")
        moved = move_stage(ws.engine, d6.id, d6.version, 1, user_id=None, source="cli")
    assert moved.proposed_probability == 67 and moved.deal.probability == 50


def test_who_may_propose_and_what_is_refused(url: str) -> None:
    propose = stage_id(url, "Propose")
    before = count(url, ProcessChange)
    for login in ("ann", "vic"):
        with (
            session(url, login) as ws,
            pytest.raises(PermissionDenied, match="manager or an admin"),
        ):
            ws.propose_default(propose, 60, "why not")
    with session(url, "mgr") as ws:
        with pytest.raises(InputError, match="0-100"):
            ws.propose_default(propose, 101, None)
        with pytest.raises(InputError, match="not a probability"):
            ws.propose_default(propose, "lots", None)
        with pytest.raises(InputError, match="already defaults to 50%"):
            ws.propose_default(propose, 50, None)
        with pytest.raises(ConflictError, match="changed to 50%"):
            ws.propose_default(propose, 60, None, seen=40)
        with pytest.raises(PermissionDenied, match="Only an admin"):
            ws.add_stage(1, "Demo", 20)
    assert count(url, ProcessChange) == before


def test_an_accepted_proposal_is_refused_once_its_base_moved_on(url: str) -> None:
    propose = stage_id(url, "Propose")
    with session(url, "mgr") as ws:
        first = ws.propose_default(propose, 60, None)
        second = ws.propose_default(propose, 70, None)
    with session(url, "ada") as ws:
        with pytest.raises(ConflictError, match="replaced by a later one"):
            ws.accept_proposal(first.change_id, "ok")
        ws.accept_proposal(second.change_id, "ok")
        with pytest.raises(ConflictError, match="accepted already"):
            ws.accept_proposal(second.change_id, "again")
        third = ws.propose_default(propose, 65, None)
        with ws.engine.begin() as conn:  # someone changes the default behind its back
            conn.execute(
                text("UPDATE stage SET default_probability = 55 WHERE id = :s"), {"s": propose}
            )
        with pytest.raises(ConflictError, match="55% now, not the 70%"):
            ws.accept_proposal(third.change_id, "ok")
        assert ws.process(1).stage(propose).default_probability == 55


def test_stage_names_are_checked(url: str) -> None:
    qualify = stage_id(url, "Qualify")
    before = count(url, ProcessChange)
    with session(url, "ada") as ws:
        for name, message in (
            ("   ", "needs a name"),
            ("propose", "already has a stage called Propose"),
            ("Bad\x1bname", "control characters"),
            ("x" * 129, "at most 128"),
        ):
            with pytest.raises(InputError, match=message):
                ws.add_stage(1, name, 20)
        with pytest.raises(InputError, match="0-100"):
            ws.add_stage(1, "Demo", -1)
        with pytest.raises(InputError, match="position 1 to 4"):
            ws.add_stage(1, "Demo", 20, position=9)
        with pytest.raises(ConflictError, match="called Qualify now"):
            ws.rename_stage(qualify, "Lead", seen_name="Prospect")
        with pytest.raises(InputError, match="first open stage already"):
            ws.move_process_stage(qualify, -1)
    assert count(url, ProcessChange) == before


def test_retiring_keeps_the_deals_history_and_reports(url: str) -> None:
    ids = {n: stage_id(url, n) for n in ("Qualify", "Propose", "Negotiate")}
    with session(url, "ada") as ws:
        with pytest.raises(InputError, match="1 open deal is in Propose"):
            ws.retire_stage(ids["Propose"], "no")
        ws.retire_stage(ids["Negotiate"], "we close from Propose now")
        view = ws.process(1)
        negotiate = view.stage(ids["Negotiate"])
        # Its figures stay: the deals that passed through it still count.
        assert negotiate.retired and (negotiate.closed, negotiate.won) == (2, 1)
        _, history = ws.deal_history(_deal(ws, "D2"))
        assert "Negotiate" in [c.new_value for c in history]
        # Moves skip it: D6 in Propose is now in the last open stage.
        d6 = one(ws, "SELECT id, version FROM deal WHERE name='D6'")
        with pytest.raises(InputError, match="last open stage"):
            move_stage(ws.engine, d6.id, d6.version, 1, user_id=None, source="cli")
        # Moving Propose down has no active stage to swap with.
        with pytest.raises(InputError, match="last open stage already"):
            ws.move_process_stage(ids["Propose"], 1)
        ws.move_process_stage(ids["Propose"], -1, "propose first")
        order = [s.name for s in ws.process(1).stages if s.is_open and not s.retired]
        assert order == ["Propose", "Qualify"]
        assert [h.kind for h in ws.process_history(1)] == ["stage_moved", "stage_retired"]
        with pytest.raises(InputError, match="is retired"):
            ws.retire_stage(ids["Negotiate"])
        ws.retire_stage(ids["Qualify"])
        with pytest.raises(InputError, match="last open stage"):
            ws.retire_stage(ids["Propose"])


def one(ws: Workspace, sql: str) -> Any:
    """One row, on a connection given back at once (an open one would hold PostgreSQL's
    locks past the test)."""
    with ws.engine.connect() as conn:
        return conn.execute(text(sql)).one()


def _deal(ws: Workspace, name: str) -> int:
    with ws.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT id FROM deal WHERE name = :n"), {"n": name}).scalar_one()
        )


def test_targets_are_changed_by_an_admin_and_recorded(url: str) -> None:
    with session(url, "mgr") as ws, pytest.raises(PermissionDenied, match="settings"):
        ws.set_target("coverage", "4")
    with session(url, "ada") as ws:
        with pytest.raises(InputError, match="not a number"):
            ws.set_target("coverage", "lots")
        with pytest.raises(InputError, match="1% to 100%"):
            ws.set_target("win-rate", "0")
        ws.set_target("win-rate", "35%", "what we really win")
        assert ws.settings.win_rate_target == pytest.approx(0.35)
        assert ws.process(1).targets.win_rate_target == pytest.approx(0.35)
        entry = ws.process_history(1)[0]
    assert (entry.kind, entry.old_value, entry.new_value) == (
        "target",
        "win-rate 60%",
        "win-rate 35%",
    )


def test_the_log_names_who_made_each_change(url: str) -> None:
    with session(url, "ada") as ws:
        ws.add_stage(1, "Demo", 20, "trying it")
        (who,) = one(
            ws,
            'SELECT u.login FROM process_change p JOIN "user" u ON u.id = p.changed_by_id',
        )
    assert who == "ada"


def test_a_renamed_stage_still_replays_and_a_retired_one_leaves_the_board(url: str) -> None:
    propose, negotiate = stage_id(url, "Propose"), stage_id(url, "Negotiate")
    with session(url, "ada") as ws:
        ws.rename_stage(propose, "Proposal", seen_name="Propose")
        ws.rename_stage(negotiate, "Negotiation", seen_name="Negotiate")
        # D6 moves on from the renamed stage: its log holds both names of one stage.
        d6 = _deal(ws, "D6")
        (version,) = one(ws, f"SELECT version FROM deal WHERE id={d6}")
        move_stage(ws.engine, d6, version, 1, user_id=None, source="cli")
        move_stage(ws.engine, d6, 2, -1, user_id=None, source="cli")
        with ws.engine.connect() as conn:
            assert list(replay_violations(conn)) == []
        ws.retire_stage(negotiate, "gone")
        columns = stage_columns(ws.engine, DealFilter(), 1)
        assert [c.name for c in columns] == ["Qualify", "Proposal"]
        with ws.engine.begin() as conn:  # a deal left in it (an undo, say): shown again
            conn.execute(text(f"UPDATE deal SET stage_id = {negotiate} WHERE id = {d6}"))
        columns = stage_columns(ws.engine, DealFilter(), 1)
        assert [c.name for c in columns] == ["Qualify", "Proposal", "Negotiation"]


def test_deals_as_they_stood_find_a_renamed_stage_by_its_earlier_name(url: str) -> None:
    qualify = stage_id(url, "Qualify")
    with session(url, "ada") as ws:
        ws.rename_stage(qualify, "Lead", seen_name="Qualify")
        d6 = _deal(ws, "D6")
        with ws.engine.connect() as conn:
            stages = load_stages(conn)
            ids = select(table_of(Deal).c.id).where(table_of(Deal).c.id == d6)
            deal, changes = load_moved(conn, ids, at("2026-10-02"), stages)[d6]
            by_name = stages_by_name(stages, conn)
    # On 10-10 D6 was in Qualify, called Lead now: the same stage, not an unknown one.
    state = state_at(deal, changes, at("2026-10-10"), by_name)
    assert state is not None and state.stage_id == qualify
