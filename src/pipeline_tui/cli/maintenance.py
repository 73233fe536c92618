"""`pipeline-tui backup PATH` and `pipeline-tui check`.

`check` prints one line per violation on stdout and what it looked at on stderr; it exits
0 when it found nothing and 1 when it found something (2, as everywhere, when it could not
run at all).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from ..display import clean, display_text
from . import CliConsole, err

if TYPE_CHECKING:
    from ..services.integrity import CheckSummary
    from ..storage.integrity import Violation

out = CliConsole(highlight=False, soft_wrap=True)
PROGRESS_FROM_PAGES = 25_000  # about 100 MB: smaller copies finish before a bar would help


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    backup = sub.add_parser(
        "backup", parents=[common], help="a consistent copy of the database, while it is in use"
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the file to write")
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    check = sub.add_parser(
        "check", parents=[common], help="the integrity check and the app's own invariants"
    )
    check.add_argument("--format", choices=["table", "json"], default="table")
    check.add_argument(
        "--quick",
        action="store_true",
        help="SQLite: quick_check rather than the full integrity_check (much faster)",
    )


def run_backup(url: str, args: argparse.Namespace) -> int:
    from ..services.maintenance import backup_database
    from ..storage.opening import display_url
    from .commands import _progress

    bar = _progress()
    task = None

    def progress(done: int, total: int) -> None:
        nonlocal task
        if total < PROGRESS_FROM_PAGES:
            return
        if task is None:
            bar.start()
            task = bar.add_task("Copying pages", total=total)
        # The copy's integrity check follows the last page, and takes a while too.
        what = "Checking the copy" if done == total else "Copying pages"
        bar.update(task, completed=done, total=total, description=what)  # display-guard: no text

    # A backup copies the database as it is: no migration first.
    try:
        if url.startswith("sqlite"):
            result = backup_database(url, args.path, force=args.force, progress=progress)
        else:
            with err.status("Running pg_dump…"):
                result = backup_database(url, args.path, force=args.force)
    finally:
        if task is not None:
            bar.stop()
    how = "SQLite online backup" if result.method == "sqlite-backup" else "pg_dump, custom format"
    err.print(
        display_text(
            f"Backed up {display_url(url)} to {result.path} ({_size(result.size)}, {how})."
        )
    )
    return 0


def _size(size: int) -> str:
    if size < 1000:
        return f"{size:,} bytes"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1000
        if scaled < 1000 or unit == "GB":
            return f"{scaled:.1f} {unit}"
    raise AssertionError  # pragma: no cover


def run_check(url: str, args: argparse.Namespace) -> int:
    from ..services.integrity import CheckSummary
    from ..services.maintenance import check_database_at

    summary = CheckSummary()
    found: list[dict[str, Any]] = []
    for violation in check_database_at(url, summary, quick=args.quick):
        if args.format == "json":
            found.append(violation.as_dict())
        else:
            out.print(violation_line(violation))
    if args.format == "json":
        checked = {
            "deals": summary.deals,
            "quotas": summary.quotas,
            "people": summary.people,
            "changes_replayed": summary.replay.changes,
            "deals_with_changes": summary.replay.deals,
        }
        print(json.dumps({"ok": not found, "checked": checked, "violations": found}, indent=2))
    err.print(display_text(_summary_line(summary)))
    return 1 if summary.violations else 0


def violation_line(v: Violation) -> Text:
    """`deal 42 “Acme”: probability is not what its change log replays to; expected 40,
    found 60`: every value from the database goes through `clean`."""
    if v.table is None:
        subject = "database"
    else:
        subject = v.table if v.row_id is None else f"{v.table} {v.row_id}"
        if v.name is not None:
            subject += f" “{clean(v.name)}”"
    line = Text.assemble((f"{v.check}: ", "bold red"), subject, ": ", clean(v.problem))
    if v.expected is not None or v.found is not None:
        line.append(f"; expected {_shown(v.expected)}, found {_shown(v.found)}")
    return line


def _shown(value: str | None) -> str:
    return "none" if value is None else clean(value)


def _summary_line(summary: CheckSummary) -> str:
    looked = (
        f"Checked {summary.deals:,} deals ({summary.replay.changes:,} changes of "
        f"{summary.replay.deals:,} deals replayed), {summary.quotas:,} quotas, "
        f"{summary.people:,} people"
    )
    if not summary.violations:
        return f"{looked}: no problems found."
    noun = "problem" if summary.violations == 1 else "problems"
    return f"{looked}: {summary.violations:,} {noun} found."
