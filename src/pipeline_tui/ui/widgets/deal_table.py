"""The table view: the same deals as the board, one row each, a page at a time."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from ...display import display_text
from ...money import format_money
from ...services.deals import DealCard
from ..live import DealMark
from .paging import PagedCursor

TABLE_PAGE = 100

# (column key, title, width or None to fit, the sort a click on its header picks)
COLUMNS: list[tuple[str, str, int | None, str | None]] = [
    ("name", "Deal", 30, "name"),
    ("account", "Account", 20, "account"),
    ("owner", "Owner", 14, "owner"),
    ("stage", "Stage", 13, "stage"),
    ("amount", "Amount", None, "amount"),
    ("probability", "Prob", None, "probability"),
    ("weighted", "Weighted", None, None),
    ("category", "Category", None, None),
    ("close_date", "Close", None, "close_date"),
    ("pushes", "Push", None, None),
    ("updated", "Updated", None, "updated"),
]
SORT_BY_COLUMN = {key: sort for key, _, _, sort in COLUMNS if sort is not None}


class DealTable(DataTable[Text]):
    DEFAULT_CSS = """
    DealTable {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "first", "First", show=False, id="table.first"),
        Binding("G", "last", "Last", show=False, id="table.last"),
    ]

    class EdgeReached(Message):
        def __init__(self, direction: int) -> None:
            super().__init__()
            self.direction = direction

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.first_row = 0
        self.total = 0
        self.cards: list[DealCard] = []
        self.currency, self.today = "USD", date.today()
        self.paging = PagedCursor()
        # The deal marked as just changed by someone else, while it is.
        self._mark = DealMark(self, self._restyle)

    def on_mount(self) -> None:
        for key, title, width, _ in COLUMNS:
            self.add_column(title, key=key, width=width)

    def selected(self) -> DealCard | None:
        row = self.cursor_row
        if not self.cards or not 0 <= row < len(self.cards):
            return None
        return self.cards[row]

    def show(
        self,
        cards: list[DealCard],
        offset: int,
        total: int,
        currency: str,
        today: date,
        *,
        keep_deal: int | None = None,
        highlight: int | None = None,
    ) -> None:
        previous, scrolled = self.cursor_row, self.scroll_offset
        self.cards, self.first_row, self.total = cards, offset, total
        self._mark.forget()
        self.clear()
        self.currency, self.today = currency, today
        for card in cards:
            self.add_row(*self._cells(card), key=str(card.id))
        if cards:
            row = highlight
            if keep_deal is not None:
                row = next((i for i, c in enumerate(cards) if c.id == keep_deal), row)
            if row is None:
                row = min(previous, len(cards) - 1)
            # Clearing scrolled to the top: back to where the rows were, then only as far
            # as the cursor needs.
            self.scroll_to(scrolled.x, scrolled.y, animate=False, immediate=True)
            self.move_cursor(row=max(0, min(row, len(cards) - 1)), animate=False)
        self.paging.arrived()

    def _cells(self, card: DealCard) -> list[Text]:
        currency, today = self.currency, self.today
        close = (
            Text("none", style="bold red")
            if card.close_date is None
            else Text(card.close_date.isoformat(), style="red" if card.close_date < today else "")
        )
        return [
            display_text(card.name),
            display_text(card.account),
            display_text(card.owner_name),
            display_text(card.stage_name),
            Text(format_money(card.amount, card.currency or currency), justify="right"),
            Text(f"{card.probability}%", justify="right"),
            Text(format_money(card.weighted, card.currency or currency), justify="right"),
            display_text(card.forecast_category.replace("_", " ")),
            close,
            Text(str(card.push_count or ""), justify="right"),
            Text(card.updated_at.date().isoformat()),
        ]

    def replace_card(self, card: DealCard) -> bool:
        """Shows `card` in its deal's row, where the table has one; the rows stay put."""
        index = next((i for i, c in enumerate(self.cards) if c.id == card.id), None)
        if index is None:
            return False
        self.cards[index] = card
        for (key, *_), cell in zip(COLUMNS, self._cells(card), strict=True):
            self.update_cell(str(card.id), key, cell)
        return True

    def _edge(self, direction: int) -> None:
        self.paging.loading = True
        self.post_message(self.EdgeReached(direction))

    @property
    def marked(self) -> int | None:
        return self._mark.deal_id

    def mark_changed(self, deal_id: int) -> None:
        """Shows the deal's name in the changed style for a moment."""
        self._mark.show(deal_id)

    def _restyle(self, deal_id: int, style: str | None) -> bool:
        card = next((c for c in self.cards if c.id == deal_id), None)
        if card is None:
            return False
        name = display_text(card.name)
        if style is not None:
            name.stylize(style)
        self.update_cell(str(deal_id), "name", name)
        return True

    def action_cursor_down(self) -> None:
        if self.paging.waits(self.action_cursor_down):
            return
        if self.cursor_row >= len(self.cards) - 1 and self.first_row + len(self.cards) < self.total:
            self._edge(1)
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.paging.waits(self.action_cursor_up):
            return
        if self.cursor_row == 0 and self.first_row > 0:
            self._edge(-1)
            return
        super().action_cursor_up()

    def action_first(self) -> None:
        if self.paging.waits(self.action_first):
            return
        if self.first_row > 0:
            self._edge(-2)
        else:
            self.move_cursor(row=0)

    def action_last(self) -> None:
        if self.paging.waits(self.action_last):
            return
        if self.first_row + len(self.cards) < self.total:
            self._edge(2)
        else:
            self.move_cursor(row=max(len(self.cards) - 1, 0))
