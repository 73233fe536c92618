"""The main screen's edits shown at once, and its reads kept to what changed.

A keystroke edit shows on its card, its column's totals and the header in the frame the
key lands in (`ui/optimistic.py` works out what to show); the write follows in the
editor's worker. Once the edits typed have all landed, the screen reads again only the
deals they touched, those deals' stages' totals and the header, in one connection
(`Workspace.patch`), plus a page of a column only where a card changed column or place.
Someone else's changes (live updates) are read the same way, from the deals the change
log names since the last change the screen has seen; when that can't be told (many
changes, new deals, a change that isn't a deal's) the screen reads everything again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import work
from textual.screen import Screen

from ...errors import user_message
from ...forecast.metrics import ForecastFigures
from ...services.deals import DealCard, DealFilter
from ...services.edit_types import Edit
from ...services.workspace import ChangeMark, ColumnPage, EditResult, Workspace
from ..messages import BoardPatched, ChangesUnknown, LoadFailed
from ..optimistic import Optimism
from ..widgets.board import PAGE_SIZE

if TYPE_CHECKING:
    from ...ui.state import ViewState
    from ..widgets.board import Board
    from ..widgets.deal_table import DealTable
    from .editing import DealEditor

# More deals changed at once than this, and reading the board again is simpler.
LIVE_LIMIT = 50

# Where a card sorts: the field each board sort reads.
SORT_FIELDS = {
    "close_date": "close_date",
    "amount": "amount",
    "probability": "probability",
    "name": "name",
    "account": "account",
    "owner": "owner_name",
    "stage": "stage_id",
    "updated": "updated_at",
}


def same_place(before: DealCard, now: DealCard, sort: str) -> bool:
    """Whether `now` sorts where `before` did, in the same column."""
    field = SORT_FIELDS.get(sort, "id")
    same_key = getattr(before, field) == getattr(now, field)
    return before.stage_id == now.stage_id and same_key


class IncrementalBoard(Screen[None]):
    """`MainScreen`'s half that keeps the board current a piece at a time."""

    if TYPE_CHECKING:
        workspace: Workspace
        editor: DealEditor
        state: ViewState
        _generation: int
        _offsets: dict[int, int]
        _table_offset: int
        _live_seen: DealCard | None

        @property
        def board(self) -> Board: ...

        @property
        def table(self) -> DealTable: ...

        @property
        def in_table(self) -> bool: ...

        def _show_figures(self, figures: ForecastFigures) -> None: ...

        def selected_deal(self) -> DealCard | None: ...

        def reload_live(self) -> None: ...

        def _load_table(self, *args: Any, **kwargs: Any) -> Any: ...

    def init_incremental(self) -> None:
        self.optimism = Optimism()
        self._mark: ChangeMark | None = None  # how far the board has read the change log
        self._live_due = False  # someone else changed something while edits were landing
        self._follow: int | None = None  # the deal the cursor follows after its edits

    # The edits (`editing.PredictingHost`) ------------------------------------------------
    def edit_typed(self, key: int, card: DealCard, edit: Edit) -> None:
        if self.optimism.figures is None:  # nothing read yet to show it against
            return
        self.optimism.typed(key, card.id, edit)
        self._show_deal(card.id)

    def edit_landed(self, key: int, result: EditResult | None) -> None:
        waiting = self.optimism.waiting.get(key)
        deal_id = result.deal.id if result is not None else waiting[0] if waiting else None
        if deal_id is None:
            return
        stages = self.optimism.stages_of(deal_id)
        self.optimism.landed(key, result.deal if result is not None else None)
        self._show_deal(deal_id, stages)
        if result is None and not self.editor.busy:
            self.read_touched()

    def after_edit(self, result: EditResult | None) -> None:
        if result is None:  # someone else's change got in the way: read it all again
            self._follow = None
            self.reload_live()
            return
        # The cursor follows the edited deal (into another column after `]`) unless a key
        # typed meanwhile moved it on: then it stays where that key put it.
        selected = self.selected_deal()
        following = selected is not None and selected.id == result.deal.id
        self._follow = result.deal.id if following else None
        if not self.editor.queued:  # the last of a burst: read what the burst touched
            self.read_touched()

    def _show_deal(self, deal_id: int, stages: set[int] | None = None) -> None:
        """The deal, its stages' totals and the header as the optimism says."""
        ws, opt = self.workspace, self.optimism
        currency = ws.settings.currency
        card = opt.card(deal_id)
        with self.app.batch_update():
            if card is not None:
                if self.in_table:
                    self.table.replace_card(card)
                else:
                    for column in self.board.columns():
                        column.replace_card(card)
            if not self.in_table:
                for stage_id in (stages or set()) | opt.stages_of(deal_id):
                    view, shown = (
                        self.board.column_for_stage(stage_id),
                        opt.shown_column(stage_id, currency),
                    )
                    if view is not None and shown is not None:
                        view.show_totals(shown)
            figures = opt.shown_figures(self.state.period, currency)
            if figures is not None:
                self._show_figures(figures)

    # Reading what changed ---------------------------------------------------------------
    def read_touched(self) -> None:
        """Reads the deals this session's edits touched, their stages' totals, the header."""
        opt = self.optimism
        touched = frozenset(opt.touched)
        if not touched or opt.figures is None:
            return
        stages = [opt.stages_of(d) if d in opt.cards else None for d in touched]
        # An undo on a deal not on screen: where it was is not known, so every stage.
        stage_ids = None if None in stages else set().union(*(s for s in stages if s))
        self._patch(touched, stage_ids, dict(opt.cards), opt.writes, self._generation, None)

    def refresh_live(self) -> None:
        """Someone else changed something: read what, and only that."""
        if self._mark is None or self.optimism.figures is None:
            self.reload_live()
            return
        if self.editor.busy or self.optimism.touched:  # after this session's edits land
            self._live_due = True
            return
        self._live_seen = self.selected_deal()
        opt = self.optimism
        self._patch(frozenset(), None, dict(opt.cards), opt.writes, self._generation, self._mark)

    @work(thread=True, group="patch")
    def _patch(
        self,
        deal_ids: frozenset[int],
        stage_ids: set[int] | None,
        base: dict[int, DealCard],
        writes: int,
        gen: int,
        mark: ChangeMark | None,
    ) -> None:
        ws = self.workspace
        flt: DealFilter = self.state.deal_filter(ws.today())
        sort, descending = self.state.sort
        try:
            if mark is not None:
                feed = ws.changes_after(mark, limit=LIVE_LIMIT)
                if feed.deal_ids is None or not feed.deal_ids:
                    self.post_message(ChangesUnknown())
                    return
                deal_ids, mark = feed.deal_ids, feed.mark
                known = [base.get(d) for d in deal_ids]
                stage_ids = None if None in known else {c.stage_id for c in known if c}
            patch = ws.patch(
                flt,
                self.state.scope,
                deal_ids=deal_ids,
                stage_ids=() if self.in_table else stage_ids,
            )
            moved: set[int] = set()
            for deal_id in deal_ids:
                before, now = base.get(deal_id), patch.cards.get(deal_id)
                if before is None or now is None or not same_place(before, now, sort):
                    moved |= {c.stage_id for c in (before, now) if c is not None}
            pages: list[ColumnPage] = []
            if not self.in_table:
                for column in patch.columns:
                    if column.stage_id not in moved:
                        continue
                    offset = self._offsets.get(column.stage_id, 0)
                    offset = max(0, min(offset, max(column.count - 1, 0)))
                    pages.append(
                        ws.page(
                            flt, column, sort=sort, descending=descending, offset=offset,
                            limit=PAGE_SIZE,
                        )
                    )  # fmt: skip
        except Exception as exc:  # shown to the person; the app stays usable
            self.post_message(LoadFailed(f"Couldn't load deals: {user_message(exc, ws.secrets)}"))
            return
        self.post_message(
            BoardPatched(
                patch,
                pages,
                deal_ids,
                reorder=bool(moved),
                writes=writes,
                generation=gen,
                mark=mark,
            )
        )

    def on_board_patched(self, message: BoardPatched) -> None:
        opt = self.optimism
        if message.generation != self._generation:
            return
        if message.writes != opt.writes:  # an edit landed since: its own read follows
            self._live_due = self._live_due or message.mark is not None
            return
        patch, ws = message.patch, self.workspace
        before = {d: opt.cards.get(d) for d in message.deal_ids}
        gone = {d for d in message.deal_ids if d not in patch.cards}
        opt.read_again(patch.figures, patch.columns, patch.cards, gone)
        for page in message.pages:
            opt.add_cards(page.cards)
        if message.mark is not None:
            self._mark = message.mark
        currency, today = ws.settings.currency, ws.today()
        follow, self._follow = self._follow, None
        with self.app.batch_update():
            self._show_figures(patch.figures)
            if self.in_table:
                for card in patch.cards.values():
                    self.table.replace_card(card)
                if message.reorder or gone:
                    self._load_table(
                        self.state.deal_filter(ws.today()),
                        self._table_offset,
                        follow,
                        None,
                        self._generation,
                        figures=False,
                    )
            else:
                for page in message.pages:
                    view = self.board.column_for_stage(page.stage.stage_id)
                    if view is None:
                        continue
                    keep = follow if any(c.id == follow for c in page.cards) else None
                    if keep is None and (selected := view.selected()) is not None:
                        keep = selected.id
                    view.show(page, currency, today, keep_deal=keep)
                    if keep == follow and follow is not None:
                        self.set_focus(view.deal_list)
                        self.board.scroll_to_widget(view, animate=False)
                for column in patch.columns:
                    view = self.board.column_for_stage(column.stage_id)
                    if view is not None:
                        view.show_totals(column)
                for card in patch.cards.values():
                    for view in self.board.columns():
                        view.replace_card(card)
            for deal_id in opt.touched:  # typed since the read began: shown on top of it
                self._show_deal(deal_id)
        if message.mark is not None:
            self._mark_changed(before, patch.cards)
        if self._live_due and not self.editor.busy and not opt.touched:
            self._live_due = False
            self.refresh_live()

    def _mark_changed(self, before: dict[int, DealCard | None], now: dict[int, DealCard]) -> None:
        """Marks, for a moment, the cards someone else changed; the cursor's last."""
        ws, seen = self.workspace, self._live_seen
        self._live_seen = None
        changed = [
            card
            for deal_id, card in now.items()
            if (old := before.get(deal_id)) is None or ws.changed_by_others(old, card)
        ]
        changed.sort(key=lambda c: seen is not None and c.id == seen.id)
        for card in changed:
            if self.in_table:
                if any(c.id == card.id for c in self.table.cards):
                    self.table.mark_changed(card.id)
                continue
            for view in self.board.columns():
                if any(c.id == card.id for c in view.cards):
                    view.mark_changed(card.id)

    def on_changes_unknown(self, _message: ChangesUnknown) -> None:
        self.reload_live()
