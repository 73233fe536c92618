"""`import --kind users`: the people and who reports to whom.

Columns `name`, `manager`, `team`, `role`, `email` (and optionally `login`, `active`).
A row is matched to a stored person by login, else email, else display name; anyone
else is created, with a login made from their email or name. `manager` names another
person, in the file or already stored, by login, email or name; a manager nobody is
called (a team sheet lists reps, and names their managers only in that column) is
created as a manager, with a login made from the email or name. A person's role, when
the file doesn't give it, stays as it is, or for someone new is `manager` if anybody
reports to them and `rep` otherwise. A hierarchy with a loop in it is refused.
"""

from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from ..models import Role, User, table_of
from ..services.logins import unknown_login
from .directory import MAX_LOGIN, Directory, UserRef
from .model import DryRunReport, FileRejected, ImportOptions, ImportSummary
from .people import Outcome, Row, finish, first_of, read_simple, report, simple_format
from .transaction import writing

USER_TABLE = table_of(User)
USER = USER_TABLE.c
FORMAT = simple_format(
    "users",
    "People",
    name=("name", "display name", "full name", "display_name"),
    login=("login", "username", "user name"),
    email=("email", "e-mail", "email address"),
    manager=("manager", "reports to", "manager login", "manager email"),
    team=("team", "group"),
    role=("role",),
    active=("active",),
)
ROLES = {r.value for r in Role}
TRUE, FALSE = {"true", "yes", "y", "1", "active"}, {"false", "no", "n", "0", "inactive"}
# What sheets write for "nobody": such a manager would otherwise become a person.
NO_MANAGER = frozenset({"n/a", "na", "none", "null", "nobody", "tbd", "tba", "vacant", "unknown"})
LIMITS = {"name": 128, "email": 255, "team": 128, "login": MAX_LOGIN}


def dry_run_users(engine: Engine, path: Path, options: ImportOptions) -> DryRunReport:
    table, mapping, rows = read_simple(path, options, FORMAT, ("name",))
    with engine.connect() as conn:
        outcome = _plan(conn, rows, table.unit, options)
        conn.rollback()
    return report(table, mapping, outcome, options)


def import_users(engine: Engine, path: Path, options: ImportOptions) -> ImportSummary:
    started = time.perf_counter()
    table, mapping, rows = read_simple(path, options, FORMAT, ("name",))
    with writing(engine) as conn:
        outcome = _plan(conn, rows, table.unit, options)
        return finish(table, mapping, outcome, options, started)


def _plan(conn: Connection, rows: list[Row], unit: str, options: ImportOptions) -> Outcome:
    directory = Directory(conn)
    stored = {
        r.id: dict(r._mapping)
        for r in conn.execute(
            select(USER.id, USER.login, USER.display_name, USER.email, USER.role,
                   USER.manager_id, USER.team, USER.active)
        )
    }  # fmt: skip
    for row in rows:
        _check(row)
    people: dict[int, UserRef] = {}  # id(row) -> the person it describes
    for row in rows:
        if not row.rejected:
            person = _person(row, directory)
            if isinstance(person, str):
                row.reject("name", person)
            else:
                people[id(row)] = person
    first_of([r for r in rows if id(r) in people], lambda r: id(people[id(r)]), "name", unit)

    valid = [r for r in rows if not r.rejected]
    managers: dict[int, UserRef | None] = {}
    has_managers = any("manager" in r.columns for r in rows)
    for row in valid:
        person = people[id(row)]
        if has_managers:
            managers[id(row)] = _manager(row, person, directory)
        else:  # no manager column: everyone keeps the manager they have
            stored_manager = stored.get(person.id, {}).get("manager_id") if person.id else None
            managers[id(row)] = directory.users_by_id.get(stored_manager)
    valid = [r for r in valid if not r.rejected]
    rowless = _rowless_managers(valid, people, managers)
    _refuse_loops(valid, people, managers, directory, stored)
    valid = [r for r in valid if not r.rejected]
    has_reports = {id(m) for r in valid if (m := managers[id(r)]) is not None}
    has_reports |= {id(directory.users_by_id[s["manager_id"]]) for s in stored.values()
                    if s["manager_id"] in directory.users_by_id}  # fmt: skip

    outcome = Outcome(rows)
    changes: list[tuple[UserRef, dict[str, Any], UserRef | None]] = []
    for row in valid:
        person, manager = people[id(row)], managers[id(row)]
        values = _values(row, person, id(person) in has_reports, stored)
        old = stored.get(person.id) if not person.new else None
        if old is None:
            outcome.created += 1
            action = "create"
        else:
            same_manager = (manager.id if manager else None) == old["manager_id"] and not (
                manager and manager.new
            )
            differs = [k for k, v in values.items() if old[k] != v]
            if not differs and same_manager:
                outcome.unchanged += 1
                if len(outcome.preview) < options.preview_rows:
                    outcome.preview.append(_preview(row, person, manager, values, "unchanged"))
                continue
            outcome.updated += 1
            action = "update: " + ", ".join(differs + ([] if same_manager else ["manager"]))
        changes.append((person, values, manager))
        if len(outcome.preview) < options.preview_rows:
            outcome.preview.append(_preview(row, person, manager, values, action))
    # Managers named only in the manager column: they lead someone, and nothing more is
    # known of them than the name or email that named them.
    used = {id(m) for r in valid if (m := managers[id(r)]) is not None}
    for manager in (m for m in rowless if id(m) in used):
        values = {"display_name": manager.name, "email": manager.email, "team": None,
                  "role": Role.MANAGER.value, "active": True}  # fmt: skip
        changes.append((manager, values, None))
        outcome.created += 1
    outcome.new = {
        "people": [f"{p.name} ({p.login})" for p, _, _ in changes if p.new and p not in rowless],
        "managers, named only in the manager column": [f"{m.name} ({m.login})" for m in rowless
                                                       if id(m) in used],
    }  # fmt: skip
    if options.user and not directory.having("login", options.user):
        logins = [u.login for u in directory.users]
        raise FileRejected(unknown_login(options.user, logins, given_as="--user"))
    outcome.write = lambda: _write(conn, changes)
    return outcome


