"""Each row of a deal file as typed values, with every problem found in its cells.

Nothing here knows the database: names of people, accounts, pipelines and stages stay
text until `plan` resolves them. A cell that is blank, or holds only `-` (how Salesforce
writes an empty value), counts as empty. When the file has no external id column, a
deal's key is made from its name and account (`key:` and a hash), so that re-importing
the same export still updates rather than duplicates.

The file is read a column at a time: a list comprehension per field and one parse per
distinct value is what lets 100,000 rows read in well under a second.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..parsing import Money, ParseError
from .dates import DateOrder, date_topic
from .formats import ColumnMap
from .model import Problem, Progress, Severity
from .reader import SourceTable
from .values import Readers, salesforce_id

BLANKS = frozenset({"", "-", "--", "—", "–"})
LIMITS = {
    "external_id": 64, "name": 255, "account": 255, "owner": 128, "owner_login": 64,
    "pipeline": 128, "stage": 128, "next_step": 500, "lost_reason": 255,
}  # fmt: skip
# Names matched against stored ones: runs of spaces inside them don't count.
SQUEEZED = ("account", "owner", "owner_login", "pipeline", "stage")
TEXTS = ("name", "account", "owner", "owner_login", "pipeline", "stage", "next_step",
         "lost_reason", "external_id")  # fmt: skip
TYPED = ("status", "amount", "currency", "probability", "forecast_category", "close_date",
         "closed_date", "created", "stage_entered_at", "push_count", "archived")  # fmt: skip
DATE_FIELDS = ("close_date", "closed_date", "created", "stage_entered_at")


@dataclass(slots=True)
class FileDeal:
    line: int
    external_id: str | None = None
    name: str = ""
    account: str | None = None
    owner: str = ""
    owner_login: str | None = None
    pipeline: str | None = None
    stage: str = ""
    status: str | None = None
    amount: Decimal = Decimal(0)
    currency: str | None = None
    probability: int | None = None
    forecast_category: str | None = None
    close_date: date | None = None
    closed_date: date | None = None
    created: datetime | None = None
    stage_entered_at: datetime | None = None
    next_step: str | None = None
    lost_reason: str | None = None
    push_count: int | None = None
    archived: bool | None = None  # None: the file doesn't say
    problems: list[Problem] = field(default_factory=list)
    rejected: bool = False

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)
        if problem.severity is Severity.ERROR:
            self.rejected = True


class Columns:
    """The file's cells, one field at a time, with problems collected per row."""

    def __init__(self, table: SourceTable, mapping: ColumnMap) -> None:
        self.rows = [cells for _, cells in table.rows]
        self.lines = [line for line, _ in table.rows]
        self.header = table.header
        self.columns = mapping.columns
        self.problems: dict[int, list[Problem]] = {}
        self.read: dict[str, list[str]] = {}

    def texts(self, name: str) -> list[str] | None:
        """The field's text in every row ("" when empty), or None without a column."""
        if name in self.read:
            return self.read[name]
        indexes = self.columns.get(name)
        if not indexes:
            return None
        if len(indexes) == 1:
            i = indexes[0]
            texts = [t if (t := cells[i].strip()) not in BLANKS else "" for cells in self.rows]
        else:
            texts = [_first_filled(cells, indexes) for cells in self.rows]
        if name in SQUEEZED:
            squeezed: dict[str, str] = {}
            texts = [squeezed.get(t) or squeezed.setdefault(t, " ".join(t.split())) for t in texts]
        limit = LIMITS.get(name)
        if limit is not None:
            for k, text in enumerate(texts):
                if len(text) > limit:
                    self.reject(k, name, text, f"is {len(text):,} characters; the limit is {limit}")
        self.read[name] = texts
        return texts

    def typed(
        self,
        name: str,
        read: Callable[[str], Any],
        topic: Callable[[ParseError], str | None] | None = None,
    ) -> list[Any] | None:
        texts = self.texts(name)
        if texts is None:
            return None
        values = [read(t) if t else None for t in texts]
        for k, value in enumerate(values):
            if isinstance(value, ParseError):
                about = topic(value) if topic else None
                self.flag(k, name, texts[k], str(value), Severity.ERROR, about)
                values[k] = None
        return values

    def header_of(self, k: int, name: str) -> str:
        indexes = self.columns.get(name, [])
        for i in indexes:
            if self.rows[k][i].strip() not in BLANKS:
                return self.header[i]
        return self.header[indexes[0]] if indexes else name

    def reject(self, k: int, name: str, value: str | None, reason: str) -> None:
        self.flag(k, name, value, reason, Severity.ERROR)

    def flag(
        self,
        k: int,
        name: str,
        value: str | None,
        reason: str,
        severity: Severity,
        topic: str | None = None,
    ) -> None:
        column = self.header_of(k, name)
        problem = Problem(self.lines[k], column, value or None, reason, severity, topic)
        self.problems.setdefault(k, []).append(problem)


