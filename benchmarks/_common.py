"""What the terminal benchmarks share: seeded databases, tmux as a person's terminal, figures.

Every screen figure is black box: the program runs in a detached tmux pane of a given size
and the benchmark polls `tmux capture-pane` (every `POLL_S`) for a pattern, the same method
as `/work/shared/tools/first-frame` and `tui-look wait`, written here in Python so that a
fresh clone needs nothing but tmux. A figure is therefore late by up to one poll plus one
capture (a few ms), for the app and its baseline alike, which is why only ratios are kept.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import math
import os
import platform
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("PIPELINE_BENCH_CACHE", "/tmp/pipeline-bench"))
TODAY = "2026-11-26"
POLL_S = 0.005
COLS, ROWS = 160, 48
SIZES = (10_000, 100_000, 1_000_000)
# Who opens the seeded demo: its head of organisation (sees every deal). Given on the
# command line, so the figures don't depend on the OS login or $PIPELINE_TUI_USER.
LOGIN = "vp"


def python_env(root: Path = ROOT) -> dict[str, str]:
    """The environment for a child Python: the checkout's `src` first, as in development.
    `root`: another checkout (an older version, to compare with in the same run)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(root / "src"), str(ROOT), env.get("PYTHONPATH", "")) if p
    )
    return env


def schema_revision(root: Path = ROOT) -> str:
    """The checkout's latest migration and a digest of every migration script (`0003-1a2b`
    from `0003_reviews.py`...): two branches may both have a `0013` that differ."""
    versions = root / "src" / "pipeline_tui" / "storage" / "migrations" / "versions"
    scripts = sorted(versions.glob("[0-9]*_*.py"))
    digest = hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in scripts))
    return f"{max(p.name.split('_', 1)[0] for p in scripts)}-{digest.hexdigest()[:8]}"


