"""How fast `import_file` reads a large Salesforce report export into a fresh SQLite file.

    python -m benchmarks.bench_import --rows 100000

Writes a Salesforce-style CSV (report labels, `USD 485,000.00`, `90%`, `M/D/YYYY`,
footer lines) to a temporary folder, then times the import into a fresh, migrated
database, and a re-import of the same file with a tenth of its rows changed (the weekly
case). Baselines measured in the same run (before and after, since a shared machine's load
drifts), so runs on different or noisy machines compare as ratios:

- the sqlite3 shell's `.import --csv` of the same file into a fresh database with a table
  of its eleven columns (the goal: the import within 5x of it);
- `csv.reader` over the file alone.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

HEADER = [
    "Opportunity Owner", "Account Name", "Opportunity Name", "Stage", "Amount",
    "Probability (%)", "Close Date", "Created Date", "Forecast Category", "Next Step",
    "Opportunity ID",
]  # fmt: skip
STAGES = [
    ("Prospecting", 10, "Pipeline"), ("Qualification", 20, "Pipeline"),
    ("Needs Analysis", 30, "Pipeline"), ("Proposal/Price Quote", 60, "Best Case"),
    ("Negotiation/Review", 90, "Commit"), ("Closed Won", 100, "Closed"),
    ("Closed Lost", 0, "Omitted"),
]  # fmt: skip
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def write_export(path: Path, rows: int, seed: int, *, changed: float = 0.0) -> None:
    """`changed`: the share of rows whose stage, amount or close date moves."""
    rng = random.Random(seed)
    owners = [f"Rep {k:03d}" for k in range(max(10, rows // 500))]
    accounts = [f"Account {k:05d} Inc" for k in range(max(20, rows // 10))]
    start = date(2026, 1, 1)
    change_rng = random.Random(seed + 1)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for k in range(rows):
            stage, probability, category = STAGES[rng.randrange(len(STAGES))]
            amount = rng.randrange(1_000, 2_000_000) * 100 // 100
            close = start + timedelta(days=rng.randrange(365))
            if change_rng.random() < changed:
                close += timedelta(days=30)
                amount += 5_000
            created = close - timedelta(days=rng.randrange(20, 200))
            ident = "006" + "".join(ALPHABET[(k * 7919 + i * 31) % 62] for i in range(7))
            writer.writerow([
                owners[rng.randrange(len(owners))],
                accounts[rng.randrange(len(accounts))],
                f"Deal {k}",
                stage,
                f"USD {amount:,}.00",
                f"{probability}%",
                f"{close.month}/{close.day}/{close.year}",
                f"{created.month}/{created.day}/{created.year}",
                category,
                "Send proposal" if k % 3 else "-",
                f"{ident}{k:05d}",
            ])  # fmt: skip
        writer.writerow([])
        writer.writerow([f"Grand Totals ({rows} records)"])
        writer.writerow(["Confidential Information - Do Not Distribute"])
        writer.writerow(["Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."])


def baseline(path: Path) -> float:
    start = time.perf_counter()
    with open(path, newline="", encoding="utf-8") as stream:
        for _ in csv.reader(stream):
            pass
    return time.perf_counter() - start


def shell_import(folder: Path, path: Path) -> float | None:
    """Seconds for `sqlite3 fresh.db` to `.import` the file, or None without sqlite3."""
    if shutil.which("sqlite3") is None:
        return None
    db = folder / f"shell-{time.monotonic_ns()}.db"
    columns = ", ".join(f'"{name}" TEXT' for name in HEADER)
    script = f"CREATE TABLE export ({columns});\n.import --csv --skip 1 {path} export\n"
    start = time.perf_counter()
    subprocess.run(["sqlite3", str(db)], input=script, text=True, capture_output=True, check=True)
    seconds = time.perf_counter() - start
    db.unlink()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from pipeline_tui.importing import ImportOptions, import_file
    from pipeline_tui.storage import open_database

    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        first, second = folder / "export.csv", folder / "export-week-2.csv"
        write_export(first, args.rows, args.seed)
        write_export(second, args.rows, args.seed, changed=0.1)
        before = baseline(first)
        shell_before = shell_import(folder, first)

        engine = open_database(f"sqlite:///{folder / 'import.db'}")
        options = ImportOptions(user=None, today=date(2026, 11, 26))
        start = time.perf_counter()
        summary = import_file(engine, first, options)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        again = import_file(engine, second, options)
        reimported = time.perf_counter() - start
        engine.dispose()

        after = baseline(first)
        shell_after = shell_import(folder, first)
        size = first.stat().st_size

    noise = (before + after) / 2
    c, r = summary.counts, again.counts
    print(
        f"import: {args.rows:,} rows ({size / 2**20:.1f} MiB) in {imported:.2f} s, "
        f"{args.rows / imported:,.0f} rows/s ({c.created:,} created)"
    )
    print(
        f"re-import with 10% changed: {reimported:.2f} s, {args.rows / reimported:,.0f} rows/s "
        f"({r.updated:,} updated, {r.changes:,} field changes, {r.unchanged:,} unchanged)"
    )
    print(
        f"baseline: csv.reader over the file in {noise:.3f} s "
        f"(before {before:.3f} s, after {after:.3f} s), {args.rows / noise:,.0f} rows/s"
    )
    print(
        f"ratio import / baseline: {imported / noise:.1f}x; "
        f"re-import / baseline: {reimported / noise:.1f}x"
    )
    if shell_before is None or shell_after is None:
        print("baseline sqlite3 .import: sqlite3 is not installed; skipped")
    else:
        shell = (shell_before + shell_after) / 2
        ratio = imported / shell
        print(
            f"baseline: sqlite3 shell .import of the file in {shell:.2f} s "
            f"(before {shell_before:.2f} s, after {shell_after:.2f} s)"
        )
        print(
            f"ratio import / sqlite3 .import: {ratio:.1f}x "
            f"(goal <= 5x: {'met' if ratio <= 5 else 'MISSED'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
