"""Figures for the summary: counts, throughput, latency percentiles, the machine."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
from collections import Counter
from typing import Any

from sqlalchemy import Engine, text


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def outcome_lines(records: list[dict[str, Any]]) -> list[str]:
    outcomes = Counter(r["kind"] for r in records if r["kind"] in OUTCOMES)
    attempted = sum(outcomes.values())
    lines = [f"edits attempted      {attempted:>8,}"]
    for kind, what in OUTCOMES.items():
        share = outcomes[kind] / attempted * 100 if attempted else 0.0
        lines.append(f"  {what:<19}{outcomes[kind]:>8,}  ({share:.1f}%)")
    refused = Counter(r["message"].split(";")[0] for r in records if r["kind"] == "refused")
    for message, n in refused.most_common(3):
        lines.append(f"    refused: {message} ×{n}")
    errors = Counter(r["error"] for r in records if r["kind"] == "error")
    for error, n in errors.most_common(3):
        lines.append(f"    error: {error} ×{n}")
    return lines


OUTCOMES = {
    "ack": "acknowledged",
    "conflict": "conflicts",
    "refused": "refused (a rule)",
    "error": "errors",
}


def latency_lines(records: list[dict[str, Any]]) -> list[str]:
    writes = [r["ms"] for r in records if r["kind"] in OUTCOMES and "read_ms" in r]
    reads = [r["read_ms"] for r in records if "read_ms" in r and r["kind"] in OUTCOMES]
    lines = []
    for what, values in (("edit (write)", writes), ("deal read", reads)):
        figures = "  ".join(f"p{p} {percentile(values, p):7.1f}" for p in (50, 95, 99))
        top = max(values) if values else math.nan
        lines.append(f"latency {what:<13}ms  {figures}  max {top:7.1f}")
    return lines


def throughput_line(records: list[dict[str, Any]]) -> str:
    starts = [r["t"] for r in records if r["kind"] == "start"]
    ends = [r["t"] for r in records if r["kind"] == "done"]
    if not starts or not ends:
        return "throughput           n/a (no process finished)"
    seconds = max(ends) - min(starts)
    acked = sum(1 for r in records if r["kind"] == "ack")
    attempted = sum(1 for r in records if r["kind"] in OUTCOMES)
    return (
        f"throughput           {attempted / seconds:,.0f} edits/s attempted, "
        f"{acked / seconds:,.0f}/s acknowledged, over {seconds:.1f} s"
    )


def machine_lines(engine: Engine | None = None) -> list[str]:
    ram = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            kb = int(info.readline().split()[1])
        ram = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    lines = [
        f"machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}){ram}, "
        f"{platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]
    if engine is not None and engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar_one()
        lines[-1] += f", PostgreSQL {version}"
    return lines
