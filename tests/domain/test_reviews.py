"""A whole forecast review meeting through the API, on both databases.

The team: mgr manages ann and bob; cat reports elsewhere. The review covers mgr's team,
Q4, the Negotiate and Propose stages, deals of 12,000 and more. Figures worked by hand:

    ann  Won 30,000 (closed won)      bob  Negotiate 25,000 at 70% best case, 12-20
         Negotiate 40,000 at 80% commit     Negotiate 10,000 at 60% pipeline
         Propose 30,000 at 50% best case    Propose 20,000 at 50% pipeline
         Propose 15,000 at 40% pipeline     Qualify 5,000 at 10% pipeline
    quotas: ann 100,000, bob 50,000; cat has Negotiate 50,000 commit (not in scope)

    start: closed won 30k, commit 40k, best case 30k + 25k = 55k,
           pipeline 40 + 30 + 15 + 25 + 10 + 20 + 5 = 145k,
           weighted 32 + 15 + 6 + 17.5 + 6 + 10 + 0.5 = 87k, coverage 145 / 120,
           rep call = manager call = 30 + 40 = 70k
    in the meeting: 40k goes 80% -> 90% (+4k weighted); bob's 25k is pushed to January
           (out of Q4); the manager calls ann's 30k Propose deal commit at 27,000
    end:   best case 30k, pipeline 120k, weighted 87 + 4 - 17.5 = 73.5k, commit 40k,
           rep call 70k, manager call 30 + 40 + 27 = 97k, coverage 120 / 120
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select, text

from pipeline_tui import reviews
from pipeline_tui.cli import main
from pipeline_tui.forecast import GroupBy, Scope, compute_rollup
from pipeline_tui.forecast.rollup import load_org
from pipeline_tui.forecast.snapshots import load_snapshot, snapshot_totals
from pipeline_tui.models import SnapshotDeal, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services import edits

from ..factories import Builder
from ..reads import read, version_of

TODAY = date(2026, 11, 26)
Q4 = parse_period("2026Q4", today=TODAY)
D = Decimal


@dataclass
class Team:
    ids: dict[str, int]
    deals: dict[str, int]
    stages: dict[str, int]


@pytest.fixture
def team(engine: Engine) -> Team:
    b = Builder(engine)
    vp = b.user("vp", role="manager")
    mgr = b.user("mgr", manager=vp, role="manager")
    ann, bob = b.user("ann", manager=mgr), b.user("bob", manager=mgr)
    cat = b.user("cat", manager=vp)
    b.quota(ann, date(2026, 10, 1), date(2026, 12, 31), "100000")
    b.quota(bob, date(2026, 10, 1), date(2026, 12, 31), "50000")
    dec = date(2026, 12, 15)
    deals = {
        "won": b.deal(ann, "Won", "30000", date(2026, 10, 15), category="closed"),
        "a40": b.deal(ann, "Negotiate", "40000", dec, probability=80, category="commit"),
        "a30": b.deal(ann, "Propose", "30000", dec, probability=50, category="best_case"),
        "a15": b.deal(ann, "Propose", "15000", dec, probability=40),
        "b25": b.deal(
            bob, "Negotiate", "25000", date(2026, 12, 20), probability=70, category="best_case"
        ),
        "b10": b.deal(bob, "Negotiate", "10000", dec, probability=60),
        "b20": b.deal(bob, "Propose", "20000", dec, probability=50),
        "b05": b.deal(bob, "Qualify", "5000", dec, probability=10),
        "c50": b.deal(cat, "Negotiate", "50000", dec, probability=90, category="commit"),
    }
    result = Team(
        {u.login: u.id for u in (vp, mgr, ann, bob, cat) if u.id is not None},
        {k: d.id for k, d in deals.items() if d.id is not None},
        {k: s.id for k, s in b.stages.items() if s.id is not None},
    )
    b.commit()
    return result


def version(engine: Engine, deal_id: int) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT version FROM deal WHERE id = :i"), {"i": deal_id}
            ).scalar_one()
        )


def cli_url(engine: Engine) -> Iterator[str]:
    """The database as a URL the CLI can open: on PostgreSQL, with the test's schema."""
    if engine.dialect.name == "sqlite":
        yield engine.url.render_as_string(hide_password=False)
        return
    with engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    url = engine.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)


