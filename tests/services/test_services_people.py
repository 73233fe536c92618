"""People, scopes, pipelines and settings."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.models import Pipeline
from pipeline_tui.query import load_org
from pipeline_tui.services import (
    SettingsView,
    list_people,
    list_pipelines,
    load_settings,
)
from pipeline_tui.services.scope import resolve_owner, who_is_me

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


def owner(engine: Engine, key: str | None, me: str | None) -> tuple[frozenset[int] | None, str]:
    with engine.connect() as conn:
        org = load_org(conn)
    resolved = resolve_owner(org, key, who_is_me(org, me))
    return resolved.owner_ids, resolved.label


def test_everyone(engine: Engine, team: dict[str, int]) -> None:
    assert owner(engine, None, me="ann") == (None, "Everyone")
    assert owner(engine, "Everyone", me=None) == (None, "Everyone")


def test_me_team_and_logins(engine: Engine, team: dict[str, int]) -> None:
    assert owner(engine, "me", me="ann") == (frozenset({team["ann"]}), "Ann")
    # "me" is my own deals, even for a manager; "team" is me and everyone below me.
    assert owner(engine, "me", me="MGR") == (frozenset({team["mgr"]}), "Mgr")
    owners, label = owner(engine, "team", me="mgr")
    assert owners == frozenset({team["mgr"], team["ann"], team["bob"]})
    assert label == "Mgr's team"
    assert owner(engine, "team", me="ann") == (frozenset({team["ann"]}), "Ann")
    # A login is that person's whole subtree.
    owners, label = owner(engine, " vp ", me=None)
    assert owners == frozenset(team.values()) and label == "Vp's team"
    assert owner(engine, "cat", me="ann") == (frozenset({team["cat"]}), "Cat")


def test_unknown_login(engine: Engine, team: dict[str, int]) -> None:
    with pytest.raises(LookupError, match=r"No one has the login 'bobb'\. Try bob"):
        owner(engine, "bobb", me=None)
    with pytest.raises(LookupError, match="ann, bob, cat, mgr, vp"):
        owner(engine, "zzzzzz", me=None)
    with pytest.raises(LookupError, match="nobody"):
        owner(engine, "me", me="nobody")


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
