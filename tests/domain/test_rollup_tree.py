"""The roll-up tree: every node is the roll-up's own row, the manager's call beside the
rep's, and a sparkline of commit from past snapshots.

Manager's call, by hand (Q4): closed won 40,000 (ann 30,000, bob 10,000). Open commit:
ann 40,000 and cat 50,000 (and vp's own 7,000). The manager judges ann's 20,000 best case
deal commit at 18,000 and cat's 50,000 commit best case; bob's 60,000 pipeline deal gets a
judgment that is then withdrawn.

    rep call      = 40,000 + 40,000 + 50,000 + 7,000 = 137,000
    manager call  = 40,000 + 40,000 + 18,000 + 7,000 = 105,000
    mgr's team    rep 30 + 10 + 40 = 80,000;  manager 80 + 18 = 98,000
    cat           rep 50,000;  manager 0
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from pipeline_tui import reviews
from pipeline_tui.cli import main
from pipeline_tui.forecast import GroupBy, Scope, compute_rollup
from pipeline_tui.forecast.metrics import figures_dict
from pipeline_tui.forecast.rollup import load_org
from pipeline_tui.forecast.snapshots import SnapshotScope, take_snapshot
from pipeline_tui.forecast.tree import TreeNode, rollup_tree
from pipeline_tui.periods import parse_period
from pipeline_tui.services import edits, get_deal
from pipeline_tui.storage import open_database

from ..factories import Builder
from ..reads import judged, read

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
D = Decimal


@pytest.fixture
def org(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    vp = b.user("vp", role="manager")
    mgr = b.user("mgr", manager=vp, role="manager")
    ann, bob = b.user("ann", manager=mgr), b.user("bob", manager=mgr)
    cat = b.user("cat", manager=vp)
    b.user("admin", role="admin")  # no deals, no quota: not in the tree
    for person, amount in ((ann, "100000"), (bob, "50000"), (cat, "80000")):
        b.quota(person, date(2026, 10, 1), date(2026, 12, 31), amount)
    b.deal(ann, "Won", "30000", date(2026, 10, 15), category="closed")
    b.deal(ann, "Negotiate", "40000", date(2026, 12, 10), probability=80, category="commit")
    best = b.deal(ann, "Propose", "20000", date(2026, 11, 30), probability=50, category="best_case")
    b.deal(ann, "Lost", "25000", date(2026, 10, 20), category="omitted")
    b.deal(bob, "Won", "10000", date(2026, 11, 1), category="closed")
    big = b.deal(bob, "Propose", "60000", date(2026, 12, 15), probability=40)
    commit = b.deal(
        cat, "Negotiate", "50000", date(2026, 12, 31), probability=90, category="commit"
    )
    b.deal(cat, "Won", "20000", date(2026, 6, 1), category="closed")  # trailing year
    b.deal(vp, "Negotiate", "7000", date(2026, 12, 1), probability=90, category="commit")
    ids = {u.login: u.id for u in (vp, mgr, ann, bob, cat) if u.id is not None}
    ids |= {"best": best.id or 0, "big": big.id or 0, "commit": commit.id or 0}
    b.commit()
    return ids


def expected_rows(engine: Engine, scope: Scope | None = None) -> dict[str, object]:
    with engine.connect() as conn:
        reps = compute_rollup(conn, Q4, GroupBy.REP, scope, today=TODAY)
        managers = compute_rollup(conn, Q4, GroupBy.MANAGER, scope, today=TODAY)
    return {
        "rep": {r.key: r.figures for r in reps.rows},
        "manager": {r.key: r.figures for r in managers.rows},
        "organisation": reps.totals,
    }


def check_against_roll_up(tree: list[TreeNode], expected: dict[str, object]) -> None:
    reps, managers = expected["rep"], expected["manager"]
    assert isinstance(reps, dict) and isinstance(managers, dict)
    for node in tree:
        if node.kind == "organisation":
            assert node.figures == expected["organisation"]
        elif node.kind == "manager":
            assert node.figures == managers[node.key], node.key
        else:
            assert node.figures == reps[node.key.removesuffix(":own")], node.key
        if node.children:
            summed = node.children[0].calls
            for child in node.children[1:]:
                summed = summed + child.calls
            assert summed.figures == node.figures and summed.manager == node.calls.manager


def test_every_node_is_the_roll_ups_row(engine: Engine, org: dict[str, int]) -> None:
    tree = rollup_tree(engine, Q4, today=TODAY)
    assert [(n.depth, n.kind, n.key) for n in tree] == [
        (0, "organisation", "organisation"),
        (1, "manager", "vp"),
        (2, "own", "vp:own"),
        (2, "rep", "cat"),
        (2, "manager", "mgr"),
        (3, "rep", "ann"),
        (3, "rep", "bob"),
    ]
    assert tree[0].children == (tree[1],)
    check_against_roll_up(tree, expected_rows(engine))
    with engine.connect() as conn:
        team = Scope(load_org(conn).subtree(org["mgr"]))
    scoped = rollup_tree(engine, Q4, team, today=TODAY)
    assert [n.key for n in scoped] == ["organisation", "mgr", "ann", "bob"]
    assert scoped[0].label == "Mgr's team"
    check_against_roll_up(scoped, expected_rows(engine, team))


def test_rep_call_and_manager_call(engine: Engine, org: dict[str, int]) -> None:
    vp = org["vp"]
    reviews.record_judgment(
        engine, None, org["best"], vp, "commit", D("18000"), None, **read(engine, org["best"])
    )
    reviews.record_judgment(
        engine,
        None,
        org["commit"],
        vp,
        "best_case",
        None,
        "slipping",
        **read(engine, org["commit"]),
    )
    reviews.record_judgment(
        engine, None, org["big"], vp, "commit", None, None, **read(engine, org["big"])
    )
    reviews.withdraw_judgment(engine, None, org["big"], vp, **judged(engine, org["big"]))
    nodes = {n.key: n for n in rollup_tree(engine, Q4, today=TODAY)}
    root = nodes["organisation"]
    assert (root.rep_call, root.manager_call) == (D("137000"), D("105000"))
    assert root.calls.manager.judged_count == 2
    assert (nodes["mgr"].rep_call, nodes["mgr"].manager_call) == (D("80000"), D("98000"))
    assert (nodes["cat"].rep_call, nodes["cat"].manager_call) == (D("50000"), D("0"))
    assert nodes["vp:own"].manager_call == nodes["vp:own"].rep_call == D("7000")
    # The rep's call is untouched by the judgments.
    check_against_roll_up(list(nodes.values()), expected_rows(engine))
    data = root.as_dict()
    assert (data["rep_call"], data["manager_call"], data["judged_count"]) == (
        "137000.00",
        "105000.00",
        2,
    )


def test_commit_history_from_past_snapshots(engine: Engine, org: dict[str, int]) -> None:
    everyone = SnapshotScope(None)
    take_snapshot(engine, period=Q4, scope=everyone, today=TODAY)  # commit 97k (ann 40k)
    version = get_deal(engine, org["best"]).version
    edits.cycle_category(engine, org["best"], version, user_id=None, source="cli")
    take_snapshot(engine, period=Q4, scope=SnapshotScope(org["mgr"]), today=TODAY)
    take_snapshot(engine, period=Q4.shift(1), scope=everyone, today=TODAY)  # other period
    take_snapshot(engine, period=Q4, scope=everyone, today=TODAY)  # ann 60k now
    nodes = {n.key: n for n in rollup_tree(engine, Q4, today=TODAY)}
    assert nodes["organisation"].commit_history == (D("97000"), D("117000"))
    assert nodes["ann"].commit_history == (D("40000"), D("60000"), D("60000"))
    assert nodes["cat"].commit_history == (D("50000"), D("50000"))
    assert len(nodes["ann"].history_dates) == 3
    short = {n.key: n for n in rollup_tree(engine, Q4, today=TODAY, history=1)}
    assert short["ann"].commit_history == (D("60000"),)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("tree") / "seeded.db"
    assert (
        main(
            ["seed", "--deals", "8000", "--seed", "11", "--today", "2026-11-26", "--db", str(path)]
        )
        == 0
    )
    return str(path)


def test_every_node_equals_the_report_command(
    seeded: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows: dict[str, dict[str, object]] = {}
    for by in ("rep", "manager"):
        base = ["report", "--db", seeded, "--by", by, "--period", "2026Q4", "--today", "2026-11-26"]
        assert main([*base, "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        rows |= {f"{by}:{r['key']}": r for r in data["rows"]}
        rows["organisation"] = data["totals"]
    engine = open_database(f"sqlite:///{seeded}")
    try:
        tree = rollup_tree(engine, Q4, today=TODAY)
    finally:
        engine.dispose()
    assert len(tree) > 8 and {n.kind for n in tree} == {"organisation", "manager", "rep", "own"}
    for node in tree:
        key = {
            "organisation": "organisation",
            "manager": f"manager:{node.key}",
            "rep": f"rep:{node.key}",
            "own": f"rep:{node.key.removesuffix(':own')}",
        }[node.kind]
        got = figures_dict(node.figures) | ({"key": rows[key]["key"]} if "key" in rows[key] else {})
        assert got == rows[key], node.key
    # The demo's weekly snapshots give the current quarter a sparkline.
    assert len(tree[0].commit_history) >= 8
