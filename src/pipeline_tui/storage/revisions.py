"""Which schema revision a database is at, and which we ship, without Alembic.

Importing Alembic and parsing every migration script costs a few hundred milliseconds,
paid at every start before the first screen. Almost every start finds the database
already at our newest revision, which two cheap lookups prove: the `alembic_version`
row, and the `revision = "..."` lines of our migration files. Anything else (an empty
or foreign database, an older revision, scripts this scan can't read) goes the full way
through Alembic (`migrate`). `tests/domain/test_revisions.py` holds the scan to what
Alembic itself reads from the same scripts.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

from ..revision_scan import VERSION_TABLE, VERSIONS, shipped_chain, shipped_head


def stored_revisions(connection: Connection) -> list[str] | None:
    """The rows of the version table (one, in a database of ours); None when there is no
    version table."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return [str(row[0]) for row in rows]


def is_current(connection: Connection) -> bool:
    """Whether the database is ours at the newest revision we ship: nothing to migrate
    and nothing to refuse."""
    head = shipped_head()
    return head is not None and stored_revisions(connection) == [head]


__all__ = [
    "VERSIONS",
    "VERSION_TABLE",
    "is_current",
    "shipped_chain",
    "shipped_head",
    "stored_revisions",
]
