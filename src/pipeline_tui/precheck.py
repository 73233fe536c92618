"""The identity check before the screen, on a SQLite file, with the standard library.

Who opens the app must be someone here, and a login nobody has is one line on stderr
before the screen takes over. Asking the session that costs importing SQLAlchemy, SQLModel
and pydantic (most of a second on a slow machine) before the first frame. A SQLite file
already at our schema answers it with two reads through `sqlite3`, read-only: the version
row, and the people. The rule and its words are the session's own (`pipeline_tui.logins`);
the session checks again when it opens.

Anything this can't settle (PostgreSQL, a missing or unreadable file, an older or foreign
schema, nobody in it yet, a lock) is left to the full check, which also migrates.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from .logins import acting_person, command_person
from .org import OrgChart, Person
from .revision_scan import VERSION_TABLE, shipped_head

PREFIX = "sqlite:///"
# A lock is the full check's to wait out (it tells the person); here, give up at once.
BUSY_TIMEOUT = 0.1
PEOPLE = 'SELECT id, login, display_name, role, manager_id, team, active FROM "user"'


def sqlite_file(url: str) -> Path | None:
    """The file of a plain SQLite URL as `config.database_url` writes one (an absolute
    path, no options); None for anything else."""
    if not url.startswith(PREFIX) or "?" in url:
        return None
    path = Path(url.removeprefix(PREFIX))
    return path if path.is_absolute() and path.is_file() else None


def people_of(path: Path) -> OrgChart | None:
    """Everyone in the SQLite file at `path`, read-only; None unless it is ours at the
    newest schema we ship, or when it can't be read now."""
    head = shipped_head()
    if head is None:
        return None
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT)
    except (sqlite3.Error, ValueError):
        return None
    try:
        with closing(conn):
            versions = [row[0] for row in conn.execute(f"SELECT version_num FROM {VERSION_TABLE}")]
            if versions != [head]:
                return None
            rows = conn.execute(PEOPLE).fetchall()
    except sqlite3.Error:
        return None
    return OrgChart(
        Person(int(i), str(login), str(name), str(role), manager, team, bool(active))
        for i, login, name, role, manager, team, active in rows
    )


def check_identity(url: str, login: str | None, *, typed: bool) -> bool:
    """True when `login` (else the OS login) may open the app on `url`, settled here;
    False when only the full check can tell. A refusal raises the session's error
    (`NotFoundError`, `PermissionDenied`) with the session's message."""
    path = sqlite_file(url)
    org = people_of(path) if path is not None else None
    if org is None or not org.people:
        return False
    # The two steps the session takes: `Workspace.for_command`, then `acting_policy`.
    person = command_person(org, login, check_user=typed)
    acting_person(org, person, login or (person.login if person else None))
    return True


__all__ = ["check_identity", "people_of", "sqlite_file"]
