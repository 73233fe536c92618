"""The pipeline waterfall: a hand-computed example, the rarer bars, and the identity
start + movements = end on seeded history.

The example (Q4, mgr's team = ann and bob; cat is outside it). At the start:

    d1  ann Negotiate 40,000 12-10    -> 50,000               increased  +10,000
    d2  ann Propose   30,000 12-15    -> 25,000               decreased   -5,000
    d3  ann Propose   20,000 12-20    -> won                  won        -20,000
    d4  bob Negotiate 25,000 12-05    -> lost                 lost       -25,000
    d5  bob Propose   15,000 12-30    -> 2027-01-10           pushed out -15,000
    d6  bob Qualify   10,000 12-01    -> omitted              omitted    -10,000
    d7  ann Qualify    8,000 2027-02-01 -> 12-12              pulled in   +8,000
    d8  ann Qualify    6,000 omitted  -> pipeline             restored    +6,000
    d9  bob Propose   12,000 12-01    -> 14,000, 2027-01-05   increased   +2,000,
                                                               pushed out -14,000
    d10 ann Negotiate  9,000, created afterwards              new         +9,000
    d11 cat Negotiate 50,000 -> 60,000 (outside the team)
    d12 ann Won 30,000 and d13 bob Negotiate 5,000: untouched

    start = 40 + 30 + 20 + 25 + 15 + 10 + 12 + 5 = 157,000
    end   = 50 + 25 + 8 + 6 + 9 + 5 = 103,000
          = 157 + 9 + 8 + 6 + 12 - 5 - 20 - 25 - 29 - 10
    ann: 90 -> 98 (+9 new, +8 pulled in, +6 restored, +10, -5, -20 won)
    bob: 67 -> 5 (+2, -25 lost, -29 pushed out, -10 omitted)
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlmodel import Session

from pipeline_tui.cli import main
from pipeline_tui.forecast import Scope, compute_rollup
from pipeline_tui.forecast.rollup import load_org
from pipeline_tui.forecast.snapshots import SnapshotScope, take_snapshot
from pipeline_tui.forecast.waterfall import Bar, WaterfallError, waterfall
from pipeline_tui.models import Deal, DealChange, Stage, table_of, utcnow
from pipeline_tui.periods import parse_period
from pipeline_tui.seed import seed_demo
from pipeline_tui.services import edits
from pipeline_tui.services.undo import revert
from pipeline_tui.storage import open_database

from ..factories import Builder

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
D = Decimal
DEAL = table_of(Deal).c


def version(engine: Engine, deal_id: int) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(DEAL.version).where(DEAL.id == deal_id)).scalar_one())


def edit(engine: Engine, name: str, deal_id: int, *args: Any, **kwargs: Any) -> Any:
    function = getattr(edits, name)
    return function(
        engine, deal_id, version(engine, deal_id), *args, user_id=None, source="cli", **kwargs
    )


@pytest.fixture
def example(engine: Engine) -> dict[str, Any]:
    b = Builder(engine)
    mgr = b.user("mgr", role="manager")
    ann, bob = b.user("ann", manager=mgr), b.user("bob", manager=mgr)
    cat = b.user("cat")
    d = {
        1: b.deal(ann, "Negotiate", "40000", date(2026, 12, 10), category="commit"),
        2: b.deal(ann, "Propose", "30000", date(2026, 12, 15)),
        3: b.deal(ann, "Propose", "20000", date(2026, 12, 20)),
        4: b.deal(bob, "Negotiate", "25000", date(2026, 12, 5)),
        5: b.deal(bob, "Propose", "15000", date(2026, 12, 30)),
        6: b.deal(bob, "Qualify", "10000", date(2026, 12, 1)),
        7: b.deal(ann, "Qualify", "8000", date(2027, 2, 1)),
        8: b.deal(ann, "Qualify", "6000", date(2026, 12, 12), category="omitted"),
        9: b.deal(bob, "Propose", "12000", date(2026, 12, 1)),
        11: b.deal(cat, "Negotiate", "50000", date(2026, 12, 10), category="commit"),
        12: b.deal(ann, "Won", "30000", date(2026, 10, 20), category="closed"),
        13: b.deal(bob, "Negotiate", "5000", date(2026, 12, 10)),
    }
    ids = {k: v.id for k, v in d.items() if v.id is not None}
    people = {u.login: u.id for u in (mgr, ann, bob, cat) if u.id is not None}
    negotiate = b.stages["Negotiate"]
    b.commit()
    team = SnapshotScope(people["mgr"])
    snapshot = take_snapshot(engine, period=Q4, scope=team, today=TODAY)
    moment = utcnow()
    edit(engine, "set_amount", ids[1], D("50000"))
    edit(engine, "set_amount", ids[2], D("25000"))
    edit(engine, "mark_won", ids[3], today=TODAY)
    edit(engine, "mark_lost", ids[4], "Price", today=TODAY)
    edit(engine, "set_close_date", ids[5], date(2027, 1, 10))
    for _ in range(3):  # pipeline -> best case -> commit -> omitted
        edit(engine, "cycle_category", ids[6])
    edit(engine, "set_close_date", ids[7], date(2026, 12, 12))
    edit(engine, "cycle_category", ids[8])  # omitted -> pipeline
    edit(engine, "set_amount", ids[9], D("14000"))
    edit(engine, "set_close_date", ids[9], date(2027, 1, 5))
    edit(engine, "set_amount", ids[11], D("60000"))
    with Session(engine) as session:  # created after the start: a new deal
        new = Deal(
            name="ann new 9000",
            owner_id=people["ann"],
            pipeline_id=negotiate.pipeline_id,
            stage_id=negotiate.id,
            amount_minor=900_000,
            probability=80,
            close_date=date(2026, 12, 20),
        )
        session.add(new)
        session.commit()
        assert new.id is not None
        ids[10] = new.id
    with engine.connect() as conn:
        owners = load_org(conn).subtree(people["mgr"])
    return {
        "ids": ids,
        "people": people,
        "snapshot": snapshot.id,
        "moment": moment,
        "owners": owners,
    }


def bars(row: Any) -> dict[str, tuple[Decimal, list[int]]]:
    return {
        m.bar.value: (m.amount, sorted(d.id for d in m.deals)) for m in row.movements if m.deals
    }


@pytest.mark.parametrize("start_from", ["snapshot", "moment"])
def test_the_hand_computed_example(
    engine: Engine, example: dict[str, Any], start_from: str
) -> None:
    ids, owners = example["ids"], example["owners"]
    result = waterfall(engine, since=example[start_from], period=Q4, scope=Scope(owners))
    team = result.team
    assert (team.start, team.end) == (D("157000"), D("103000"))
    assert (team.start_count, team.end_count) == (8, 6)
    assert bars(team) == {
        "new": (D("9000"), [ids[10]]),
        "pulled_in": (D("8000"), [ids[7]]),
        "restored": (D("6000"), [ids[8]]),
        "increased": (D("12000"), sorted([ids[1], ids[9]])),
        "decreased": (D("5000"), [ids[2]]),
        "won": (D("20000"), [ids[3]]),
        "lost": (D("25000"), [ids[4]]),
        "pushed_out": (D("29000"), sorted([ids[5], ids[9]])),
        "omitted": (D("10000"), [ids[6]]),
    }
    assert team.balanced
    reps = {r.key: r for r in result.reps}
    assert set(reps) == {"ann", "bob"}
    assert (reps["ann"].start, reps["ann"].end) == (D("90000"), D("98000"))
    assert (reps["bob"].start, reps["bob"].end) == (D("67000"), D("5000"))
    assert bars(reps["bob"])["pushed_out"] == (D("29000"), sorted([ids[5], ids[9]]))
    assert all(r.balanced for r in reps.values())
    pushed = team.movement(Bar.PUSHED_OUT).deals
    d9 = next(d for d in pushed if d.id == ids[9])
    assert (d9.amount, d9.before, d9.after) == (D("14000"), D("12000"), D("14000"))
    assert (d9.close_before, d9.close_after) == (date(2026, 12, 1), date(2027, 1, 5))
    assert result.snapshot_id == (example["snapshot"] if start_from == "snapshot" else None)
    data = result.as_dict()
    assert data["team"]["start"] == "157000.00" and data["team"]["end"] == "103000.00"
    assert [b["bar"] for b in data["team"]["bars"]] == [b.value for b in Bar]


def test_between_two_snapshots(engine: Engine, example: dict[str, Any]) -> None:
    team = Scope(example["owners"])
    later = take_snapshot(
        engine, period=Q4, scope=SnapshotScope(example["people"]["mgr"]), today=TODAY
    )
    edit(engine, "set_amount", example["ids"][2], D("1000"))  # after the second snapshot
    between = waterfall(engine, since=example["snapshot"], until=later.id, period=Q4, scope=team)
    assert (between.team.start, between.team.end) == (D("157000"), D("103000"))
    assert between.until == later.taken_at and between.team.balanced
    now = waterfall(engine, since=example["snapshot"], period=Q4, scope=team)
    assert now.team.end == D("79000")  # d2 down from 25,000 to 1,000
    assert now.team.movement(Bar.DECREASED).amount == D("29000")


def test_everyone_and_the_end_match_the_roll_up(engine: Engine, example: dict[str, Any]) -> None:
    result = waterfall(engine, since=example["moment"], period=Q4)
    # cat's 50,000 -> 60,000 joins the team's movements.
    assert (result.team.start, result.team.end) == (D("207000"), D("163000"))
    assert result.team.movement(Bar.INCREASED).amount == D("22000")
    with engine.connect() as conn:
        assert compute_rollup(conn, Q4, today=TODAY).totals.pipeline == result.team.end


def test_moved_and_reopened_deals(engine: Engine, example: dict[str, Any]) -> None:
    ids, people = example["ids"], example["people"]
    lost = edit(engine, "mark_lost", ids[13], "Budget", today=TODAY)
    snapshot = take_snapshot(engine, period=Q4, scope=SnapshotScope(None), today=TODAY)
    # Owners change only by import; the snapshot knows who owned what.
    with engine.begin() as conn:
        conn.execute(
            update(table_of(Deal))
            .where(DEAL.id == ids[1])
            .values(owner_id=people["cat"], updated_at=utcnow())
        )
        conn.execute(
            update(table_of(Deal))
            .where(DEAL.id == ids[11])
            .values(owner_id=people["bob"], updated_at=utcnow())
        )
    revert(engine, lost, version(engine, ids[13]), user_id=None, source="cli")  # reopened
    team = Scope(example["owners"])
    result = waterfall(engine, since=snapshot.id, period=Q4, scope=team)
    assert bars(result.team) == {
        "moved_in": (D("60000"), [ids[11]]),
        "moved_out": (D("50000"), [ids[1]]),
        "reopened": (D("5000"), [ids[13]]),
    }
    assert result.team.balanced and all(r.balanced for r in result.reps)
    # For everyone, a deal changing hands moves no team bar, only the reps'.
    everyone = waterfall(engine, since=snapshot.id, period=Q4)
    assert bars(everyone.team) == {"reopened": (D("5000"), [ids[13]])}
    reps = {r.key: bars(r) for r in everyone.reps}
    assert reps["ann"] == {"moved_out": (D("50000"), [ids[1]])}
    assert reps["cat"] == {
        "moved_in": (D("50000"), [ids[1]]),
        "moved_out": (D("60000"), [ids[11]]),
    }


def test_bad_requests(engine: Engine, example: dict[str, Any]) -> None:
    with pytest.raises(WaterfallError, match="is of 2026Q4, not 2027Q1"):
        waterfall(engine, since=example["snapshot"], period=Q4.shift(1))
    with pytest.raises(WaterfallError, match="does not cover"):
        waterfall(engine, since=example["snapshot"], period=Q4)  # a team snapshot, everyone
    with pytest.raises(WaterfallError, match="before its end"):
        waterfall(engine, since=utcnow() + timedelta(days=1), period=Q4)
    with pytest.raises(LookupError, match="no forecast snapshot with id 999"):
        waterfall(engine, since=999, period=Q4)


def state_then(
    deal: Any, changes: list[Any], stages: dict[int, Any], moment: datetime
) -> tuple[str, int, str, date | None] | None:
    """Independently of the code under test: undo the changes after `moment`, newest first."""
    if deal.created_at.replace(tzinfo=UTC) > moment:
        return None
    stage = stages[deal.stage_id]
    kind, amount, category, close = (
        stage.kind,
        deal.amount_minor,
        deal.forecast_category,
        deal.close_date,
    )
    by_name = {(s.pipeline_id, s.name): s.kind for s in stages.values()}
    for change in sorted(changes, key=lambda c: (c.changed_at, c.id), reverse=True):
        if change.changed_at.replace(tzinfo=UTC) <= moment:
            break
        if change.field == "stage":
            kind = by_name[(deal.pipeline_id, change.old_value)]
        elif change.field == "amount":
            amount = round(Decimal(change.old_value) * 100)
        elif change.field == "forecast_category":
            category = change.old_value
        elif change.field == "close_date":
            close = date.fromisoformat(change.old_value) if change.old_value else None
    return kind, amount, category, close


def test_seeded_history_adds_up(engine: Engine) -> None:
    seed_demo(engine, deals=3000, seed=5, today=TODAY)
    moment = datetime(2026, 10, 27, tzinfo=UTC)
    result = waterfall(engine, since=moment, period=Q4)
    team = result.team
    assert team.balanced and all(r.balanced for r in result.reps)
    assert sum((r.start for r in result.reps), D(0)) == team.start
    assert sum((r.end for r in result.reps), D(0)) == team.end
    for bar in (Bar.NEW, Bar.WON, Bar.LOST, Bar.PUSHED_OUT, Bar.INCREASED, Bar.DECREASED):
        assert team.movement(bar).deals, bar  # real movement, not an empty identity
    with engine.connect() as conn:
        totals = compute_rollup(conn, Q4, today=TODAY).totals
        stages = {s.id: s for s in conn.execute(select(table_of(Stage))).all()}
        deals = conn.execute(select(table_of(Deal))).all()
        changes: dict[int, list[Any]] = defaultdict(list)
        for change in conn.execute(select(table_of(DealChange))).all():
            changes[change.deal_id].append(change)
    assert (team.end, team.end_count) == (totals.pipeline, totals.open_count)
    start, count = 0, 0
    for deal in deals:
        then = state_then(deal, changes[deal.id], stages, moment)
        if then is None:
            continue
        kind, amount, category, close = then
        if kind == "open" and category != "omitted" and close and Q4.contains(close):
            start, count = start + amount, count + 1
    assert (team.start, team.start_count) == (Decimal(start) / 100, count)
    # A manager's team adds up too, and its reps are the team's.
    with engine.connect() as conn:
        org = load_org(conn)
    manager = next(m for m in org.managers() if org.people[m].manager_id is not None)
    scoped = waterfall(engine, since=moment, period=Q4, scope=Scope(org.subtree(manager)))
    assert scoped.team.balanced and {r.owner_id for r in scoped.reps} <= org.subtree(manager)


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("changes") / "seeded.db"
    assert (
        main(["seed", "--deals", "3000", "--seed", "9", "--today", "2026-11-26", "--db", str(path)])
        == 0
    )
    return str(path)


def changes(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    code = main(["changes", "--db", db, "--period", "2026Q4", "--today", "2026-11-26", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_changes_command(seeded_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = changes(capsys, seeded_file, "--since", "2026-10-27", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["since"] == "2026-10-27T00:00:00+00:00" and data["currency"] == "USD"
    team = data["team"]
    moved = sum(Decimal(b["amount"]) * b["sign"] for b in team["bars"])
    assert Decimal(team["start"]) + moved == Decimal(team["end"])
    assert sum(b["count"] for b in team["bars"]) > 50
    engine = open_database(f"sqlite:///{seeded_file}")
    try:
        since = datetime(2026, 10, 27, tzinfo=UTC)
        assert waterfall(engine, since=since, period=Q4).as_dict() == {
            k: v for k, v in data.items() if k != "currency"
        }
    finally:
        engine.dispose()

    # The demo's last review ended a week before its today; it kept no deal rows.
    code, out, _ = changes(capsys, seeded_file, "--since", "last-review", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["since"] == "2026-11-19T09:52:00+00:00" and data["snapshot_id"] is None

    code, out, _ = changes(capsys, seeded_file, "--since", "last-review", "--format", "markdown")
    assert code == 0 and out.startswith("# What changed: Everyone, Q4 FY2026\n")
    assert "| Start |" in out and "## By rep" in out
    code, out, _ = changes(capsys, seeded_file, "--since", "2026-11-01")
    assert code == 0 and "Start" in out and "End" in out and "Biggest deals" in out

    for args, message in [
        (("--since", "someday"), "since takes a date like 2026-11-01 or -2w, or 'last-review'"),
        (("--since", "2999-01-01"), "is after today"),
        (("--since", "2026-11-01", "--owner", "nobody"), "No one has the login 'nobody'"),
        (("--since", "2026-11-01", "--pipeline", "Nope"), "no pipeline named 'Nope'"),
    ]:
        code, out, err = changes(capsys, seeded_file, *args)
        assert code == 2 and out == "" and message in err, args
