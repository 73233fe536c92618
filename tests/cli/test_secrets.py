"""A database password never reaches the screen: not in errors, not in the lines that
name the database, not in a dropped connection's message, not in a bug's traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from pipeline_tui.cli import main
from pipeline_tui.services import session_reads
from pipeline_tui.storage import redact_url
from tests.conftest import fresh_pg_schema

PASSWORD = "s3cr3tpw"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def pg_urls() -> Iterator[list[str]]:
    """The same fresh schema by two URLs, one with the password in the userinfo and one
    in the query (the server trusts us, so any password is accepted)."""
    with fresh_pg_schema() as schema:
        url = schema.url
        in_userinfo = url.set(password=PASSWORD).render_as_string(hide_password=False)
        in_query = url.update_query_dict({"password": PASSWORD}).render_as_string(
            hide_password=False
        )
        yield [in_userinfo, in_query]


def test_query_string_passwords_are_redacted() -> None:
    shown = redact_url(f"postgresql+psycopg://me@db.example.com/crm?password={PASSWORD}")
    assert PASSWORD not in shown and "password=***" in shown


def test_lines_naming_the_database_never_show_its_password(
    pg_urls: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    for url in pg_urls:
        for args in (
            ["db", "upgrade"],
            ["db", "current"],
            ["seed", "--deals", "0"],
            ["db", "downgrade", "-1"],  # refused: no terminal to ask on
        ):
            code, out, err = run(capsys, *args, "--db", url)
            assert PASSWORD not in out + err, args
            assert code in {0, 2}, err


def test_a_connection_dropped_mid_command_is_one_line_without_the_password(
    pg_urls: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def dropped(conn: Any, *args: Any, **kwargs: Any) -> None:
        # The server ends our session, as a restart or an admin would, mid-report.
        conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))

    monkeypatch.setattr(session_reads, "compute_rollup", dropped)
    for url in pg_urls:
        code, out, err = run(capsys, "report", "--db", url, "--period", "all")
        assert code == 2 and out == "", err
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err and PASSWORD not in err
        assert "terminat" in err or "closed" in err or "lost" in err


def test_a_bugs_traceback_never_shows_the_password(
    pg_urls: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy(conn: Any, *args: Any, **kwargs: Any) -> None:
        url = conn.engine.url
        raise RuntimeError(
            f"unexpected state on {url.render_as_string(hide_password=False)}; "
            f"decoded password was {url.password or url.query.get('password')}"
        )

    monkeypatch.setattr(session_reads, "compute_rollup", buggy)
    for url in pg_urls:
        code, out, err = run(capsys, "report", "--db", url, "--period", "all")
        assert code == 1  # a bug: the traceback is for whoever fixes it
        assert "Traceback" in err and "RuntimeError: unexpected state on" in err
        assert PASSWORD not in out + err
