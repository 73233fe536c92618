"""Many people editing one database at once, each through their own session.

    python -m benchmarks.load_edits --db sqlite|postgres --procs 20 --edits 500

Seeds a throwaway database (a SQLite file in a temporary folder, or a new PostgreSQL
database on the server, dropped afterwards) with a team and a shared pool of open deals,
then starts one process per rep. Each opens `Workspace.open(url, user=rep)`, the session
the app holds, and makes random edits (probability, nudge, stage, category, close date,
amount, note, next step) on random deals of the pool, reading the deal first as the app
does, so that people collide. Every outcome goes to a JSON-lines log per process.

Afterwards the database is checked against the logs (see `concurrency/verify.py`): every
acknowledged edit is there, no update was lost, the change log replays to each deal's
final values, every conflict was real and said who, nothing was written unacknowledged.
Prints the figures and PASS/FAIL per check; exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from pipeline_tui.services.workspace import BUSY_TIMEOUT, LOCK_WAIT
from pipeline_tui.storage import make_engine

from .concurrency.databases import DEFAULT_PG_SERVER, KINDS, seed_pool, temporary_database
from .concurrency.editing import Burst, run_burst
from .concurrency.report import latency_lines, machine_lines, outcome_lines, throughput_line
from .concurrency.verify import Baseline, Check, read_log, sqlite_integrity, take_baseline, verify


def _worker(burst: Burst, barrier: multiprocessing.synchronize.Barrier) -> None:
    # Every session is open before anyone edits, so the processes overlap from the start.
    run_burst(burst, ready=lambda: barrier.wait(timeout=600))


@dataclass(frozen=True)
class LoadRun:
    checks: list[Check]
    lines: list[str]  # the figures
    baseline: Baseline
    records: list[dict[str, Any]]


def run_load(
    url: str,
    *,
    procs: int,
    edits: int,
    deals: int,
    seed: int,
    log_dir: Path,
    think: float = 0.0,
    undo: bool = False,
    role: str = "admin",
    in_process: bool = False,
) -> LoadRun:
    """Seed, edit, verify. `in_process` runs the sessions as threads of this process
    rather than as processes (for the tests: quicker to start, and they still collide)."""
    pool = seed_pool(url, reps=procs, deals=deals, seed=seed, today=date.today(), role=role)
    engine = make_engine(url)
    try:
        baseline = take_baseline(engine, pool.deal_ids)
        bursts = [
            Burst(
                url, login, i, pool.deal_ids, edits, log_dir / f"proc-{i:02d}.jsonl", seed,
                think=think, undo=undo,
            )
            for i, login in enumerate(pool.logins)
        ]  # fmt: skip
        started = time.perf_counter()
        exits = _run_threads(bursts) if in_process else _run_processes(bursts)
        wall = time.perf_counter() - started
        records = read_log(b.log_path for b in bursts)
        checks = verify(engine, baseline, records, planned=edits)
        ended = Check("every process ran to the end", count=len(exits))
        for proc, code in enumerate(exits):
            if code != 0:
                ended.fail(f"process {proc} exited with {code}")
        checks.insert(0, ended)
        if engine.dialect.name == "sqlite":
            checks.append(sqlite_integrity(engine))
        lines = [
            *machine_lines(engine),
            f"{procs} processes x {edits} edits on a pool of {deals} deals "
            f"({engine.dialect.name}), {wall:.1f} s wall clock including start-up",
            *_sqlite_mode(engine),
            *outcome_lines(records),
            throughput_line(records),
            *latency_lines(records),
        ]
    finally:
        engine.dispose()
    return LoadRun(checks, lines, baseline, records)


def _sqlite_mode(engine: Engine) -> list[str]:
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        mode = conn.execute(text("PRAGMA journal_mode")).scalar_one()
    return [
        f"SQLite journal mode {mode}; each session waits {BUSY_TIMEOUT:g} s for a lock, "
        f"then retries for up to {LOCK_WAIT:g} s (services.workspace)"
    ]


def _run_processes(bursts: list[Burst]) -> list[int | None]:
    # spawn: each session starts clean rather than inheriting this process's engine.
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(bursts))
    workers = [ctx.Process(target=_worker, args=(b, barrier)) for b in bursts]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return [w.exitcode for w in workers]


def _run_threads(bursts: list[Burst]) -> list[int | None]:
    barrier = threading.Barrier(len(bursts))
    exits: list[int | None] = [None] * len(bursts)

    def work(i: int, burst: Burst) -> None:
        run_burst(burst, ready=lambda: barrier.wait(timeout=600))
        exits[i] = 0

    threads = [threading.Thread(target=work, args=(i, b)) for i, b in enumerate(bursts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return exits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=KINDS, default="sqlite")
    parser.add_argument("--procs", type=int, default=20)
    parser.add_argument("--edits", type=int, default=500, help="edits per process")
    parser.add_argument("--deals", type=int, default=100, help="the shared pool's size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconds between read and write, at most"
    )
    parser.add_argument(
        "--undo", action="store_true", help="undo and redo among the edits (u and U)"
    )
    parser.add_argument(
        "--role",
        choices=("rep", "manager", "admin"),
        default="admin",
        help="the sessions' role (admin: reps may change only their own deals, so a pool "
        "shared by reps would be all refusals)",
    )
    parser.add_argument("--pg-server", default=DEFAULT_PG_SERVER)
    parser.add_argument("--keep-logs", type=Path, default=None, help="a folder for the logs")
    args = parser.parse_args(argv)
    if args.procs < 1 or args.edits < 1 or args.deals < 1:
        parser.error("--procs, --edits and --deals must be at least 1")

    with tempfile.TemporaryDirectory(prefix="pipeline-load-logs-") as scratch:
        log_dir = args.keep_logs or Path(scratch)
        log_dir.mkdir(parents=True, exist_ok=True)
        with temporary_database(args.db, pg_server=args.pg_server) as url:
            run = run_load(
                url,
                procs=args.procs,
                edits=args.edits,
                deals=args.deals,
                seed=args.seed,
                log_dir=log_dir,
                think=args.think,
                undo=args.undo,
                role=args.role,
            )
    print("\n".join(run.lines))
    print("\n".join(c.line() for c in run.checks))
    failed = [c for c in run.checks if not c.ok]
    total = len(run.checks)
    print("FAIL" if failed else "PASS", f"({total - len(failed)}/{total} checks)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
