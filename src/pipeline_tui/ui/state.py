"""What the main screen is looking at: period, whose deals, which pipeline, which filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ..forecast import Scope
from ..forecast.snapshots import SnapshotScope
from ..periods import Period, quarter_containing
from ..services.deals import DealFilter
from ..services.scope import EVERYONE, ME, TEAM, Owner, UnknownPersonError, resolve_owner
from ..services.workspace import Workspace

CATEGORY_FILTERS: list[tuple[str, frozenset[str] | None]] = [
    ("all categories", None),
    ("commit", frozenset({"commit"})),
    ("best case", frozenset({"best_case"})),
    ("commit + best case", frozenset({"commit", "best_case"})),
    ("pipeline", frozenset({"pipeline"})),
    ("omitted", frozenset({"omitted"})),
]
DATE_FILTERS = ["closing this period", "no close date", "any close date"]
SORTS = [("close_date", False, "close date"), ("amount", True, "amount")]
STALE_DAYS = 30  # when the settings say nothing else


@dataclass(frozen=True)
class ViewState:
    period: Period
    owner: Owner  # whose deals, by the rules every screen and command uses
    pipeline_id: int
    category_index: int = 0
    date_index: int = 0
    stale: bool = False
    search: str | None = None
    sort_index: int = 0
    table_sort: str | None = None
    table_descending: bool = False
    # Only deals with an inspection flag (`F`).
    flagged: bool = False
    stale_days: int = STALE_DAYS  # the setting, read when the screen opens

    @classmethod
    def initial(cls, ws: Workspace) -> ViewState:
        """This quarter, my team (or my own deals, with no one below me), the first
        pipeline."""
        period = quarter_containing(ws.today(), ws.settings.fiscal_year_start_month)
        key = TEAM if ws.org.direct_reports(ws.me.id) else ME
        return cls(
            period,
            resolve_owner(ws.org, key, ws.me),
            ws.pipelines[0][0],
            stale_days=ws.settings.stale_days,
        )

    @property
    def filtered(self) -> bool:
        """Whether any filter narrows the board (what escape clears)."""
        return bool(
            self.search or self.category_index or self.date_index or self.stale or self.flagged
        )

    @property
    def owner_key(self) -> str:
        return self.owner.key

    @property
    def owner_ids(self) -> frozenset[int] | None:
        return self.owner.owner_ids

    @property
    def owner_label(self) -> str:
        return self.owner.label

    @property
    def scope(self) -> Scope:
        return Scope(self.owner_ids, self.pipeline_id)

    @property
    def review_scope(self) -> SnapshotScope:
        """The same people and pipeline as a review or snapshot names them."""
        return replace(self.owner.review_scope, pipeline_id=self.pipeline_id)

    @property
    def sort(self) -> tuple[str, bool]:
        if self.table_sort is not None:
            return self.table_sort, self.table_descending
        key, descending, _ = SORTS[self.sort_index]
        return key, descending

    def deal_filter(self, today: date) -> DealFilter:
        dated = DATE_FILTERS[self.date_index]
        return DealFilter(
            period=self.period,
            closing_in_period=dated == "closing this period",
            owner_ids=self.owner_ids,
            pipeline_id=self.pipeline_id,
            categories=CATEGORY_FILTERS[self.category_index][1],
            no_close_date=dated == "no close date",
            stale_days=self.stale_days if self.stale else None,
            search=self.search or None,
            today=today,
            flagged=self.flagged,
        )

    def with_owner(self, ws: Workspace, key: str) -> ViewState:
        """Unchanged for a login no one has (the palette offers only people who exist)."""
        try:
            owner = resolve_owner(ws.org, key, ws.me)
        except UnknownPersonError:
            return self
        return replace(self, owner=owner)

    def next_owner(self, ws: Workspace) -> ViewState:
        cycle = [ME, TEAM, EVERYONE] if ws.org.direct_reports(ws.me.id) else [ME, EVERYONE]
        index = cycle.index(self.owner_key) + 1 if self.owner_key in cycle else 0
        return self.with_owner(ws, cycle[index % len(cycle)])

    def filter_labels(self) -> list[str]:
        labels = []
        if self.category_index:
            labels.append(CATEGORY_FILTERS[self.category_index][0])
        if self.date_index:
            labels.append(DATE_FILTERS[self.date_index])
        if self.stale:
            labels.append(f"stale {self.stale_days}d+")
        if self.flagged:
            labels.append("flagged")
        if self.search:
            labels.append(f"“{self.search}”")
        return labels
