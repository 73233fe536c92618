"""`pipeline-tui check`: the database's integrity check, then the app's own invariants.

Every check is a query (or a stream, for the change log's replay: see `replay`) that
yields the rows breaking it, so a database of a million deals is checked without holding
it in memory. The invariants:

- every deal holds what its change log replays to (`replay`);
- a deal's stage belongs to the deal's pipeline;
- one person's quotas don't overlap in time (quotas are per person, not per pipeline);
- a deal's version is 1 or more, its probability (and the one kept at closing) 0 to 100,
  its amount and push count not negative, its forecast category one of ours;
- nobody is their own manager, directly or further up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, not_, or_, select

from ..models import Deal, ForecastCategory, Pipeline, Quota, Stage, User, table_of
from ..storage.integrity import Violation, database_checks
from .replay import Counter, replay_violations

DEAL, STAGE, PIPELINE = table_of(Deal).c, table_of(Stage).c, table_of(Pipeline).c
QUOTA, USER = table_of(Quota).c, table_of(User).c
CATEGORIES = [c.value for c in ForecastCategory]


@dataclass
class CheckSummary:
    """What was looked at; filled in as `check_database` is iterated."""

    deals: int = 0
    quotas: int = 0
    people: int = 0
    replay: Counter = field(default_factory=Counter)
    violations: int = 0


def check_database(
    engine: Engine, summary: CheckSummary | None = None, *, quick: bool = False
) -> Iterator[Violation]:
    """Every violation, one at a time, database checks first (`quick`: see
    `storage.integrity.database_checks`)."""
    summary = summary or CheckSummary()
    with engine.connect() as conn:
        for violation in database_checks(conn, quick=quick):
            summary.violations += 1
            yield violation
        for check in (
            _stage_pipeline,
            _quota_overlaps,
            _deal_values,
            _manager_loops,
        ):
            for violation in check(conn):
                summary.violations += 1
                yield violation
        for violation in replay_violations(conn, summary.replay):
            summary.violations += 1
            yield violation
        summary.deals = conn.execute(select(func.count()).select_from(table_of(Deal))).scalar_one()
        summary.quotas = conn.execute(
            select(func.count()).select_from(table_of(Quota))
        ).scalar_one()
        summary.people = conn.execute(select(func.count()).select_from(table_of(User))).scalar_one()


def _stage_pipeline(conn: Connection) -> Iterator[Violation]:
    own = table_of(Pipeline).alias("own")
    query = (
        select(DEAL.id, DEAL.name, own.c.name, STAGE.name, PIPELINE.name)
        .select_from(table_of(Deal))
        .join(table_of(Stage), STAGE.id == DEAL.stage_id)
        .join(table_of(Pipeline), PIPELINE.id == STAGE.pipeline_id)
        .outerjoin(own, own.c.id == DEAL.pipeline_id)
        .where(STAGE.pipeline_id != DEAL.pipeline_id)
        .order_by(DEAL.id)
    )
    for deal_id, name, pipeline, stage, other in conn.execute(query):
        yield Violation(
            "stage-pipeline",
            "the deal's stage belongs to another pipeline",
            table="deal",
            row_id=deal_id,
            name=name,
            field="stage",
            expected=f"a stage of {pipeline}",
            found=f"stage {stage} of {other}",
        )


def _quota_overlaps(conn: Connection) -> Iterator[Violation]:
    later = table_of(Quota).alias("later")
    query = (
        select(
            later.c.id,
            USER.display_name,
            QUOTA.id,
            QUOTA.period_start,
            QUOTA.period_end,
            later.c.period_start,
            later.c.period_end,
        )
        .select_from(table_of(Quota))
        .join(
            later,
            and_(
                later.c.user_id == QUOTA.user_id,
                later.c.id > QUOTA.id,
                later.c.period_start <= QUOTA.period_end,
                QUOTA.period_start <= later.c.period_end,
            ),
        )
        .outerjoin(table_of(User), USER.id == QUOTA.user_id)
        .order_by(QUOTA.user_id, QUOTA.id, later.c.id)
    )
    for quota_id, person, other_id, start, end, later_start, later_end in conn.execute(query):
        yield Violation(
            "quota-overlap",
            f"its period overlaps quota {other_id} ({start}..{end}) of the same person",
            table="quota",
            row_id=quota_id,
            name=person,
            field="period",
            expected="one quota per person per day",
            found=f"both cover {max(start, later_start)}..{min(end, later_end)}",
        )


def _in_range(low: int, high: int | None = None) -> Callable[[Any], bool]:
    return lambda v: v is None or (low <= v and (high is None or v <= high))


# (field, column, whether a value is fine, what is allowed); the WHERE clause finds the
# rows, Python says which of their fields broke which rule.
DEAL_RULES: list[tuple[str, Any, Callable[[Any], bool], str]] = [
    ("version", DEAL.version, _in_range(1), "1 or more"),
    ("probability", DEAL.probability, _in_range(0, 100), "0 to 100"),
    ("probability_at_close", DEAL.probability_at_close, _in_range(0, 100), "0 to 100, or none"),
    ("amount", DEAL.amount_minor, _in_range(0), "0 or more"),
    ("push_count", DEAL.push_count, _in_range(0), "0 or more"),
    ("forecast_category", DEAL.forecast_category, CATEGORIES.__contains__, ", ".join(CATEGORIES)),
]


def _deal_values(conn: Connection) -> Iterator[Violation]:
    wrong = or_(
        DEAL.version < 1,
        not_(DEAL.probability.between(0, 100)),
        not_(DEAL.probability_at_close.between(0, 100)),  # NULL: not selected, and fine
        DEAL.amount_minor < 0,
        DEAL.push_count < 0,
        DEAL.forecast_category.not_in(CATEGORIES),
    )
    columns = [column for _, column, _, _ in DEAL_RULES]
    query = select(DEAL.id, DEAL.name, *columns).where(wrong).order_by(DEAL.id)
    for deal_id, name, *values in conn.execute(query):
        for (field_name, _, fine, allowed), value in zip(DEAL_RULES, values, strict=True):
            if not fine(value):
                yield Violation(
                    "deal-values",
                    f"{field_name} is out of range",
                    table="deal",
                    row_id=deal_id,
                    name=name,
                    field=field_name,
                    expected=allowed,
                    found=str(value),
                )


def _manager_loops(conn: Connection) -> Iterator[Violation]:
    people = {
        pid: (name, manager)
        for pid, name, manager in conn.execute(select(USER.id, USER.display_name, USER.manager_id))
    }
    reported: set[int] = set()
    for pid in sorted(people):
        seen: list[int] = []
        here: int | None = pid
        while here is not None and here in people and here not in seen:
            seen.append(here)
            here = people[here][1]
        if here is None or here not in seen:
            continue
        loop = seen[seen.index(here) :]
        if pid not in loop or reported.intersection(loop):
            continue
        reported.update(loop)
        names = " → ".join(people[p][0] for p in [*loop, loop[0]])
        yield Violation(
            "manager-loop",
            "reports to themselves" if len(loop) == 1 else "is in a reporting loop",
            table="user",
            row_id=pid,
            name=people[pid][0],
            field="manager",
            expected="a chain that ends at the top of the organisation",
            found=names,
        )
