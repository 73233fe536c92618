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

import re
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, inspect, text

VERSIONS = Path(__file__).with_name("migrations") / "versions"
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r"^revision(?:\s*:[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]*)?=\s*(?:None|[\"']([^\"']+)[\"'])", re.MULTILINE)


@lru_cache(maxsize=1)
def shipped_chain() -> tuple[str, ...] | None:
    """Every revision we ship, oldest first, read from the scripts' text; None when the
    scripts are not one straight line this scan understands (then ask Alembic)."""
    parents: dict[str, str | None] = {}
    for script in VERSIONS.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN.search(source)
        if revision is None or down is None or revision[1] in parents:
            return None
        parents[revision[1]] = down[1]
    children = {parent: child for child, parent in parents.items()}
    if len(children) != len(parents):  # two scripts on one parent: a branch
        return None
    chain: list[str] = []
    current = children.get(None)
    while current is not None:
        chain.append(current)
        current = children.get(current)
    return tuple(chain) if chain and len(chain) == len(parents) else None


def shipped_head() -> str | None:
    chain = shipped_chain()
    return chain[-1] if chain else None


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
