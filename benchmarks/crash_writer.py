"""A writer killed with SIGKILL in the middle of a burst of edits, a few times over.

    python -m benchmarks.crash_writer --db sqlite|postgres --rounds 5

Seeds a throwaway database once (as `load_edits` does). Each round starts a writer
process that opens a session as one rep and edits deals of the pool as fast as it can,
logging every edit it is told was saved (after `Workspace.edit` returned; flushed and
fsynced before the next edit starts) and, before each one, what it is about to try. After
a random short delay the writer is killed with SIGKILL. Then, on the database as the
kill left it: SQLite's `PRAGMA integrity_check` passes; every acknowledged edit of every
round so far is there, exactly as acknowledged; the change log replays to each deal's
values; the only writes nobody was told about are the ones in flight at a kill; and a new
session can write again. Exits 1 if any check fails in any round.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from pipeline_tui.storage import make_engine

from .concurrency.databases import DEFAULT_PG_SERVER, KINDS, seed_pool, temporary_database
from .concurrency.editing import Burst, run_burst
from .concurrency.report import machine_lines, outcome_lines
from .concurrency.verify import Check, read_log, sqlite_integrity, take_baseline, verify

# A burst the delay can never outlast: the writer must still be writing when killed.
BURST = 1_000_000
AFTER_KILL_EDITS = 5


def _writer(burst: Burst, ready: multiprocessing.synchronize.Event) -> None:
    run_burst(burst, ready=ready.set)


def crash_round(burst: Burst, delay: float) -> Check:
    """Runs the writer, kills it `delay` s after its session is open."""
    check = Check("the writer was killed mid-burst", count=1)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    writer = ctx.Process(target=_writer, args=(burst, ready))
    writer.start()
    if not ready.wait(timeout=300):
        writer.kill()
        check.fail("the writer never opened its session")
    else:
        time.sleep(delay)
        if not writer.is_alive():
            check.fail(f"the writer ended by itself (exit {writer.exitcode}) before the kill")
        writer.kill()  # SIGKILL: no cleanup, no rollback, no flush of anything buffered
    writer.join()
    if writer.exitcode != -9 and check.ok:
        check.fail(f"the writer exited with {writer.exitcode}, not by SIGKILL")
    return check


def run_crashes(
    url: str,
    *,
    rounds: int,
    deals: int,
    seed: int,
    log_dir: Path,
    min_delay: float,
    max_delay: float,
    role: str = "admin",
) -> tuple[list[tuple[int, list[Check]]], list[str]]:
    pool = seed_pool(url, reps=2, deals=deals, seed=seed, today=date.today(), role=role)
    rng = random.Random(seed)
    engine = make_engine(url)
    results = []
    logs: list[Path] = []
    try:
        baseline = take_baseline(engine, pool.deal_ids)
        unacked_before = 0  # writes found committed but never acknowledged, so far
        for n in range(1, rounds + 1):
            delay = rng.uniform(min_delay, max_delay)
            log = log_dir / f"round-{n:02d}.jsonl"
            writer = Burst(
                url, pool.logins[0], n, pool.deal_ids, BURST, log, seed + n,
                durable=True, log_attempts=True,
            )  # fmt: skip
            killed = crash_round(writer, delay)
            logs.append(log)
            checks = [killed]
            if engine.dialect.name == "sqlite":
                checks.append(sqlite_integrity(engine))
            # What the kill left is checked first, then a new session must be able to write.
            records = read_log(logs)
            checks += verify(engine, baseline, records, in_flight=n)
            after = log_dir / f"after-{n:02d}.jsonl"
            run_burst(
                Burst(url, pool.logins[1], 1000 + n, pool.deal_ids, AFTER_KILL_EDITS, after, n)
            )
            logs.append(after)
            writes = Check("a new session writes after the kill", count=AFTER_KILL_EDITS)
            for r in read_log([after]):
                if r["kind"] == "error":
                    writes.fail(f"{r['error']}: {r['message']}")
            checks.append(writes)
            mine = [r for r in records if r["proc"] == n]
            acked = sum(1 for r in mine if r["kind"] == "ack")
            unacked = sum(c.found for c in checks if c.name.startswith("no write without"))
            print(
                f"round {n}: killed after {delay:.2f} s, {acked:,} edits acknowledged, "
                f"{unacked - unacked_before} committed write(s) in flight at the kill, "
                + ("PASS" if all(c.ok for c in checks) else "FAIL"),
                flush=True,
            )
            unacked_before = unacked
            results.append((n, checks))
        lines = [*machine_lines(engine), *outcome_lines(read_log(logs))]
    finally:
        engine.dispose()
    return results, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=KINDS, default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--deals", type=int, default=50, help="the pool's size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-delay", type=float, default=0.5, help="seconds")
    parser.add_argument("--max-delay", type=float, default=3.0, help="seconds")
    parser.add_argument(
        "--role",
        choices=("rep", "manager", "admin"),
        default="admin",
        help="the writer's role (admin, as for the load)",
    )
    parser.add_argument("--pg-server", default=DEFAULT_PG_SERVER)
    parser.add_argument("--keep-logs", type=Path, default=None, help="a folder for the logs")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.deals < 1 or not 0 <= args.min_delay <= args.max_delay:
        parser.error("--rounds and --deals must be at least 1, 0 <= --min-delay <= --max-delay")

    with tempfile.TemporaryDirectory(prefix="pipeline-crash-logs-") as scratch:
        log_dir = args.keep_logs or Path(scratch)
        log_dir.mkdir(parents=True, exist_ok=True)
        with temporary_database(args.db, pg_server=args.pg_server) as url:
            results, lines = run_crashes(
                url,
                rounds=args.rounds,
                deals=args.deals,
                seed=args.seed,
                log_dir=log_dir,
                min_delay=args.min_delay,
                max_delay=args.max_delay,
                role=args.role,
            )
    print("\n".join(lines))
    failed = 0
    for n, checks in results:
        for check in checks:
            if not check.ok:
                failed += 1
                print(f"round {n}: {check.line()}")
    names = dict.fromkeys(c.name for _, checks in results for c in checks)
    for name in names:
        ok = all(c.ok for _, checks in results for c in checks if c.name == name)
        print(f"{'PASS' if ok else 'FAIL'}  {name} (all {len(results)} rounds)")
    print("FAIL" if failed else "PASS", f"({len(results)} rounds)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
