"""How a banner figure reads when the meeting may have moved it.

A before → after is only worth the room's attention when the figure moved by enough to
show: a change smaller than the compact rounding would read `$5.9M→$5.9M`, so it is
shown as the figure and its change (`$5.9M +$5.0k`) instead.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from ...money import format_money


def money_change(before: Decimal | None, after: Decimal, currency: str) -> Text:
    """`after` alone, `before→after`, or `after ±change` when both round the same."""
    shown = format_money(after, currency, compact=True)
    if before is None or before == after:
        return Text(shown, style="bold")
    style = "bold green" if after > before else "bold red"
    earlier = format_money(before, currency, compact=True)
    if earlier != shown:
        return Text.assemble((earlier, "dim"), "→", (shown, style))
    delta = after - before
    sign = "+" if delta > 0 else "-"
    change = format_money(abs(delta), currency, compact=True)
    return Text.assemble((shown, "bold"), " ", (f"{sign}{change}", style))


def ratio_change(before: float | None, after: float | None) -> Text:
    """Coverage: `before→after` only when the two read differently at two decimals."""
    shown = "—" if after is None else f"{after:.2f}x"
    if before is None or after is None or f"{before:.2f}x" == shown:
        return Text(shown, style="bold")
    return Text.assemble((f"{before:.2f}x", "dim"), "→", (shown, "bold"))
