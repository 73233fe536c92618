"""The sales process held against what happened: per stage, its default probability
beside the share of deals that went on to win from it, and how long deals sit in it.

**Observed stage-to-win share** of stage S: of the deals of the pipeline that were ever
in S (a `deal_change` of the stage from or to S) and closed (won or lost) with a closed
date in the window, the share that ended won, as an exact fraction with its counts.
**Median days in stage**: over the stays in S that ended (the deal moved on) within the
window, from entering S (the move into it, or the deal's creation) to leaving it.

The history writes stage *names*; a stage renamed since is found by its earlier names
(the `stage_renamed` rows of the process log), so a rename loses none of its history.
Definitions and a worked example: docs/metrics.md ("The process under review"). The two
figures are read set-based, in a fixed number of queries: `forecast.process_figures`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, false, func, or_, select

from ..models import (
    Deal,
    Pipeline,
    ProcessChange,
    ProcessChangeKind,
    Stage,
    StageKind,
    User,
    table_of,
)
from ..query import as_utc, row_to
from .calibration import CalibrationWindow
from .metrics import ForecastFigures
from .process_figures import observed_shares, stay_medians

DEAL_T, STAGE_T = table_of(Deal), table_of(Stage)
LOG_T, PIPELINE_T, WHO_T = table_of(ProcessChange), table_of(Pipeline), table_of(User).alias("who")
DEAL, STAGE, LOG = DEAL_T.c, STAGE_T.c, LOG_T.c


@dataclass(frozen=True)
class Proposal:
    """A pending proposal to change a stage's default probability."""

    id: int
    stage_id: int
    old: int
    new: int
    reason: str | None
    who: str | None
    at: datetime


@dataclass(frozen=True)
class ProcessStage:
    id: int
    name: str
    kind: str
    position: int
    default_probability: int
    retired: bool
    open_deals: int = 0
    closed: int = 0  # closed in the window after being in this stage
    won: int = 0
    median_days: Decimal | None = None
    stays: int = 0  # stays in the stage that ended in the window
    proposal: Proposal | None = None

    @property
    def is_open(self) -> bool:
        return self.kind == StageKind.OPEN.value

    @property
    def observed(self) -> Fraction | None:
        """Won / closed, exact; None when no deal from this stage closed in the window."""
        return Fraction(self.won, self.closed) if self.closed else None

    @property
    def observed_percent(self) -> int | None:
        """The observed share in whole percent (half to even), as a default would be."""
        observed = self.observed
        return None if observed is None else round(observed * 100)


@dataclass(frozen=True)
class Targets:
    """The process's targets beside the team's figures: a contradiction shows when the
    coverage the win rate implies is above the coverage target."""

    coverage_target: float
    win_rate_target: float
    coverage: float | None  # open pipeline / quota still to close, this period
    win_rate: float | None  # trailing year by value: what needed coverage is worked from
    implied_coverage: float | None  # 1 / win rate

    @classmethod
    def of(
        cls, figures: ForecastFigures, coverage_target: float, win_rate_target: float
    ) -> Targets:
        return cls(
            coverage_target,
            win_rate_target,
            figures.coverage,
            figures.basis.trailing_win_rate,
            figures.needed_coverage,
        )

    @property
    def contradicted(self) -> bool:
        return self.implied_coverage is not None and self.implied_coverage > self.coverage_target


@dataclass(frozen=True)
class ProcessView:
    pipeline_id: int
    pipeline_name: str
    window: CalibrationWindow
    period_key: str
    stages: list[ProcessStage]
    targets: Targets

    def stage(self, stage_id: int) -> ProcessStage:
        return next(s for s in self.stages if s.id == stage_id)


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    kind: str
    pipeline: str | None
    stage: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    who: str | None
    at: datetime
    proposal_id: int | None


def stage_names(conn: Connection, pipeline_id: int) -> dict[str, int]:
    """Every name the pipeline's stages answer to in the history: today's, and earlier
    ones from renames (today's names win when an old name was given to another)."""
    names: dict[str, int] = {}
    renames = select(LOG.stage_id, LOG.old_value).where(
        LOG.pipeline_id == pipeline_id, LOG.kind == ProcessChangeKind.STAGE_RENAMED.value
    )
    for stage_id, old in conn.execute(renames.order_by(LOG.id)):
        if old is not None and stage_id is not None:
            names[old] = stage_id
    current = select(STAGE.id, STAGE.name).where(STAGE.pipeline_id == pipeline_id)
    names.update({name: sid for sid, name in conn.execute(current)})
    return names


