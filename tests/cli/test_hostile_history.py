"""A deal's history and the check's violations print hostile names and values literally
and carry no control character from them to the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline_tui import cli
from pipeline_tui.cli import history, maintenance
from pipeline_tui.display import clean, markdown_literal

from ..hostile import HOSTILE, MIXED, seed_hostile, unsafe_chars

WIDE = 400


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_hostile(tmp_path_factory.mktemp("hostile-history") / "pipeline.db")


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (history.out, maintenance.out, cli.err):
        monkeypatch.setattr(console, "width", WIDE)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    for stream, text in (("stdout", captured.out), ("stderr", captured.err)):
        bad = unsafe_chars(text)
        assert not bad, f"{args}: {stream} carries {bad!r}"
    return code, captured.out, captured.err


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_a_deals_history_shows_values_literally(
    db: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    names = [*HOSTILE, *MIXED]
    shown = markdown_literal if fmt == "markdown" else clean  # Markdown reads as typed
    code, out, _ = run(capsys, "changes", "--db", str(db), "--deal", "1", "--format", fmt)
    assert code == 0
    # Deal 1's one change: next step names[4] → names[5] (see `hostile._make_hostile`).
    if fmt == "json":
        [change] = json.loads(out)["changes"]
        assert (change["old_value"], change["new_value"]) == (names[4], names[5])
    else:
        assert shown(names[5]) in out and shown(names[4]) in out
    if fmt in ("table", "markdown"):  # the title names the deal
        assert shown(HOSTILE[0]) in out


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_check_shows_names_and_values_literally(
    db: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The hostile seed rewrote next steps behind the log's back: each is reported."""
    code, out, _ = run(capsys, "check", "--db", str(db), "--format", fmt)
    assert code == 1
    if fmt == "json":
        found = json.loads(out)["violations"]
        assert {v["name"] for v in found if v["check"] == "replay"} >= {HOSTILE[0], HOSTILE[5]}
    else:
        assert f"replay: deal 1 “{clean(HOSTILE[0])}”: next_step " in out
