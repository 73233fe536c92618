"""Writing a deal plan: one transaction that lands whole or not at all.

New pipelines, stages, people and accounts come first (their ids are needed), then new
deals in bulk, then updates with executemany, each conditional on the version the plan
read, and their history rows (source `import`). Updated deals get a new `version` and
`updated_at`, so an app session holding the old version sees that it is stale. If any
update finds its deal changed since it was read, everything is rolled back and
`ImportConflict` raised: run the import again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from ..models import (
    Account,
    ChangeSource,
    Deal,
    DealChange,
    Pipeline,
    Role,
    Stage,
    User,
    table_of,
)
from .bulk import indexes_rebuilt, insert_rows, refresh_statistics, select_by_keys
from .directory import Ref
from .model import ImportConflict, Progress
from .plan import DealPlan, Update
from .target import DEAL_COLUMNS, REFERENCES

DEAL_TABLE, CHANGE_TABLE = table_of(Deal), table_of(DealChange)
STAGE_TABLE = table_of(Stage)
WRITE_CHUNK = 10_000
CHANGE_COLUMNS = ("deal_id", "field", "old_value", "new_value", "changed_by_id", "changed_at",
                  "source")  # fmt: skip
MAX_HISTORY_TEXT = 500  # the width of deal_change.old_value and new_value


def write_plan(
    conn: Connection,
    plan: DealPlan,
    *,
    now: datetime,
    user_id: int | None,
    progress: Progress | None = None,
) -> int:
    """Write everything the plan holds; returns the number of history rows written."""
    _write_references(conn, plan)
    total = len(plan.creates) + len(plan.updates)
    done = 0
    columns = (*DEAL_COLUMNS, "updated_at", "version")
    references = [DEAL_COLUMNS.index(c) for c in REFERENCES]
    with indexes_rebuilt(conn, DEAL_TABLE, len(plan.creates)):
        for start in range(0, len(plan.creates), WRITE_CHUNK):
            chunk = plan.creates[start : start + WRITE_CHUNK]
            rows = []
            for values in chunk:
                row = [values[c] for c in DEAL_COLUMNS]
                for i in references:
                    if row[i] is not None:
                        row[i] = row[i].id
                rows.append((*row, now, 1))
            insert_rows(conn, DEAL_TABLE, columns, rows)
            done += len(chunk)
            if progress:
                progress("Writing", done, total)
    refresh_statistics(conn, DEAL_TABLE, len(plan.creates))
    written = 0
    for start in range(0, len(plan.updates), WRITE_CHUNK):
        updates = plan.updates[start : start + WRITE_CHUNK]
        _update(conn, updates, now)
        history = [
            (u.deal_id, name, _clip(old), _clip(new), user_id, now, ChangeSource.IMPORT.value)
            for u in updates
            for name, old, new in u.changes
        ]
        insert_rows(conn, CHANGE_TABLE, CHANGE_COLUMNS, history)
        written += len(history)
        done += len(updates)
        if progress:
            progress("Writing", done, total)
    return written


def _stored(value: Any, column: str) -> Any:
    if column in REFERENCES and isinstance(value, Ref):
        return value.id
    return value


def _clip(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_HISTORY_TEXT:
        return text
    return text[: MAX_HISTORY_TEXT - 1] + "…"


def _update(conn: Connection, updates: list[Update], now: datetime) -> None:
    """executemany per set of changed columns: setting only those keeps SQLite from
    rewriting index entries that didn't change."""
    groups: dict[tuple[str, ...], list[Update]] = {}
    for u in updates:
        groups.setdefault(u.columns, []).append(u)
    matched = 0
    for columns, group in groups.items():
        # Bound names differ from the column names, which Core keeps for itself in SET.
        values: dict[str, Any] = {c: bindparam(f"v_{c}") for c in columns}
        values.update(updated_at=now, version=bindparam("b_next"))
        statement = (
            update(DEAL_TABLE)
            .where(
                DEAL_TABLE.c.id == bindparam("b_id"),
                DEAL_TABLE.c.version == bindparam("b_version"),
            )
            .values(values)
        )
        params = [
            {f"v_{c}": _stored(u.values[c], c) for c in columns}
            | {"b_id": u.deal_id, "b_version": u.version, "b_next": u.version + 1}
            for u in group
        ]
        matched += conn.execute(statement, params).rowcount
    if conn.dialect.supports_sane_multi_rowcount and matched != len(updates):
        raise ImportConflict(
            f"{len(updates) - matched} of the deals being updated were changed by "
            "someone else during the import; nothing was imported, run it again"
        )


def _write_references(conn: Connection, plan: DealPlan) -> None:
    d = plan.directory
    for pipeline in d.new_pipelines:
        pipeline.id = conn.execute(
            insert(table_of(Pipeline))
            .values(name=pipeline.name, position=pipeline.position)
            .returning(table_of(Pipeline).c.id)
        ).scalar_one()
    for pipeline in d.pipelines:
        for stage in pipeline.stages:
            if stage.new:
                stage.id = conn.execute(
                    insert(STAGE_TABLE)
                    .values(
                        pipeline_id=pipeline.id,
                        name=stage.name,
                        position=stage.position,
                        default_probability=stage.default_probability,
                        kind=stage.kind,
                    )
                    .returning(STAGE_TABLE.c.id)
                ).scalar_one()
            elif stage.position != stage.stored_position:
                conn.execute(
                    update(STAGE_TABLE)
                    .where(STAGE_TABLE.c.id == stage.id)
                    .values(position=stage.position)
                )
    _insert_returning(
        conn,
        table_of(User),
        d.new_users,
        lambda u: {
            "login": u.login,
            "display_name": u.name[:128],
            "email": u.email,
            "role": Role.REP.value,
            "manager_id": None,
            "team": None,
            "active": True,
        },
    )
    # A first import can bring thousands of accounts: written in bulk, ids read back by
    # their (unique) names, since SQLite's executemany returns no ids.
    accounts = table_of(Account)
    insert_rows(conn, accounts, ("name",), [(a.name,) for a in d.new_accounts])
    refresh_statistics(conn, accounts, len(d.new_accounts))
    by_name = {a.name: a for a in d.new_accounts}
    for row in select_by_keys(conn, accounts, ("id", "name"), "name", list(by_name), 500):
        by_name[row["name"]].id = row["id"]


def _insert_returning(conn: Connection, table: Any, refs: list[Any], row: Any) -> None:
    if not refs:
        return
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    ids = conn.execute(statement, [row(r) for r in refs]).scalars().all()
    for ref, new_id in zip(refs, ids, strict=True):
        ref.id = new_id
