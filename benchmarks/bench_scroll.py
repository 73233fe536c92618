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
scrolled the same way.

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


def read_log(path: Path) -> list[tuple[float, float, int, int]]:
    frames = []
    for line in path.read_text().splitlines():
        if line.count("\t") == 3:
            end, took, row, total = line.split("\t")
            frames.append((float(end), float(took), int(row), int(total)))
    return frames


def hold_j(
    pane: Pane, log: Path, rows: int, rate: float, timeout: float, stall: float
) -> dict[str, float]:
    """Types `j` at `rate` per second until the table is `rows` further down (or at its end).

    Like a person holding the key until the row they want: keys the app drops are made up
    for by more keys, and the count of keys typed against rows moved shows the drops.
    """
    frames = read_log(log)
    start_row, total = frames[-1][2], frames[-1][3]
    target = min(start_row + rows, total - 1)
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
            pane.wait(ready, timeout)
            for key in setup:
                pane.keys(key)
                time.sleep(0.5)
            pane.wait(setup_ready, timeout)
            pane.settle(timeout=timeout)
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
    args = parser.parse_args()
    require_tmux()
    print(machine())
    python = shlex.quote(sys.executable)

    bare = measure(
        f"{python} {shlex.quote(str(FRAME_LOG))} {{log}} "
        f"{shlex.quote(str(ROOT / 'benchmarks' / 'bare_table.py'))} {args.rows + 1}",
        [r"Deal 0 - Platform"], [], [r"Deal 0 - Platform"],
        args.rows, args.rate, args.timeout, args.stall,
    )  # fmt: skip
    print(f"\n== holding j through {args.rows:,} rows at {args.rate:g} keys/s")
    show("bare Textual", bare)
    for deals in args.deals:
        db = seeded_db(deals)
        command = app_command(db, extra=[str(FRAME_LOG), "{log}"]).replace("'{log}'", "{log}")
        app = measure(
            command, APP_READY, ["t", "D", "D"], [r"any close date", r"Deal +Amount"],
            args.rows, args.rate, args.timeout, args.stall,
        )  # fmt: skip
        print(f"\n== {deals:,} deals ({db})")
        show("pipeline-tui", app)
        worst = app["worst_gap"] * 1000
        print(
            f"slowest frame {worst:.0f} ms "
            f"(goal <= {GOAL_MS:.0f} ms: {'met' if worst <= GOAL_MS else 'MISSED'}); "
            f"ratio to the bare table's slowest frame: {app['worst_gap'] / bare['worst_gap']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
