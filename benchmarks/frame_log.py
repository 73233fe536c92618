"""Runs a Textual program with a log of its frames: when each was written and how long it took.

    python benchmarks/frame_log.py LOG -m pipeline_tui --db PATH     (or a script path)

Wraps `App._display` (the one place Textual writes a frame to the terminal) to note, per
frame, its end (`time.monotonic()`, the same clock in every process on Linux), its duration
and the position of the current screen's first `DataTable` (`first_row + cursor_row`, so a
paged table counts from its first deal). Writes `LOG` as tab-separated lines (end, duration,
row, rows, loading) as frames happen; `loading` is 1 while a paged table waits for a page
(its `paging.loading`), and row and rows are -1 while the screen has no table. Calls that
write nothing (no renderable, or inside a batch) are not frames and are not logged.
`_display` is private Textual API (8.2): if it moves, this fails loudly rather than logging
nothing.
"""

from __future__ import annotations

import runpy
import sys
import time
from typing import Any

from textual.app import App
from textual.widgets import DataTable

_table: list[DataTable[Any]] = []


def position(app: App[Any]) -> tuple[int, int, int]:
    """The table's row, its number of rows (a paged table's `total`) and whether it waits
    for a page; -1s without a table on the current screen."""
    screen = app.screen
    # Cached, as querying per frame would slow the frames it times; dropped when the
    # screen changes (the app's first screen has no table, the main screen comes later).
    if _table and (not _table[0].is_attached or _table[0].screen is not screen):
        _table.clear()
    if not _table:
        found = list(screen.query(DataTable))
        if not found:
            return -1, -1, 0
        _table.append(found[0])
    table = _table[0]
    total = int(getattr(table, "total", table.row_count))
    loading = bool(getattr(getattr(table, "paging", None), "loading", False))
    return int(getattr(table, "first_row", 0)) + table.cursor_row, total, int(loading)


def main() -> None:
    log, target = sys.argv[1], sys.argv[2:]
    display = App._display
    # Line-buffered, so the benchmark can follow the row while it types.
    out = open(log, "w", buffering=1, encoding="utf-8")  # noqa: SIM115

    def logged(self: App[Any], screen: Any, renderable: Any) -> None:
        if renderable is None or self._batch_count:  # writes nothing: not a frame
            display(self, screen, renderable)
            return
        start = time.monotonic()
        display(self, screen, renderable)
        end = time.monotonic()
        row, total, loading = position(self)
        out.write(f"{end:.6f}\t{end - start:.6f}\t{row}\t{total}\t{loading}\n")

    App._display = logged  # type: ignore[method-assign]
    try:
        if target[0] == "-m":
            sys.argv = [target[1], *target[2:]]
            runpy.run_module(target[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = target
            runpy.run_path(target[0], run_name="__main__")
    finally:
        out.close()


if __name__ == "__main__":
    main()