def seeded_db(deals: int, root: Path = ROOT) -> Path:
    """A demo database of `deals` deals, seeded once and reused from the cache folder.

    Named after the schema revision, since a newer checkout upgrades a database it opens
    and an older one then refuses it. Seeding writes to a temporary name first, so an
    interrupted seed is never reused.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"deals-{deals}-r{schema_revision(root)}.db"
    if db.exists():
        return db
    # Two benchmarks seeding the same size at once (people share the cache) would delete
    # each other's partial file: the second waits for the first and then reuses its copy.
    with open(CACHE / f".seeding-{deals}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if db.exists():
            return db
        return _seed(deals, db, root)


def _seed(deals: int, db: Path, root: Path) -> Path:
    partial = CACHE / f"seeding-{deals}-r{schema_revision(root)}.db"
    for stale in CACHE.glob(f"{partial.name}*"):
        stale.unlink()
    print(f"seeding {deals:,} deals into {db} (once; later runs reuse it)...", flush=True)
    command = [sys.executable, "-m", "pipeline_tui", "seed", "--deals", str(deals)]
    seeded = subprocess.run(
        [*command, "--today", TODAY, "--db", str(partial)],
        env=python_env(root),
        capture_output=True,
        text=True,
    )
    if seeded.returncode != 0:
        sys.exit(f"seeding failed:\n{seeded.stderr}")
    with sqlite3.connect(partial) as conn:  # fold the WAL in so one file is the database
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(db)
    for leftover in CACHE.glob(f"{partial.name}-*"):
        leftover.unlink()
    return db


def app_command(
    db: Path, *, python: str = sys.executable, extra: Sequence[str] = (), root: Path = ROOT
) -> str:
    """The shell command that opens pipeline-tui on `db` as `LOGIN`, as a person would
    run it; `root`, from another checkout."""
    env = python_env(root)
    return (
        f"PYTHONPATH={shlex.quote(env['PYTHONPATH'])} {shlex.quote(python)} "
        f"{' '.join(shlex.quote(a) for a in extra)} -m pipeline_tui --db {shlex.quote(str(db))}"
        f" --user {LOGIN}"
    )


def bare_command(*, python: str = sys.executable) -> str:
    return f"{shlex.quote(python)} {shlex.quote(str(ROOT / 'benchmarks' / 'bare_app.py'))}"


def require_tmux() -> None:
    if shutil.which("tmux") is None:
        sys.exit("these benchmarks run the app in tmux; install tmux first")


# A tmux server of our own, kept alive by an idle session: a server whose last session is
# killed exits, and the next session started at that moment fails to connect to it.
SOCKET = f"pipeline-bench-{os.getpid()}"
_server_started = False


def tmux(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    global _server_started
    if not _server_started:
        _server_started = True
        subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keep", "sleep 86400"])
        path = subprocess.run(
            ["tmux", "-L", SOCKET, "display", "-p", "#{socket_path}"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        atexit.register(_stop_server, Path(path) if path else None)
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check
    )


def _stop_server(socket: Path | None) -> None:
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True)
    if socket is not None:  # tmux leaves the socket file behind
        socket.unlink(missing_ok=True)


class Pane:
    """A program in a detached tmux session, typed at and read like a person would."""

    _count = 0

    def __init__(self, command: str, cols: int = COLS, rows: int = ROWS) -> None:
        Pane._count += 1
        self.name = f"bench-{Pane._count}"
        tmux("list-sessions")  # starts the server before the clock does
        self.started = time.perf_counter()
        tmux("new-session", "-d", "-s", self.name, "-x", str(cols), "-y", str(rows),
             f"{command}; sleep 3600")  # fmt: skip

    def screen(self) -> str:
        return tmux("capture-pane", "-p", "-t", self.name, check=False).stdout

    def keys(self, *keys: str, literal: bool = False) -> float:
        """Sends the keys; returns the moment they were handed to tmux (perf_counter)."""
        flags = ["-l"] if literal else []
        tmux("send-keys", "-t", self.name, *flags, *keys)
        return time.perf_counter()

    def wait(self, patterns: Iterable[str], timeout: float = 60.0) -> float:
        """Seconds (perf_counter) at which every pattern showed at once; raises on timeout."""
        compiled = [re.compile(p, re.MULTILINE) for p in patterns]
        deadline = time.perf_counter() + timeout
        while True:
            text = self.screen()
            now = time.perf_counter()
            if all(p.search(text) for p in compiled):
                return now
            if now > deadline:
                raise TimeoutError(f"not on screen after {timeout:.0f} s: {patterns}\n{text}")
            time.sleep(POLL_S)

    def settle(self, quiet: float = 1.5, timeout: float = 60.0) -> None:
        """Waits until the screen has not changed for `quiet` seconds (loads have landed)."""
        deadline = time.perf_counter() + timeout
        last, since = self.screen(), time.perf_counter()
        while time.perf_counter() < deadline:
            time.sleep(0.05)
            now = self.screen()
            if now != last:
                last, since = now, time.perf_counter()
            elif time.perf_counter() - since >= quiet:
                return

    def pid(self) -> int:
        """The program's process (the pane runs `sh -c 'command; sleep'`)."""
        shell = int(tmux("display", "-p", "-t", self.name, "#{pane_pid}").stdout.strip())
        children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
        return int(children[0]) if children else shell

    def stop(self) -> None:
        tmux("kill-session", "-t", self.name, check=False)

    def __enter__(self) -> Pane:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) so far, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def summary_ms(values: Sequence[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"median {statistics.median(ms):.0f} ms, p95 {p95(ms):.0f} ms, "
        f"min {min(ms):.0f} ms, max {max(ms):.0f} ms (n={len(ms)})"
    )


def verdict(ratio: float, goal: float) -> str:
    return f"{ratio:.2f}x (goal <= {goal:g}x: {'met' if ratio <= goal else 'MISSED'})"


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cpus ({cpu}), {mem:.1f} GiB RAM, load {load}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
