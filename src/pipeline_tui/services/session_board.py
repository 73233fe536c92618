"""The session's small reads that keep a board current without reading it all again.

After an edit, or when someone else changed something, a screen asks only for what can
have moved: some deals, the totals of some stages and the header (`patch`), and which
deals changed since the last change it knows of (`changes_after`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from ..forecast import Scope, forecast_totals
from ..forecast.metrics import ForecastFigures
from ..models import DealChange, table_of
from ..query import where
from ..query.flags import FlagRules
from .cards import DEAL, DealCard, card_from_row, card_query
from .deals import StageColumn, stage_totals, with_flag_rules
from .session_base import SessionBase

CHANGE = table_of(DealChange).c


@dataclass(frozen=True)
class BoardPatch:
    """What changed on a board, read in one connection: the header, the totals of the
    stages asked for, and of the deals asked for those that match the board's filter now
    (a deal missing from `cards` has left the board)."""

    figures: ForecastFigures
    columns: list[StageColumn]
    cards: dict[int, DealCard]
    # The inspection flags' settings the cards were read by: pages read after use them.
    rules: FlagRules | None = None


@dataclass(frozen=True)
class ChangeMark:
    """How far a screen has read: the newest change id and the newest deal id (a deal
    added, by an import, leaves no change row)."""

    change_id: int = 0
    deal_id: int = 0


@dataclass(frozen=True)
class ChangeFeed:
    """The deals changed since a mark, and the mark now; `deal_ids` None when there were
    more than asked for, or deals were added: read it all again then."""

    mark: ChangeMark
    deal_ids: frozenset[int] | None


class BoardDoor(SessionBase):
    def header(self, scope: Scope, flt: Scope) -> ForecastFigures:
        """The header's figures: the lookups and one aggregate, in one connection; the
        same code `report` takes its totals from."""
        return self.patch(flt, scope, deal_ids=(), stage_ids=()).figures

    def patch(
        self,
        flt: Scope,
        scope: Scope,
        *,
        deal_ids: Collection[int],
        stage_ids: Collection[int] | None,
    ) -> BoardPatch:
        """The header, the totals of `stage_ids` (None: every open stage) and the deals
        `deal_ids` as the board (`flt`, in `scope`'s pipeline) shows them now."""
        flt, scope = self.seen(flt), self.seen(scope)
        period, pipeline_id = flt.period, scope.pipeline_id
        assert period is not None and pipeline_id is not None

        def read() -> BoardPatch:
            with self.engine.connect() as conn:
                figures = forecast_totals(conn, period, scope, today=self.today())
                # The cards' inspection flags, and the flagged filter, as the page showed.
                shown, rules = (
                    with_flag_rules(conn, flt) if deal_ids or flt.flagged else (flt, None)
                )
                columns = (
                    stage_totals(conn, flt, pipeline_id, stage_ids, rules=rules)
                    if stage_ids is None or stage_ids
                    else []
                )
                cards: dict[int, DealCard] = {}
                if deal_ids:
                    query = card_query(rules).where(DEAL.id.in_(sorted(deal_ids)), *where(shown))
                    cards = {c.id: c for c in map(card_from_row, conn.execute(query))}
            return BoardPatch(figures, columns, cards, rules)

        return self.run(read)

    def change_mark(self) -> ChangeMark:
        """Where `changes_after` starts from, read before what it will be compared with."""

        def read() -> ChangeMark:
            with self.engine.connect() as conn:
                return _mark(conn)

        return self.run(read)

    def changes_after(self, mark: ChangeMark, *, limit: int) -> ChangeFeed:
        """The deals changed after `mark`, when at most `limit` and none was added."""

        def read() -> ChangeFeed:
            with self.engine.connect() as conn:
                now = _mark(conn)
                rows = conn.execute(
                    select(CHANGE.deal_id)
                    .where(CHANGE.id > mark.change_id, CHANGE.id <= now.change_id)
                    .distinct()
                    .limit(limit + 1)
                ).all()
            if len(rows) > limit or now.deal_id != mark.deal_id:
                return ChangeFeed(now, None)
            return ChangeFeed(now, frozenset(int(r[0]) for r in rows))

        return self.run(read)


def _mark(conn: Connection) -> ChangeMark:
    change_id = conn.execute(select(func.max(CHANGE.id))).scalar()
    deal_id = conn.execute(select(func.max(DEAL.id))).scalar()
    return ChangeMark(int(change_id or 0), int(deal_id or 0))
