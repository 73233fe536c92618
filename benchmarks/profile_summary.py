"""Where the time goes, from a py-spy profile: buckets and the app's own costliest functions.

    py-spy record -r 250 -f raw -o prof.txt -- python -m pipeline_tui report --db ...
    python -m benchmarks.profile_summary prof.txt [--top 15] [--under import_file]

Reads py-spy's collapsed stacks (`-f raw`: one stack a line, its sample count last) over
every thread, leaves out threads waiting for work, and prints each sample's bucket
(imports, SQL in SQLite, Textual and Rich drawing, the rest) and the inclusive share of
the `pipeline_tui` functions that cost most.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

# The calls under which SQLite itself runs: a statement's first step, then each row's.
DRIVER_CALLS = {"do_execute", "do_executemany", "execute", "executemany", "fetchall", "fetchone",
                "fetchmany", "_fetchall_impl", "_fetchone_impl", "_fetchmany_impl"}  # fmt: skip
# Threads waiting for work (the thread pool, Textual's writer and input threads, the event
# loop); py-spy samples them anyway, and they would drown the figures.
IDLE = {"_worker", "wait", "select", "sleep", "poll", "epoll"}
# Entry points every sample of the app's main thread passes through: no news.
ENTRY = {"<module> (pipeline_tui/__main__.py)", "main (pipeline_tui/cli/__init__.py)",
         "_run (pipeline_tui/cli/__init__.py)", "run_app (pipeline_tui/cli/commands.py)",
         "run (pipeline_tui/ui/app.py)"}  # fmt: skip
FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>[^:()]+):\d+\)$")


def bucket(frames: list[tuple[str, str]]) -> str:
    files = [f for _, f in frames]
    funcs = [fn for fn, _ in frames]
    if "_find_and_load" in funcs:
        return "imports"
    if any(fn.rsplit(".", 1)[-1] in DRIVER_CALLS and ("sqlalchemy" in f or "sqlite3" in f)
           for fn, f in frames):  # fmt: skip
        return "SQL in SQLite (execute and fetch)"
    if any("sqlalchemy" in f for f in files):
        return "SQLAlchemy (compile, rows to objects)"
    if any("/textual/" in f or f.startswith("textual/") or "/rich/" in f or f.startswith("rich/")
           for f in files[-6:]):  # fmt: skip
        return "Textual and Rich (layout, drawing)"
    return "other Python"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--under", help="only samples inside a function of this name")
    args = parser.parse_args()

    buckets: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = idle = 0
    for line in args.profile.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = []
        for part in stack.split(";"):
            match = FRAME.match(part.strip())
            if match:
                frames.append((match["func"], match["file"]))
        if args.under and not any(fn.rsplit(".", 1)[-1] == args.under for fn, _ in frames):
            continue
        if not frames or frames[-1][0].rsplit(".", 1)[-1] in IDLE:
            idle += count
            continue
        total += count
        buckets[bucket(frames)] += count
        seen = {f"{fn} ({f})" for fn, f in frames if "pipeline_tui/" in f} - ENTRY
        for name in seen:
            inclusive[name] += count
    if not total:
        print("no samples")
        return 1
    print(f"{total:,} busy samples over all threads ({idle:,} idle ones left out)")
    for name, count in buckets.most_common():
        print(f"  {count / total:6.1%}  {name}")
    print("pipeline_tui functions, inclusive:")
    for name, count in inclusive.most_common(args.top):
        print(f"  {count / total:6.1%}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