def _first_filled(cells: list[str], indexes: list[int]) -> str:
    for i in indexes:
        text = cells[i].strip()
        if text not in BLANKS:
            return text
    return ""


def read_rows(
    table: SourceTable, mapping: ColumnMap, readers: Readers, progress: Progress | None = None
) -> list[FileDeal]:
    cols = Columns(table, mapping)
    count = len(cols.rows)
    blank: list[Any] = [None] * count
    empty: list[Any] = [""] * count
    readers_by_field: dict[str, Callable[[str], Any]] = {
        "status": readers.status, "amount": readers.money, "currency": readers.currency,
        "probability": readers.probability, "forecast_category": readers.category,
        "close_date": readers.day, "closed_date": readers.day, "created": readers.timestamp,
        "stage_entered_at": readers.timestamp, "push_count": readers.count,
        "archived": readers.yes_no,
    }  # fmt: skip
    dates = _settle_dates(cols, readers)
    for name in dates.serial_fields:
        timed = name in ("created", "stage_entered_at")
        readers_by_field[name] = readers.serial_timestamp if timed else readers.serial_day
    values: dict[str, list[Any]] = {}
    for step, name in enumerate(TEXTS + TYPED, start=1):
        if name in DATE_FIELDS:
            found = cols.typed(name, readers_by_field[name], date_topic)
        elif name in readers_by_field:
            found = cols.typed(name, readers_by_field[name])
        else:
            found = cols.texts(name)
        values[name] = found if found is not None else (blank if name in TYPED else empty)
        if progress and count:
            progress("Reading", count * step // len(TEXTS + TYPED), count)

    names = values["name"]
    if "name" in mapping.columns:
        for k, text in enumerate(names):
            if not text:
                cols.reject(k, "name", None, "the deal name is blank")
    amounts, currencies = _money(cols, values["amount"], values["currency"])
    keys = _keys(cols, values, mapping, table.unit)

    def optional(name: str) -> list[Any]:
        return [t or None for t in values[name]]

    columns = (
        cols.lines, keys, names, optional("account"), values["owner"], optional("owner_login"),
        optional("pipeline"), values["stage"], values["status"], amounts, currencies,
        values["probability"], values["forecast_category"], values["close_date"],
        values["closed_date"], values["created"], values["stage_entered_at"],
        optional("next_step"), optional("lost_reason"), values["push_count"],
        values["archived"],
    )  # fmt: skip
    deals = [FileDeal(*fields) for fields in zip(*columns, strict=True)]
    for k, problems in cols.problems.items():
        for problem in problems:
            deals[k].add(problem)
    return deals


def _settle_dates(cols: Columns, readers: Readers) -> DateOrder:
    texts = {name: [t for t in found if t] for name in DATE_FIELDS if (found := cols.texts(name))}
    headers = {name: cols.header[cols.columns[name][0]] for name in texts}
    return readers.settle_dates(texts, headers)


def _money(
    cols: Columns, money: list[Money | None], codes: list[str | None]
) -> tuple[list[Decimal], list[str | None]]:
    amounts: list[Decimal] = []
    currencies: list[str | None] = []
    texts = cols.texts("amount")
    zero = Decimal(0)
    for k, (value, code) in enumerate(zip(money, codes, strict=True)):
        if value is None:
            amounts.append(zero)
            currencies.append(code)
            if texts is not None and not texts[k]:
                cols.flag(k, "amount", None, "no amount; imported as 0", Severity.WARNING)
            continue
        if value.currency and code and value.currency != code:
            reason = f"the amount is in {value.currency} but the currency column says {code}"
            cols.reject(k, "amount", None, reason)
        amounts.append(value.amount)
        currencies.append(value.currency or code)
    return amounts, currencies


def _keys(
    cols: Columns, values: dict[str, list[Any]], mapping: ColumnMap, unit: str
) -> list[str | None]:
    keys: list[str | None]
    if "external_id" in mapping.columns:
        widen = salesforce_id if mapping.format.salesforce_ids else None
        raw: list[str] = values["external_id"]
        keys = [(widen(t) if widen else t) if t else None for t in raw]
        duplicate = "the same external id as"
        for k, key in enumerate(keys):
            if key is None:
                reason = "no external id, so importing this file again will add the deal again"
                cols.flag(k, "external_id", None, reason, Severity.WARNING)
    else:
        keys = [
            _derived_key(name, account) if name else None
            for name, account in zip(values["name"], values["account"], strict=True)
        ]
        duplicate = "the same deal name and account as"
    seen: dict[str, int] = {}
    for k, key in enumerate(keys):
        if key is None:
            continue
        first = seen.setdefault(key, k)
        if first != k:
            cols.reject(k, "external_id", key, f"{duplicate} {unit} {cols.lines[first]}")
    return keys


def _derived_key(name: str, account: str | None) -> str:
    text = f"{name.casefold()}\x1f{(account or '').casefold()}"
    return "key:" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:20]
