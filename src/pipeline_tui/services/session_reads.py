"""The session's reads behind the roll-up, what changed, reviews and `report`/`changes`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, TextIO

from ..forecast import GroupBy, Rollup, Scope, compute_rollup
from ..forecast.calibration_text import CalibrationReport, calibration_report
from ..forecast.snapshots import SnapshotScope
from ..forecast.tree import TreeNode, rollup_tree
from ..forecast.waterfall import waterfall
from ..forecast.waterfall_model import Waterfall
from ..periods import Period
from ..reviews import ReviewListing, ReviewSummary, list_reviews, review_summary
from ..reviews.since import since_last_review
from .detail import ChangeView, deal_history
from .landing import Landing, find_landing
from .scope import ResolvedScope, ScopeRequest, Since, resolve_scope, resolve_since
from .session_base import SessionBase

if TYPE_CHECKING:
    from ..importing.export import Exported


class ReadsDoor(SessionBase):
    def resolve_scope(self, owner: str | None, period: str, pipeline: str | None) -> ResolvedScope:
        """`--owner`, `--period` and `--pipeline` (or the same words from a screen) by the
        rules every screen uses (`services.scope.resolve_scope`)."""
        request = ScopeRequest(owner, period, pipeline)
        return self.run(
            lambda: resolve_scope(self.engine, request, user=self.login, today=self.today())
        )

    def resolve_since(self, text: str, period: Period, scope: SnapshotScope) -> Since:
        """Where "what changed" starts: a date, or where the last review of `scope` ended."""
        return self.run(lambda: resolve_since(self.engine, text, period, scope, today=self.today()))

    def report(self, period: Period, by: GroupBy, scope: Scope) -> Rollup:
        """The forecast roll-up grouped `by` (`pipeline-tui report`)."""

        def compute() -> Rollup:
            with self.engine.connect() as conn:
                return compute_rollup(conn, period, by, self.seen(scope), today=self.today())

        return self.run(compute)

    def rollup(self, period: Period, scope: Scope) -> list[TreeNode]:
        """The organisation as a tree, the rep's call beside the manager's (`R`)."""
        return self.run(
            lambda: rollup_tree(self.engine, period, self.seen(scope), today=self.today())
        )

    def calibration(self, period: Period, scope: Scope) -> CalibrationReport:
        """How well stated probabilities and past calls held up: the roll-up screen's
        panel and `report --calibration`."""
        scope = self.seen(scope)
        return self.run(
            lambda: calibration_report(
                self.engine,
                period=period,
                today=self.today(),
                owner_ids=scope.owner_ids,
                pipeline_id=scope.pipeline_id,
            )
        )

    def since_last_review(self, period: Period, scope: SnapshotScope) -> datetime | int | None:
        """Where the last ended review of this scope left off; None if none has ended."""
        return self.run(lambda: since_last_review(self.engine, period, scope))

    def changes(self, since: datetime | int, period: Period, scope: Scope) -> Waterfall:
        """What changed since `since`: the pipeline waterfall (`W`, `pipeline-tui changes`)."""
        return self.run(
            lambda: waterfall(self.engine, since=since, period=period, scope=self.seen(scope))
        )

    def deal_history(self, deal_id: int) -> tuple[str, list[ChangeView]]:
        """A deal's name and its whole change history, newest first (`changes --deal`)."""
        return self.run(lambda: deal_history(self.engine, deal_id))

    def landing(self, scope: Scope, current: Period) -> Landing | None:
        """Where the board should open when `current` holds nothing for `scope`."""
        return self.run(lambda: find_landing(self.engine, scope, current))

    def reviews(self) -> list[ReviewListing]:
        """Every review, newest first."""
        return self.run(lambda: list_reviews(self.engine))

    def review_summary(self, review_id: int) -> ReviewSummary:
        return self.run(lambda: review_summary(self.engine, review_id, today=self.today()))

    def export(self, out: TextIO, *, kind: str, fmt: str, archived: bool = False) -> Exported:
        """Writes deals, people, quotas or history to `out`: how many, and how many
        archived deals were left out (all are in it with `archived`)."""
        from ..importing import export  # the importer's package: imported when used

        return self.run(lambda: export(self.engine, out, kind=kind, fmt=fmt, archived=archived))
