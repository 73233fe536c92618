"""People, scopes, pipelines and settings."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.models import Pipeline
from pipeline_tui.services import (
    SettingsView,
    list_people,
    list_pipelines,
    load_settings,
    resolve_owner_scope,
)

from ..factories import Builder


@pytest.fixture
def team(engine: Engine) -> dict[str, int]:
    b = Builder(engine)
    vp = b.user("vp", role="manager")
    mgr = b.user("mgr", manager=vp, role="manager")
    ann = b.user("ann", manager=mgr)
    bob = b.user("bob", manager=mgr)
    cat = b.user("cat", manager=vp)
    b.add(Pipeline(name="Renewals", position=-1))
    b.add(Pipeline(name="Partners", position=5))
    ids = {u.login: u.id or 0 for u in (vp, mgr, ann, bob, cat)}
    b.commit()
    return ids


def test_list_people(engine: Engine, team: dict[str, int]) -> None:
    people = list_people(engine)
    assert [p.login for p in people] == ["ann", "bob", "cat", "mgr", "vp"]
    assert people[0].manager_id == team["mgr"]


def test_everyone(engine: Engine, team: dict[str, int]) -> None:
    assert resolve_owner_scope(engine, None, me="ann") == (None, "Everyone")
    assert resolve_owner_scope(engine, "Everyone", me=None) == (None, "Everyone")


def test_me_and_logins(engine: Engine, team: dict[str, int]) -> None:
    assert resolve_owner_scope(engine, "me", me="ann") == (frozenset({team["ann"]}), "Ann")
    owners, label = resolve_owner_scope(engine, "me", me="MGR")
    assert owners == frozenset({team["mgr"], team["ann"], team["bob"]})
    assert label == "Mgr's team"
    owners, _ = resolve_owner_scope(engine, " vp ", me=None)
    assert owners == frozenset(team.values())
    assert resolve_owner_scope(engine, "cat", me="ann") == (frozenset({team["cat"]}), "Cat")


def test_unknown_login(engine: Engine, team: dict[str, int]) -> None:
    with pytest.raises(LookupError, match=r"No one has the login 'bobb'\. Try bob"):
        resolve_owner_scope(engine, "bobb", me=None)
    with pytest.raises(LookupError, match="ann, bob, cat, mgr, vp"):
        resolve_owner_scope(engine, "zzzzzz", me=None)
    with pytest.raises(LookupError, match="'me'"):
        resolve_owner_scope(engine, "me", me=None)
    with pytest.raises(LookupError, match="nobody"):
        resolve_owner_scope(engine, "me", me="nobody")


def test_list_pipelines_in_position_order(engine: Engine, team: dict[str, int]) -> None:
    assert [name for _, name in list_pipelines(engine)] == [
        "Renewals",
        "New Business",
        "Partners",
    ]


def test_settings(engine: Engine, team: dict[str, int]) -> None:
    assert load_settings(engine) == SettingsView()
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE settings SET fiscal_year_start_month = 2, currency = 'EUR', "
                "coverage_target = 4.0, win_rate_target = 0.5"
            )
        )
    assert load_settings(engine) == SettingsView(2, "EUR", 4.0, 0.5)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM settings"))
    assert load_settings(engine) == SettingsView()
