"""How long `seed_demo` takes to write a large demo database into a fresh SQLite file.

    python -m benchmarks.bench_seed --deals 1000000

Times migrations plus seeding, as `pipeline-tui seed` does them. As a baseline measured in
the same run (before and after the seed, since a shared machine's load drifts) it times a
plain sqlite3 executemany of the same number of 3-column rows into a table of a fresh
file, so runs on different or noisy machines compare as the ratio of the two.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 26)


def baseline(folder: Path, rows: int) -> float:
    """Seconds for one executemany of `rows` small rows and its commit."""
    path = folder / f"baseline-{time.monotonic_ns()}.db"
    conn = sqlite3.connect(path)
    try:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, label TEXT, value INTEGER)")
        start = time.perf_counter()
        conn.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", ((i, f"row {i}", i * 7) for i in range(rows))
        )
        conn.commit()
        return time.perf_counter() - start
    finally:
        conn.close()
        path.unlink()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from pipeline_tui.seed import seed_demo
    from pipeline_tui.storage import open_database

    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        folder = Path(tmp)
        before = baseline(folder, args.deals)

        start = time.perf_counter()
        engine = open_database(f"sqlite:///{folder / 'seed.db'}")
        migrated = time.perf_counter()
        summary = seed_demo(engine, deals=args.deals, seed=args.seed, today=TODAY)
        done = time.perf_counter()
        engine.dispose()
        size = sum(p.stat().st_size for p in folder.glob("seed.db*"))

        after = baseline(folder, args.deals)

    total = done - start
    noise = (before + after) / 2
    print(
        f"seed_demo: {args.deals:,} deals in {total:.2f} s "
        f"(migrations {migrated - start:.2f} s, seeding {done - migrated:.2f} s)"
    )
    print(
        f"  {args.deals / total:,.0f} deals/s; {summary.changes:,} changes, "
        f"{summary.notes:,} notes, {summary.accounts:,} accounts, {summary.users} people, "
        f"{size / 2**20:,.0f} MiB on disk"
    )
    print(
        f"baseline: sqlite3 executemany of {args.deals:,} 3-column rows in {noise:.2f} s "
        f"(before {before:.2f} s, after {after:.2f} s)"
    )
    print(f"ratio seed / baseline: {total / noise:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
