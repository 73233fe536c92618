"""People, pipelines and settings: the small lookups every screen starts from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from ..models import Pipeline, Settings, table_of
from ..org import Person
from ..query import load_org


@dataclass(frozen=True)
class SettingsView:
    fiscal_year_start_month: int = 1
    currency: str = "USD"
    coverage_target: float = 3.0
    win_rate_target: float = 0.60
    head_login: str | None = None  # who "me" is when no one is signed in
    reps_own_team_only: bool = False
    call_stale_days: int = 7  # a forecast call older than this is shown as stale
    # Inspection flags: pushes that flag a deal, and days without a change (the stale
    # filter's too).
    flag_push_count: int = 2
    stale_days: int = 30
    flag_review_days: int = 7  # "since the last review" with no review ended yet


def list_people(engine: Engine) -> list[Person]:
    """Everyone, active or not, by display name."""
    with engine.connect() as conn:
        org = load_org(conn)
    return sorted(org.people.values(), key=lambda p: (p.display_name.casefold(), p.id))


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
            settings.head_login,
            settings.reps_own_team_only,
            settings.call_stale_days,
            settings.flag_push_count,
            settings.stale_days,
            settings.flag_review_days,
        )
        .order_by(settings.id)
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return SettingsView()
    month, currency, coverage, win_rate, head, own_team, call_stale, push, stale, review = row
    return SettingsView(
        int(month),
        currency,
        float(coverage),
        float(win_rate),
        head,
        bool(own_team),
        int(call_stale),
        max(1, int(push)),
        max(0, int(stale)),
        max(0, int(review)),
    )
