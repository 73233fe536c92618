"""The head of the organisation, and a one-pipeline snapshot that keeps what its quota is
measured against (docs/metrics.md, "Scope" and "Quota and pipelines")."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from pipeline_tui.forecast.snapshots import SnapshotScope, snapshot_totals, take_snapshot
from pipeline_tui.forecast.tree import rollup_tree
from pipeline_tui.org import OrgChart, Person
from pipeline_tui.periods import parse_period
from pipeline_tui.query import Scope
from pipeline_tui.services.scope import UnknownPersonError, resolve_owner, who_is_me

from ..scope_examples import TODAY, build_quota_example

Q4 = parse_period("2026Q4")


def person(pid: int, login: str, manager: int | None = None, role: str = "rep") -> Person:
    return Person(pid, login, login.title(), role, manager)


def test_the_head_is_the_root_with_the_largest_team() -> None:
    # Ada (rep) has no manager and one report; Zoe (manager) has none and two reports;
    # Bea has no one at all. The largest team wins, whatever the names.
    org = OrgChart(
        [
            person(1, "ada"),
            person(2, "ann", manager=1),
            person(3, "zoe", role="manager"),
            person(4, "cal", manager=3),
            person(5, "dan", manager=3),
            person(6, "bea"),
        ]
    )
    head = org.head()
    assert head is not None and head.login == "zoe"
    named = org.head("BEA")
    assert named is not None and named.login == "bea"
    fallback = org.head("nobody")  # a name no one has: the rule again
    assert fallback is not None and fallback.login == "zoe"
    # Equal teams: a manager before a rep.
    tie = OrgChart([person(1, "ada"), person(2, "zed", role="manager")])
    assert (tie.head() or person(0, "none")).login == "zed"
    assert OrgChart([]).head() is None


def test_me_falls_back_to_the_head(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "not-a-person-here")
    org = OrgChart([person(1, "vic", role="manager"), person(2, "ann", manager=1)])
    me = who_is_me(org, None)
    assert me is not None and me.login == "vic"
    assert resolve_owner(org, "me", me).owner_ids == frozenset({1})
    assert resolve_owner(org, "team", me).owner_ids == frozenset({1, 2})
    monkeypatch.setattr("getpass.getuser", lambda: "ann")
    assert (who_is_me(org, None) or me).login == "ann"  # the OS login, when it is a person
    with pytest.raises(UnknownPersonError, match="No one has the login 'bob'"):
        who_is_me(org, "bob")


def test_a_one_pipeline_snapshot_keeps_its_quota_basis(engine: Engine) -> None:
    ids = build_quota_example(engine)
    renewals = ids["Renewals"]
    scope = SnapshotScope(ids["vic"], True, renewals)
    info = take_snapshot(engine, period=Q4, scope=scope, today=date.fromisoformat(TODAY))
    with engine.connect() as conn:
        stored = snapshot_totals(conn, info.id).figures
    # Renewals' own figures, and quota, gap and coverage over all pipelines (the page's).
    assert (stored.closed_won, stored.commit, stored.pipeline) == (10000, 10000, 35000)
    assert stored.quota == 150000 and stored.gap == 40000
    assert stored.coverage == pytest.approx(1.05) and stored.all_pipelines
    # The live tree says the same for the same scope.
    root = rollup_tree(engine, Q4, Scope(None, renewals), today=date.fromisoformat(TODAY))[0]
    assert root.figures.gap == 40000 and root.figures.coverage == pytest.approx(1.05)