def _rowless_managers(
    rows: list[Row], people: dict[int, UserRef], managers: dict[int, UserRef | None]
) -> list[UserRef]:
    """New people that only the manager column names, each once, in file order."""
    described = {id(people[id(r)]) for r in rows}
    found: dict[int, UserRef] = {}
    for row in rows:
        manager = managers[id(row)]
        if manager is not None and manager.new and id(manager) not in described:
            found.setdefault(id(manager), manager)
    return list(found.values())


def _check(row: Row) -> None:
    for name, limit in LIMITS.items():
        if len(row.get(name)) > limit:
            row.reject(name, f"is longer than {limit} characters")
    if not row.get("name"):
        row.reject("name", "the name is blank")
    role = row.get("role").casefold()
    if role and role not in ROLES:
        row.reject("role", f"is not a role; use {', '.join(sorted(ROLES))}")
    active = row.get("active").casefold()
    if active and active not in TRUE | FALSE:
        row.reject("active", "is not yes or no")


def _person(row: Row, directory: Directory) -> UserRef | str:
    """The person a row describes: by login when it gives one (a login nobody has is a
    new person); else by email; else by name, among people with no other email (such
    as those a deal import created)."""
    login, email, name = row.get("login"), row.get("email"), row.get("name")
    if login:
        found = directory.having("login", login)
    elif email and (found := directory.having("email", email)):
        pass
    else:
        found = [u for u in directory.having("name", name) if not u.email or not email]
    if len(found) > 1:
        return f"more than one person is called {name!r}; give their login or email"
    if found:
        return found[0]
    return directory.new_user(name, login or email or name, email or None)


def _manager(row: Row, person: UserRef, directory: Directory) -> UserRef | None:
    """The person the manager column names, in the file or stored; or, when nobody is
    called that, a new person (a team sheet names its managers only there)."""
    text = row.get("manager")
    if not text:
        return None
    if text.casefold() in NO_MANAGER:
        row.warn("manager", "read as no manager")
        return None
    found = directory.find_user(text)
    if len(found) > 1:
        row.reject("manager", "more than one person in the file or the database is called that")
        return None
    if found and found[0] is person:
        row.reject("manager", "a person can't be their own manager")
        return None
    if found:
        return found[0]
    names = [u.name for u in directory.users]
    near = difflib.get_close_matches(text, names, n=1, cutoff=0.85)
    manager = directory.owner(text)
    if isinstance(manager, str):  # can't be: nobody has this name
        row.reject("manager", manager)
        return None
    if near:
        row.warn(
            "manager",
            f"nobody is called that, so {manager.name} ({manager.login}) is created; "
            f"if {near[0]!r} was meant, correct the file",
        )
    return manager


def _refuse_loops(
    rows: list[Row],
    people: dict[int, UserRef],
    managers: dict[int, UserRef | None],
    directory: Directory,
    stored: dict[int, dict[str, Any]],
) -> None:
    """Reject each row whose person would, up the chain of managers, manage themself."""
    from_file = {id(people[id(r)]): managers[id(r)] for r in rows}

    def boss(person: UserRef) -> UserRef | None:
        if id(person) in from_file:
            return from_file[id(person)]
        manager_id = stored.get(person.id, {}).get("manager_id") if person.id else None
        return directory.users_by_id.get(manager_id)

    for row in rows:
        start = people[id(row)]
        seen = {id(start)}
        current = boss(start)
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            current = boss(current)
        if current is start:
            row.reject("manager", "this would make a loop in who reports to whom")


def _values(
    row: Row, person: UserRef, manages: bool, stored: dict[int, dict[str, Any]]
) -> dict[str, Any]:
    old = stored.get(person.id) if person.id is not None else None
    values: dict[str, Any] = {"display_name": row.get("name")}
    if row.get("email") or old is None:
        values["email"] = row.get("email") or None
    if row.get("team") or old is None:
        values["team"] = row.get("team") or None
    if row.get("role"):
        values["role"] = row.get("role").casefold()
    elif old is None:
        values["role"] = Role.MANAGER.value if manages else Role.REP.value
    if row.get("active"):
        values["active"] = row.get("active").casefold() in TRUE
    elif old is None:
        values["active"] = True
    return values


def _write(conn: Connection, changes: list[tuple[UserRef, dict[str, Any], UserRef | None]]) -> None:
    for person, values, _ in changes:
        if person.new:
            person.id = conn.execute(
                insert(USER_TABLE).values(login=person.login, **values).returning(USER.id)
            ).scalar_one()
            person.new = False
        else:
            conn.execute(update(USER_TABLE).where(USER.id == person.id).values(values))
    # Managers last: a manager may be someone the same file creates.
    for person, _, manager in changes:
        manager_id = manager.id if manager is not None else None
        conn.execute(update(USER_TABLE).where(USER.id == person.id).values(manager_id=manager_id))


def _preview(
    row: Row, person: UserRef, manager: UserRef | None, values: dict[str, Any], action: str
) -> dict[str, str]:
    return {
        "line": str(row.line),
        "action": action,
        "login": person.login,
        "name": values.get("display_name", ""),
        # With the login: a manager named by name or email shows whom it was matched to.
        "manager": f"{manager.name} ({manager.login})" if manager else "",
        "team": values.get("team") or "",
        "role": values.get("role", ""),
        "email": values.get("email") or "",
    }
