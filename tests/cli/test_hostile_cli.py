"""Data is text on the command line too: reports, reviews, what-changed and dry runs print
hostile names literally, never crash on them, and write no control character from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui import cli
from pipeline_tui.cli import commands, importing, reviews
from pipeline_tui.display import clean, markdown_literal

from ..hostile import HOSTILE, MIXED, hostile_csv, seed_hostile, unsafe_chars

WIDE = 400  # tables wide enough that no name is cut short


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_hostile(tmp_path_factory.mktemp("hostile-cli") / "pipeline.db")


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    for console in (commands.out, importing.out, reviews.out, cli.err):
        monkeypatch.setattr(console, "width", WIDE)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    for stream, text in (("stdout", captured.out), ("stderr", captured.err)):
        bad = unsafe_chars(text)
        assert not bad, f"{args}: {stream} carries {bad!r}"
    return code, captured.out, captured.err


SCOPE = ["--period", "2026Q4", "--today", "2026-11-26"]


@pytest.mark.parametrize("by", ["rep", "manager", "stage"])
def test_report_tables_show_names_literally(
    db: Path, capsys: pytest.CaptureFixture[str], by: str
) -> None:
    code, out, _ = run(capsys, "report", "--db", str(db), *SCOPE, "--by", by)
    assert code == 0
    if by == "stage":
        assert "[link=https://example.com]z[/link]" in out and "[/]" in out
    if by == "rep":
        assert "␛]52;c;aGVsbG8=␇ 1" in out and "␛]8;;http://x␛\\ 2" in out
    if by == "manager":
        assert "␛]0;title␇ 0" in out


def test_report_with_calibration_and_as_markdown(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "report", "--db", str(db), *SCOPE, "--calibration")
    assert code == 0 and "␛]52;c;aGVsbG8=␇ 1" in out
    code, out, _ = run(capsys, "report", "--db", str(db), *SCOPE, "--format", "csv")
    assert code == 0 and "[link=https://example.com]z[/link]␛]52;c;aGVsbG8=␇2," in out
    code, out, _ = run(capsys, "report", "--db", str(db), *SCOPE, "--format", "markdown")
    # A login, as escaped Markdown: reads as typed.
    assert code == 0 and "| \\[@click=screen.probability(9)\\]y\\[/\\]␛\\]0;title␇1 |" in out
    code, out, _ = run(
        capsys, "report", "--db", str(db), *SCOPE, "--calibration", "--format", "markdown"
    )
    assert code == 0


def test_reviews_show_names_literally(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "review", "list", "--db", str(db))
    assert code == 0 and "␛]0;title␇ 0's team" in out
    code, out, _ = run(capsys, "review", "show", "1", "--db", str(db))
    assert code == 0
    assert "\\[@click=app.quit\\]x\\[/\\]" in out  # escaped Markdown: reads as typed
    # The deals not reached are counted, not listed (issue 14, item 9).
    assert "deals were not reached." in out and "| pending |" not in out


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_changes_show_names_literally(
    db: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    args = ["changes", "--db", str(db), "--since", "2026-01-01", *SCOPE, "--format", fmt]
    code, out, _ = run(capsys, *args)
    assert code == 0
    shown = markdown_literal if fmt == "markdown" else clean  # Markdown reads as typed
    assert shown("\x1b]52;c;aGVsbG8=\x07 1") in out  # a rep
    assert shown("[on red][@click=app.bell]v[/][/on red]") in out  # a deal new since then


def test_a_dry_run_shows_the_file_literally(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = hostile_csv(tmp_path / "hostile[b.csv")
    code, out, _ = run(capsys, "import", str(path), "--db", str(db), "--dry-run")
    assert code in (0, 1)
    assert "[@click=app.quit]x[/]" in out and "␛[2J" in out
    assert "Dry run: nothing was written." in out


# NUL can't be passed in an argument, and `[b` was never taken for markup.
@pytest.mark.parametrize("value", [v for v in [*HOSTILE, *MIXED] if v not in ("\x00", "[b")])
def test_errors_quote_what_was_typed_literally(
    db: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, _, err = run(capsys, "report", "--db", str(db), *SCOPE, "--pipeline", f"{value}!")
    assert code == 2
    assert err.startswith("error: no pipeline named")
    assert clean(f"{value}!") in err
