"""How long `pipeline-tui report --format json` takes on a large seeded database.

    python -m benchmarks.bench_report --deals 10000 100000 1000000   (from the project root)
    python -m benchmarks.bench_report --db PATH [--deals N]

Uses the cached seeded database of each size (`/tmp/pipeline-bench/`, seeded once), or
`--db` (seeded with `--deals` if it has no deals yet, timing that too), then runs the report
as a person would, in a fresh process, several times. Baselines measured in the same run:

- the same SQL in the sqlite3 shell: every statement the report sends to the database
  (captured from SQLAlchemy with its parameters filled in) run by `sqlite3 DB < file`,
  also a fresh process each time (the goal: the report within 3x of it);
- a plain full scan (`SELECT COUNT(*), SUM(amount_minor) FROM deal`) with Python's sqlite3.

It also checks that the report's totals equal the independent SQL the test suite uses.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from benchmarks._common import python_env, seeded_db
from tests.independent_sql import independent_totals

TODAY = "2026-11-26"


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=python_env())
    return time.perf_counter() - start, result.stdout


def deal_count(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM deal").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def full_scan(db: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        conn.execute("SELECT COUNT(*), SUM(amount_minor) FROM deal").fetchone()
    return time.perf_counter() - start


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes):
        return f"X'{value.hex()}'"
    return "'" + str(value).replace("'", "''") + "'"


def report_sql(db: Path, arguments: list[str]) -> str:
    """Every statement `pipeline-tui report` sends to the database, parameters filled in."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from pipeline_tui.cli import main as cli_main

    statements: list[str] = []

    def capture(conn: object, cursor: object, statement: str, parameters: object,
                context: object, executemany: bool) -> None:  # fmt: skip
        values = list(parameters) if isinstance(parameters, tuple | list) else []
        parts = statement.split("?")
        if len(parts) - 1 != len(values):
            raise RuntimeError(f"can't fill the parameters of {statement!r} with {parameters!r}")
        filled = parts[0] + "".join(
            literal(v) + part for v, part in zip(values, parts[1:], strict=True)
        )
        statements.append(filled.strip().rstrip(";") + ";")

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            if cli_main([*arguments, "--db", str(db)]) != 0:
                raise RuntimeError("the report failed; run it by hand to see why")
    finally:
        event.remove(Engine, "before_cursor_execute", capture)
    return "\n".join(statements) + "\n"


def sqlite3_shell(db: Path, sql: Path) -> float:
    start = time.perf_counter()
    with open(sql, "rb") as stream:
        subprocess.run(["sqlite3", "-bail", str(db)], stdin=stream, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.db is not None:
        return run(args.db, args.deals[0], args.runs)
    return max(run(seeded_db(deals), deals, args.runs) for deals in args.deals)


def run(db: Path, seed_deals: int, runs_wanted: int) -> int:
    cli = [sys.executable, "-m", "pipeline_tui"]

    if deal_count(db) == 0:
        seconds, _ = timed(
            [*cli, "seed", "--deals", str(seed_deals), "--today", TODAY, "--db", str(db)]
        )
        print(f"seed: {seed_deals:,} deals in {seconds:.1f} s ({seed_deals / seconds:,.0f}/s)")
    deals = deal_count(db)

    arguments = ["report", "--format", "json", "--today", TODAY]
    report = [*cli, *arguments, "--db", str(db)]
    timed(report)  # warm the page cache like a second run by a person would
    runs, output, shell = [], "", []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        sql = Path(tmp) / "report.sql"
        sql.write_text(report_sql(db, arguments))
        statements = sql.read_text().count(";\n")
        if shutil.which("sqlite3"):
            sqlite3_shell(db, sql)
        for _ in range(runs_wanted):
            seconds, output = timed(report)
            runs.append(seconds)
            if shutil.which("sqlite3"):
                shell.append(sqlite3_shell(db, sql))
    startup = [timed([sys.executable, "-c", "import pipeline_tui.cli"])[0] for _ in range(3)]
    scans = [full_scan(db) for _ in range(3)]

    data = json.loads(output)
    expected = independent_totals(str(db), data["period"]["start"], data["period"]["end"])
    mismatches = [
        key for key, value in expected.items()
        if (Decimal(data["totals"][key]) if isinstance(value, Decimal) else data["totals"][key])
        != value
    ]  # fmt: skip

    median, scan, start = statistics.median(runs), statistics.median(scans), min(startup)
    print(f"\ndatabase: {db} ({deals:,} deals)")
    print(
        f"report --format json: median {median:.2f} s, best {min(runs):.2f} s "
        f"over {runs_wanted} runs"
    )
    if shell:
        raw = statistics.median(shell)
        print(
            f"baseline the same SQL ({statements} statements) in the sqlite3 shell: median "
            f"{raw:.3f} s -> report = {median / raw:.1f}x the raw SQL "
            f"(goal <= 3x: {'met' if median / raw <= 3 else 'MISSED'})"
        )
    else:
        print("baseline the same SQL in the sqlite3 shell: sqlite3 is not installed; skipped")
    print(
        f"baseline full scan (sqlite3 COUNT/SUM over all deals): {scan:.3f} s "
        f"-> report = {median / scan:.1f}x a full scan"
    )
    print(
        f"python start-up with the CLI imported: {start:.2f} s ({start / median:.0%} of the report)"
    )
    print("totals equal independent SQL:", "yes" if not mismatches else f"NO {mismatches}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
