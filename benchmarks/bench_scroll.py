"""Holding `j` through 10,000 table rows: the slowest frame, against a bare Textual table.

    python -m benchmarks.bench_scroll --deals 10000 100000 1000000 [--rows 10000] [--rate 100]

The app runs in tmux at 160x48 under `benchmarks/frame_log.py`, which logs when each frame
is written and the table's row. The app opens on the seeded database, `t` shows the table,
`D D` widens it to any close date, then `j` is typed at `--rate` keys per second (a held
key repeats at 30-50 per second; the default is faster, to stress), `--rows` times. The
figure is the longest time the screen went without a new frame while keys were waiting:
the gaps between consecutive frames, from the first `j` to the first frame at the last row
the keys reach. Keys are typed until the table is `--rows` further down, as a person holds
the key until the row they want; if no row moves for `--stall` seconds while keys keep
coming, the run gives up and that stall counts as the slowest frame. The baseline in the
same run is a bare Textual `DataTable` holding all rows (`benchmarks/bare_table.py`),
scrolled the same way just before each size's app run, so that a ratio compares runs
close in time on a machine whose load changes.

Before the first key, the frame log must show the table with its rows and no page being
read (`frame_log.py`'s loading column), then the screen must be still; whatever does not
show in `--timeout` stops that run with what the screen shows, never an empty figure.

Limits: the keys are sent in batches by `tmux send-keys` on a timer, so a slow sender
shows up as a gap too (its own longest gap is printed; only a frame gap well above it is
the app's); a frame is counted when Textual writes it, not when the terminal paints it;
a table with fewer rows than `--rows` is scrolled to its end.
"""

from __future__ import annotations

import argparse
import itertools
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import (
    ROOT,
    SIZES,
    Pane,
    app_command,
    machine,
    require_tmux,
    seeded_db,
)
from benchmarks.bench_first_frame import APP_READY

FRAME_LOG = ROOT / "benchmarks" / "frame_log.py"
GOAL_MS = 50.0


class BenchError(Exception):
    """A run that can't give a figure, and why (with what was on screen)."""


def read_log(path: Path) -> list[tuple[float, float, int, int, int]]:
    """The frames logged so far: (end, duration, row, rows, loading)."""
    frames = []
    text = path.read_text() if path.exists() else ""
    for line in text.splitlines():
        if line.count("\t") == 4:  # a line still being written has fewer
            end, took, row, total, loading = line.split("\t")
            frames.append((float(end), float(took), int(row), int(total), int(loading)))
    return frames


def wait_for_rows(pane: Pane, log: Path, timeout: float) -> tuple[int, int]:
    """Waits until the last frame logged shows the table with rows and no page being read,
    and the screen has settled; returns its (row, rows)."""
    deadline = time.monotonic() + timeout
    while True:
        frames = read_log(log)
        last = frames[-1] if frames else None
        if last is not None and last[2] >= 0 and last[3] > 0 and not last[4]:
            pane.settle(timeout=max(1.0, deadline - time.monotonic()))
            frames = read_log(log)  # the settled screen's: a load may have landed since
            if frames[-1][2] >= 0 and frames[-1][3] > 0 and not frames[-1][4]:
                return frames[-1][2], frames[-1][3]
        if time.monotonic() > deadline:
            said = (
                "no frame logged (is frame_log.py wrapping the program?)"
                if last is None
                else f"last frame: row {last[2]}, rows {last[3]}, loading {last[4]} "
                "(-1: no table on the screen)"
            )
            raise BenchError(
                f"the table's rows did not show within {timeout:.0f} s; {said}\n{pane.screen()}"
            )
        time.sleep(0.05)


def hold_j(
    pane: Pane, log: Path, rows: int, rate: float, timeout: float, stall: float
) -> dict[str, float]:
    """Types `j` at `rate` per second until the table is `rows` further down (or at its end).

    Like a person holding the key until the row they want: keys the app drops are made up
    for by more keys, and the count of keys typed against rows moved shows the drops.
    """
    start_row, total = wait_for_rows(pane, log, timeout)
    target = min(start_row + rows, total - 1)
    if target <= start_row:
        raise BenchError(
            f"nothing to scroll: the table is at row {start_row} of {total}\n{pane.screen()}"
        )
    first = time.monotonic()
    sent, last, worst, row, moved = 0, first, 0.0, start_row, first
    deadline = first + timeout
    while row < target and time.monotonic() < min(deadline, moved + stall):
        due = int((time.monotonic() - first) * rate) + 1
        if due > sent:
            pane.keys("j" * (due - sent), literal=True)
            now = time.monotonic()
            worst, last, sent = max(worst, now - last), now, due
        time.sleep(0.002)
        frames = read_log(log)
        if frames[-1][2] > row:
            row, moved = frames[-1][2], time.monotonic()
    stopped = time.monotonic()
    time.sleep(0.5)
    during = [f for f in read_log(log) if f[0] >= first]
    if not during:
        raise BenchError(
            f"no frame logged in the {stopped - first:.1f} s of {sent} keys typed\n{pane.screen()}"
        )
    final_row = max(f[2] for f in during)
    reached = next(f[0] for f in during if f[2] == final_row)
    window = [f for f in during if f[0] <= reached]
    ends = [first] + [f[0] for f in window]
    gaps = [b - a for a, b in itertools.pairwise(ends)]
    stuck = stopped - reached if final_row < target else 0.0
    return {
        "stuck": stuck,
        "rows": final_row - start_row,
        "target": target - start_row,
        "keys": sent,
        "frames": len(window),
        "seconds": reached - first,
        "worst_gap": max([*gaps, stuck]),
        "median_gap": statistics.median(gaps),
        "worst_render": max(f[1] for f in window),
        "send_gap": worst,
    }


