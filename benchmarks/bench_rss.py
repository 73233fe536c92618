"""Peak memory of the app at each size, against the same app at 10,000 deals.

    python -m benchmarks.bench_rss --deals 100000 1000000

In tmux at 160x48 (see `_common`): opens the app on the seeded database, waits for the
board's figures, then does what a session does without writing: the table (`t`), any close
date (`D D`), 300 rows down (`j`), back to the board (`t`), the next period and back
(`>` `<`). Then reads the process's peak resident set (`VmHWM` in `/proc/PID/status`,
what `/usr/bin/time -v` reports as maximum resident set size). The baseline, measured in
the same run, is the same session at 10,000 deals.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks._common import (
    Pane,
    app_command,
    machine,
    peak_rss_mb,
    require_tmux,
    seeded_db,
    verdict,
)
from benchmarks.bench_first_frame import APP_READY

BASELINE = 10_000
CAP_MB = 200.0


def session_peak(deals: int, timeout: float) -> float:
    with Pane(app_command(seeded_db(deals))) as pane:
        pane.wait(APP_READY, timeout)
        pid = pane.pid()
        pane.keys("t")
        time.sleep(0.5)
        pane.keys("D")
        time.sleep(0.5)
        pane.keys("D")
        pane.wait([r"any close date", r"Deal +Amount"], timeout)
        pane.settle(timeout=timeout)
        for _ in range(30):
            pane.keys("j" * 10, literal=True)
            time.sleep(0.1)
        time.sleep(2.0)
        pane.keys("t")
        pane.wait(APP_READY, timeout)
        for key in (">", "<"):
            pane.keys(key)
            time.sleep(1.0)
        pane.wait(APP_READY, timeout)
        time.sleep(2.0)
        return peak_rss_mb(pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deals", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    require_tmux()
    print(machine())
    base = session_peak(BASELINE, args.timeout)
    print(f"\n== peak RSS\n{BASELINE:>10,} deals: {base:.0f} MiB (baseline)")
    for deals in args.deals:
        if deals == BASELINE:
            continue
        peak = session_peak(deals, args.timeout)
        under = "met" if peak < CAP_MB else "MISSED"
        print(
            f"{deals:>10,} deals: {peak:.0f} MiB (goal < {CAP_MB:.0f} MiB: {under}); "
            f"ratio to {BASELINE:,}: {verdict(peak / base, 1.2)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