def test_a_whole_meeting(engine: Engine, team: Team, capsys: pytest.CaptureFixture[str]) -> None:
    mgr, deals = team.ids["mgr"], team.deals
    state = reviews.start_review(
        engine,
        started_by=mgr,
        scope=reviews.ReviewScope(mgr),
        period=Q4,
        today=TODAY,
        stage_ids=[team.stages["Negotiate"], team.stages["Propose"]],
        min_amount=D("12000"),
    )
    # Stage by stage, latest first, biggest first: 5 deals over two stages.
    order = [deals[k] for k in ("a40", "b25", "a30", "b20", "a15")]
    assert [i.deal_id for i in state.items] == order
    assert state.progress().text == "Negotiate 1/2 - deal 1/5"
    assert state.progress(3).text == "Propose 2/3 - deal 4/5"
    assert state.start_figures is not None
    start = state.start_figures
    assert (start.figures.closed_won, start.figures.commit) == (D("30000"), D("40000"))
    assert (start.figures.best_case, start.figures.pipeline) == (D("55000"), D("145000"))
    assert start.figures.weighted == D("87000")
    assert start.rep_call == start.manager_call == D("70000")

    # Deal 1: the probability goes up in the meeting, with the board's own edit.
    first = reviews.review_deal(engine, state.id, today=TODAY)
    assert first.deal.id == deals["a40"] and first.baseline_at is None
    assert first.changes_since_last_review == () and first.changes_in_review == ()
    edits.set_probability(
        engine, deals["a40"], version(engine, deals["a40"]), 90, user_id=mgr, source="tui"
    )
    assert reviews.review_deal(engine, state.id, today=TODAY).changes_in_review == (
        reviews.FieldDiff("probability", "80", "90"),
    )
    state = reviews.move(engine, state.id, 1, mark="reviewed", seconds_spent=30, from_index=0)

    # Deal 2: pushed into January, and an action item for bob.
    second = reviews.review_deal(engine, state.id, today=TODAY)
    assert second.deal.id == deals["b25"] and second.progress.text == "Negotiate 2/2 - deal 2/5"
    edits.set_close_date(
        engine, deals["b25"], second.deal.version, date(2027, 1, 15), user_id=mgr, source="tui"
    )
    reviews.add_action_item(
        engine,
        state.id,
        deals["b25"],
        "Get the PO date",
        team.ids["bob"],
        date(2026, 12, 1),
        mgr,
        expected_version=version_of(engine, deals["b25"]),
    )
    state = reviews.move(engine, state.id, 2, mark="reviewed", seconds_spent=45, from_index=1)

    # Deal 3: the manager's own call, beside the rep's.
    reviews.record_judgment(
        engine,
        state.id,
        deals["a30"],
        mgr,
        "commit",
        D("27000"),
        "Signed off by the CFO",
        **read(engine, deals["a30"]),
    )
    banner = reviews.review_forecast(engine, state.id, today=TODAY)
    assert banner.start == start
    assert banner.now.figures.weighted == D("73500") and banner.now.manager_call == D("97000")
    # Quitting here: the time on this deal is recorded and the review stays open.
    reviews.move(engine, state.id, 2, seconds_spent=20)

    resumed = reviews.open_review(engine, mgr)
    assert resumed is not None and resumed.id == state.id and resumed.is_open
    assert resumed.current_index == 2 and resumed.elapsed_seconds == 95
    assert resumed.current is not None and resumed.current.deal_id == deals["a30"]
    third = reviews.review_deal(engine, resumed.id, today=TODAY)
    assert third.judgment is not None and third.judgment.manager_category == "commit"
    assert third.judgment.manager_amount == D("27000")
    assert (third.judgment.rep_category, third.judgment.rep_amount) == ("best_case", D("30000"))
    resumed = reviews.move(engine, resumed.id, 3, mark="reviewed", seconds_spent=60, from_index=2)
    resumed = reviews.move(engine, resumed.id, 4, mark="skipped", seconds_spent=5, from_index=3)
    summary = reviews.end_review(
        engine, resumed.id, today=TODAY, seconds_spent=15, mark="reviewed", from_index=4
    )

    review = summary.review
    assert review.status == "ended" and review.ended_at is not None
    assert review.elapsed_seconds == 30 + 45 + 20 + 60 + 5 + 15
    assert [i.status for i in review.items] == [
        "reviewed", "reviewed", "reviewed", "skipped", "reviewed",
    ]  # fmt: skip
    assert [i.seconds_spent for i in review.items] == [30, 45, 80, 5, 15]
    assert reviews.open_review(engine, mgr) is None
    changes = {(c.deal_id, c.field, c.before, c.after) for c in summary.changes}
    assert changes == {
        (deals["a40"], "probability", "80", "90"),
        (deals["b25"], "close_date", "2026-12-20", "2027-01-15"),
        (deals["b25"], "push_count", "0", "1"),
    }
    assert [(j.deal_id, j.category, j.amount) for j in summary.judgments] == [
        (deals["a30"], "commit", D("27000"))
    ]
    assert [(g.owner_name, [a.text for a in g.items]) for g in summary.action_items] == [
        ("Bob", ["Get the PO date"])
    ]
    end = summary.forecast_end
    assert end is not None and summary.forecast_start == start
    assert (end.figures.best_case, end.figures.pipeline) == (D("30000"), D("120000"))
    assert end.figures.weighted == D("73500") and end.figures.commit == D("40000")
    assert (end.rep_call, end.manager_call) == (D("70000"), D("97000"))
    assert end.figures.coverage == pytest.approx(1.0)

    # The stored snapshot is the roll-up as it stood at the end, and lists the deals.
    assert review.end_snapshot_id is not None
    with engine.connect() as conn:
        owners = load_org(conn).subtree(mgr)
        rollup = compute_rollup(conn, Q4, GroupBy.REP, Scope(owners), today=TODAY)
        assert snapshot_totals(conn, review.end_snapshot_id).figures == rollup.totals
        snapshot = load_snapshot(conn, review.end_snapshot_id)
        sd = table_of(SnapshotDeal).c
        stored = conn.execute(
            select(func.count()).where(sd.snapshot_id == review.end_snapshot_id)
        ).scalar_one()
    assert (snapshot.kind, snapshot.review_id, snapshot.period.key) == (
        "review_end",
        review.id,
        "2026Q4",
    )
    assert stored == 7  # ann's 4 deals and bob's 3 closing in Q4; bob's 25k left

    markdown = reviews.summary_markdown(summary)
    assert markdown.startswith(f"# Forecast review #{review.id}: Mgr's team, Q4 FY2026\n")
    assert "| Manager call | $70,000 | $97,000 | +$27,000 |" in markdown
    assert "| Weighted | $87,000 | $73,500 | -$13,500 |" in markdown
    assert "## Deals: 4 reviewed, 1 skipped\n" in markdown and "not reached" not in markdown
    assert "| ann Propose 30000 | Best case $30,000 | Commit $27,000 | Mgr | Signed off" in markdown
    assert "| bob Negotiate 25000 | Close date | 2026-12-20 | 2027-01-15 | Mgr |" in markdown
    assert "#### Bob\n\n- [ ] Get the PO date: bob Negotiate 25000 (due 2026-12-01)" in markdown

    for url in cli_url(engine):
        assert main(["review", "show", str(review.id), "--db", url, "--format", "json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown == json.loads(json.dumps(summary.as_dict()))
        assert shown["counts"] == {"total": 5, "reviewed": 4, "skipped": 1, "pending": 0}
        assert shown["forecast"]["end"]["manager_call"] == "97000.00"
        assert main(["review", "show", str(review.id), "--db", url]) == 0
        assert capsys.readouterr().out == markdown
        assert main(["review", "list", "--db", url, "--format", "json"]) == 0
        listed = json.loads(capsys.readouterr().out)
        assert [(r["id"], r["reviewed"], r["skipped"]) for r in listed] == [(review.id, 4, 1)]
        assert main(["review", "show", "999", "--db", url]) == 2
        assert "There is no review with id 999." in capsys.readouterr().err
        # What changed since: the end snapshot, when it holds the deals asked about.
        since = ["changes", "--since", "last-review", "--period", "2026Q4", "--db", url]
        assert main([*since, "--owner", "mgr", "--format", "json"]) == 0
        changed = json.loads(capsys.readouterr().out)
        assert changed["snapshot_id"] == review.end_snapshot_id
        assert changed["team"]["start"] == changed["team"]["end"] == "120000.00"
        assert main([*since, "--format", "json"]) == 0
        changed = json.loads(capsys.readouterr().out)
        assert changed["snapshot_id"] is None
        assert changed["since"] == review.ended_at.isoformat()
