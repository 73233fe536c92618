"""How long `pipeline-tui process --format json` takes against `report --format json` on
the same large seeded database, in the same run.

    python -m benchmarks.bench_process --deals 10000 100000 1000000   (from the project root)

Uses the cached seeded database of each size (`/tmp/pipeline-bench/`, seeded once). Both
commands run as a person would, each in a fresh process, after one untimed run each (a
warm page cache); their samples alternate, so a machine busy with something else slows
both alike. The figure is the ratio of the medians: the process view reads the whole stage
history (every deal's moves), the report only the deals, so the goal is that the process
view should cost about what the report does, not a multiple of it, at every size. (The
process view works out the report's figures too, for the targets beside them, so the
ratio is above 1 by construction; what is above it is the stage history.)

With `--before DIR`, an older checkout's `process` runs too, on the same file (the schema
must be the same), interleaved with the others.

It also checks, in this process, that the view's figures equal the first version's
computation (one query per stage, every stay walked in Python), kept as the reference in
`tests/services/test_process_queries.py`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks._common import LOGIN, TODAY, machine, python_env, seeded_db


def timed(command: list[str], root: Path | None = None) -> float:
    start = time.perf_counter()
    env = python_env() if root is None else python_env(root)
    subprocess.run(command, capture_output=True, check=True, env=env)
    return time.perf_counter() - start


def same_as_reference(db: Path) -> bool:
    from sqlalchemy import text

    from pipeline_tui.forecast.calibration import calibration_window
    from pipeline_tui.periods import quarter_containing
    from pipeline_tui.storage import make_engine
    from tests.services.test_process_queries import current, reference

    today = date.fromisoformat(TODAY)
    window = calibration_window(quarter_containing(today, 1), today)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            pipelines = [p for (p,) in conn.execute(text("SELECT id FROM pipeline"))]
            return all(current(conn, p, window) == reference(conn, p, window) for p in pipelines)
    finally:
        engine.dispose()


def run(deals: int, runs: int, check: bool, before: Path | None) -> bool:
    db = seeded_db(deals)
    cli = [sys.executable, "-m", "pipeline_tui"]
    tail = ["--format", "json", "--today", TODAY, "--db", str(db), "--user", LOGIN]
    process, report = [*cli, "process", *tail], [*cli, "report", *tail]
    timed(process)
    timed(report)
    samples: dict[str, list[float]] = {"process": [], "report": [], "before": []}
    if before is not None:
        timed(process, before)
    for _ in range(runs):
        samples["process"].append(timed(process))
        samples["report"].append(timed(report))
        if before is not None:
            samples["before"].append(timed(process, before))
    p, r = (statistics.median(samples[k]) for k in ("process", "report"))
    print(f"\n{deals:,} deals ({db})")
    print(
        f"process --format json: median {p:.2f} s (min {min(samples['process']):.2f}); "
        f"report --format json: median {r:.2f} s (min {min(samples['report']):.2f}); "
        f"n={runs} each"
    )
    print(f"process / report: {p / r:.2f}x")
    if samples["before"]:
        b = statistics.median(samples["before"])
        print(f"before ({before}): process median {b:.2f} s, {b / r:.2f}x report")
    if not check:
        return True
    same = same_as_reference(db)
    print("figures equal the reference computation:", "yes" if same else "NO")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--no-check", action="store_true", help="skip comparing with the reference (slow at 1M)"
    )
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="an older checkout (git archive main | tar -x -C DIR) whose process to time too",
    )
    args = parser.parse_args()
    print(machine())
    results = [run(deals, args.runs, not args.no_check, args.before) for deals in args.deals]
    print(f"\nafter the runs: {machine()}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
