"""What someone else changed: the one line a refused write shows instead of saving.

A write refused because the deal moved on says who moved it, which fields from what to
what, and when, read from the `deal_change` rows written after the version the caller
read. The history has no version column, but it doesn't need one: every version bump is
one write whose rows share a timestamp, an author and a source, and one deal's rows are
numbered in commit order (the version check makes writes to a deal take turns), so the
writes since version N are the deal's last `current - N` groups of rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from ..display import clean
from ..labels import FIELD_LABELS, field_label, field_value
from ..models import ChangeSource, DealChange, table_of
from ..query import as_utc, deal_changes

CHANGE_TABLE = table_of(DealChange)
CHANGE = CHANGE_TABLE.c

# The fields an edit writes: a write's rows are at most these.
EDITED_FIELDS = (
    "probability",
    "stage",
    "forecast_category",
    "close_date",
    "amount",
    "push_count",
    "next_step",
    "lost_reason",
    "closed_date",
)
# Enough to say what happened on one line; a deal rewritten by a dozen imports since is
# summed up by its latest writes.
MAX_WRITES, MAX_FIELDS, MAX_VALUE = 20, 4, 40


@dataclass(frozen=True)
class FieldText:
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class OtherWrite:
    """One write to a deal as its history rows tell it."""

    version: int  # the version this write left
    who: str
    at: datetime
    changes: tuple[FieldText, ...]


def writes_after(
    conn: Connection, deal_id: int, version: int, current_version: int
) -> list[OtherWrite]:
    """The writes that took the deal from `version` to `current_version`, oldest first."""
    wanted = min(current_version - version, MAX_WRITES)
    if wanted <= 0:
        return []
    rows = conn.execute(
        deal_changes(deal_id)
        .order_by(CHANGE.id.desc())
        # An import may write a row per column it sets; this is ample for `wanted` writes.
        .limit(wanted * 2 * len(EDITED_FIELDS) + 1)
    ).all()
    groups: list[tuple[tuple[object, ...], OtherWrite]] = []
    for _id, field, old, new, by, name, at, source in rows:
        key = (at, by, source)
        if not groups or groups[-1][0] != key:
            if len(groups) == wanted:
                break
            version = current_version - len(groups)
            groups.append((key, OtherWrite(version, _who(name, source), as_utc(at), ())))
        write = groups[-1][1]
        # Rows come newest first; within a write their order doesn't matter.
        changes = (FieldText(field, old, new), *write.changes)
        groups[-1] = (key, OtherWrite(write.version, write.who, write.at, changes))
    return [write for _, write in reversed(groups)]


def _who(name: str | None, source: str) -> str:
    if name:
        return name
    return "An import" if source == ChangeSource.IMPORT.value else "Someone else"


def describe(
    writes: list[OtherWrite],
    *,
    currency: str,
    fields: Collection[str] | None = None,
    now: datetime | None = None,
) -> str | None:
    """`Dana Lee changed probability 40% → 60% at 14:02`, one clause per person in a row;
    only `fields` when given; None when there is nothing to say."""
    runs: list[tuple[str, datetime, dict[str, FieldText]]] = []
    for write in writes:
        wanted = [c for c in write.changes if fields is None or c.field in fields]
        if not wanted:
            continue
        if not runs or runs[-1][0] != write.who:
            runs.append((write.who, write.at, {}))
        who, _, merged = runs[-1]
        runs[-1] = (who, write.at, merged)
        for change in wanted:
            first = merged.get(change.field)
            merged[change.field] = FieldText(
                change.field, first.old if first else change.old, change.new
            )
    clauses = []
    told = 0
    for who, at, merged in runs:
        parts = [
            f"{clean(_in_sentence(c.field))} {_value(c.field, c.old, currency)} → "
            f"{_value(c.field, c.new, currency)}"
            for c in merged.values()
            if c.old != c.new
        ]
        if not parts or told >= MAX_FIELDS:
            continue
        shown = parts[: MAX_FIELDS - told]
        told += len(shown)
        more = f" and {len(parts) - len(shown)} more" if len(parts) > len(shown) else ""
        clauses.append(f"{clean(who)} changed {', '.join(shown)}{more} at {when(at, now)}")
    return ", then ".join(clauses) or None


def conflict_message(
    conn: Connection,
    deal_id: int,
    since_version: int,
    current_version: int,
    *,
    currency: str,
    fields: Collection[str] | None = None,
    skip_versions: Collection[int] = (),
    what: str = "change",
) -> str:
    """The line a refused write shows: what others did since `since_version`."""
    writes = [
        w
        for w in writes_after(conn, deal_id, since_version, current_version)
        if w.version not in skip_versions
    ]
    said = describe(writes, currency=currency, fields=fields)
    return (
        f"{said or 'Someone else changed this deal'}; "
        f"your {what} was not saved and the deal has been reloaded."
    )


def _in_sentence(field: str) -> str:
    """`field_label` inside a sentence: "Dana changed close date …"."""
    label = field_label(field)
    return label.lower() if field in FIELD_LABELS else label


def _value(field: str, text: str | None, currency: str) -> str:
    shown = clean(field_value(field, text, currency))
    if text is None or text == "":
        return shown
    if len(shown) > MAX_VALUE:
        shown = shown[: MAX_VALUE - 1] + "…"
    return f"“{shown}”" if field in ("next_step", "lost_reason") else shown


def when(at: datetime, now: datetime | None = None) -> str:
    """`14:02` today, `2026-11-28 14:02` another day, in local time."""
    local = at.astimezone()
    today = (now or datetime.now().astimezone()).astimezone().date()
    return local.strftime("%H:%M" if local.date() == today else "%Y-%m-%d %H:%M")
