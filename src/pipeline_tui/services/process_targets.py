"""The process's targets (coverage, win rate) under the words `process target` uses.

A target is a setting like any other: `process target coverage 3.5` is the change
`settings set coverage_target 3.5` makes (`services/settings.py` owns both), recorded as
a `target` row of the process log."""

from __future__ import annotations

from ..errors import InputError

TARGETS = {"coverage": "coverage_target", "win-rate": "win_rate_target"}


def setting_of(which: str) -> str:
    """The setting a `process target` word names."""
    if which not in TARGETS:
        raise InputError(f"A target is coverage or win-rate, not {which}")
    return TARGETS[which]
