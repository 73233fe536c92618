"""`pipeline-tui changes --deal ID`: one deal's history, newest first, in every format;
`changes --since` (the waterfall) is as it was."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline_tui.cli import history as history_cli
from pipeline_tui.cli import main, reviews
from pipeline_tui.services import set_amount, set_probability
from pipeline_tui.services.edits import add_note
from pipeline_tui.storage import make_engine, upgrade

from ..factories import Builder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int, int]:
    """A deal changed three times by two people, and one never changed."""
    for console in (history_cli.out, reviews.out):
        monkeypatch.setattr(console, "width", 200)
    path = tmp_path / "pipeline.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    b = Builder(engine)
    dana = b.user("dana")
    sam = b.user("sam")
    deal = b.deal(dana, "Qualify", "10000", date(2026, 12, 1), probability=20, name="Acme =1+1")
    quiet = b.deal(dana, "Propose", "500", None, name="Quiet")
    b.commit()
    r = set_probability(engine, deal.id or 0, 1, 40, user_id=dana.id, source="tui")
    r = set_amount(engine, deal.id or 0, 2, Decimal("12500"), user_id=sam.id, source="cli")
    add_note(
        engine,
        deal.id or 0,
        "-send the MSA",
        kind="next_step",
        user_id=sam.id,
        expected_version=r.deal.version,
        source="cli",
    )
    engine.dispose()
    return str(path), deal.id or 0, quiet.id or 0


def test_json_newest_first_with_who_when_and_source(
    db: tuple[str, int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, deal_id, _ = db
    code, out, _ = run(capsys, "changes", "--db", path, "--deal", str(deal_id), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["deal"] == {"id": deal_id, "name": "Acme =1+1"}
    got = [
        (c["who"], c["field"], c["old_value"], c["new_value"], c["source"]) for c in data["changes"]
    ]
    assert got == [
        ("Sam", "next_step", None, "-send the MSA", "cli"),
        ("Sam", "amount", "10000.00", "12500.00", "cli"),
        ("Dana", "probability", "20", "40", "tui"),
    ]
    assert data["changes"][1]["label"] == "Amount"
    assert data["changes"][0]["label"] == "Next step"
    whens = [c["when"] for c in data["changes"]]
    assert whens == sorted(whens, reverse=True) and all(w.endswith("+00:00") for w in whens)


def test_table_csv_and_markdown(
    db: tuple[str, int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, deal_id, _ = db
    base = ["changes", "--db", path, "--deal", str(deal_id)]
    code, out, _ = run(capsys, *base)
    assert code == 0
    assert "Changes to deal" in out and "Acme =1+1" in out
    assert "20% → 40%" in out and "$10,000 → $12,500" in out and "— → -send the MSA" in out
    assert out.index("Next step") < out.index("Amount") < out.index("Probability")

    code, out, _ = run(capsys, *base, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["field"] for r in rows] == ["next_step", "amount", "probability"]
    assert rows[0]["new_value"] == "'-send the MSA"  # a formula to a spreadsheet: made inert
    assert rows[0]["old_value"] == "" and rows[2]["who"] == "Dana"

    code, out, _ = run(capsys, *base, "--format", "markdown")
    assert code == 0 and out.startswith(f"# Changes to deal {deal_id} “Acme =1+1”")
    assert "| Dana | Probability | 20% | 40% | tui |" in out


def test_a_deal_without_changes(
    db: tuple[str, int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, quiet = db
    code, out, _ = run(capsys, "changes", "--db", path, "--deal", str(quiet))
    assert code == 0 and "none yet" in out
    code, out, _ = run(capsys, "changes", "--db", path, "--deal", str(quiet), "--format", "json")
    assert code == 0 and json.loads(out)["changes"] == []


def test_an_unknown_deal_says_so(
    db: tuple[str, int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = db
    code, out, err = run(capsys, "changes", "--db", path, "--deal", "9999")
    assert (code, out) == (2, "")
    assert err.strip() == "error: There is no deal with id 9999."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deal", "1", "--since", "2026-11-01"], "--since can't go with it"),
        (["--deal", "1", "--owner", "dana"], "--owner can't go with it"),
        ([], "changes needs --since DATE|last-review"),
        (["--since", "2026-11-01", "--format", "csv"], "--format csv works with --deal"),
        (["--deal", "one"], "invalid int value"),
    ],
)
def test_mistakes_are_one_line(
    db: tuple[str, int, int], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    path, _, _ = db
    code, out, err = run(capsys, "changes", "--db", path, *args)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1


def test_the_waterfall_still_works(
    db: tuple[str, int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = db
    base = ["changes", "--db", path, "--since", "2026-11-01", "--today", "2026-11-26"]
    code, out, _ = run(capsys, *base, "--format", "json")
    assert code == 0 and json.loads(out)["period"]["key"] == "2026Q4"
    code, out, _ = run(capsys, *base, "--period", "2026-12", "--format", "json")
    assert code == 0 and json.loads(out)["period"]["key"] == "2026-12"
