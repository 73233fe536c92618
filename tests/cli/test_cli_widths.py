"""CLI tables never cut money (issue 14, item 15): a narrow terminal gets compact figures
and loses its lowest-priority columns first; piped or redirected, every figure is whole."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from pipeline_tui.cli import CliConsole, commands, main, reviews
from pipeline_tui.money import format_money

TODAY = "2026-11-26"
TABLE = set("┏┃┡│├└ ")  # the lines of a table (or of the chart, which has no box)
MONEY = re.compile(r"-?\$[0-9][0-9.,]*[kMB]?")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("widths") / "seeded.db"
    assert (
        main(["seed", "--deals", "2000", "--seed", "7", "--today", TODAY, "--db", str(path)]) == 0
    )
    yield str(path)


def console(monkeypatch: pytest.MonkeyPatch, *, width: int, terminal: bool) -> io.StringIO:
    """The CLI's output consoles, as a terminal `width` wide or as a pipe."""
    buffer = io.StringIO()
    shown = CliConsole(
        file=buffer,
        width=width,
        force_terminal=terminal,
        color_system=None,
        highlight=False,
        soft_wrap=True,
    )
    monkeypatch.setattr(commands, "out", shown)
    monkeypatch.setattr(reviews, "out", shown)
    return buffer


def totals(seeded: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Decimal]:
    assert main(["report", "--db", seeded, "--format", "json", "--today", TODAY]) == 0
    data = json.loads(capsys.readouterr().out)["totals"]
    return {k: Decimal(data[k]) for k in ("commit", "best_case", "pipeline", "closed_won")}


def total_row(text: str) -> str:
    return next(line for line in text.splitlines() if "Total" in line)


@pytest.mark.parametrize("width", [60, 80, 100])
def test_a_narrow_terminal_shows_money_whole(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    expected = totals(seeded, capsys)
    buffer = console(monkeypatch, width=width, terminal=True)
    assert main(["report", "--db", seeded, "--today", TODAY]) == 0
    text = buffer.getvalue()
    assert "…" not in text, text
    assert all(len(line) <= width for line in text.splitlines() if line[:1] in TABLE), text
    row = total_row(text)
    # Commit and best case stay whatever the width; each figure is whole.
    for key in ("commit", "best_case"):
        assert format_money(expected[key], "USD", compact=True) in row, row
    if width < 100:
        assert "Not shown for the terminal's width" in text


def test_report_piped_gives_full_figures(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = totals(seeded, capsys)
    buffer = console(monkeypatch, width=60, terminal=False)  # COLUMNS=60, then piped
    assert main(["report", "--db", seeded, "--today", TODAY]) == 0
    text = buffer.getvalue()
    assert "…" not in text and "Not shown" not in text
    row = total_row(text)
    for value in expected.values():
        assert format_money(value, "USD") in row, row
    for header in ("Quota", "Pipeline", "Weighted", "Cover", "Need", "Win %", "Gap"):
        assert header in text


@pytest.mark.parametrize("width", [60, 80])
def test_changes_by_rep_never_cuts_money(
    seeded: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    buffer = console(monkeypatch, width=width, terminal=True)
    args = ["changes", "--since", "2026-11-01", "--db", seeded, "--today", TODAY]
    assert main(args) == 0
    text = buffer.getvalue()
    assert "…" not in text, text
    assert all(len(line) <= width for line in text.splitlines() if line[:1] in TABLE), text
    for cell in MONEY.findall(text):
        assert re.fullmatch(r"-?\$[0-9]+(\.[0-9])?[kMB]?", cell), cell
    buffer = console(monkeypatch, width=width, terminal=False)
    assert main(args) == 0
    piped = buffer.getvalue()
    assert "…" not in piped
    assert all(re.fullmatch(r"-?\$[0-9]{1,3}(,[0-9]{3})*", c) for c in MONEY.findall(piped))
