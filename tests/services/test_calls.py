"""Forecast calls in the session: who may submit one, what is refused (and writes nothing),
where the calls stand, and how they held once their periods closed: every figure here is
computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, insert, select, text

from pipeline_tui.errors import InputError, PermissionDenied
from pipeline_tui.forecast import Scope, load_org
from pipeline_tui.forecast.call_input import CallAmounts, parse_call
from pipeline_tui.forecast.call_status import call_statuses
from pipeline_tui.forecast.call_store import CALL_TABLE, insert_call
from pipeline_tui.models import Review, table_of
from pipeline_tui.periods import parse_period
from pipeline_tui.services.people import list_pipelines, load_settings
from pipeline_tui.services.workspace import Workspace

from ..factories import Builder

Q3 = parse_period("2026Q3")
Q4 = parse_period("2026Q4")
AFTER_BOTH = date(2027, 1, 5)


class Clock:
    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def ids(engine: Engine) -> dict[str, int]:
    """Dana manages Priya and Raj; Ada is the admin, Vic a viewer. Won deals:
    Q3 Priya 80k, Raj 60k, Dana 10k; Q4 Priya 100k, Raj 40k (a lost one never counts)."""
    b = Builder(engine)
    ada = b.user("ada", role="admin")
    dana = b.user("dana", role="manager")
    priya = b.user("priya", manager=dana)
    raj = b.user("raj", manager=dana)
    vic = b.user("vic", role="viewer")
    b.deal(priya, "Won", "80000", date(2026, 9, 10))
    b.deal(priya, "Lost", "500000", date(2026, 9, 12))
    b.deal(raj, "Won", "60000", date(2026, 8, 1))
    b.deal(dana, "Won", "10000", date(2026, 7, 3))
    b.deal(priya, "Won", "100000", date(2026, 12, 1))
    b.deal(raj, "Won", "40000", date(2026, 11, 2))
    made = dict(ada=ada, dana=dana, priya=priya, raj=raj, vic=vic)
    result = {k: v.id for k, v in made.items() if v.id is not None}
    b.commit()
    return result


def session(engine: Engine, person_id: int, clock: Clock) -> Workspace:
    with engine.connect() as conn:
        org = load_org(conn)
    return Workspace(
        "sqlite://",
        engine,
        org.people[person_id],
        org,
        load_settings(engine),
        list_pipelines(engine),
        today_fn=clock,
    )


def call_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(CALL_TABLE)).scalar_one())


def figures(text: str) -> CallAmounts:
    return parse_call(text)


def test_who_may_submit_and_bad_input_writes_nothing(engine: Engine, ids: dict[str, int]) -> None:
    clock = Clock(date(2026, 11, 1))
    priya = session(engine, ids["priya"], clock)
    call = priya.submit_call(figures("90k / 120k / 100k; Acme signs in December"), Q4)
    assert (call.commit, call.best_case, call.most_likely) == (
        Decimal("90000.00"),
        Decimal("120000.00"),
        Decimal("100000.00"),
    )
    assert call.note == "Acme signs in December"
    assert (call.scope, call.made_by_id) == ("own", ids["priya"])
    assert call_count(engine) == 1

    with pytest.raises(PermissionDenied, match=r"Only Raj, Dana .* submit the forecast call"):
        priya.submit_call(figures("1k / 2k"), Q4, person_id=ids["raj"])
    with pytest.raises(PermissionDenied):
        session(engine, ids["vic"], clock).submit_call(figures("1k / 2k"), Q4)
    with pytest.raises(InputError, match="above the best case"):
        priya.submit_call(CallAmounts(Decimal(5), Decimal(4)), Q4)
    with pytest.raises(InputError, match="negative"):
        priya.submit_call(CallAmounts(Decimal(-5), Decimal(4)), Q4)
    with pytest.raises(InputError, match="Q3 FY2026 has closed"):
        priya.submit_call(figures("1k / 2k"), Q3)
    for typed in ("lots", "5k", "5k / 4k", "1k / 2k / 9k", "1k / 2k / -1", "1k / EUR 2k"):
        with pytest.raises(InputError):
            parse_call(typed)
    assert call_count(engine) == 1  # nothing refused was written

    dana = session(engine, ids["dana"], clock)
    team_call = dana.submit_call(figures("140k / 200k"), Q4)
    assert team_call.scope == "team"
    # A manager may state a rep's call for them; it stays the rep's, made by the manager.
    for_raj = dana.submit_call(figures("40k / 60k"), Q4, person_id=ids["raj"])
    assert (for_raj.person_id, for_raj.scope, for_raj.made_by_id) == (
        ids["raj"],
        "own",
        ids["dana"],
    )
    admin = session(engine, ids["ada"], clock)
    admin.submit_call(figures("41k / 60k"), Q4, person_id=ids["raj"])
    assert call_count(engine) == 4


def test_statuses_latest_change_and_team_sum(engine: Engine, ids: dict[str, int]) -> None:
    clock = Clock(date(2026, 11, 1))
    priya, raj = session(engine, ids["priya"], clock), session(engine, ids["raj"], clock)
    dana = session(engine, ids["dana"], clock)
    priya.submit_call(figures("80k / 100k"), Q4)
    priya.submit_call(figures("90k / 120k"), Q4)
    raj.submit_call(figures("40k / 60k"), Q4)
    dana.submit_call(figures("140k / 200k"), Q4)

    rows = {s.login: s for s in dana.list_calls(Q4, Scope())}
    assert rows["priya"].latest is not None and rows["priya"].latest.commit == Decimal("90000")
    assert rows["priya"].change == Decimal("10000")
    assert rows["raj"].change is None  # one call only
    assert rows["dana"].team_sum == Decimal("130000")
    assert (rows["dana"].team_called, rows["dana"].team_size) == (2, 2)
    assert rows["dana"].against_team == Decimal("10000")
    assert "ada" not in rows  # an admin sells nothing: no call of their own
    assert "vic" not in rows  # a viewer makes no calls

    # The prompt offers the latest call; with none yet, the system's figures.
    prompt = priya.call_prompt(Q4)
    assert prompt.offered == CallAmounts(Decimal("90000"), Decimal("120000"))
    # Priya has 100k won this quarter and nothing open: commit and best case are 100k.
    fresh = session(engine, ids["ada"], clock).call_prompt(Q4, ids["priya"])
    assert fresh.system == CallAmounts(Decimal("100000"), Decimal("100000"))


def test_stale_after_n_days_or_a_review_of_the_team(engine: Engine, ids: dict[str, int]) -> None:
    made = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        for person in ("priya", "raj"):
            insert_call(
                conn,
                person_id=ids[person],
                scope="own",
                period=Q4,
                commit=Decimal(1),
                best_case=Decimal(2),
                most_likely=None,
                currency="USD",
                note=None,
                made_by_id=ids[person],
                made_at=made,
            )
        org = load_org(conn)
        fresh = call_statuses(conn, org, Q4, [ids["priya"]], today=date(2026, 11, 9), stale_days=7)
        old = call_statuses(conn, org, Q4, [ids["priya"]], today=date(2026, 11, 10), stale_days=7)
        assert fresh[ids["priya"]].age_days == 7 and not fresh[ids["priya"]].stale
        assert old[ids["priya"]].age_days == 8 and old[ids["priya"]].stale
        # A review of Raj alone, ended, started after the calls: Raj's is stale, Priya's not.
        conn.execute(
            insert(table_of(Review)).values(
                started_by_id=ids["dana"],
                started_at=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
                ended_at=datetime(2026, 11, 3, 11, 0, tzinfo=UTC),
                status="ended",
                scope_owner_id=ids["raj"],
                scope_subtree=True,
                period_key=Q4.key,
                period_kind=Q4.kind,
                period_start=Q4.start,
                period_end=Q4.end,
            )
        )
        after = call_statuses(
            conn, org, Q4, [ids["priya"], ids["raj"]], today=date(2026, 11, 4), stale_days=7
        )
    assert after[ids["raj"]].stale and not after[ids["priya"]].stale


def test_accuracy_error_and_bias_by_hand(engine: Engine, ids: dict[str, int]) -> None:
    clock = Clock(date(2026, 8, 15))
    priya, raj = session(engine, ids["priya"], clock), session(engine, ids["raj"], clock)
    dana = session(engine, ids["dana"], clock)
    priya.submit_call(figures("100k / 150k"), Q3)
    raj.submit_call(figures("50k / 80k"), Q3)
    dana.submit_call(figures("160k / 220k"), Q3)
    clock.today = date(2026, 11, 1)
    priya.submit_call(figures("80k / 100k"), Q4)
    priya.submit_call(figures("90k / 120k"), Q4)  # the latest counts
    raj.submit_call(figures("40k / 60k"), Q4)
    dana.submit_call(figures("140k / 140k"), Q4)

    # Q3 has closed, Q4 not yet: only Q3 is scored.
    now = {a.login: a for a in dana.call_accuracy(Scope())}
    assert [s.period_key for s in now["priya"].scored] == ["2026Q3"]

    clock.today = AFTER_BOTH
    scored = {a.login: a for a in dana.call_accuracy(Scope())}
    p, r, d = scored["priya"], scored["raj"], scored["dana"]
    # Priya: Q3 100k called, 80k won: +20k, +25%; Q4 90k called, 100k won: -10k, -10%.
    assert [(s.error, round(s.error_pct or 0, 4)) for s in p.scored] == [
        (Decimal("20000"), 0.25),
        (Decimal("-10000"), -0.1),
    ]
    assert p.bias == pytest.approx(0.075) and p.leaning == "optimistic"
    assert p.mean_abs_error == pytest.approx(0.175)
    assert p.mean_error == Decimal("5000")
    # Raj: Q3 50k against 60k: -10k, -1/6; Q4 40k against 40k: 0.
    assert [s.error for s in r.scored] == [Decimal("-10000"), Decimal("0")]
    assert r.bias == pytest.approx(-1 / 12) and r.leaning == "sandbagging"
    # Dana calls for the team (her own deals too): Q3 160k against 150k, Q4 140k against
    # 140k.
    assert d.scope == "team"
    assert [(s.actual, s.error) for s in d.scored] == [
        (Decimal("150000"), Decimal("10000")),
        (Decimal("140000"), Decimal("0")),
    ]
    assert d.bias == pytest.approx(10000 / 150000 / 2)
    # The history is every call's commit, oldest first.
    assert p.history == (Decimal("100000"), Decimal("80000"), Decimal("90000"))


def test_a_call_wakes_the_open_apps_on_postgresql(engine: Engine) -> None:
    """The live-update trigger every table has (migration 0007) is on the new table too."""
    if engine.dialect.name != "postgresql":
        pytest.skip("notifications are PostgreSQL's; SQLite is polled")
    with engine.connect() as conn:
        names = conn.execute(
            text(
                "SELECT DISTINCT trigger_name FROM information_schema.triggers "
                "WHERE event_object_table = 'forecast_call' "
                "AND event_object_schema = current_schema()"
            )
        ).scalars()
        assert "pipeline_tui_live" in set(names)
