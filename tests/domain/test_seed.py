"""The demo seeder: counts, determinism, believable shapes, and the fast write paths."""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel

from pipeline_tui.models import (
    Account,
    Deal,
    DealChange,
    Note,
    Pipeline,
    Quota,
    Settings,
    Stage,
    User,
    table_of,
)
from pipeline_tui.seed import SeedError, SeedSummary, seed_demo, writers
from pipeline_tui.seed.org import organisation
from pipeline_tui.storage import open_database

TODAY = date(2026, 11, 26)
QUARTER = (date(2026, 10, 1), date(2026, 12, 31))
DEALS = 3_000
M = TypeVar("M", bound=SQLModel)
TABLES: list[type[SQLModel]] = [
    Settings,
    User,
    Account,
    Pipeline,
    Stage,
    Deal,
    DealChange,
    Note,
    Quota,
]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = open_database(f"sqlite:///{tmp_path}/t.db")
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(db: Engine) -> tuple[Engine, SeedSummary]:
    return db, seed_demo(db, deals=DEALS, today=TODAY)


def rows(engine: Engine, model: type[M]) -> list[M]:
    with Session(engine) as session:
        id_column = table_of(model).c.id
        return list(session.scalars(select(model).order_by(id_column)).all())


def count(engine: Engine, model: type[SQLModel]) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table_of(model))) or 0


def digest(engine: Engine, model: type[SQLModel]) -> str:
    table = table_of(model)
    with engine.connect() as conn:
        data = conn.execute(select(table).order_by(table.c.id)).all()
    return hashlib.sha256(repr([tuple(row) for row in data]).encode()).hexdigest()


def sqlite_dump(path: Path) -> list[str]:
    """Schema and every stored value, with its SQLite storage type, as SQL text.

    Two orders carry no meaning and are set aside: that of a table's constraints (a
    migration that rebuilds a table, Alembic's batch mode, writes them in an order that
    differs from one process to the next) and that of the indexes (a rebuilt index is
    listed after the others)."""
    conn = sqlite3.connect(path)
    try:
        dump = list(conn.iterdump())
    finally:
        conn.close()
    later = ("CREATE INDEX", "CREATE UNIQUE INDEX", "CREATE TRIGGER")
    return [_constraints_sorted(line) for line in dump if not line.startswith(later)] + sorted(
        line for line in dump if line.startswith(later)
    )


CONSTRAINT_LINE = ("CONSTRAINT ", "FOREIGN KEY", "UNIQUE ", "UNIQUE(", "PRIMARY KEY", "CHECK ")


def _constraints_sorted(statement: str) -> str:
    if not statement.startswith("CREATE TABLE"):
        return statement
    lines = [line.strip().rstrip(",").strip() for line in statement.split("\n")]
    head, body, tail = lines[0], lines[1:-1], lines[-1]
    columns = [line for line in body if not line.startswith(CONSTRAINT_LINE)]
    constraints = sorted(line for line in body if line.startswith(CONSTRAINT_LINE))
    return "\n".join([head, *columns, *constraints, tail])


