"""The order deals moved through stages, when the file carries it.

HubSpot exports a `Date entered "STAGE (PIPELINE)"` column per stage: a deal's stages
sorted by those dates are the path it took. Over all deals, each pair of stages goes
the way more deals went, and a stage ranks by the longest chain of stages before it; a
stage no deal was seen entering along with another has no rank, since nothing says
where it goes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from itertools import combinations
from typing import Any

from .reader import SourceTable

_ENTERED_RE = re.compile(r"date\s+entered\s+(?P<rest>.+)", re.IGNORECASE)
_PIPELINE_RE = re.compile(r"\s*\([^()]*\)$")
_QUOTES = "\"'“”‘’"


def entered_columns(header: list[str]) -> dict[int, str]:
    """Column index -> the stage whose entry date it holds."""
    found: dict[int, str] = {}
    for index, name in enumerate(header):
        if match := _ENTERED_RE.fullmatch(name.strip()):
            stage = _PIPELINE_RE.sub("", match["rest"].strip(_QUOTES)).strip(_QUOTES).strip()
            if stage:
                found[index] = stage
    return found


def stage_paths(table: SourceTable, read: Callable[[str], Any]) -> list[list[str]]:
    """Each deal's stages in the order it entered them (those with a readable date)."""
    columns = entered_columns(table.header)
    if len(columns) < 2:
        return []
    paths = []
    for _, cells in table.rows:
        entered: list[tuple[datetime, str]] = []
        for index, stage in columns.items():
            text = cells[index].strip()
            moment = read(text) if text else None
            if isinstance(moment, datetime):
                entered.append((moment, stage))
        if len(entered) >= 2:
            paths.append([stage for _, stage in sorted(entered, key=lambda e: e[0])])
    return paths


def ranks(paths: list[list[str]]) -> dict[str, float]:
    """Casefolded stage name -> its rank: the longest chain of stages that deals mostly
    entered before it, with the average place in a path to settle stages level on that."""
    before: Counter[tuple[str, str]] = Counter()
    places: dict[str, list[int]] = {}
    for path in paths:
        folded = [name.casefold() for name in path]
        for place, name in enumerate(folded):
            places.setdefault(name, []).append(place)
        for first, then in combinations(folded, 2):
            if first != then:
                before[first, then] += 1
    edges = [(a, b) for (a, b), count in before.items() if count > before[b, a]]
    depth = dict.fromkeys(places, 0)
    for _ in places:  # at most one pass per stage; a cycle stops growing there
        changed = False
        for first, then in edges:
            if depth[first] + 1 > depth[then] and depth[first] < len(places):
                depth[then] = depth[first] + 1
                changed = True
        if not changed:
            break
    longest = 1 + max((len(p) for p in paths), default=0)
    return {name: depth[name] + sum(places[name]) / len(places[name]) / longest for name in places}
