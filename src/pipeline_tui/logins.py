"""Who may open the app: the rule and its messages, on the organisation chart alone.

Kept apart from the database layer (standard library only) so that the check made
before the screen starts (`precheck`) and the session's own (`services.identity`,
`services.workspace`) are the same code and say the same words.
"""

from __future__ import annotations

import difflib
import getpass
from collections.abc import Iterable

from .errors import NotFoundError, PermissionDenied
from .org import OrgChart, Person

ADD_PEOPLE = 'pipeline-tui users add LOGIN --name "Full Name"'
NEAREST = 4


def unknown_login(login: str, logins: Iterable[str], *, given_as: str = "--user") -> str:
    """One line: that nobody has `login`, the logins nearest to it, and how to add one."""
    known = sorted(set(logins), key=str.casefold)
    said = f"No one has the login {login!r} ({given_as})"
    if not known:
        return f"{said}: there are no people yet; add them with `{ADD_PEOPLE}`"
    near = _nearest(login, known)
    shown = near or known[:NEAREST]
    more = len(known) - len(shown)
    label = "nearest" if near else "some that exist"
    listed = ", ".join(shown) + (f" and {more} more" if more and not near else "")
    return f"{said}; {label}: {listed}. An admin adds people with `{ADD_PEOPLE}`"


def _nearest(login: str, known: list[str]) -> list[str]:
    """Logins holding what was typed (`dana` for `dana.whitfield`), then similar ones."""
    wanted = login.casefold()
    holding = [k for k in known if wanted and wanted in k.casefold()]
    folded = {k.casefold(): k for k in known}
    similar = difflib.get_close_matches(wanted, list(folded), n=NEAREST, cutoff=0.5)
    found = list(dict.fromkeys([*holding, *(folded[s] for s in similar)]))
    return found[:NEAREST]


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


def command_person(org: OrgChart, user: str | None, *, check_user: bool) -> Person | None:
    """Who runs a command: `user` (--user, or the environment's), else the OS login when
    it is someone here; a `user` nobody has is refused when `check_user` (it was typed).
    Writes and the app refuse anyone else (`acting_person`)."""
    person = org.by_login(user or os_login() or "") if org.people else None
    if user and person is None and check_user:
        raise NotFoundError(unknown_login(user, [p.login for p in org.people.values()]))
    return person


def acting_person(org: OrgChart, person: Person | None, login: str | None) -> Person | None:
    """The person acting, checked again (a deactivated one is refused, with how to come
    back); None on a database with no people yet, whoever sets it up may write."""
    if not org.people:
        return None
    return who_am_i(org, person.login if person is not None else login)


__all__ = [
    "ADD_PEOPLE",
    "acting_person",
    "command_person",
    "not_a_person",
    "os_login",
    "unknown_login",
    "who_am_i",
]
