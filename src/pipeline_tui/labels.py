"""Deal fields and their values in words, as every screen, summary and report shows them.

The history stores a change as the field's name and its values as text ("close_date",
"18900.00", "best_case"); edits hand over typed values (Decimal, date). People read
"Close date", "$18,900" and "Best case": these are the only functions that turn one into
the other, so the deal screen, toasts, review summaries, Markdown and the CLI say the same.
Values that people typed (stage names, next steps, reasons) come back raw: the caller
shows them through `display` like any other data.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .models import ForecastCategory
from .money import format_money

FIELD_LABELS = {
    "name": "Name",
    "account": "Account",
    "owner": "Owner",
    "pipeline": "Pipeline",
    "stage": "Stage",
    "amount": "Amount",
    "currency": "Currency",
    "probability": "Probability",
    "forecast_category": "Forecast category",
    "close_date": "Close date",
    "closed_date": "Closed on",
    "next_step": "Next step",
    "lost_reason": "Lost reason",
    "push_count": "Pushes",
    "created": "Created",
    "archived": "Archived",
}
CATEGORY_LABELS = {
    ForecastCategory.PIPELINE.value: "Pipeline",
    ForecastCategory.BEST_CASE.value: "Best case",
    ForecastCategory.COMMIT.value: "Commit",
    ForecastCategory.CLOSED.value: "Closed",
    ForecastCategory.OMITTED.value: "Omitted",
}
DATE_FORMAT = "%Y-%m-%d"  # the app's date format, the one its date prompts offer first
MISSING = "none"


def field_label(field: str) -> str:
    """`close_date` is "Close date"; a field nobody named reads as its words."""
    return FIELD_LABELS.get(field) or field.replace("_", " ").strip().capitalize()


def category_label(category: str | None) -> str:
    """`best_case` is "Best case"."""
    if not category:
        return MISSING
    return CATEGORY_LABELS.get(category) or category.replace("_", " ").strip().capitalize()


def date_text(value: date | datetime) -> str:
    """A day in the app's format; a moment adds its time (as given: callers pick the zone)."""
    if isinstance(value, datetime):
        return value.strftime(f"{DATE_FORMAT} %H:%M")
    return value.strftime(DATE_FORMAT)


def money_text(amount: Decimal, currency: str) -> str:
    """`$18,900`, and `$18,900.50` when there are cents: a change of cents must show."""
    shown = format_money(amount, currency)
    if amount == amount.to_integral_value():
        return shown
    whole, exact = f"{abs(amount):,.0f}", f"{abs(amount.quantize(Decimal('0.01'))):,.2f}"
    return shown.replace(whole, exact, 1)


def field_value(field: str, value: Any, currency: str, *, missing: str = MISSING) -> str:
    """One value of `field` as people read it, from an edit's typed value or the history's
    text: money in `currency`, categories by their labels, dates in the app's format,
    probability with its %. Anything else comes back as it was written."""
    if value is None or value == "":
        return missing
    if field == "amount":
        amount = _decimal(value)
        if amount is not None:
            return money_text(amount, currency)
    elif field == "forecast_category":
        return category_label(str(value))
    elif field == "probability" and str(value).strip().isdigit():
        return f"{str(value).strip()}%"
    elif field in ("close_date", "closed_date", "created"):
        return _date(value)
    elif field == "archived":  # the log writes True / False
        return "yes" if str(value) in ("True", "true", "1") else "no"
    return str(value)


def change_text(field: str, old: Any, new: Any, currency: str) -> str:
    """`Forecast category: Best case → Commit`."""
    return (
        f"{field_label(field)}: {field_value(field, old, currency)} → "
        f"{field_value(field, new, currency)}"
    )


def _decimal(value: Any) -> Decimal | None:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    # "NaN" or "Infinity" in an imported history is text, not an amount.
    return amount if amount.is_finite() else None


def _date(value: Any) -> str:
    if isinstance(value, date):
        return date_text(value)
    text = str(value).strip()
    try:
        if len(text) <= len("2026-12-31"):
            return date_text(date.fromisoformat(text))
        return date_text(datetime.fromisoformat(text))
    except ValueError:
        return text  # not a date after all: shown as written rather than lost


# What joins an account to the deal's own name in CRM exports: `Acme Corp - Renewal`,
# `Acme Corp: Renewal`, `Acme Corp | Renewal`. A dash or bar needs a space on at least one
# side, so `Acme-Corp Renewal` is no separator: the hyphen is part of a name there.
_TITLE_SEPARATOR = re.compile(r"\s*[:,]\s*|\s+[-–—|/·]+\s*|[-–—|/·]+\s+")


def deal_title(name: str, account: str | None) -> str:
    """The deal's own part of its name, for a card that shows the account beneath it:
    `Sierra Retail Inc - Security Suite` at `Sierra Retail Inc` is `Security Suite`.

    The account is dropped only where the name starts with it and a separator follows;
    a name that would be left empty (or is only the account) is shown whole."""
    owner, text = (account or "").strip(), name.strip()
    if not owner or text[: len(owner)].casefold() != owner.casefold():
        return name
    separator = _TITLE_SEPARATOR.match(text, len(owner))
    if separator is None:
        return name
    rest = text[separator.end() :].strip()
    # `Acme - -` leaves no title worth the name: the whole name says more.
    return rest if any(char.isalnum() for char in rest) else name
