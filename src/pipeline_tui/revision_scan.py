"""Which schema revision we ship, read from the migration scripts' text: no Alembic, no
database layer (standard library only), so the check before the screen can use it too.

`storage.revisions` compares it with a database's version row; `tests/domain/
test_revisions.py` holds this scan to what Alembic itself reads from the same scripts.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

VERSIONS = Path(__file__).parent / "storage" / "migrations" / "versions"
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
