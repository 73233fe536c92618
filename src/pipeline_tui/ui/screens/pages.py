"""The main screen's reading of pages: the board whole, a column's page, the table's pages.

`PageReader` is a part the main screen composes (no visual of its own), as `BoardKeeper`
is: it owns where each list is (its offset), the workers that read the pages and their
answers, the table's page read ahead, the page turns, and the page a new deal is on. It
reaches the screen only through `PagedBoard`; the screen hands on its lists' edges.

The workers' answers go to the screen, which hands each back: in its queue, as before,
none lands while the board is being shown (`show_board` awaits it). The board's and the
table's reads share one exclusive worker group on this node: a newer one cancels both.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from textual import work
from textual.widget import Widget

from ...errors import PipelineError, user_message
from ...services.workspace import Workspace
from ..messages import BoardLoaded, ColumnLoaded, LoadFailed, TableLoaded, TablePrefetched
from ..widgets.board import PAGE_SIZE, DealList
from ..widgets.deal_table import TABLE_PAGE, DealTable
from .incremental import ShownBoard
from .new_deal import DealLocated

if TYPE_CHECKING:
    from textual.message import Message

    from ...forecast.metrics import ForecastFigures
    from ...services.deals import DealCard
    from ..widgets.prompt import Prompt
    from .incremental import BoardKeeper


class PagedBoard(ShownBoard, Protocol):
    """What the main screen gives its `PageReader`."""

    keeper: BoardKeeper

    def next_generation(self) -> int:
        """A new read asked for: the answers to older ones are dropped."""

    def show_figures(self, figures: ForecastFigures) -> None: ...

    def post_message(self, message: Message) -> bool:
        """Where the workers' answers go: handed back to this part in the screen's queue."""

    def prompt(self) -> Prompt: ...

    def reload(self, *, keep_deal: int | None = None, top: bool = False) -> None: ...


def page_beyond(
    direction: int, first_row: int, shown: int, total: int, size: int
) -> tuple[int, int]:
    """The offset of the page a move past a list's edge shows (`direction` 1 or -1 a row,
    2 or -2 to the end or the start), and the cursor's row in it: half a page on, so that
    moving back does not turn the page again at once. The same for a column and the table."""
    half = size // 2
    if direction == 2:
        return max(0, total - size), size - 1
    if direction == -2:
        return 0, 0
    if direction == 1:
        return first_row + half, shown - half
    offset = max(0, first_row - half)
    return offset, first_row - offset - 1


class PageReader(Widget):
    def __init__(self, workspace: Workspace, host: PagedBoard) -> None:
        super().__init__(id="page-reader")
        self.display = False
        self.workspace, self.host = workspace, host
        self.offsets: dict[int, int] = {}  # each column's first row, by stage
        self.table_offset = 0
        # The table's neighbouring page, read before the cursor reaches it: (generation,
        # offset, cards), its cards None while the read is under way.
        self._prefetch: tuple[int, int, list[DealCard] | None] | None = None
        # A page turn waiting for that read, under way when the cursor got there: (offset,
        # the cursor's row in it); reading it again would only double the wait.
        self._turn: tuple[int, int] | None = None

    def forget_offsets(self) -> None:
        """A new view: each list starts at its first page."""
        self.offsets, self.table_offset = {}, 0

    def forget_ahead(self) -> None:
        """A new read: the page read ahead, and a turn waiting for it, are of the old."""
        self._prefetch = self._turn = None

    # Workers ------------------------------------------------------------------------
    @work(thread=True, group="locate")
    def locate(self, card: DealCard, gen: int) -> None:
        """The page a new deal is on, so that the reload puts the cursor on it."""
        ws, state = self.workspace, self.host.state
        sort, descending = state.sort
        flt = state.deal_filter(ws.today())
        if not self.host.in_table:
            flt = replace(flt, stage_id=card.stage_id)
        try:
            position = ws.position(flt, card.id, sort=sort, descending=descending)
        except PipelineError:
            position = None  # the reload shows the board anyway, and says what is wrong
        self.host.post_message(DealLocated(card, position, gen))

    @work(thread=True, exclusive=True, group="load")
    def load_board(
        self, flt: Any, offsets: dict[int, int], keep: dict[int, int], gen: int, top: bool = False
    ) -> None:
        ws, state = self.workspace, self.host.state
        sort, descending = state.sort
        try:
            snapshot = ws.board(
                flt,
                state.scope,
                sort=sort,
                descending=descending,
                offsets=offsets,
                page_size=PAGE_SIZE,
            )
        except Exception as exc:  # shown to the person; the app stays usable
            self.host.post_message(
                LoadFailed(f"Couldn't load the board: {user_message(exc, ws.secrets)}")
            )
            return
        self.host.post_message(BoardLoaded(snapshot, keep, gen, top=top))

    @work(thread=True, exclusive=True, group="load")
    def load_table(
        self,
        flt: Any,
        offset: int,
        keep_deal: int | None,
        highlight: int | None,
        gen: int,
        *,
        figures: bool = True,
        total: int | None = None,
    ) -> None:
        """A page of the table, and the header unless `figures` is False (it is current:
        only the rows' order changed); the rows counted again unless `total` is given (a
        page turned: the count and the figures are those of the page before)."""
        ws, state = self.workspace, self.host.state
        sort, descending = state.sort
        try:
            header = ws.header(state.scope, flt) if figures else None
            if total is None:
                total = ws.count(flt)
            offset = max(0, min(offset, max(total - 1, 0)))
            cards = ws.deals(flt, sort=sort, descending=descending, offset=offset, limit=TABLE_PAGE)
        except Exception as exc:
            self.host.post_message(
                LoadFailed(f"Couldn't load deals: {user_message(exc, ws.secrets)}")
            )
            return
        self.host.post_message(TableLoaded(header, cards, offset, total, keep_deal, highlight, gen))

    @work(thread=True, exclusive=True, group="prefetch")
    def _prefetch_table(self, flt: Any, offset: int, gen: int) -> None:
        """The table's next page, read ahead: only its rows. A failure says nothing here:
        the page is read again, and any fault said, when the cursor gets there."""
        ws = self.workspace
        sort, descending = self.host.state.sort
        try:
            cards = ws.deals(flt, sort=sort, descending=descending, offset=offset, limit=TABLE_PAGE)
        except Exception:
            cards = None
        self.host.post_message(TablePrefetched(cards, offset, gen))

    @work(thread=True, group="page")
    def _load_column(self, stage_id: int, offset: int, highlight: int, gen: int) -> None:
        ws, state = self.workspace, self.host.state
        column = self.host.board.column_for_stage(stage_id)
        if column is None:
            return
        sort, descending = state.sort
        flt = state.deal_filter(ws.today())
        page = ws.page(
            flt, column.stage, sort=sort, descending=descending, offset=offset, limit=PAGE_SIZE
        )
        self.host.post_message(ColumnLoaded(page, highlight, gen))

    # What was read ------------------------------------------------------------------
    async def show_board(self, message: BoardLoaded) -> None:
        """The board read whole."""
        host = self.host
        if message.generation != host.generation:
            return
        ws, board, keeper = self.workspace, host.board, host.keeper
        host.show_figures(message.snapshot.figures)
        follow = message.keep.pop(-1, None)
        if follow is not None:
            for page in message.snapshot.pages:
                if any(card.id == follow for card in page.cards):
                    message.keep[page.stage.stage_id] = follow
        focused = board.focused_column()
        pages = message.snapshot.pages
        keeper.board_read(message.snapshot)
        await board.show(
            pages, ws.settings.currency, ws.today(), keep=message.keep, top=message.top
        )
        keeper.show_typed()  # typed while it was read: on top of it
        self.offsets = {p.stage.stage_id: p.offset for p in message.snapshot.pages}
        target = None
        if follow is not None:
            target = next(
                (c for c in board.columns() if (s := c.selected()) and s.id == follow), None
            )
        if target is not None:
            # Typing into an open prompt goes on: a reload never takes its focus away.
            if not host.prompt().is_open:
                self.screen.set_focus(target.deal_list)  # now, for the keys already queued
            board.reveal(target)
        elif focused is None and not host.prompt().is_open and not host.in_table:
            board.focus_column(0)
        keeper.mark_live_change()

    def column_loaded(self, message: ColumnLoaded) -> None:
        host = self.host
        if message.generation != host.generation:
            return
        ws = self.workspace
        column = host.board.column_for_stage(message.page.stage.stage_id)
        if column is None:
            return
        self.offsets[message.page.stage.stage_id] = message.page.offset
        host.keeper.optimism.add_cards(message.page.cards)
        column.show(message.page, ws.settings.currency, ws.today(), highlight=message.highlight)
        host.keeper.show_typed()

    def table_loaded(self, message: TableLoaded) -> None:
        host = self.host
        if message.generation != host.generation:
            return
        ws = self.workspace
        if message.figures is not None:
            host.show_figures(message.figures)
        host.keeper.table_read(message.figures, message.cards)
        self.table_offset = message.offset
        host.table.show(
            message.cards,
            message.offset,
            message.total,
            ws.settings.currency,
            ws.today(),
            keep_deal=message.keep_deal,
            highlight=message.highlight,
        )
        host.keeper.mark_live_change()

    def table_prefetched(self, message: TablePrefetched) -> None:
        ahead = self._prefetch
        if (
            ahead is None
            or message.generation != self.host.generation
            or ahead[:2] != (message.generation, message.offset)
        ):
            return
        if message.cards is None and self._turn is None:
            self._prefetch = None  # failed: the turn reads it again, and says any fault
            return
        self._prefetch = (message.generation, message.offset, message.cards)
        if self._turn is not None:
            self._turn_page()

    def deal_located(self, message: DealLocated) -> None:
        if message.generation != self.host.generation:
            return  # the person has moved on meanwhile: leave the board where they are
        position, card = message.position, message.card
        if position is not None:
            if self.host.in_table:
                self.table_offset = max(0, position - TABLE_PAGE // 2)
            else:
                self.offsets[card.stage_id] = max(0, position - PAGE_SIZE // 2)
        self.host.reload(keep_deal=card.id)

    def drop_prefetch(self) -> None:
        """Forgets the page read ahead (it may show deals as they were); a turn waiting
        for it reads the page afresh."""
        self._prefetch = None
        if self._turn is not None:
            self._turn_page()

    # Paging (the screen hands on its lists' edge messages) ----------------------------
    def column_edge(self, message: DealList.EdgeReached) -> None:
        column = message.column
        offset, highlight = page_beyond(
            message.direction, column.first_row, len(column.cards), column.stage.count, PAGE_SIZE
        )
        self._load_column(column.stage.stage_id, offset, highlight, self.host.generation)

    def _page_beyond(self, direction: int) -> tuple[int, int]:
        table = self.host.table
        return page_beyond(direction, table.first_row, len(table.cards), table.total, TABLE_PAGE)

    def table_near_edge(self, message: DealTable.NearEdge) -> None:
        host = self.host
        table, gen = host.table, host.generation
        if message.first_row != table.first_row or not host.in_table or table.paging.loading:
            return
        offset, _ = self._page_beyond(message.direction)
        if self._prefetch is not None and self._prefetch[:2] == (gen, offset):
            return  # asked for already
        self._prefetch = (gen, offset, None)
        flt = host.state.deal_filter(self.workspace.today())
        self._prefetch_table(flt, offset, gen)

    def table_edge(self, message: DealTable.EdgeReached) -> None:
        self._turn = self._page_beyond(message.direction)
        ahead = self._prefetch
        if ahead is not None and ahead[1] != self._turn[0]:
            self._prefetch = None  # read for the other way
        if self._prefetch is None or self._prefetch[2] is not None:
            self._turn_page()
        # else: the page is being read ahead; `table_prefetched` turns to it

    def _turn_page(self) -> None:
        """Shows the page `_turn` asks for: the one read ahead if it is there, else reads
        only its rows (the figures and the count stand: a page turned, nothing changed)."""
        assert self._turn is not None
        (offset, highlight), self._turn = self._turn, None
        ahead, self._prefetch = self._prefetch, None
        gen = self.host.next_generation()
        table = self.host.table
        if ahead is not None and ahead[1] == offset and ahead[2] is not None:
            # Read ahead: shown now, before the next key, with no database read.
            self.table_loaded(
                TableLoaded(None, ahead[2], offset, table.total, None, highlight, gen)
            )
            return
        flt = self.host.state.deal_filter(self.workspace.today())
        self.load_table(flt, offset, None, highlight, gen, figures=False, total=table.total)
