"""Free text past its limit or missing where it is needed is refused with the same words
by every service that takes some (people, review notes and action items, notes, a lost
deal's reason), and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, text

from pipeline_tui import reviews
from pipeline_tui.errors import InputError
from pipeline_tui.query import load_org
from pipeline_tui.services import users as people
from pipeline_tui.services.edits import add_note, mark_lost
from pipeline_tui.services.permissions import Policy

from ..factories import Builder


@pytest.fixture
def world(sqlite_engine: Engine) -> tuple[Engine, int, int, int]:
    b = Builder(sqlite_engine)
    boss = b.user("boss", role="admin")
    rep = b.user("rep", manager=boss)
    deal = b.deal(rep, "Propose", "1000", date(2026, 12, 15))
    b.commit()
    return sqlite_engine, boss.id or 0, rep.id or 0, deal.id or 0


CASES: dict[str, tuple[Callable[[Engine, int, int, int], Any], str]] = {
    "empty name": (
        lambda e, boss, rep, deal: people.add_user(e, policy(e), "new", "  "),
        "--name is empty",
    ),
    "long email": (
        lambda e, boss, rep, deal: people.add_user(e, policy(e), "new", "N", email="e" * 256),
        "--email is longer than 255 characters",
    ),
    "long team": (
        lambda e, boss, rep, deal: people.add_user(e, policy(e), "new", "N", team="t" * 129),
        "--team is longer than 128 characters",
    ),
    "long judgment note": (
        lambda e, boss, rep, deal: reviews.record_judgment(
            e,
            None,
            deal,
            boss,
            "commit",
            None,
            "n" * 4001,
            expected_version=1,
            expected_judgment_id=None,
        ),
        "That note is 4001 characters; the limit is 4000.",
    ),
    "empty action item": (
        lambda e, boss, rep, deal: reviews.add_action_item(
            e, None, deal, " ", rep, None, boss, expected_version=1
        ),
        "The action item needs some text.",
    ),
    "long action item": (
        lambda e, boss, rep, deal: reviews.add_action_item(
            e, None, deal, "a" * 4001, rep, None, boss, expected_version=1
        ),
        "That action item is 4001 characters; the limit is 4000.",
    ),
    "long next step": (
        lambda e, boss, rep, deal: add_note(
            e, deal, "s" * 501, kind="next_step", user_id=rep, expected_version=1
        ),
        "That is 501 characters; the limit is 500.",
    ),
    "no lost reason": (
        lambda e, boss, rep, deal: mark_lost(e, deal, 1, "  ", user_id=rep, source="cli"),
        "Say why the deal was lost.",
    ),
}


def policy(engine: Engine) -> Policy:
    """The admin's: what is refused is the text, not who asks."""
    with engine.connect() as conn:
        org = load_org(conn)
    boss = org.by_login("boss")
    assert boss is not None
    return Policy(boss, org)


def written(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        counts = [
            conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ('"user"', "judgment", "note", "deal_change")
        ]
        return (*counts, conn.execute(text("SELECT version FROM deal")).scalar_one())


@pytest.mark.parametrize("case", list(CASES))
def test_bad_text_is_refused_in_the_services_own_words(
    world: tuple[Engine, int, int, int], case: str
) -> None:
    engine = world[0]
    call, message = CASES[case]
    before = written(engine)
    with pytest.raises(InputError) as refused:
        call(*world)
    assert str(refused.value) == message
    assert written(engine) == before
