"""One scope, one meaning: docs/metrics.md's "Scope" and "Quota and pipelines" examples
through `report` and `changes`, and the app's own idea of who "me" is, on both databases."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from pipeline_tui.cli import main
from pipeline_tui.periods import parse_period
from pipeline_tui.reviews import ReviewScope, end_review, start_review
from pipeline_tui.services.workspace import Workspace, WorkspaceError

from ..scope_examples import (
    ALL_PIPELINES,
    RENEWALS,
    TODAY,
    build_quota_example,
    build_scope_example,
    database,
)

__all__ = ["database"]  # the fixture, used by name

Q4 = parse_period("2026Q4")
METRICS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def section(title: str) -> str:
    """One `## title` section of docs/metrics.md, whose worked example these tests build."""
    text = METRICS.read_text(encoding="utf-8")
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(autouse=True)
def nobody_signed_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user from the environment, the config file or the OS login."""
    monkeypatch.delenv("PIPELINE_TUI_USER", raising=False)
    monkeypatch.setenv("PIPELINE_TUI_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setattr("getpass.getuser", lambda: "not-a-person-here")


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def report(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> dict[str, Any]:
    code, out, err = cli(capsys, "report", "--db", url, "--format", "json", "--today", TODAY, *args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def pipeline_of(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> Decimal:
    return Decimal(report(capsys, url, *args)["totals"]["pipeline"])


def test_the_scope_example(
    database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = database
    build_scope_example(engine)
    page = section("Scope")
    for figure in ("`me` = 20,000", "= 90,000", "`ann` = 30,000", "`everyone` = 210,000"):
        assert figure in page, figure
    for figure in ("`me` = 10,000", "= 150,000", "`me` = 60,000"):
        assert figure in page, figure
    as_mia = ("--user", "mia")
    assert pipeline_of(capsys, url, "--owner", "me", *as_mia) == 20000  # my own deals only
    assert pipeline_of(capsys, url, "--owner", "team", *as_mia) == 90000
    assert pipeline_of(capsys, url, "--owner", "ann", *as_mia) == 30000
    assert pipeline_of(capsys, url, "--owner", "mia", *as_mia) == 90000
    assert pipeline_of(capsys, url, "--owner", "everyone", *as_mia) == 210000
    # No one signed in: a report's "me" is the head of the organisation, Vic (the largest
    # team). The app, which writes, acts as no one else: it refuses (roles).
    assert pipeline_of(capsys, url, "--owner", "me") == 10000
    assert pipeline_of(capsys, url, "--owner", "team") == 150000
    with pytest.raises(WorkspaceError, match="users add LOGIN"):
        Workspace.open(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET head_login = 'zed'"))
    assert pipeline_of(capsys, url, "--owner", "me") == 60000


def test_an_unknown_owner_is_one_clear_line(
    database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = database
    build_scope_example(engine)
    code, out, err = cli(capsys, "report", "--db", url, "--owner", "mai", "--today", TODAY)
    assert code == 2 and out == ""
    assert "No one has the login 'mai'. Try mia" in err and len(err.strip().splitlines()) == 1


def changes(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[dict[str, Any], str]:
    code, out, err = cli(
        capsys, "changes", "--db", url, "--since", "last-review", "--format", "json",
        "--today", TODAY, *args,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out), err


def review(engine: Engine, owner: int, subtree: bool) -> int:
    state = start_review(
        engine,
        started_by=owner,
        scope=ReviewScope(owner, subtree),
        period=Q4,
        today=date(2026, 11, 26),
    )
    summary = end_review(engine, state.id, today=date(2026, 11, 26))
    assert summary.review.end_snapshot_id is not None
    return summary.review.end_snapshot_id


def test_since_the_last_review_has_one_rule(
    database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = database
    ids = build_scope_example(engine)
    # No review has ended: the week before today, said on stderr (the app says the same).
    data, err = changes(capsys, url)
    assert data["since"] == "2026-11-19T00:00:00+00:00"
    assert "no review has ended yet" in err
    # Mia's team was reviewed, then Ann alone: Mia's team's "last review" is its own.
    mias = review(engine, ids["mia"], True)
    anns = review(engine, ids["ann"], False)
    data, _ = changes(capsys, url, "--owner", "mia")
    assert data["snapshot_id"] == mias
    data, _ = changes(capsys, url, "--owner", "ann")
    assert data["snapshot_id"] == anns
    data, _ = changes(capsys, url, "--owner", "me", "--user", "ann")
    assert data["snapshot_id"] == anns
    # A scope never reviewed starts at the latest review of any scope.
    data, _ = changes(capsys, url, "--owner", "vic")
    assert data["snapshot_id"] is None and data["since"] != "2026-11-19T00:00:00+00:00"


def test_quota_with_a_pipeline_chosen_covers_all_pipelines(
    database: tuple[str, Engine], capsys: pytest.CaptureFixture[str]
) -> None:
    url, engine = database
    build_quota_example(engine)
    page = section("Quota and pipelines")
    for figure in ("quota 150,000", "= 105,000", "= 40,000", "= 1.05x", "pipeline 35,000"):
        assert figure in page, figure
    assert "130,000 and coverage 0.25x" in page  # what main said, which the test refuses
    everything = report(capsys, url, "--owner", "vic")["totals"]
    assert {k: everything.get(k) for k in ALL_PIPELINES} == ALL_PIPELINES
    data = report(capsys, url, "--owner", "vic", "--pipeline", "renewals")
    assert {k: data["totals"].get(k) for k in RENEWALS} == RENEWALS
    assert data.get("scope") == {"owners": "Vic's team", "pipeline": "Renewals"}
    assert everything.get("quota_basis", "missing") is None
    ann = next(r for r in data["rows"] if r["key"] == "ann")
    # Ann: 100,000 - (30,000 + 10,000 won + 40,000 + 5,000 commit) = 15,000.
    assert ann["gap"] == "15000.00" and ann["closed_won"] == "10000.00"
    code, out, _ = cli(
        capsys, "report", "--db", url, "--owner", "vic", "--pipeline", "Renewals",
        "--format", "markdown", "--today", TODAY,
    )  # fmt: skip
    assert code == 0
    assert out.startswith("# Forecast Q4 FY2026 by rep · Renewals (quota, gap, coverage: all")
