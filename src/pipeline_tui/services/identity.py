"""Who is using the app: one person of the organisation, or a refusal saying how to join.

The login is `--user`, else `PIPELINE_TUI_USER`, else the config file's `user` (the front
end picks the first one given), else the operating system's login name when a person has
it. There is no other fallback: acting as somebody else (the head of the organisation, say)
would let anyone make changes in their name.
"""

from __future__ import annotations

import getpass

from ..errors import PermissionDenied
from ..org import OrgChart, Person
from .logins import ADD_PEOPLE, unknown_login


def not_a_person(login: str, org: OrgChart, *, given: bool) -> str:
    """One line: that `login` isn't anyone here, the nearest logins, and how to be added."""
    logins = [p.login for p in org.people.values()]
    return unknown_login(login, logins, given_as="--user" if given else "your login name")


def os_login() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return None


def who_am_i(org: OrgChart, login: str | None, *, system_login: str | None = None) -> Person:
    """The person named by `login`, else by the OS login; `PermissionDenied` otherwise.

    A deactivated person is refused too: they left, and their login must not keep working.
    """
    given = bool(login)
    wanted = login or system_login or os_login()
    if not wanted:
        raise PermissionDenied(
            "Can't tell who you are: give --user LOGIN or set PIPELINE_TUI_USER "
            f"(an admin adds people with `{ADD_PEOPLE}`)"
        )
    person = org.by_login(wanted)
    if person is None:
        raise PermissionDenied(not_a_person(wanted, org, given=given))
    if not person.active:
        raise PermissionDenied(
            f"{person.display_name} ({person.login}) is deactivated; an admin can turn them "
            f"back on with `pipeline-tui users activate {person.login}`"
        )
    return person