def pending_proposals(conn: Connection, pipeline_id: int) -> dict[int, Proposal]:
    """The latest proposal per stage not yet accepted (an earlier one is superseded)."""
    accepted = select(LOG.proposal_id).where(
        LOG.kind == ProcessChangeKind.PROPOSAL_ACCEPTED.value, LOG.proposal_id.is_not(None)
    )
    latest = (
        select(func.max(LOG.id))
        .where(LOG.kind == ProcessChangeKind.PROPOSAL.value, LOG.pipeline_id == pipeline_id)
        .group_by(LOG.stage_id)
    )
    query = history_query().where(LOG.id.in_(latest), LOG.id.not_in(accepted))
    return {
        e.stage_id: e
        for e in (
            Proposal(
                r.id,
                r.stage_id,
                int(r.old_value),
                int(r.new_value),
                r.reason,
                r.who,
                as_utc(r.changed_at),
            )
            for r in conn.execute(query)
        )
    }


def history_query() -> Any:
    """The process log with the names people read: stage, pipeline, who."""
    user, pipeline = WHO_T, PIPELINE_T
    return select(
        LOG.id,
        LOG.kind,
        LOG.stage_id,
        LOG.old_value,
        LOG.new_value,
        LOG.reason,
        LOG.changed_at,
        LOG.proposal_id,
        pipeline.c.name.label("pipeline"),
        STAGE.name.label("stage"),
        user.c.display_name.label("who"),
    ).select_from(
        LOG_T.outerjoin(STAGE_T, STAGE.id == LOG.stage_id)
        .outerjoin(pipeline, pipeline.c.id == LOG.pipeline_id)
        .outerjoin(user, user.c.id == LOG.changed_by_id)
    )


def process_history(
    conn: Connection, pipeline_id: int | None, limit: int | None
) -> list[HistoryEntry]:
    """The process log, newest first; `pipeline_id` None: every pipeline (and the targets)."""
    query = history_query().order_by(LOG.changed_at.desc(), LOG.id.desc())
    if pipeline_id is not None:
        query = query.where(or_(LOG.pipeline_id == pipeline_id, LOG.pipeline_id.is_(None)))
    if limit is not None:
        query = query.limit(limit)
    return [
        row_to(HistoryEntry, row, at=as_utc(row["changed_at"]))
        for row in conn.execute(query).mappings()
    ]


def process_stages(
    conn: Connection, pipeline_id: int, window: CalibrationWindow
) -> list[ProcessStage]:
    """Every stage of the pipeline (retired ones too) with its observed figures."""
    names = stage_names(conn, pipeline_id)
    kinds = select(STAGE.id, STAGE.kind).where(STAGE.pipeline_id == pipeline_id)
    stage_kinds = {sid: kind for sid, kind in conn.execute(kinds)}
    shares = observed_shares(conn, pipeline_id, window, names, stage_kinds)
    medians = stay_medians(conn, pipeline_id, window, names)
    proposals = pending_proposals(conn, pipeline_id)
    # The board's count of each column: the deals in the stage, archived ones left out.
    # Led by the stage, the count is read from an index (ix_deal_stage_amount) alone.
    open_stages = select(STAGE.id).where(
        STAGE.pipeline_id == pipeline_id, STAGE.kind == StageKind.OPEN.value
    )
    counts = (
        select(DEAL.stage_id, func.count())
        .where(DEAL.stage_id.in_(open_stages.scalar_subquery()), DEAL.archived == false())
        .group_by(DEAL.stage_id)
    )
    open_deals: dict[int, int] = {sid: int(n) for sid, n in conn.execute(counts)}
    query = (
        select(
            STAGE.id,
            STAGE.name,
            STAGE.kind,
            STAGE.position,
            STAGE.default_probability,
            STAGE.retired,
        )
        .where(STAGE.pipeline_id == pipeline_id)
        .order_by(STAGE.position, STAGE.id)
    )
    stages = []
    for row in conn.execute(query).mappings():
        closed, won = shares.get(row["id"], (0, 0))
        stays, median_days = medians.get(row["id"], (0, None))
        is_open = row["kind"] == StageKind.OPEN.value
        stages.append(
            row_to(
                ProcessStage,
                row,
                retired=bool(row["retired"]),
                open_deals=int(open_deals.get(row["id"], 0)) if is_open else 0,
                closed=closed,
                won=won,
                median_days=median_days,
                stays=stays,
                proposal=proposals.get(row["id"]),
            )
        )
    return stages


__all__ = [
    "HistoryEntry",
    "ProcessStage",
    "ProcessView",
    "Proposal",
    "Targets",
    "observed_shares",
    "pending_proposals",
    "process_history",
    "process_stages",
    "stage_names",
    "stay_medians",
]
