"""People: list, add, change role or manager, deactivate. Changes are an admin's.

Every change runs in one transaction that re-reads the people it checks (a login taken,
a manager loop, the last admin), so two admins at once can't leave the organisation
without an admin or with a loop. A database with no people yet is being set up: anyone
may add the first person, who becomes its admin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, update

from ..errors import InputError, NotFoundError, PermissionDenied
from ..models import Role, User, table_of
from ..org import OrgChart, Person
from ..parsing import parse_text
from ..query import load_org
from .logins import unknown_login
from .permissions import Policy

USER_TABLE = table_of(User)
USER = USER_TABLE.c
ROLES = tuple(r.value for r in Role)
LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
NO_MANAGER = ("", "none", "-")
_TOO_LONG = "{} is longer than {{limit}} characters"  # `{limit}` is parse_text's


@dataclass(frozen=True)
class PersonRow:
    """One person as `users list` shows them."""

    id: int
    login: str
    name: str
    role: str
    manager: str | None  # the manager's login
    team: str | None
    active: bool


def list_users(engine: Engine) -> list[PersonRow]:
    with engine.connect() as conn:
        org = load_org(conn)
    return people_rows(org)


def people_rows(org: OrgChart) -> list[PersonRow]:
    def manager(person: Person) -> str | None:
        boss = org.people.get(person.manager_id) if person.manager_id else None
        return boss.login if boss else None

    people = sorted(org.people.values(), key=lambda p: (p.display_name.casefold(), p.id))
    return [
        PersonRow(p.id, p.login, p.display_name, p.role, manager(p), p.team, p.active)
        for p in people
    ]


def add_user(
    engine: Engine,
    policy: Policy | None,
    login: str,
    name: str,
    *,
    role: str = Role.REP.value,
    manager: str | None = None,
    team: str | None = None,
    email: str | None = None,
) -> PersonRow:
    """Adds a person. `policy` None: the database has no people, and this first person
    becomes its admin whatever `role` says."""
    login = _check_login(login)
    name = parse_text(name, 128, empty="--name is empty", too_long=_TOO_LONG.format("--name"))
    email = parse_text(email, 255, empty=None, too_long=_TOO_LONG.format("--email"))
    team = parse_text(team, 128, empty=None, too_long=_TOO_LONG.format("--team"))
    role = _check_role(role)
    with engine.begin() as conn:
        org = load_org(conn)
        if org.people:
            _admin(policy, "people")
        else:
            role = Role.ADMIN.value  # the first person: someone must be able to add the rest
        if org.by_login(login) is not None:
            raise InputError(f"Someone already has the login {login!r}")
        boss = _manager(org, manager)
        new_id = conn.execute(
            insert(USER_TABLE)
            .returning(USER.id)
            .values(
                login=login,
                display_name=name,
                email=email,
                role=role,
                manager_id=boss.id if boss else None,
                team=team,
                active=True,
            )
        ).scalar_one()
        return _row(conn, int(new_id))


def set_role(engine: Engine, policy: Policy | None, login: str, role: str) -> PersonRow:
    role = _check_role(role)
    with engine.begin() as conn:
        org = load_org(conn)
        _admin(policy, "people")
        person = _person(org, login)
        if person.role == Role.ADMIN.value and role != Role.ADMIN.value:
            _keep_an_admin(org, person)
        conn.execute(update(USER_TABLE).where(USER.id == person.id).values(role=role))
        return _row(conn, person.id)


def set_manager(engine: Engine, policy: Policy | None, login: str, manager: str) -> PersonRow:
    with engine.begin() as conn:
        org = load_org(conn)
        _admin(policy, "people")
        person = _person(org, login)
        boss = _manager(org, manager)
        if boss is not None and boss.id in org.subtree(person.id):
            raise InputError(
                f"{boss.display_name} reports to {person.display_name}, directly or not: "
                "making them their manager would make a loop"
            )
        conn.execute(
            update(USER_TABLE)
            .where(USER.id == person.id)
            .values(manager_id=boss.id if boss else None)
        )
        return _row(conn, person.id)


def set_active(engine: Engine, policy: Policy | None, login: str, active: bool) -> PersonRow:
    """Deactivates (or brings back) a person: their deals and history stay; they can no
    longer open the app or change anything."""
    with engine.begin() as conn:
        org = load_org(conn)
        _admin(policy, "people")
        person = _person(org, login)
        if not active and person.role == Role.ADMIN.value:
            _keep_an_admin(org, person)
        conn.execute(update(USER_TABLE).where(USER.id == person.id).values(active=active))
        return _row(conn, person.id)


def _admin(policy: Policy | None, thing: str) -> None:
    if policy is None:
        raise PermissionDenied(
            "There are no people yet: add the first one (who becomes the admin) with "
            '`pipeline-tui users add LOGIN --name "Full Name"`'
        )
    policy.check_admin(thing)


def _keep_an_admin(org: OrgChart, leaving: Person) -> None:
    others = [
        p for p in org.people.values() if p.role == Role.ADMIN.value and p.active and p != leaving
    ]
    if not others:
        raise InputError(
            f"{leaving.display_name} is the only admin: make someone else an admin first"
        )


def _person(org: OrgChart, login: str) -> Person:
    person = org.by_login(login.strip())
    if person is None:
        logins = [p.login for p in org.people.values()]
        raise NotFoundError(unknown_login(login, logins, given_as="LOGIN"))
    return person


def _manager(org: OrgChart, login: str | None) -> Person | None:
    if login is None or login.strip().casefold() in NO_MANAGER:
        return None
    person = org.by_login(login.strip())
    if person is None:
        logins = [p.login for p in org.people.values()]
        raise NotFoundError(unknown_login(login, logins, given_as="--manager"))
    return person


def _check_login(login: str) -> str:
    login = login.strip()
    if not LOGIN.match(login):
        raise InputError(
            f"{login!r} can't be a login: use letters, digits and . _ @ - (up to 64), "
            "starting with a letter or digit"
        )
    return login


def _check_role(role: str) -> str:
    role = role.strip().casefold()
    if role not in ROLES:
        raise InputError(f"{role!r} is not a role; use {', '.join(ROLES)}")
    return role


def _row(conn: Connection, person_id: int) -> PersonRow:
    org = load_org(conn)
    return next(r for r in people_rows(org) if r.id == person_id)
