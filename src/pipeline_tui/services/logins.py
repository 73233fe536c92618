"""Who `--user LOGIN` is: a login nobody has is said so, with the nearest ones.

Every command that takes `--user` asks here first, so a typo gets the same one line
everywhere instead of being ignored by one command and refused by another. The words
are `pipeline_tui.logins`'s, which needs no database layer.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from ..errors import NotFoundError
from ..logins import ADD_PEOPLE, unknown_login
from ..models import User, table_of

USER = table_of(User).c


def check_login(engine: Engine, login: str, *, given_as: str = "--user") -> None:
    """Raise `NotFoundError` unless somebody has `login` (matched as logins are)."""
    with engine.connect() as conn:
        logins = list(conn.execute(select(USER.login)).scalars())
    if login.casefold() not in {k.casefold() for k in logins}:
        raise NotFoundError(unknown_login(login, logins, given_as=given_as))


__all__ = ["ADD_PEOPLE", "check_login", "unknown_login"]
