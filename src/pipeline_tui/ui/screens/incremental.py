"""The main screen's edits shown at once, and its reads kept to what changed.

A keystroke edit shows on its card, its column's totals and the header in the frame the
key lands in (`ui/optimistic.py` works out what to show); the write follows in the
editor's worker. Once the edits typed have all landed, the screen reads again only the
deals they touched, those deals' stages' totals and the header, in one connection
(`Workspace.patch`), plus a page of a column only where a card changed column or place.
Someone else's changes (live updates) are read the same way, from the deals the change
log names since the last change the screen has seen; when that can't be told (many
changes, new deals, a change that isn't a deal's) the screen reads everything again.

`BoardKeeper` is a part the main screen composes (no visual of its own): it owns the
optimism, the patch worker and its messages, and reaches the screen through `KeptBoard`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from textual import work
from textual.widget import Widget

from ...errors import user_message
from ...forecast.metrics import ForecastFigures
from ...services.deals import DealCard, DealFilter
from ...services.workspace import BoardSnapshot, ChangeMark, ColumnPage, EditResult, Workspace
from ..messages import BoardPatched, ChangesUnknown, LoadFailed
from ..optimistic import Optimism
from ..widgets.board import PAGE_SIZE

if TYPE_CHECKING:
    from ...services.edit_types import Edit
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


class ShownBoard(Protocol):
    """What the main screen shows, as its composed parts (this keeper, the page reader) see it."""

    state: ViewState

    @property
    def board(self) -> Board: ...

    @property
    def table(self) -> DealTable: ...

    @property
    def in_table(self) -> bool: ...

    @property
    def generation(self) -> int: ...


class KeptBoard(ShownBoard, Protocol):
    """What the main screen gives its `BoardKeeper`."""

    editor: DealEditor

    def column_offset(self, stage_id: int) -> int: ...

    def show_figures(self, figures: ForecastFigures) -> None: ...

    def selected_deal(self) -> DealCard | None: ...

    def reload(self, *, keep_deal: int | None = None, top: bool = False) -> None: ...

    def reorder_table(self, keep_deal: int | None) -> None:
        """The table's page read again (rows only: the header is current)."""


@dataclass(frozen=True)
class _View:
    """What a patch is read for, taken on the screen's thread when it is asked for."""

    flt: DealFilter
    scope: DealFilter
    sort: str
    descending: bool
    in_table: bool
    offsets: dict[int, int]


