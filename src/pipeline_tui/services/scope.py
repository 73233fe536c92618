"""Which deals a question is about: the one resolver behind the board, the review, the
roll-up, what changed, `report`, `changes` and `review`.

A request names a period, whose deals ("me", "team", "everyone" or a login), a pipeline
and, for what changed, where to start ("last-review" or a date). The rules are in
docs/metrics.md ("Scope"): "me" is my own deals, "team" me and everyone below me, a login
that person and everyone below them; with no one signed in, "me" is the head of the
organisation.
"""

from __future__ import annotations

import difflib
import getpass
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine

from ..errors import InputError, NotFoundError
from ..forecast.snapshots import SnapshotScope
from ..org import OrgChart, Person
from ..parsing import ParseError, parse_date
from ..periods import Period, PeriodError, parse_period
from ..query import Scope, load_org
from .people import list_pipelines, load_settings

ME, TEAM, EVERYONE = "me", "team", "everyone"
LAST_REVIEW = "last-review"
EVERYONE_WORDS = (EVERYONE, "all", "")


class UnknownPersonError(NotFoundError):
    """A login no one has."""


@dataclass(frozen=True)
class Owner:
    """Whose deals: one person (with everyone below them when `subtree`), or everyone."""

    key: str  # "me", "team", "everyone" or the login asked for
    person_id: int | None  # None: everyone
    subtree: bool
    owner_ids: frozenset[int] | None  # None: everyone
    label: str

    @property
    def review_scope(self) -> SnapshotScope:
        return SnapshotScope(self.person_id, self.subtree)


@dataclass(frozen=True)
class ScopeRequest:
    owner: str | None = None  # "me", "team", "everyone" or a login; None: everyone
    period: str = "this-quarter"  # any period `parse_period` reads
    pipeline: str | None = None  # a pipeline's name (any case); None: all pipelines


@dataclass(frozen=True)
class ResolvedScope:
    period: Period
    owner: Owner
    pipeline_id: int | None  # None: all pipelines
    pipeline_name: str | None
    me: Person | None  # who "me" and "team" stand for; None when neither was asked for

    @property
    def owner_ids(self) -> frozenset[int] | None:
        return self.owner.owner_ids

    @property
    def scope(self) -> Scope:
        return Scope(self.owner.owner_ids, self.pipeline_id)

    @property
    def review_scope(self) -> SnapshotScope:
        return SnapshotScope(self.owner.person_id, self.owner.subtree, self.pipeline_id)


def who_is_me(org: OrgChart, login: str | None, *, head: str | None = None) -> Person | None:
    """The person signed in as `login` (`--user`, `PIPELINE_TUI_USER`, the config file);
    with none, the OS login if it is a person here; else the head of the organisation
    (the one named in the settings, else the person without a manager who has the
    largest team). Raises `UnknownPersonError` for a login no one has; None only for an
    empty chart."""
    if login:
        person = org.by_login(login.strip())
        if person is None:
            raise UnknownPersonError(unknown_login(org, login.strip()))
        return person
    try:
        person = org.by_login(getpass.getuser())
    except (KeyError, OSError):  # no login name in some containers
        person = None
    return person or org.head(head)


def resolve_owner(org: OrgChart, key: str | None, me: Person | None) -> Owner:
    """ "me": my own deals; "team": me and everyone below me; "everyone" (or "all", or
    nothing): everyone; any other word is a login, standing for that person and everyone
    below them. The words win over a login spelled the same way."""
    wanted = (key or EVERYONE).strip()
    word = wanted.casefold()
    if word in EVERYONE_WORDS:
        return Owner(EVERYONE, None, True, None, "Everyone")
    if word in (ME, TEAM):
        if me is None:
            raise UnknownPersonError(f"There are no people yet, so '{word}' means no one.")
        if word == ME:
            return Owner(ME, me.id, False, frozenset({me.id}), me.display_name)
        return _subtree(org, TEAM, me)
    person = org.by_login(wanted)
    if person is None:
        raise UnknownPersonError(unknown_login(org, wanted))
    return _subtree(org, person.login, person)


