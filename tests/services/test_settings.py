"""The team's settings through the session (`Workspace.change_setting`, `settings_list`),
on SQLite and PostgreSQL: every setting listed with its default; each kind of value set,
the session's own settings following at once; bad values, a non-admin and a value someone
else changed since are refused and write nothing; every change in the process log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from pipeline_tui.errors import ConflictError, InputError, PermissionDenied
from pipeline_tui.services.settings import SPECS
from pipeline_tui.services.workspace import Workspace
from pipeline_tui.storage import make_engine, upgrade

from ..conftest import fresh_pg_schema
from .test_process import TODAY, seed

SETTINGS_SQL = (
    "SELECT fiscal_year_start_month, currency, coverage_target, win_rate_target, head_login, "
    "reps_own_team_only, call_stale_days, flag_push_count, stale_days, flag_review_days "
    "FROM settings"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    def seeded(address: str) -> str:
        engine = make_engine(address)
        upgrade(engine)
        seed(engine)
        with engine.begin() as conn:  # someone who left: no head of the organisation
            conn.execute(text("UPDATE \"user\" SET active = false WHERE login = 'vic'"))
        engine.dispose()
        return address

    if request.param == "sqlite":
        yield seeded(f"sqlite:///{tmp_path / 'settings.db'}")
        return
    with fresh_pg_schema() as schema:
        yield seeded(schema.url.render_as_string(hide_password=False))


def session(url: str, login: str = "ada") -> Workspace:
    return Workspace.for_command(url, login, today=TODAY)


def rows(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def log(ws: Workspace) -> list[tuple[Any, ...]]:
    return rows(
        ws,
        "SELECT p.kind, p.old_value, p.new_value, p.reason, u.login, p.stage_id "
        'FROM process_change p JOIN "user" u ON u.id = p.changed_by_id ORDER BY p.id',
    )


def test_the_list_has_every_setting_and_each_open_stage_s_days_limit(url: str) -> None:
    with session(url) as ws:
        listed = ws.settings_list()
    team = {r.name: (r.value, r.default) for r in listed if r.stage is None}
    assert list(team) == list(SPECS) and len(team) == 10
    assert team["stale_days"] == (30, 30) and team["win_rate_target"] == (0.6, 0.6)
    assert all(r.meaning for r in listed)
    stages = [(r.stage, r.value) for r in listed if r.stage is not None]
    assert stages == [("Qualify", 60), ("Propose", 60), ("Negotiate", 60)]


@pytest.mark.parametrize(
    ("name", "value", "stored", "logged"),
    [
        ("stale_days", "14", 14, ("stale_days 30", "stale_days 14")),
        ("fiscal_year_start_month", "April", 4, ("fiscal_year_start_month 1", "… 4")),
        ("currency", " eur ", "EUR", ("currency USD", "currency EUR")),
        ("reps_own_team_only", "on", True, ("reps_own_team_only no", "… yes")),
        ("head_login", "mgr", "mgr", ("head_login (auto)", "head_login mgr")),
        ("call_stale_days", "3", 3, ("call_stale_days 7", "call_stale_days 3")),
        ("flag_push_count", "4", 4, ("flag_push_count 2", "flag_push_count 4")),
        ("flag_review_days", "10", 10, ("flag_review_days 7", "flag_review_days 10")),
        ("win_rate_target", "0.45", 0.45, ("win-rate 60%", "win-rate 45%")),
        ("coverage_target", "3.5x", 3.5, ("coverage 3x", "coverage 3.5x")),
    ],
)
def test_each_setting_is_set_recorded_and_followed_by_the_session_at_once(
    url: str, name: str, value: str, stored: object, logged: tuple[str, str]
) -> None:
    with session(url) as ws:
        result = ws.change_setting(name, value, "  the new  quarter ")
        assert getattr(ws.settings, name) == pytest.approx(stored)
        (row,) = rows(ws, SETTINGS_SQL)
        raw = row[list(SPECS).index(name)]
        assert (bool(raw) if isinstance(stored, bool) else raw) == pytest.approx(stored)
        (entry,) = log(ws)
        history = ws.process_history(1)
    kind = "target" if name.endswith("_target") else "setting"
    old, new = (text.replace("…", name) for text in logged)
    assert entry == (kind, old, new, "the new quarter", "ada", None)
    assert (history[0].kind, history[0].old_value, history[0].new_value) == (kind, old, new)
    assert result.text.startswith("Target" if kind == "target" else "Setting")


def test_a_head_login_can_be_cleared_again(url: str) -> None:
    with session(url) as ws:
        ws.change_setting("head_login", "mgr")
        ws.change_setting("head_login", "none")
        assert ws.settings.head_login is None


def test_settings_set_and_process_target_are_one_change(url: str) -> None:
    with session(url) as ws:
        ws.change_setting("coverage_target", "3.5")
        ws.change_setting("coverage_target", "3", seen=3.5)
        ws.set_target("coverage", "3.5")
        entries = log(ws)
    assert entries[0][:3] == entries[2][:3] == ("target", "coverage 3x", "coverage 3.5x")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("fiscal_year_start_month", "13", "1 to 12, not 13"),
        ("fiscal_year_start_month", "Smarch", "whole number, 1 to 12"),
        ("currency", "EURO", "three-letter code"),
        ("currency", "U$D", "three-letter code"),
        ("coverage_target", "0", "0.1x to 100x"),
        ("coverage_target", "lots", "not a number"),
        ("coverage_target", "NaN", "not a number"),
        ("win_rate_target", "120%", "1% to 100%"),
        ("win_rate_target", "0", "1% to 100%"),
        ("head_login", "nobody", "no one has the login 'nobody'"),
        ("head_login", "vic", "no longer active"),
        ("reps_own_team_only", "maybe", "yes or no"),
        ("stale_days", "0", "1 to 3650, not 0"),
        ("stale_days", "-3", "1 to 3650"),
        ("call_stale_days", "1.5", "whole number"),
        ("flag_push_count", "0", "1 to 100"),
        ("flag_review_days", "99999", "1 to 3650"),
        ("stale_days", "30", "already"),
        ("days_limit", "5", "set-stage"),
        ("colour", "red", "There is no setting 'colour'"),
    ],
)
def test_a_bad_value_says_why_and_writes_nothing(
    url: str, name: str, value: str, message: str
) -> None:
    with session(url) as ws:
        before = rows(ws, SETTINGS_SQL)
        with pytest.raises(InputError, match=message):
            ws.change_setting(name, value)
        assert rows(ws, SETTINGS_SQL) == before and log(ws) == []


def test_only_an_admin_changes_a_setting(url: str) -> None:
    stage = next(r for r in session(url).settings_list() if r.stage == "Propose")
    assert stage.stage_id is not None
    for login in ("mgr", "ann"):
        with session(url, login) as ws:
            with pytest.raises(PermissionDenied, match="Only an admin can change the settings"):
                ws.change_setting("stale_days", "14")
            with pytest.raises(PermissionDenied, match="Only an admin"):
                ws.change_stage_days(stage.stage_id, "14", seen=60)
    with session(url) as ws:
        assert log(ws) == [] and ws.settings.stale_days == 30


def test_a_value_changed_by_someone_else_since_is_a_conflict_not_overwritten(url: str) -> None:
    with session(url) as mine, session(url) as theirs:
        theirs.change_setting("stale_days", "21", "theirs")
        with pytest.raises(ConflictError, match="stale_days is 21 now, not the 30 you saw"):
            mine.change_setting("stale_days", "14")
        assert rows(mine, "SELECT stale_days FROM settings") == [(21,)]
        # Read again, the change goes through.
        mine.reload_settings()
        mine.change_setting("stale_days", "14")
        assert [e[2] for e in log(mine)] == ["stale_days 21", "stale_days 14"]


def test_a_stage_s_days_limit_is_checked_and_recorded_naming_the_stage(url: str) -> None:
    with session(url) as ws:
        propose = next(r for r in ws.settings_list(1) if r.stage == "Propose")
        assert propose.stage_id is not None
        for bad, message in (("0", "1 to 3650"), ("soon", "whole number"), ("60", "already")):
            with pytest.raises(InputError, match=message):
                ws.change_stage_days(propose.stage_id, bad, seen=60)
        result = ws.change_stage_days(propose.stage_id, "45", "deals stall here", seen=60)
        assert "Propose: days_limit 60 → 45" in result.text
        with pytest.raises(ConflictError, match="45 now, not the 60 you saw"):
            ws.change_stage_days(propose.stage_id, "30", seen=60)
        assert rows(ws, f"SELECT days_limit FROM stage WHERE id = {propose.stage_id}") == [(45,)]
        entry = ws.process_history(1)[0]
        assert log(ws) == [
            (
                "setting",
                "days_limit 60",
                "days_limit 45",
                "deals stall here",
                "ada",
                propose.stage_id,
            )
        ]
    assert (entry.kind, entry.stage) == ("setting", "Propose")
