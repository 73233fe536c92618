"""People, pipelines and settings: the small lookups every screen starts from."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..errors import NotFoundError
from ..models import Pipeline, Settings, table_of
from ..org import OrgChart, Person
from ..query import load_org

EVERYONE = "everyone"
ME = "me"


@dataclass(frozen=True)
class SettingsView:
    fiscal_year_start_month: int = 1
    currency: str = "USD"
    coverage_target: float = 3.0
    win_rate_target: float = 0.60


def list_people(engine: Engine) -> list[Person]:
    """Everyone, active or not, by display name."""
    with engine.connect() as conn:
        org = load_org(conn)
    return sorted(org.people.values(), key=lambda p: (p.display_name.casefold(), p.id))


def resolve_owner_scope(
    engine: Engine, who: str | None, *, me: str | None
) -> tuple[frozenset[int] | None, str]:
    """Whose deals to show, as owner ids (None: everyone) and a label for the header.

    `who` is None or "everyone", "me" (the login `me`), or a login; a person stands for
    themself and everyone below them, so a manager's login means their whole team.
    Raises `NotFoundError` for a login no one has.
    """
    wanted = (who or EVERYONE).strip()
    if wanted.casefold() in (EVERYONE, "all", ""):
        return None, "Everyone"
    with engine.connect() as conn:
        org = load_org(conn)
    if wanted.casefold() == ME:
        if not me:
            raise NotFoundError("Not signed in as anyone, so 'me' means no one; give a login.")
        wanted = me
    person = org.by_login(wanted)
    if person is None:
        raise NotFoundError(_unknown_login(org, wanted))
    owners = org.subtree(person.id)
    label = person.display_name if len(owners) == 1 else f"{person.display_name}'s team"
    return owners, label


def _unknown_login(org: OrgChart, login: str) -> str:
    logins = sorted(p.login for p in org.people.values())
    if not logins:
        return f"No one has the login '{login}': there are no people yet."
    close = difflib.get_close_matches(login, logins, n=5, cutoff=0.5)
    suggestions = close or logins[:5]
    more = "" if close or len(logins) <= 5 else ", ..."
    return (
        f"No one has the login '{login}'. Try {', '.join(suggestions)}{more} "
        f"(or '{ME}' or '{EVERYONE}')."
    )


def list_pipelines(engine: Engine) -> list[tuple[int, str]]:
    pipeline = table_of(Pipeline).c
    query = select(pipeline.id, pipeline.name).order_by(pipeline.position, pipeline.id)
    with engine.connect() as conn:
        return [(pid, name) for pid, name in conn.execute(query)]


def load_settings(engine: Engine) -> SettingsView:
    """The settings row, or the defaults when a fresh database has none yet."""
    settings = table_of(Settings).c
    query = (
        select(
            settings.fiscal_year_start_month,
            settings.currency,
            settings.coverage_target,
            settings.win_rate_target,
        )
        .order_by(settings.id)
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return SettingsView()
    month, currency, coverage, win_rate = row
    return SettingsView(int(month), currency, float(coverage), float(win_rate))
