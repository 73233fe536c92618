"""The session's reads behind the roll-up, what changed, reviews and `report`/`changes`."""

from __future__ import annotations

from datetime import datetime
from typing import TextIO

from ..errors import InputError
from ..forecast import GroupBy, Rollup, Scope, compute_rollup
from ..forecast.calibration_text import CalibrationReport, calibration_report
from ..forecast.tree import TreeNode, rollup_tree
from ..forecast.waterfall import waterfall
from ..forecast.waterfall_model import Waterfall
from ..importing import export
from ..periods import Period, PeriodError, parse_period
from ..reviews import ReviewListing, ReviewSummary, list_reviews, review_summary
from ..reviews.since import since_last_review
from .people import resolve_owner_scope
from .session_base import SessionBase


class ReadsDoor(SessionBase):
    def resolve_scope(
        self, owner: str | None, period: str, pipeline: str | None
    ) -> tuple[Period, frozenset[int] | None, int | None]:
        """`--owner`, `--period` and `--pipeline` (or the same words from a screen) as a
        period, owner ids (None: everyone) and a pipeline id (None: all)."""
        try:
            resolved = parse_period(
                period,
                today=self.today(),
                fiscal_year_start_month=self.settings.fiscal_year_start_month,
            )
        except PeriodError as exc:
            raise InputError(str(exc)) from exc
        owners, _label = self.run(lambda: resolve_owner_scope(self.engine, owner, me=self.login))
        pipeline_id = None
        if pipeline:
            pipeline_id = {name.casefold(): pid for pid, name in self.pipelines}.get(
                pipeline.casefold()
            )
            if pipeline_id is None:
                known = ", ".join(name for _, name in self.pipelines)
                raise InputError(f"no pipeline named '{pipeline}'; there is {known}")
        return resolved, owners, pipeline_id

    def report(self, period: Period, by: GroupBy, scope: Scope) -> Rollup:
        """The forecast roll-up grouped `by` (`pipeline-tui report`)."""

        def compute() -> Rollup:
            with self.engine.connect() as conn:
                return compute_rollup(conn, period, by, scope, today=self.today())

        return self.run(compute)

    def rollup(self, period: Period, scope: Scope) -> list[TreeNode]:
        """The organisation as a tree, the rep's call beside the manager's (`R`)."""
        return self.run(lambda: rollup_tree(self.engine, period, scope, today=self.today()))

    def calibration(self, period: Period, scope: Scope) -> CalibrationReport:
        """How well stated probabilities and past calls held up: the roll-up screen's
        panel and `report --calibration`."""
        return self.run(
            lambda: calibration_report(
                self.engine,
                period=period,
                today=self.today(),
                owner_ids=scope.owner_ids,
                pipeline_id=scope.pipeline_id,
            )
        )

    def since_last_review(self, period: Period, scope: Scope) -> datetime | int | None:
        """Where the last ended review of this scope left off; None if none has ended."""
        return self.run(lambda: since_last_review(self.engine, period, scope))

    def changes(self, since: datetime | int, period: Period, scope: Scope) -> Waterfall:
        """What changed since `since`: the pipeline waterfall (`W`, `pipeline-tui changes`)."""
        return self.run(lambda: waterfall(self.engine, since=since, period=period, scope=scope))

    def reviews(self) -> list[ReviewListing]:
        """Every review, newest first."""
        return self.run(lambda: list_reviews(self.engine))

    def review_summary(self, review_id: int) -> ReviewSummary:
        return self.run(lambda: review_summary(self.engine, review_id, today=self.today()))

    def export(self, out: TextIO, *, kind: str, fmt: str) -> int:
        """Writes deals, people, quotas or history to `out`; how many."""
        return self.run(lambda: export(self.engine, out, kind=kind, fmt=fmt))
