"""Money as exact decimals in Python and integer minor units in the database.

SQLite has no exact decimal type, so amounts are stored as whole hundredths of the
currency unit in a BIGINT column: SQL sums over them are exact on SQLite and PostgreSQL.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MINOR_UNITS = 100
CENT = Decimal("0.01")

_COMPACT_STEPS = ((Decimal(10**9), "B"), (Decimal(10**6), "M"), (Decimal(10**3), "k"))
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "AUD": "A$", "CAD": "C$"}


def to_minor(amount: Decimal) -> int:
    """Whole hundredths, rounding half to even like a bank would."""
    return int((amount * MINOR_UNITS).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_minor(minor: int | None) -> Decimal:
    return (Decimal(minor or 0) / MINOR_UNITS).quantize(CENT)


def weighted_from_sum(amount_times_probability: int | Decimal | None) -> Decimal:
    """SUM(amount_minor * probability) is in hundredths of a percent of a minor unit.

    Kept exact (four places, not rounded to cents) so that sums of rows equal the
    total; rounding happens once, when a figure is shown.
    """
    return Decimal(int(amount_times_probability or 0)) / (MINOR_UNITS * 100)


def format_money(amount: Decimal | None, currency: str = "USD", *, compact: bool = False) -> str:
    """`$1,234,567` or, compact, `$1.2M`; cents are noise at forecast level."""
    if amount is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if compact:
        for threshold, suffix in _COMPACT_STEPS:
            if value >= threshold:
                scaled = value / threshold
                digits = 0 if scaled >= 100 else 1
                text = f"{scaled:.{digits}f}{suffix}"
                break
        else:
            text = f"{value:.0f}"
    else:
        text = f"{value:,.0f}"
    if symbol:
        return f"{sign}{symbol}{text}"
    return f"{sign}{text} {currency}"