def _subtree(org: OrgChart, key: str, person: Person) -> Owner:
    # Someone with no one below them is stored as themself alone, as a review of a rep
    # is, so "the last review of this scope" finds it however it was asked for.
    team = bool(org.direct_reports(person.id))
    return Owner(key, person.id, team, org.subtree(person.id), team_label(org, person))


def team_label(org: OrgChart, person: Person) -> str:
    """ "Dana Lee's team" when anyone reports to them, else just the name."""
    return f"{person.display_name}'s team" if org.direct_reports(person.id) else person.display_name


def resolve_scope(
    engine: Engine, request: ScopeRequest, *, user: str | None, today: date | None = None
) -> ResolvedScope:
    """The request resolved against the database: raises `InputError` for a period or
    pipeline that can't be read, `UnknownPersonError` for an unknown login."""
    settings = load_settings(engine)
    try:
        period = parse_period(
            request.period,
            today=today,
            fiscal_year_start_month=settings.fiscal_year_start_month,
        )
    except PeriodError as exc:
        raise InputError(str(exc)) from exc
    with engine.connect() as conn:
        org = load_org(conn)
    # Only "me" and "team" need to know who is asking: a stale PIPELINE_TUI_USER must not
    # stop a report on everyone.
    word = (request.owner or "").strip().casefold()
    me = who_is_me(org, user, head=settings.head_login) if word in (ME, TEAM) else None
    owner = resolve_owner(org, request.owner, me)
    pipeline_id, pipeline_name = None, None
    if request.pipeline:
        pipelines = list_pipelines(engine)
        wanted = request.pipeline.strip().casefold()
        found = [(pid, name) for pid, name in pipelines if name.casefold() == wanted]
        if not found:
            known = ", ".join(name for _, name in pipelines)
            raise NotFoundError(f"no pipeline named '{request.pipeline}'; there is {known}")
        pipeline_id, pipeline_name = found[0]
    return ResolvedScope(period, owner, pipeline_id, pipeline_name, me)


@dataclass(frozen=True)
class Since:
    """Where "what changed" starts: a snapshot id or a moment, and how to say it."""

    start: datetime | int
    label: str
    fallback: bool = False  # no review has ended yet: the week before today instead


def resolve_since(
    engine: Engine, text: str, period: Period, scope: SnapshotScope, *, today: date
) -> Since:
    """A day (from 00:00 UTC), or "last-review": where the last review of this scope
    ended (`reviews.since_last_review`); with no review ended yet, the week before today."""
    from ..reviews.since import since_last_review

    wanted = text.strip()
    if wanted.casefold() != LAST_REVIEW:
        # Read as the app's prompts read a date, with the fiscal year for eoq and the like.
        fiscal = load_settings(engine).fiscal_year_start_month
        try:
            day = parse_date(wanted, today=today, fiscal_year_start_month=fiscal)
        except ParseError:
            raise InputError(
                f"since takes a date like 2026-11-01 or -2w, or '{LAST_REVIEW}'; not '{wanted}'"
            ) from None
        if day > today:
            raise InputError(
                f"since {day.isoformat()} is after today ({today.isoformat()}): "
                "what changed is counted up to now; give a day before it, like -2w"
            )
        return Since(datetime.combine(day, time.min, UTC), day.isoformat())
    found = since_last_review(engine, period, scope)
    if found is not None:
        return Since(found, "the last review")
    week_ago = date.fromordinal(today.toordinal() - 7)
    return Since(
        datetime.combine(week_ago, time.min, UTC),
        f"a week ago, {week_ago.isoformat()} (no review has ended yet)",
        fallback=True,
    )


def unknown_login(org: OrgChart, login: str) -> str:
    logins = sorted(p.login for p in org.people.values())
    if not logins:
        return f"No one has the login '{login}': there are no people yet."
    close = difflib.get_close_matches(login, logins, n=5, cutoff=0.5)
    suggestions = close or logins[:5]
    more = "" if close or len(logins) <= 5 else ", ..."
    return (
        f"No one has the login '{login}'. Try {', '.join(suggestions)}{more} "
        f"(or '{ME}', '{TEAM}' or '{EVERYONE}')."
    )
