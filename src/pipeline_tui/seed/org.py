"""Everything around the deals: people, accounts, pipelines and quotas."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

from .timeline import Row, Timeline
from .vocabulary import (
    COMPANY_SUFFIXES,
    COMPANY_TRADES,
    COMPANY_WORDS,
    FIRST_NAMES,
    LAST_NAMES,
    PIPELINES,
    QUARTER_WEIGHTS,
    QUARTERS_BACK,
    QUOTA_GROWTH,
    REGIONS,
    SEGMENTS,
)

USER_COLUMNS = ("id", "login", "display_name", "email", "role", "manager_id", "team", "active")
ACCOUNT_COLUMNS = ("id", "name", "external_id")
PIPELINE_COLUMNS = ("id", "name", "position")
STAGE_COLUMNS = ("id", "pipeline_id", "name", "position", "default_probability", "kind")
QUOTA_COLUMNS = ("id", "user_id", "period_start", "period_end", "amount_minor")
VP_ID, ADMIN_ID, VIEWER_ID, FIRST_MANAGER_ID = 1, 2, 3, 4
REPS_PER_DEAL, MIN_REPS, MAX_REPS, REPS_PER_MANAGER = 1 / 2500, 6, 400, 7
EMAIL_DOMAIN = "example.com"  # reserved for examples: demo mail can't reach anyone


class RepProfile(NamedTuple):
    share: float  # relative number of deals
    bias: int  # added to stage probabilities: optimists and sandbaggers
    skill: float  # multiplies the win rate
    attainment: float  # typical share of quota won; sizes the quota


@dataclass(frozen=True)
class Organisation:
    users: list[Row]
    reps: dict[int, RepProfile]
    manager_of: dict[int, int]  # rep id -> first-line manager id
    managers: int  # users with the manager role, VP included


def organisation(rng: random.Random, deals: int) -> Organisation:
    """The VP, admin and viewer (ids 1-3), then managers, then reps grouped by team."""
    taken: set[str] = set()

    def person() -> tuple[str, str]:
        while True:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            login = f"{first}.{last}".lower()
            if login not in taken:
                taken.add(login)
                return login, f"{first} {last}"

    n_reps = min(MAX_REPS, max(MIN_REPS, round(deals * REPS_PER_DEAL)))
    n_managers = max(1, round(n_reps / REPS_PER_MANAGER))
    vp_login, vp_name = person()
    users: list[Row] = [
        _user(VP_ID, "vp", vp_name, "manager", None, "Sales", mailbox=vp_login),
        _user(ADMIN_ID, "admin", "Administrator", "admin", None, None),
        _user(VIEWER_ID, "viewer", "Finance Viewer", "viewer", None, "Finance"),
    ]
    teams = [_team_name(k) for k in range(n_managers)]
    for k, team in enumerate(teams):
        login, name = person()
        users.append(_user(FIRST_MANAGER_ID + k, login, name, "manager", VP_ID, team))
    reps: dict[int, RepProfile] = {}
    manager_of: dict[int, int] = {}
    for k in range(n_reps):
        index = k * n_managers // n_reps  # contiguous teams whose sizes differ by at most one
        rep_id, manager_id = FIRST_MANAGER_ID + n_managers + k, FIRST_MANAGER_ID + index
        login, name = person()
        users.append(_user(rep_id, login, name, "rep", manager_id, teams[index]))
        manager_of[rep_id] = manager_id
        reps[rep_id] = RepProfile(
            share=rng.uniform(0.6, 1.4),
            bias=rng.choice((-10, -5, 0, 0, 5, 10)),
            skill=rng.uniform(0.8, 1.2),
            attainment=rng.uniform(0.78, 1.05),
        )
    return Organisation(users, reps, manager_of, n_managers + 1)


def _user(
    user_id: int,
    login: str,
    name: str,
    role: str,
    manager_id: int | None,
    team: str | None,
    mailbox: str | None = None,
) -> Row:
    return (
        user_id,
        login,
        name,
        f"{mailbox or login}@{EMAIL_DOMAIN}",
        role,
        manager_id,
        team,
        True,
    )


def _team_name(k: int) -> str:
    """Distinct for the first 60 teams, and small orgs still get mixed names."""
    region = REGIONS[k % len(REGIONS)]
    segment = SEGMENTS[(k + k // len(REGIONS)) % len(SEGMENTS)]
    lap = k // (len(SEGMENTS) * len(REGIONS))
    return f"{segment} {region} {lap + 1}" if lap else f"{segment} {region}"


def account_rows(rng: random.Random, count: int) -> list[Row]:
    combos = [(w, t, s) for w in COMPANY_WORDS for t in COMPANY_TRADES for s in COMPANY_SUFFIXES]
    rng.shuffle(combos)
    rows: list[Row] = []
    for k in range(1, count + 1):
        word, trade, suffix = combos[(k - 1) % len(combos)]
        lap = (k - 1) // len(combos)
        # Plain names never end in a digit, so numbered ones can't collide with them.
        name = f"{word} {trade} {suffix}" + (f" {lap + 1}" if lap else "")
        rows.append((k, name, f"ACC-{k:06d}"))
    return rows


def pipeline_rows() -> tuple[list[Row], list[Row]]:
    pipelines: list[Row] = []
    stages: list[Row] = []
    for position, spec in enumerate(PIPELINES):
        pipelines.append((position + 1, spec.name, position))
        for stage_position, (name, probability, kind) in enumerate(spec.stages()):
            stages.append((len(stages) + 1, position + 1, name, stage_position, probability, kind))
    return pipelines, stages


def quota_rows(
    rng: random.Random, org: Organisation, timeline: Timeline, won: list[int]
) -> list[Row]:
    """A quota per rep and quarter, sized from the rep's actual wins.

    Quotas grow with the business like the deal volume does, so each past quarter's
    attainment lands near the rep's typical attainment, moved by that quarter's luck.
    `won[rep * quarters + q]` is the rep's won amount (minor units) closed in quarter q.
    """
    quarters = timeline.quarters
    growth = [
        weight
        if q < QUARTERS_BACK
        else QUARTER_WEIGHTS[QUARTERS_BACK] * QUOTA_GROWTH ** (q - QUARTERS_BACK)
        for q, weight in enumerate(QUARTER_WEIGHTS)
    ]
    rows: list[Row] = []
    for rep, profile in org.reps.items():
        past_won = sum(won[rep * quarters : rep * quarters + QUARTERS_BACK]) / 100
        if past_won:
            per_weight = past_won / sum(growth[:QUARTERS_BACK]) / profile.attainment
        else:  # too few deals to learn from: a typical quota
            per_weight = rng.uniform(150_000, 600_000)
        for q in range(quarters):
            dollars = max(5_000, round(per_weight * growth[q] / 5_000) * 5_000)
            rows.append((len(rows) + 1, rep, *timeline.quarter_bounds(q), dollars * 100))
    return rows