class BoardKeeper(Widget):
    def __init__(self, workspace: Workspace, host: KeptBoard) -> None:
        super().__init__(id="board-keeper")
        self.display = False
        self.workspace, self.host = workspace, host
        self.optimism = Optimism()
        self._mark: ChangeMark | None = None  # how far the board has read the change log
        self._live_due = False  # someone else changed something while edits were landing
        self._follow: int | None = None  # the deal the cursor follows after its edits
        self._live_seen: DealCard | None = None  # the cursor's deal before a live patch
        self._reload_seen: DealCard | None = None  # and before a live reload of it all

    # What was read whole ---------------------------------------------------------------
    def board_read(self, snapshot: BoardSnapshot) -> None:
        pages = snapshot.pages
        self.optimism.based_on(
            snapshot.figures, [p.stage for p in pages], [c for p in pages for c in p.cards]
        )
        self._mark = snapshot.mark

    def table_read(self, figures: ForecastFigures | None, cards: list[DealCard]) -> None:
        opt = self.optimism
        if figures is not None:
            opt.based_on(figures, list(opt.columns.values()), cards)
        else:
            opt.add_cards(cards)

    def reload_live(self) -> None:
        """Someone else changed something: read it all again, the cursor staying on its
        deal (which is marked if it is what changed: `mark_live_change`)."""
        seen = self.host.selected_deal()
        self.host.reload(keep_deal=seen.id if seen else None)
        self._reload_seen = seen

    def mark_live_change(self) -> None:
        """After a whole read: marks the cursor's deal if someone else changed it."""
        seen, self._reload_seen = self._reload_seen, None
        if seen is None:
            return
        host = self.host
        # The deal may have moved stage: the cursor followed it to another column.
        views = [host.table] if host.in_table else host.board.columns()
        for view in views:
            now = view.selected()
            if (
                now is not None
                and now.id == seen.id
                and self.workspace.changed_by_others(seen, now)
            ):
                view.mark_changed(now.id)

    def show_typed(self) -> None:
        """Edits typed while a read was under way, shown on top of what it read."""
        for deal_id in self.optimism.touched:
            self._show_deal(deal_id)

    # The edits (`editing.PredictingHost`, through the screen) ---------------------------
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
        if result is None and not self.host.editor.busy:
            self.read_touched()

    def after_edit(self, result: EditResult | None, *, follow: bool = False) -> None:
        host = self.host
        if result is None:  # someone else's change got in the way: read it all again
            self._follow = None
            self.reload_live()
            return
        # The cursor follows the edited deal (into another column after `]`) unless a key
        # typed meanwhile moved it on: then it stays where that key put it. An undo's deal
        # is followed wherever the cursor is: it is what the person wants to see.
        selected = host.selected_deal()
        following = follow or (selected is not None and selected.id == result.deal.id)
        self._follow = result.deal.id if following else None
        if host.editor.queued:  # not the last of a burst: the last reads what it touched
            return
        if not self.read_touched():
            self._follow = None
            host.reload(keep_deal=result.deal.id if following else None)

    def _show_deal(self, deal_id: int, stages: set[int] | None = None) -> None:
        """The deal, its stages' totals and the header as the optimism says."""
        host, opt = self.host, self.optimism
        currency = self.workspace.settings.currency
        card = opt.card(deal_id)
        with self.app.batch_update():
            if card is not None:
                if host.in_table:
                    host.table.replace_card(card)
                else:
                    for column in host.board.columns():
                        column.replace_card(card)
            # A filtered column's totals count only the deals the filter keeps, which an
            # edit may change (a category filter, the flagged one): the read says those.
            if not host.in_table and not host.state.filtered:
                for stage_id in (stages or set()) | opt.stages_of(deal_id):
                    view, shown = (
                        host.board.column_for_stage(stage_id),
                        opt.shown_column(stage_id, currency),
                    )
                    if view is not None and shown is not None:
                        view.show_totals(shown)
            figures = opt.shown_figures(host.state.period, currency)
            if figures is not None:
                host.show_figures(figures)

    # Reading what changed ---------------------------------------------------------------
    def _view(self) -> _View:
        host, today = self.host, self.workspace.today()
        sort, descending = host.state.sort
        # The columns shown, where each is paged to (none in the table).
        offsets = (
            {}
            if host.in_table
            else {
                c.stage.stage_id: host.column_offset(c.stage.stage_id) for c in host.board.columns()
            }
        )
        return _View(
            host.state.deal_filter(today), host.state.scope, sort, descending, host.in_table,
            offsets,
        )  # fmt: skip

    def read_touched(self) -> bool:
        """Reads the deals this session's edits touched, their stages' totals, the header;
        False when there is nothing to read them against (the caller reads it all)."""
        opt = self.optimism
        touched = frozenset(opt.touched)
        if not touched or opt.figures is None:
            return False
        stages = [opt.stages_of(d) if d in opt.cards else None for d in touched]
        # An undo on a deal not on screen: where it was is not known, so every stage.
        stage_ids = None if None in stages else set().union(*(s for s in stages if s))
        self._patch(
            self._view(), touched, stage_ids, dict(opt.cards), opt.writes, self.host.generation,
            None,
        )  # fmt: skip
        return True

    def refresh_live(self) -> None:
        """Someone else changed something: read what, and only that."""
        if self._mark is None or self.optimism.figures is None:
            self.reload_live()
            return
        if self.host.editor.busy or self.optimism.touched:  # after this session's edits land
            self._live_due = True
            return
        self._live_seen = self.host.selected_deal()
        opt = self.optimism
        self._patch(
            self._view(), frozenset(), None, dict(opt.cards), opt.writes, self.host.generation,
            self._mark,
        )  # fmt: skip

    @work(thread=True, group="patch")
    def _patch(
        self,
        view: _View,
        deal_ids: frozenset[int],
        stage_ids: set[int] | None,
        base: dict[int, DealCard],
        writes: int,
        gen: int,
        mark: ChangeMark | None,
    ) -> None:
        ws, flt, sort = self.workspace, view.flt, view.sort
        try:
            if mark is not None:
                feed = ws.changes_after(mark, limit=LIVE_LIMIT)
                if feed.deal_ids is None or not feed.deal_ids:
                    # Not (only) deals: perhaps the team's settings, which the whole
                    # read that follows must already see.
                    ws.reload_settings()
                    self.post_message(ChangesUnknown())
                    return
                deal_ids, mark = feed.deal_ids, feed.mark
                known = [base.get(d) for d in deal_ids]
                stage_ids = None if None in known else {c.stage_id for c in known if c}
            asked = () if view.in_table else stage_ids
            patch = ws.patch(flt, view.scope, deal_ids=deal_ids, stage_ids=asked)
            moved: set[int] = set()
            for deal_id in deal_ids:
                before, now = base.get(deal_id), patch.cards.get(deal_id)
                if before is None or now is None or not same_place(before, now, sort):
                    moved |= {c.stage_id for c in (before, now) if c is not None}
            pages: list[ColumnPage] = []
            if not view.in_table:
                for column in patch.columns:
                    if column.stage_id not in moved:
                        continue
                    offset = view.offsets.get(column.stage_id, 0)
                    offset = max(0, min(offset, max(column.count - 1, 0)))
                    pages.append(
                        ws.page(
                            flt, column, sort=sort, descending=view.descending, offset=offset,
                            limit=PAGE_SIZE, rules=patch.rules,
                        )
                    )  # fmt: skip
        except Exception as exc:  # shown to the person; the app stays usable
            self.post_message(LoadFailed(f"Couldn't load deals: {user_message(exc, ws.secrets)}"))
            return
        # A stage read whose column is no longer one (a retired stage emptied): the board's
        # columns themselves changed, which only a whole read shows.
        read = {c.stage_id for c in patch.columns}
        stale = not view.in_table and (
            any(s not in read for s in view.offsets)
            if asked is None
            else any(s not in read and s in view.offsets for s in asked)
        )
        self.post_message(
            BoardPatched(
                patch,
                pages,
                deal_ids,
                reorder=bool(moved),
                writes=writes,
                generation=gen,
                mark=mark,
                stale_columns=stale,
            )
        )

    def on_board_patched(self, message: BoardPatched) -> None:
        opt, host = self.optimism, self.host
        if message.generation != host.generation:
            return
        if message.writes != opt.writes:  # an edit landed since: its own read follows
            self._live_due = self._live_due or message.mark is not None
            return
        follow, self._follow = self._follow, None
        if message.stale_columns:
            host.reload(keep_deal=follow)
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
        with self.app.batch_update():
            host.show_figures(patch.figures)
            if host.in_table:
                self._patch_table(patch.cards, message.reorder or bool(gone), follow)
            else:
                self._patch_board(message, follow, currency, today)
            self.show_typed()  # typed since the read began: shown on top of it
        if message.mark is not None:
            self._mark_changed(before, patch.cards)
        if self._live_due and not host.editor.busy and not opt.touched:
            self._live_due = False
            self.refresh_live()

    def _patch_table(self, cards: dict[int, DealCard], reorder: bool, follow: int | None) -> None:
        table = self.host.table
        for card in cards.values():
            table.replace_card(card)
        if reorder:
            self.host.reorder_table(follow)
            return
        row = next((i for i, c in enumerate(table.cards) if c.id == follow), None)
        if row is not None:
            table.move_cursor(row=row, animate=False)

    def _patch_board(
        self, message: BoardPatched, follow: int | None, currency: str, today: date
    ) -> None:
        host, patch = self.host, message.patch
        board = host.board
        target = None
        for page in message.pages:
            view = board.column_for_stage(page.stage.stage_id)
            if view is None:
                continue
            keep = follow if any(c.id == follow for c in page.cards) else None
            if keep is None and (selected := view.selected()) is not None:
                keep = selected.id
            view.show(page, currency, today, keep_deal=keep)
        for column in patch.columns:
            view = board.column_for_stage(column.stage_id)
            if view is not None:
                view.show_totals(column)
        for card in patch.cards.values():
            for view in board.columns():
                view.replace_card(card)
        if follow is not None:
            for view in board.columns():
                index = next((i for i, c in enumerate(view.cards) if c.id == follow), None)
                if index is not None:
                    view.deal_list.highlighted = index
                    target = view
                    break
        if target is not None and board.focused_column() is not target:
            self.screen.set_focus(target.deal_list)
        if target is not None:
            board.reveal(target)

    def _mark_changed(self, before: dict[int, DealCard | None], now: dict[int, DealCard]) -> None:
        """Marks, for a moment, the cards someone else changed; the cursor's last."""
        host, ws, seen = self.host, self.workspace, self._live_seen
        self._live_seen = None
        changed = [
            card
            for deal_id, card in now.items()
            if (old := before.get(deal_id)) is None or ws.changed_by_others(old, card)
        ]
        changed.sort(key=lambda c: seen is not None and c.id == seen.id)
        for card in changed:
            if host.in_table:
                if any(c.id == card.id for c in host.table.cards):
                    host.table.mark_changed(card.id)
                continue
            for view in host.board.columns():
                if any(c.id == card.id for c in view.cards):
                    view.mark_changed(card.id)

    def on_changes_unknown(self, message: ChangesUnknown) -> None:
        message.stop()
        self.reload_live()
