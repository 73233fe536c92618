"""A forecast call as typed: `commit / best case [/ most likely] [; note]`, checked.

The amounts go through the project's money parser, so `120k`, `$120,000` and `1.2M` all
read; what doesn't read, or doesn't add up (a commit above the best case), is one clear
message and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..errors import InputError
from ..money import format_money
from ..parsing import ParseError, parse_money

CALL_FORM = "commit / best case [/ most likely] [; note], e.g. 120k / 180k; Acme slips"
MAX_NOTE = 4000


@dataclass(frozen=True)
class CallAmounts:
    commit: Decimal
    best_case: Decimal
    most_likely: Decimal | None = None
    note: str | None = None

    def text(self, currency: str) -> str:
        """The figures as the prompt offers them back: `$120,000 / $180,000`."""
        parts = [format_money(self.commit, currency), format_money(self.best_case, currency)]
        if self.most_likely is not None:
            parts.append(format_money(self.most_likely, currency))
        return " / ".join(parts)


def _amount(text: str, what: str, currency: str) -> Decimal:
    try:
        money = parse_money(text)
    except ParseError as exc:
        raise InputError(f"The {what}: {exc}") from None
    if money.currency is not None and money.currency != currency:
        raise InputError(
            f"The {what} is in {money.currency}: calls are in the reporting currency, {currency}"
        )
    return money.amount


def check_call(figures: CallAmounts, currency: str = "USD") -> CallAmounts:
    """`figures` if they make sense as a call; an `InputError` saying why not."""
    amounts = [figures.commit, figures.best_case]
    if figures.most_likely is not None:
        amounts.append(figures.most_likely)
    if any(a < 0 for a in amounts):
        raise InputError("A call's amounts can't be negative")
    if figures.commit > figures.best_case:
        raise InputError(
            f"The commit ({format_money(figures.commit, currency)}) is above the best case "
            f"({format_money(figures.best_case, currency)}): the best case includes the commit"
        )
    if figures.most_likely is not None and not (
        figures.commit <= figures.most_likely <= figures.best_case
    ):
        raise InputError("The most likely figure goes between the commit and the best case")
    if figures.note is not None and len(figures.note) > MAX_NOTE:
        raise InputError(f"The note is too long: at most {MAX_NOTE:,} characters")
    return figures


def parse_call(text: str, currency: str = "USD") -> CallAmounts:
    """`120k / 180k`, `120k / 180k / 150k`, `120k / 180k; Acme slips to next quarter`."""
    figures_part, _, note = text.partition(";")
    parts = [p.strip() for p in figures_part.split("/")]
    if len(parts) not in (2, 3) or not all(parts):
        raise InputError(f"Can't read {text.strip()[:60]!r} as a call. Type {CALL_FORM}")
    commit = _amount(parts[0], "commit", currency)
    best_case = _amount(parts[1], "best case", currency)
    most_likely = _amount(parts[2], "most likely", currency) if len(parts) == 3 else None
    return check_call(CallAmounts(commit, best_case, most_likely, note.strip() or None), currency)