def test_summary_matches_what_was_written(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, summary = seeded
    assert summary.deals == count(engine, Deal) == DEALS
    assert summary.users == count(engine, User)
    assert summary.accounts == count(engine, Account) == DEALS // 8
    assert summary.pipelines == count(engine, Pipeline) == 3
    assert summary.stages == count(engine, Stage) == 18
    assert summary.changes == count(engine, DealChange)
    assert summary.notes == count(engine, Note)
    assert summary.quotas == count(engine, Quota) == summary.reps * 13
    assert summary.reps == 6 and summary.managers == 2  # the VP and one first-line manager
    assert 0.2 * DEALS < summary.changes < 0.4 * DEALS
    assert 0.02 * DEALS < summary.notes < 0.08 * DEALS
    assert [
        (s.id, s.fiscal_year_start_month, s.currency, s.coverage_target, s.win_rate_target)
        for s in rows(engine, Settings)
    ] == [(1, 1, "USD", 3.0, 0.60)]


def test_same_arguments_give_identical_data(tmp_path: Path) -> None:
    paths = [tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"]
    engines = [open_database(f"sqlite:///{path}") for path in paths]
    try:
        seed_demo(engines[0], deals=DEALS, seed=7, today=TODAY)
        seed_demo(engines[1], deals=DEALS, seed=7, today=TODAY)
        seed_demo(engines[2], deals=DEALS, seed=8, today=TODAY)
        assert digest(engines[0], Deal) == digest(engines[1], Deal)
        assert digest(engines[0], Deal) != digest(engines[2], Deal)
    finally:
        for engine in engines:
            engine.dispose()
    assert sqlite_dump(paths[0]) == sqlite_dump(paths[1])


def test_fast_sqlite_path_stores_exactly_what_core_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast_path, core_path = tmp_path / "fast.db", tmp_path / "core.db"
    fast = open_database(f"sqlite:///{fast_path}")
    core = open_database(f"sqlite:///{core_path}")
    try:
        seed_demo(fast, deals=DEALS, today=TODAY)
        monkeypatch.setattr(writers, "writer_class", lambda connection: writers.BulkWriter)
        seed_demo(core, deals=DEALS, today=TODAY)
    finally:
        fast.dispose()
        core.dispose()
    assert sqlite_dump(fast_path) == sqlite_dump(core_path)


def test_values_read_back_through_sqlmodel(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    with Session(engine) as session:
        deal = session.get(Deal, 1)
        note = session.get(Note, 1)
        quota = session.get(Quota, 1)
        change = session.get(DealChange, 1)
    assert deal is not None and note is not None and quota is not None and change is not None
    for stamp in (
        deal.created_at,
        deal.updated_at,
        deal.stage_entered_at,
        note.created_at,
        change.changed_at,
    ):
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
    assert isinstance(deal.close_date, date) and isinstance(quota.period_start, date)
    assert note.done is False and isinstance(deal.amount_minor, int)
    assert deal.external_id == "D-0000001" and deal.currency == "USD" and deal.version == 1


def test_stages_categories_and_probabilities_agree(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    stages = {s.id: s for s in rows(engine, Stage)}
    pipelines = {p.id: p.name for p in rows(engine, Pipeline)}
    assert list(pipelines.values()) == ["New Business", "Renewals", "Expansion"]
    kinds: Counter[str] = Counter()
    for deal in rows(engine, Deal):
        stage = stages[deal.stage_id]
        assert stage.pipeline_id == deal.pipeline_id
        kinds[stage.kind] += 1
        if stage.kind == "won":
            assert (deal.probability, deal.forecast_category) == (100, "closed")
            assert deal.closed_date == deal.close_date and deal.lost_reason is None
        elif stage.kind == "lost":
            assert (deal.probability, deal.forecast_category) == (0, "omitted")
            assert deal.closed_date == deal.close_date
            assert deal.lost_reason in {"Price", "Competitor", "No decision", "Timing", "Budget"}
        else:
            assert deal.closed_date is None and deal.lost_reason is None
            assert 5 <= deal.probability <= 95 and deal.probability % 5 == 0
            expected = (
                "commit"
                if deal.probability >= 90
                else "best_case"
                if deal.probability >= 60
                else "pipeline"
            )
            assert deal.forecast_category in {expected, "omitted"}
        if deal.close_date is not None and deal.close_date >= TODAY:
            assert stage.kind == "open"
    new_business = sum(1 for d in rows(engine, Deal) if d.pipeline_id == 1)
    assert 0.6 < new_business / DEALS < 0.8
    assert kinds["open"] > 0.2 * DEALS


def test_win_rate_is_believable(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    deals = [d for d in rows(engine, Deal) if d.closed_date is not None]
    won = sum(1 for d in deals if d.probability == 100)
    assert 0.2 <= won / len(deals) <= 0.45


def test_some_open_deals_have_no_close_date_and_some_are_overdue(
    seeded: tuple[Engine, SeedSummary],
) -> None:
    engine, _ = seeded
    deals = rows(engine, Deal)
    undated = [d for d in deals if d.close_date is None]
    assert undated and all(d.closed_date is None for d in undated)
    overdue = [
        d
        for d in deals
        if d.closed_date is None and d.close_date is not None and d.close_date < TODAY
    ]
    past = [d for d in deals if d.close_date is not None and d.close_date < TODAY]
    assert 0.01 < len(overdue) / len(past) < 0.1


def test_timestamps_are_ordered_and_in_the_past(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    midnight = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC)
    for deal in rows(engine, Deal):
        assert deal.created_at <= deal.stage_entered_at <= deal.updated_at < midnight
        if deal.close_date is not None:
            assert deal.created_at.date() <= deal.close_date - timedelta(days=10) or (
                deal.close_date >= TODAY
            )
            assert deal.stage_entered_at.date() <= max(deal.close_date, TODAY)


def test_amounts_are_whole_hundreds_and_never_negative(
    seeded: tuple[Engine, SeedSummary],
) -> None:
    engine, _ = seeded
    amounts = [d.amount_minor for d in rows(engine, Deal)]
    assert all(type(a) is int and 0 <= a <= 5_000_000_00 and a % 100_00 == 0 for a in amounts)
    assert 15_000_00 < sorted(amounts)[len(amounts) // 2] < 40_000_00  # median near 30k


def test_hierarchy_is_vp_managers_reps_without_cycles(
    seeded: tuple[Engine, SeedSummary],
) -> None:
    engine, summary = seeded
    users = {u.id: u for u in rows(engine, User)}
    vp = users[1]
    assert (vp.login, vp.role, vp.manager_id) == ("vp", "manager", None)
    assert {u.login: u.role for u in users.values()}["admin"] == "admin"
    assert {u.login: u.role for u in users.values()}["viewer"] == "viewer"
    assert len({u.login for u in users.values()}) == len(users)
    for user in users.values():
        seen = {user.id}
        current = user
        while current.manager_id is not None:
            assert current.manager_id not in seen, "cycle"
            seen.add(current.manager_id)
            current = users[current.manager_id]
        if user.role in {"rep", "manager"}:
            assert current.id == vp.id
    managers = [u for u in users.values() if u.role == "manager" and u.id != vp.id]
    reps = [u for u in users.values() if u.role == "rep"]
    assert len(managers) + 1 == summary.managers and len(reps) == summary.reps
    assert all(m.manager_id == vp.id and m.team for m in managers)
    for rep in reps:
        assert rep.manager_id is not None
        manager = users[rep.manager_id]
        assert manager.role == "manager" and manager.manager_id == vp.id
        assert rep.team == manager.team and rep.email == f"{rep.login}@example.com"


def test_every_rep_has_quotas_around_today(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    users = {u.id: u for u in rows(engine, User)}
    quotas = rows(engine, Quota)
    reps = {i for i, u in users.items() if u.role == "rep"}
    assert {q.user_id for q in quotas} == reps
    current = {q.user_id for q in quotas if (q.period_start, q.period_end) == QUARTER}
    assert current == reps
    assert all(q.amount_minor > 0 and q.amount_minor % 5_000_00 == 0 for q in quotas)
    assert min(q.period_start for q in quotas) == date(2024, 10, 1)
    assert max(q.period_end for q in quotas) == date(2027, 12, 31)


def test_past_quarters_attain_roughly_their_quota(db: Engine) -> None:
    # Big enough that a handful of huge deals can't swing a quarter.
    seed_demo(db, deals=30_000, today=TODAY)
    quota_by_start: defaultdict[date, int] = defaultdict(int)
    for quota in rows(db, Quota):
        quota_by_start[quota.period_start] += quota.amount_minor
    won_by_start: defaultdict[date, int] = defaultdict(int)
    for deal in rows(db, Deal):
        if deal.probability == 100 and deal.closed_date is not None:
            start = date(deal.closed_date.year, (deal.closed_date.month - 1) // 3 * 3 + 1, 1)
            won_by_start[start] += deal.amount_minor
    past = sorted(start for start in quota_by_start if start < QUARTER[0])
    assert len(past) == 8
    for start in past:
        assert 0.65 < won_by_start[start] / quota_by_start[start] < 1.25, start
    overall = sum(won_by_start[s] for s in past) / sum(quota_by_start[s] for s in past)
    assert 0.8 < overall < 1.05
    # Quotas grow with the business rather than standing still.
    assert quota_by_start[past[-1]] > 1.4 * quota_by_start[past[0]]


def test_change_history_is_recent_and_ends_at_the_current_values(
    seeded: tuple[Engine, SeedSummary],
) -> None:
    engine, _ = seeded
    deals = {d.id: d for d in rows(engine, Deal)}
    stages = {s.id: s.name for s in rows(engine, Stage)}
    changes = rows(engine, DealChange)
    start = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=UTC) - timedelta(days=60)
    assert changes
    assert {c.field for c in changes} >= {
        "stage",
        "probability",
        "amount",
        "close_date",
        "forecast_category",
    }
    for change in changes:
        deal = deals[change.deal_id]
        assert start <= change.changed_at < start + timedelta(days=60)
        assert deal.created_at <= change.changed_at <= deal.updated_at
        assert change.source == "cli" and change.changed_by_id == deal.owner_id
        assert change.old_value != change.new_value
        current: str | None = {
            "stage": stages[deal.stage_id],
            "probability": str(deal.probability),
            "amount": f"{deal.amount_minor // 100}.{deal.amount_minor % 100:02d}",
            "close_date": deal.close_date.isoformat() if deal.close_date else None,
            "forecast_category": deal.forecast_category,
            "push_count": str(deal.push_count),
        }[change.field]
        assert change.new_value == current
        if change.field == "stage":
            assert change.changed_at == deal.stage_entered_at
        if change.field == "close_date":
            assert change.old_value is not None and current is not None
            assert change.old_value < current


def test_notes_belong_to_deals_and_their_owners(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    deals = {d.id: d for d in rows(engine, Deal)}
    notes = rows(engine, Note)
    assert {n.kind for n in notes} == {"note", "next_step", "action"}
    for note in notes:
        deal = deals[note.deal_id]
        assert note.author_id == deal.owner_id and note.created_at >= deal.created_at
        assert (note.due_date is None) == (note.kind == "note")


def test_seeding_a_database_with_deals_raises(seeded: tuple[Engine, SeedSummary]) -> None:
    engine, _ = seeded
    before = digest(engine, Deal)
    with pytest.raises(SeedError, match="3,000 deals"):
        seed_demo(engine, deals=10, today=TODAY)
    assert digest(engine, Deal) == before and count(engine, User) == 10


def test_seeding_over_existing_people_raises(db: Engine) -> None:
    with Session(db) as session:
        session.add(User(login="someone", display_name="Someone"))
        session.commit()
    with pytest.raises(SeedError, match="1 users"):
        seed_demo(db, deals=10, today=TODAY)


def test_progress_runs_from_zero_to_total(db: Engine) -> None:
    calls: list[tuple[int, int]] = []
    seed_demo(db, deals=60_000, today=TODAY, progress=lambda *call: calls.append(call))
    assert calls == [(0, 60_000), (50_000, 60_000), (60_000, 60_000)]  # per 50,000 deals


def test_connection_settings_and_indexes_are_restored(db: Engine, tmp_path: Path) -> None:
    before = sqlite_dump(tmp_path / "t.db")
    seed_demo(db, deals=500, today=TODAY)
    schema = [line for line in sqlite_dump(tmp_path / "t.db") if line.startswith("CREATE")]
    assert schema == [line for line in before if line.startswith("CREATE")]
    with db.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def test_no_deals_and_no_today(db: Engine) -> None:
    summary = seed_demo(db, deals=0)
    assert summary.deals == 0 and summary.reps == 6 and summary.accounts == 20
    assert summary.quotas == 6 * 13 and count(db, Deal) == 0


def test_scale_follows_deals() -> None:
    for deals, reps in ((1_000, 6), (100_000, 40), (1_000_000, 400), (5_000_000, 400)):
        org = organisation(random.Random(1), deals)
        assert len(org.reps) == reps
        assert org.managers - 1 == max(1, round(reps / 7))
        assert len({row[1] for row in org.users}) == len(org.users)


# PostgreSQL, when configured: the COPY path must store what the SQLite path stores.


def schema_of(engine: Engine) -> list[tuple[str, ...]]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
                )
            ]
        return [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
            )
        ]


def test_each_backend_stores_the_same_demo(engine: Engine, tmp_path: Path) -> None:
    schema = schema_of(engine)
    summary = seed_demo(engine, deals=DEALS, seed=3, today=TODAY)
    assert schema_of(engine) == schema
    reference = open_database(f"sqlite:///{tmp_path}/reference.db")
    try:
        assert seed_demo(reference, deals=DEALS, seed=3, today=TODAY) == summary
        for model in TABLES:
            got = [r.model_dump() for r in rows(engine, model)]
            assert got == [r.model_dump() for r in rows(reference, model)], model.__name__
    finally:
        reference.dispose()
    # Ids continue after the seeded ones (PostgreSQL sequences had to be moved on).
    with Session(engine) as session:
        account = Account(name="Brand New Co")
        session.add(account)
        session.commit()
        assert account.id == summary.accounts + 1
    with pytest.raises(SeedError):
        seed_demo(engine, deals=10, today=TODAY)
