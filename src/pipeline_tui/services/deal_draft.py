"""A new deal as it is typed: its four fields, each checked the moment it is given.

The app asks for the fields one at a time and checks each here before it moves on, and
the session checks the whole draft again before it writes (a script or a stale screen
may bring anything): the same rules and the same words either way. Nothing here touches
the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..parsing import ParseError, parse_date, parse_money
from .edits import EARLIEST_CLOSE, LATEST_CLOSE, MAX_AMOUNT
from .errors import EditError

# The column widths (deal.name, account.name): SQLite would store longer without a word.
MAX_NAME, MAX_ACCOUNT = 255, 255
AMOUNT_FORMS = "12k, 1.5M, $12,000.50, EUR 1.234,56"
DATE_FORMS = "2026-12-31, +2w, eoq, next quarter, …"


@dataclass(frozen=True)
class DealDraft:
    """What a person gives for a new deal; the rest (stage, owner, probability, currency
    unless typed) comes from where they are and who they are."""

    name: str
    account: str
    amount: Decimal
    close_date: date
    stage_id: int
    currency: str | None = None  # typed with the amount (`EUR 12k`); None: the org's


def check_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise EditError("A new deal needs a name")
    if len(name) > MAX_NAME:
        raise EditError(f"That name is {len(name)} characters; the limit is {MAX_NAME}")
    return name


def check_account(text: str) -> str:
    account = " ".join(text.split())
    if not account:
        raise EditError("Name the account (an existing one, or a new one to create)")
    if len(account) > MAX_ACCOUNT:
        raise EditError(
            f"That account name is {len(account)} characters; the limit is {MAX_ACCOUNT}"
        )
    return account


def check_amount(amount: Decimal, currency: str | None = None) -> Decimal:
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise EditError(f"An amount must be a Decimal, not {type(amount).__name__}")
    amount = Decimal(amount)
    if not amount.is_finite() or not 0 <= amount < MAX_AMOUNT:
        raise EditError(f"Amount must be at least 0 and less than {MAX_AMOUNT:,}, not {amount}")
    if currency is not None and not re.fullmatch("[A-Z]{3}", currency):
        raise EditError(f"A currency is a three-letter code such as EUR, not {currency!r}")
    return amount


def read_amount(text: str) -> tuple[Decimal, str | None]:
    """The amount typed, with its currency if one was typed; `ParseError` or `EditError`
    saying why not."""
    if not text.strip():
        raise EditError(f"Give the amount ({AMOUNT_FORMS}; 0 if not known yet)")
    money = parse_money(text)
    return check_amount(money.amount, money.currency), money.currency


def check_close_date(when: date) -> date:
    if not EARLIEST_CLOSE <= when <= LATEST_CLOSE:
        raise EditError(
            f"Close date {when.isoformat()} is out of range "
            f"({EARLIEST_CLOSE.isoformat()} to {LATEST_CLOSE.isoformat()})"
        )
    return when


def read_close_date(text: str, *, today: date, fiscal_year_start_month: int) -> date:
    """The close date typed, relative dates too (`+2w`, `eoq`), as the edit prompts read
    them."""
    if not text.strip():
        raise EditError(f"Give the close date ({DATE_FORMS})")
    return check_close_date(
        parse_date(text, today=today, fiscal_year_start_month=fiscal_year_start_month)
    )


def check_draft(draft: DealDraft) -> DealDraft:
    """The whole draft checked again, tidied as the prompts tidy each field."""
    if isinstance(draft.close_date, date) is False:
        raise EditError("A new deal needs a close date")
    return DealDraft(
        name=check_name(draft.name),
        account=check_account(draft.account),
        amount=check_amount(draft.amount, draft.currency),
        close_date=check_close_date(draft.close_date),
        stage_id=draft.stage_id,
        currency=draft.currency,
    )


__all__ = [
    "AMOUNT_FORMS",
    "DATE_FORMS",
    "DealDraft",
    "ParseError",
    "check_account",
    "check_draft",
    "check_name",
    "read_amount",
    "read_close_date",
]
