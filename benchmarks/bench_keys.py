"""Keystroke to screen: a probability key on the selected card until the card shows it.

    python -m benchmarks.bench_keys --deals 10000 100000 1000000 [--samples 20]

Black box, in tmux at 160x48 (see `_common`): the app opens on a copy of the seeded
database (the keys write to it), and once the board's figures show, each sample types a
digit (`3` or `7`, whichever differs from what the card shows) at the selected card, the
first card of the first column, and times until that card's line shows the new
probability. The baseline, in the same run and interleaved sample by sample, is a bare
Textual app (`benchmarks/bare_app.py`) that redraws a label per key. A pause (`--gap`,
0.3 s) follows each sample, so the keys come at about a person's pace, two a second.

Then the bursts, each typed in one `tmux send-keys` (no pause between keys): ten different
digits (a key is lost unless the card ends at the last digit and the database holds ten
more probability changes), then `l l` and a digit (lost unless the third column's first
card takes the digit).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sqlite3
import statistics
import sys
import time
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
from benchmarks.bench_first_frame import APP_READY, BARE_READY

CARD_FIGURES = re.compile(r"^ \$[\d.,]+[kMB]?  (\d+)%", re.MULTILINE)


def card_line(screen: str) -> tuple[int, int]:
    """The line of the selected card's figures (the first card's) and its probability."""
    for number, line in enumerate(screen.splitlines()):
        match = CARD_FIGURES.match(line)
        if match:
            return number, int(match.group(1))
    raise RuntimeError(f"no card on screen:\n{screen}")


def column_percents(screen: str, number: int) -> list[int | None]:
    """The probability on line `number` of each board column (`▕` separates them)."""
    line = screen.splitlines()[number]
    found = [CARD_FIGURES.match(part) for part in line.split("▕")]
    return [int(m.group(1)) if m else None for m in found]


def on_line(number: int, percent: int) -> str:
    return rf"\A(?:.*\n){{{number}}} \$[\d.,]+[kMB]?  {percent}%"


def probability_changes(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        query = "SELECT COUNT(*) FROM deal_change WHERE field = 'probability' AND source = 'tui'"
        return int(conn.execute(query).fetchone()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--deals", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds of rest between keys")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    require_tmux()
    print(machine())

    for deals in args.deals:
        source = seeded_db(deals)
        db = source.with_name(f"keys-{source.name}")
        shutil.copyfile(source, db)
        try:
            with Pane(app_command(db)) as app, Pane(bare_command()) as bare:
                app.wait(APP_READY, args.timeout)
                bare.wait(BARE_READY, args.timeout)
                line, shown = card_line(app.screen())
                app_times, bare_times = [], []
                at_start = probability_changes(db)
                for sample in range(args.samples + 1):
                    digit = 3 if shown == 70 else 7
                    sent = app.keys(str(digit))
                    seen = app.wait([on_line(line, digit * 10)], args.timeout)
                    shown = digit * 10
                    time.sleep(args.gap)
                    sent_bare = bare.keys("7")
                    seen_bare = bare.wait([rf"key 7 #{sample + 1}\b"], args.timeout)
                    time.sleep(args.gap)
                    if sample:  # the first key of each warms its code paths
                        app_times.append(seen - sent)
                        bare_times.append(seen_bare - sent_bare)

                # Ends at 5, which nothing before it shows, so 50% means the last key arrived.
                burst = [d for d in (1, 2, 3, 4, 6, 8, 9, 1, 2, 4) if d * 10 != shown][:9]
                burst.append(5)
                # The samples' writes first (they may still be queued): count the burst's alone.
                waited = time.monotonic()
                while (
                    probability_changes(db) < at_start + args.samples + 1
                    and time.monotonic() - waited < args.timeout
                ):
                    time.sleep(0.2)
                before = probability_changes(db)
                app.keys(*(str(d) for d in burst))
                with contextlib.suppress(TimeoutError):
                    app.wait([on_line(line, 50)], args.timeout)
                # The screen shows each key at once; the writes queue behind it, in order,
                # and at 1M each waits for the previous one's reads: wait for them to land.
                shown_at = time.monotonic()
                recorded = probability_changes(db) - before
                while recorded < len(burst) and time.monotonic() - shown_at < args.timeout:
                    time.sleep(0.2)
                    recorded = probability_changes(db) - before
                landed = time.monotonic() - shown_at
                final = card_line(app.screen())[1]

                # Two moves right then a digit, no pause: the third column's card takes it.
                columns = column_percents(app.screen(), line)
                digit = 3 if columns[2] == 70 else 7
                app.keys("l", "l", str(digit))
                moved = f"the third column's card shows {digit}0%"
                try:
                    app.wait([rf"\A(?:.*\n){{{line}}}(?:[^▕\n]*▕){{2}} \$[\d.,]+[kMB]?  {digit}0%"],
                             min(args.timeout, 15.0))  # fmt: skip
                    nav_lost = False
                except TimeoutError:
                    after = column_percents(app.screen(), line)
                    where = [
                        i + 1 for i, (a, b) in enumerate(zip(columns, after, strict=True)) if a != b
                    ]
                    moved = f"the digit landed on column {where or 'none'} (expected 3)"
                    nav_lost = True
        finally:
            for path in db.parent.glob(db.name + "*"):
                path.unlink()

        app_median = statistics.median(app_times)
        bare_median = statistics.median(bare_times)
        print(f"\n== keystroke to screen, {deals:,} deals (a copy of {source})")
        print(f"  pipeline-tui: {summary_ms(app_times)}")
        print(f"  bare Textual: {summary_ms(bare_times)}")
        ratio = verdict(app_median / bare_median, 1.5)
        print(f"ratio of medians pipeline-tui / bare Textual: {ratio}")
        lost = len(burst) - recorded
        print(
            f"burst of {len(burst)} digits with no pause: card shows {final}% (expected 50%), "
            f"{recorded} probability changes recorded ({landed:.1f} s after the screen showed "
            "the last) -> "
            + ("no key lost" if final == 50 and lost == 0 else f"KEYS LOST ({max(lost, 0)})")
        )
        print(f"burst `l l {digit}` with no pause: {moved} -> "
              + ("KEYS LOST" if nav_lost else "no key lost"))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