def measure(command: str, ready: list[str], setup: list[str], setup_ready: list[str],
            rows: int, rate: float, timeout: float, stall: float) -> dict[str, float]:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-scroll-") as tmp:
        log = Path(tmp) / "frames.tsv"
        with Pane(command.format(log=shlex.quote(str(log)))) as pane:
            try:
                pane.wait(ready, timeout)
            except TimeoutError as exc:
                raise BenchError(str(exc)) from None
            for key in setup:
                pane.keys(key)
                time.sleep(0.5)
            try:
                pane.wait(setup_ready, timeout)
            except TimeoutError as exc:
                raise BenchError(str(exc)) from None
            return hold_j(pane, log, rows, rate, timeout, stall)


def show(name: str, r: dict[str, float]) -> None:
    print(
        f"{name:>14}: {int(r['rows']):,} of {int(r['target']):,} rows in {r['seconds']:.1f} s "
        f"for {int(r['keys']):,} keys, {int(r['frames']):,} frames; "
        f"slowest frame {r['worst_gap'] * 1000:.0f} ms, median {r['median_gap'] * 1000:.0f} ms, "
        f"longest frame write {r['worst_render'] * 1000:.0f} ms; "
        f"longest pause of the key sender {r['send_gap'] * 1000:.0f} ms"
    )
    if r["stuck"]:
        print(
            f"{'':>14}  STUCK: no row moved for {r['stuck']:.1f} s while keys kept coming "
            f"(counted as the slowest frame); gave up"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deals", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="j keys per second")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument(
        "--stall", type=float, default=10.0, help="give up after this long without a row moved"
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="an older checkout (git archive main | tar -x -C DIR): its app is scrolled too",
    )
    args = parser.parse_args()
    require_tmux()
    print(machine())
    python = shlex.quote(sys.executable)

    bare_command = (
        f"{python} {shlex.quote(str(FRAME_LOG))} {{log}} "
        f"{shlex.quote(str(ROOT / 'benchmarks' / 'bare_table.py'))} {args.rows + 1}"
    )
    failed = 0
    print(f"\n== holding j through {args.rows:,} rows at {args.rate:g} keys/s")
    for deals in args.deals:
        db = seeded_db(deals)
        command = app_command(db, extra=[str(FRAME_LOG), "{log}"]).replace("'{log}'", "{log}")
        print(f"\n== {deals:,} deals ({db}); {machine()}", flush=True)
        runs: dict[str, dict[str, float]] = {}
        table = (APP_READY, ["t", "D", "D"], [r"any close date", r"Deal +Amount"])
        programs = [
            ("bare Textual", bare_command, [r"Deal 0 - Platform"], [], [r"Deal 0 - Platform"]),
            ("pipeline-tui", command, *table),
        ]
        if args.before:
            old = app_command(
                seeded_db(deals, root=args.before), extra=[str(FRAME_LOG), "{log}"],
                root=args.before,
            ).replace("'{log}'", "{log}")  # fmt: skip
            programs.append(("before", old, *table))
        for name, cmd, ready, setup, setup_ready in programs:
            try:
                runs[name] = measure(cmd, ready, setup, setup_ready,
                                     args.rows, args.rate, args.timeout, args.stall)  # fmt: skip
            except BenchError as exc:
                failed += 1
                print(f"{name:>14}: FAILED: {exc}", flush=True)
                continue
            show(name, runs[name])
        if len(runs) < 2:
            continue
        app, bare = runs["pipeline-tui"], runs["bare Textual"]
        worst = app["worst_gap"] * 1000
        print(
            f"slowest frame {worst:.0f} ms "
            f"(goal <= {GOAL_MS:.0f} ms: {'met' if worst <= GOAL_MS else 'MISSED'}); "
            f"against the bare table's: slowest {app['worst_gap'] / bare['worst_gap']:.2f}x, "
            f"median {app['median_gap'] / bare['median_gap']:.2f}x",
            flush=True,
        )
        if "before" in runs:
            before = runs["before"]
            print(
                f"before: slowest frame {before['worst_gap'] * 1000:.0f} ms, "
                f"{before['worst_gap'] / bare['worst_gap']:.2f}x the bare table's; "
                f"now / before: slowest {app['worst_gap'] / before['worst_gap']:.2f}x, "
                f"median {app['median_gap'] / before['median_gap']:.2f}x",
                flush=True,
            )
    if failed:
        print(f"\n{failed} run(s) gave no figure (see FAILED above)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
