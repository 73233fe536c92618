"""A row of block characters for a short series: the roll-up's trends and call histories."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[Decimal]) -> str:
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARKS[3] * len(values)
    span = high - low
    return "".join(SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in values)
