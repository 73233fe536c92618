"""Every way the command line can be given something wrong: one line, exit 2, no traceback,
no password, and nothing created or changed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import pipeline_tui
from pipeline_tui.cli import main
from pipeline_tui.storage import make_engine, upgrade

PASSWORD = "s3cr3tpw"
PG_WITH_PASSWORD = f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:5432/test"
SRC = Path(pipeline_tui.__file__).resolve().parents[1]  # the code under test, for subprocesses


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, out: str, err: str) -> None:
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert PASSWORD not in err


def our_database(path: Path) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def text_file(path: Path) -> Path:
    path.write_text("name,amount\nAcme,100\n", encoding="utf-8")
    return path


def random_file(path: Path) -> Path:
    path.write_bytes(bytes(range(256)) * 40)
    return path


Setup = Callable[[Path], list[str]]

# Each case: the arguments, given a temporary folder (and any files made in it).
CASES: dict[str, Setup] = {
    "text file as --db": lambda t: ["report", "--db", str(text_file(t / "notes.db"))],
    "random bytes as --db": lambda t: ["report", "--db", str(random_file(t / "noise.db"))],
    "text file for seed": lambda t: ["seed", "--deals", "5", "--db", str(text_file(t / "a.txt"))],
    "empty --db": lambda t: ["report", "--db", ""],
    "blank --db": lambda t: ["db", "current", "--db", "  "],
    "folder that doesn't exist (report)": lambda t: ["report", "--db", str(t / "typo" / "x.db")],
    "folder that doesn't exist (seed)": lambda t: ["seed", "--db", str(t / "typo" / "x.db")],
    "folder that doesn't exist (import)": lambda t: [
        "import", str(text_file(t / "deals.csv")), "--db", str(t / "typo" / "x.db")
    ],
    "a file that doesn't exist": lambda t: ["report", "--db", str(t / "typo.db")],
    "a folder as --db": lambda t: ["db", "current", "--db", str(t)],
    "--today year 0": lambda t: ["report", "--today", "0000-01-01", "--db", str(t / "a.db")],
    "--today year 9999": lambda t: ["report", "--today", "9999-12-31", "--db", str(t / "a.db")],
    "--today not a date": lambda t: ["report", "--today", "2026-02-30", "--db", str(t / "a.db")],
    "seed --today year 0": lambda t: ["seed", "--today", "0000-01-01", "--db", str(t / "a.db")],
    "period year 0": lambda t: [
        "report", "--period", "0000Q1", "--db", str(our_database(t / "a.db"))
    ],
    "period FY0": lambda t: ["report", "--period", "FY0000", "--db", str(our_database(t / "a.db"))],
    "period year 9999": lambda t: [
        "report", "--period", "9999Q4", "--db", str(our_database(t / "a.db"))
    ],
    "period year 10000": lambda t: [
        "report", "--period", "10000Q1", "--db", str(our_database(t / "a.db"))
    ],
    "downgrade to an unknown revision": lambda t: [
        "db", "downgrade", "zzz", "--yes", "--db", str(our_database(t / "a.db"))
    ],
    "downgrade too far": lambda t: [
        "db", "downgrade", "-99", "--yes", "--db", str(our_database(t / "a.db"))
    ],
    "mysql URL": lambda t: ["report", "--db", f"mysql://root:{PASSWORD}@127.0.0.1/db"],
    "psycopg2 URL": lambda t: [
        "db", "current", "--db", PG_WITH_PASSWORD.replace("+psycopg:", "+psycopg2:")
    ],
    "unknown scheme": lambda t: ["report", "--db", f"nosuchdb://u:{PASSWORD}@host/db"],
    "unparsable port": lambda t: ["report", "--db", f"postgresql://u:{PASSWORD}@host:port/db"],
    "unknown URL parameter": lambda t: ["db", "current", "--db", f"{PG_WITH_PASSWORD}?foo=bar"],
    "bad URL parameter value": lambda t: [
        "db", "current", "--db",
        f"postgresql+psycopg://postgres@127.0.0.1:5432/test?sslmode=bogus&password={PASSWORD}",
    ],
    "SQLite URL parameter": lambda t: ["db", "current", "--db", f"sqlite:///{t}/a.db?mode=ro"],
    "server that isn't there": lambda t: [
        "report", "--db", f"postgresql://postgres:{PASSWORD}@127.0.0.1:9/test"
    ],
    "unknown command": lambda t: ["reprot", "--db", PG_WITH_PASSWORD],
    "misspelt option": lambda t: ["report", "--dbb", PG_WITH_PASSWORD],
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_is_one_line_exit_2_and_creates_nothing(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = CASES[case](tmp_path)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    code, out, err = run(capsys, *args)
    assert_one_line_error(code, out, err)
    after = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    assert after == before  # no folder, no database, no WAL file, no change


def subprocess_run(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC), **(env or {})},
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--db", "TEXT"],
        ["db", "current", "--db", f"mysql://root:{PASSWORD}@127.0.0.1/db"],
        ["report", "--today", "0000-01-01"],
        ["report", "--db", ""],
    ],
)
def test_as_a_real_process_too(args: list[str], tmp_path: Path) -> None:
    args = [str(text_file(tmp_path / "t.db")) if a == "TEXT" else a for a in args]
    result = subprocess_run(*args, env={"PIPELINE_TUI_DB": str(tmp_path / "env.db")})
    assert_one_line_error(result.returncode, result.stdout, result.stderr)


@pytest.mark.parametrize("command", [["export"], ["report"], ["export", "--format", "json"]])
def test_a_closed_pipe_ends_quietly(command: list[str], tmp_path: Path) -> None:
    """`pipeline-tui export | head -1`: the reader goes away before we write."""
    db = our_database(tmp_path / "pipe.db")
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline_tui", *command, "--db", str(db)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # long before the interpreter has even started
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 141, stderr  # as a shell reports `yes | head -1`
    assert stderr == ""
