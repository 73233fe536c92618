"""Result rows to values: one helper instead of a hand-written mapper per dataclass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    T = TypeVar("T", bound=DataclassInstance)
else:
    T = TypeVar("T")


def as_utc(value: datetime) -> datetime:
    """SQLite hands timestamps back naive (they were stored as UTC), PostgreSQL in the
    session's time zone; callers always get aware UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def row_to(cls: type[T], row: Mapping[Any, Any], /, **values: Any) -> T:
    """A `cls` whose fields come from the row's columns of the same names, except those
    given in `values` (converted money, aware times, renamed columns).

    A field that is neither in `values` nor a column raises KeyError: a query that lost
    a column should fail loudly, not build a value with a hole in it.
    """
    return cls(**{f.name: values[f.name] if f.name in values else row[f.name] for f in fields(cls)})
