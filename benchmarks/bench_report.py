"""How long `pipeline-tui report --format json` takes on a large seeded database.

    python -m benchmarks.bench_report --deals 1000000 [--db PATH]   (from the project root)

Seeds the database if it has no deals yet (timing that too), then runs the report as a
person would, in a fresh process, several times. As a baseline measured in the same run it
times a plain full scan (`SELECT COUNT(*), SUM(amount_minor) FROM deal`) with sqlite3, so
the figures can be compared across noisy, shared machines as ratios. It also checks that the
report's totals equal the independent SQL the test suite uses.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from tests.cli.test_cli import independent_totals

TODAY = "2026-11-26"


def timed(command: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=True)
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "bench.db"
    cli = [sys.executable, "-m", "pipeline_tui"]

    if deal_count(db) == 0:
        seconds, _ = timed(
            [*cli, "seed", "--deals", str(args.deals), "--today", TODAY, "--db", str(db)]
        )
        print(f"seed: {args.deals:,} deals in {seconds:.1f} s ({args.deals / seconds:,.0f}/s)")
    deals = deal_count(db)

    report = [*cli, "report", "--format", "json", "--today", TODAY, "--db", str(db)]
    timed(report)  # warm the page cache like a second run by a person would
    runs, output = [], ""
    for _ in range(args.runs):
        seconds, output = timed(report)
        runs.append(seconds)
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
    print(f"database: {db} ({deals:,} deals)")
    print(
        f"report --format json: median {median:.2f} s, best {min(runs):.2f} s over {args.runs} runs"
    )
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
