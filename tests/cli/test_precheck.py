"""The identity check before the screen: on a SQLite file at our schema, the standard
library's answer (`pipeline_tui.precheck`) is the session's, word for word; anything it
can't settle is left to the session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline_tui import logins
from pipeline_tui.cli import main
from pipeline_tui.cli.commands import session
from pipeline_tui.config import database_url
from pipeline_tui.errors import PipelineError
from pipeline_tui.precheck import check_identity


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("precheck") / "pipeline.db"
    assert main(["seed", "--deals", "40", "--db", str(path), "--today", "2026-11-26"]) == 0
    users = ["users", "deactivate", "omar.larsen", "--db", str(path), "--user", "admin"]
    assert main(users) == 0
    return path


def session_says(url: str, login: str | None, typed: bool) -> str:
    """What the full check (`cli._check_identity` without the shortcut) says."""
    try:
        with session(url, login, check_user=typed) as ws:
            ws.acting_policy()
    except PipelineError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def precheck_says(url: str, login: str | None, typed: bool) -> str:
    try:
        settled = check_identity(url, login, typed=typed)
    except PipelineError as exc:
        return f"{type(exc).__name__}: {exc}"
    assert settled, "a seeded file at our schema is settled without the session"
    return "ok"


@pytest.mark.parametrize(
    ("login", "typed", "os_login", "allowed"),
    [
        ("vp", True, None, True),
        ("VP", False, None, True),  # from the environment or the config: matched as logins are
        ("sam.cohen", True, "nobody", True),
        ("jane", True, "vp", False),  # nobody: the nearest logins
        ("jane", False, "vp", False),  # the environment's, nobody: refused all the same
        ("zzz", True, None, False),
        ("omar.larsen", True, None, False),  # deactivated
        ("omar.larsen", False, "vp", False),
        (None, False, "sam.cohen", True),  # the OS login
        (None, False, "OMAR.LARSEN", False),
        (None, False, "ghost", False),
        (None, False, None, False),  # no login at all
    ],
)
def test_the_shortcut_says_what_the_session_says(
    db: Path,
    monkeypatch: pytest.MonkeyPatch,
    login: str | None,
    typed: bool,
    os_login: str | None,
    allowed: bool,
) -> None:
    monkeypatch.setattr(logins, "os_login", lambda: os_login)
    url = database_url(str(db))
    expected = session_says(url, login, typed)
    assert (expected == "ok") == allowed, expected
    assert precheck_says(url, login, typed) == expected


def test_what_it_cannot_settle_is_left_to_the_session(db: Path, tmp_path: Path) -> None:
    assert not check_identity("postgresql+psycopg://u@127.0.0.1/x", "vp", typed=True)
    assert not check_identity(database_url(str(tmp_path / "none.db")), "vp", typed=True)
    assert not check_identity(f"{database_url(str(db))}?mode=ro", "vp", typed=True)
    empty = tmp_path / "empty.db"
    assert main(["db", "init", str(empty)]) == 0
    assert not check_identity(database_url(str(empty)), "nobody", typed=True)  # no people
    older = tmp_path / "older.db"
    older.write_bytes(db.read_bytes())
    with sqlite3.connect(older) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0012'")
    conn.close()
    assert not check_identity(database_url(str(older)), "nobody", typed=True)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER)")
    conn.close()
    assert not check_identity(database_url(str(foreign)), "vp", typed=True)


def test_the_app_refuses_through_the_shortcut_with_the_sessions_words(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_session(*args: object, **kwargs: object) -> None:
        raise AssertionError("the session was opened before the screen")

    monkeypatch.setattr("pipeline_tui.cli.commands.session", no_session)
    capsys.readouterr()
    assert main(["--db", str(db), "--user", "omar.larsn"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: No one has the login 'omar.larsn' (--user); nearest: omar.larsen")
    assert main(["--db", str(db), "--user", "omar.larsen"]) == 2
    assert "Omar Larsen (omar.larsen) is deactivated; an admin can turn them back on" in (
        capsys.readouterr().err
    )
