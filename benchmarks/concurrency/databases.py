"""A throwaway database for one run, seeded with a team and a shared pool of open deals.

SQLite: a file in a temporary folder; the sessions open it as the app does (WAL, a short
busy timeout and retries, see `services.workspace`). PostgreSQL: a database of its own on
the server, dropped afterwards, so nothing is left behind whatever the run did.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from pipeline_tui.models import (
    Account,
    Deal,
    ForecastCategory,
    Pipeline,
    Settings,
    Stage,
    StageKind,
    User,
)
from pipeline_tui.money import to_minor
from pipeline_tui.storage import make_engine, upgrade

DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
KINDS = ("sqlite", "postgres")
STAGES = [
    ("Qualify", 10, StageKind.OPEN),
    ("Discover", 20, StageKind.OPEN),
    ("Propose", 50, StageKind.OPEN),
    ("Negotiate", 80, StageKind.OPEN),
    ("Won", 100, StageKind.WON),
    ("Lost", 0, StageKind.LOST),
]


@dataclass(frozen=True)
class Pool:
    """Who edits (one login per session) and the deals they all pick from."""

    logins: list[str]
    deal_ids: list[int]


@contextmanager
def temporary_database(kind: str, *, pg_server: str = DEFAULT_PG_SERVER) -> Iterator[str]:
    """The URL of a new, migrated, empty database; removed when the block ends."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="pipeline-load-")
        url = f"sqlite:///{folder}/load.db"
        try:
            migrate(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    elif kind == "postgres":
        server = make_url(pg_server)
        name = f"pipeline_load_{uuid.uuid4().hex[:10]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = server.set(database=name).render_as_string(hide_password=False)
                migrate(url)
                yield url
            finally:
                with admin.connect() as conn:
                    # A killed writer's backend may linger for a moment: FORCE ends it.
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
    else:
        raise ValueError(f"unknown database kind {kind!r}; use one of {', '.join(KINDS)}")


def _id(value: int | None) -> int:
    assert value is not None, "flushed rows have ids"
    return value


def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def seed_pool(
    url: str, *, reps: int, deals: int, seed: int, today: date, role: str = "rep"
) -> Pool:
    """A manager, `reps` people under them (`rep01`, ...) and `deals` open deals owned in
    turn by them, in one pipeline of four open stages and won/lost. `role`: theirs; a rep
    may change only their own deals, so the scripts make them admins to share the pool."""
    rng = random.Random(seed)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            session.add(Settings(id=1))
            pipeline = Pipeline(name="New Business")
            session.add(pipeline)
            session.flush()
            stages = [
                Stage(
                    pipeline_id=_id(pipeline.id),
                    name=name,
                    position=i,
                    default_probability=p,
                    kind=kind.value,
                )
                for i, (name, p, kind) in enumerate(STAGES)
            ]
            lead = User(login="lead", display_name="Team Lead", role="manager")
            account = Account(name="Acme Load Testing")
            session.add_all([*stages, lead, account])
            session.flush()
            people = [
                User(
                    login=f"rep{i:02d}",
                    display_name=f"Rep {i:02d}",
                    role=role,
                    manager_id=lead.id,
                )
                for i in range(1, reps + 1)
            ]
            session.add_all(people)
            session.flush()
            open_stages = [s for s in stages if s.kind == StageKind.OPEN.value]
            rows = []
            for i in range(deals):
                stage = rng.choice(open_stages)
                rows.append(
                    Deal(
                        name=f"Load deal {i + 1}",
                        account_id=account.id,
                        owner_id=_id(people[i % reps].id),
                        pipeline_id=_id(pipeline.id),
                        stage_id=_id(stage.id),
                        amount_minor=to_minor(Decimal(rng.randrange(5_000, 500_000))),
                        probability=stage.default_probability,
                        forecast_category=ForecastCategory.PIPELINE.value,
                        close_date=today + timedelta(days=rng.randrange(0, 180)),
                    )
                )
            session.add_all(rows)
            session.commit()
            return Pool([p.login for p in people], [d.id for d in rows if d.id is not None])
    finally:
        engine.dispose()
