"""First useful frame: launch to the board with its figures filled, against two baselines.

    python -m benchmarks.bench_first_frame --deals 10000 100000 1000000 [--samples 5]

Black box, in tmux at 160x48 (see `_common`): the time from starting the command to the
first screen that shows both the forecast bar's figures (the value under `Quota ... Commit`
is a number, not the `…` placeholder) and a stage total (`$1.3M · w $127k`). The time to
the layout (the forecast bar's labels, figures or not) is printed too. Baselines in
the same run, interleaved with the app so that load drift hits all of them alike:

- a bare Textual app (`benchmarks/bare_app.py`) until its label shows;
- VisiData, when installed (`vd` on PATH or `--vd PATH`), opening the same SQLite file on
  the deal table until its first row shows (`vd DB +:deal:1:1`), and on its table list
  until the deal table's row count shows.

Each program is started once before timing so that every sample reads a warm page cache.

`--before DIR`: also an older checkout of pipeline-tui (e.g. `git archive main | tar -x -C
DIR`), on a database seeded by that checkout (its schema revision), interleaved with the
rest: a before/after ratio from one run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

from benchmarks._common import (
    SIZES,
    Pane,
    app_command,
    bare_command,
    machine,
    require_tmux,
    seeded_db,
    summary_ms,
    verdict,
)

APP_LAYOUT = [r"Quota +Won +Commit"]
APP_READY = [r"Commit[^\n]*\n *\$\d", r"· w \$\d"]
BARE_READY = [r"bare ready"]
VD_ROWS = [r"D-0000001"]
VD_TABLES = [r"^ deal +║ +\d+"]


def launch(command: str, stages: list[list[str]], timeout: float) -> list[float]:
    """Seconds from the start until each stage's patterns show, in order."""
    with Pane(command) as pane:
        return [pane.wait(patterns, timeout) - pane.started for patterns in stages]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deals", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--samples", type=int, default=5)
    parser.add_argument("--vd", default=shutil.which("vd"), help="VisiData's vd (default: PATH)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    args = parser.parse_args()
    require_tmux()
    print(machine())
    if not args.vd:
        print("VisiData: not installed (pip install visidata, or --vd PATH); no vd baseline")

    for deals in args.deals:
        db = seeded_db(deals)
        programs = {
            "pipeline-tui": (app_command(db), [APP_LAYOUT, APP_READY]),
            "bare Textual": (bare_command(), [BARE_READY]),
        }
        if args.before:
            old = app_command(seeded_db(deals, root=args.before), root=args.before)
            programs["before"] = (old, [APP_LAYOUT, APP_READY])
        if args.vd:
            programs["vd rows"] = (f"{args.vd} {db} +:deal:1:1", [VD_ROWS])
            programs["vd tables"] = (f"{args.vd} {db}", [VD_TABLES])
        times: dict[str, list[float]] = {name: [] for name in programs}
        layout: dict[str, list[float]] = {"pipeline-tui": [], "before": []}
        for command, stages in programs.values():
            launch(command, stages, args.timeout)  # warm the page cache
        for _ in range(args.samples):
            for name, (command, stages) in programs.items():
                *before, done = launch(command, stages, args.timeout)
                times[name].append(done)
                if name in layout:
                    layout[name].append(before[0])

        print(f"\n== first useful frame, {deals:,} deals ({db})")
        print(
            f"{'app layout':>14}: {summary_ms(layout['pipeline-tui'])} "
            "(the figures' labels, before the figures)"
        )
        if args.before:
            print(f"{'before layout':>14}: {summary_ms(layout['before'])}")
        for name, values in times.items():
            print(f"{name:>14}: {summary_ms(values)}")
        app = statistics.median(times["pipeline-tui"])
        bare = statistics.median(times["bare Textual"])
        print(f"ratio pipeline-tui / bare Textual: {verdict(app / bare, 1.5)}")
        if args.before:
            old_app = statistics.median(times["before"])
            print(f"ratio before / bare Textual: {old_app / bare:.2f}x")
            print(f"ratio pipeline-tui / before: {app / old_app:.2f}x")
        if args.vd:
            vd = statistics.median(times["vd rows"])
            print(f"ratio pipeline-tui / VisiData rows: {verdict(app / vd, 1.0)}")
            tables = statistics.median(times["vd tables"])
            print(f"ratio pipeline-tui / VisiData table list with counts: {app / tables:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
