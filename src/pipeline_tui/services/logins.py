"""Who `--user LOGIN` is: a login nobody has is said so, with the nearest ones.

Every command that takes `--user` asks here first, so a typo gets the same one line
everywhere instead of being ignored by one command and refused by another.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sqlalchemy import Engine, select

from ..errors import NotFoundError
from ..models import User, table_of

USER = table_of(User).c
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


def check_login(engine: Engine, login: str, *, given_as: str = "--user") -> None:
    """Raise `NotFoundError` unless somebody has `login` (matched as logins are)."""
    with engine.connect() as conn:
        logins = list(conn.execute(select(USER.login)).scalars())
    if login.casefold() not in {k.casefold() for k in logins}:
        raise NotFoundError(unknown_login(login, logins, given_as=given_as))
