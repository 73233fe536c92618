"""Driving the real app and reading what it wrote.

The driving (a seeded database, the app on it, waiting for its workers) is the screenshots'
demo, so the pictures and the tests run the same app the same way; reading the database
back with plain SQL is the tests' own.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from textual import events
from textual.pilot import Pilot

from screenshots.demo import (
    DEMO_DEALS,
    NOW,
    TODAY,
    copy_db,
    make_app,
    open_board,
    seed_file,
    settle,
)

__all__ = [
    "DEMO_DEALS",
    "NOW",
    "TODAY",
    "burst",
    "changes_of",
    "copy_db",
    "count_changes",
    "deal_row",
    "demo_template",
    "make_app",
    "open_board",
    "seed_file",
    "settle",
    "sql_engine",
]


def demo_template(factory: pytest.TempPathFactory, deals: int = DEMO_DEALS) -> Path:
    """The demo organisation of `deals` deals, seeded once per test process: a test takes
    a copy (`copy_db`) and never opens this file. Seeding takes seconds, and two dozen test
    modules start from the same organisation."""
    path = factory.getbasetemp() / f"demo-{deals}.db"
    if not path.exists():
        partial = factory.mktemp("seeding") / path.name
        seed_file(partial, deals)
        os.replace(partial, path)
    return path


KEY_CHARACTERS = {"space": " ", "plus": "+", "minus": "-"}


def burst(pilot: Pilot[int], *keys: str) -> None:
    """Queues the keys all at once, as fast typing or a held key delivers them.

    `pilot.press` waits for the app to go idle after every key, so it never sees what
    happens when a key arrives before the work of the one before has run."""
    app = pilot.app
    for key in keys:
        character = KEY_CHARACTERS.get(key, key if len(key) == 1 else None)
        event = events.Key(key, character)
        event.set_sender(app)
        app.post_message(event)


def sql_engine(db: Path) -> Engine:
    return create_engine(f"sqlite:///{db}")


def deal_row(db: Path, deal_id: int) -> dict[str, object]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM deal WHERE id = :id"), {"id": deal_id}).mappings()
        result = dict(row.one())
    engine.dispose()
    return result


def changes_of(db: Path, deal_id: int) -> list[tuple[str, str | None, str | None, str]]:
    engine = sql_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT field, old_value, new_value, source FROM deal_change "
                "WHERE deal_id = :id ORDER BY id"
            ),
            {"id": deal_id},
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def count_changes(db: Path) -> int:
    engine = sql_engine(db)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM deal_change")).scalar_one()
    engine.dispose()
    return int(n)
