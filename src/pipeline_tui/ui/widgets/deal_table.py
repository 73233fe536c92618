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
from .board import FLAG_STYLE
from .paging import PagedCursor
from .steady import same_text

TABLE_PAGE = 100
# How close to its page's end the cursor comes before the page beyond is read: a held key
# (30-100 rows a second) takes longer than that read to cover it, so the page is there when
# the cursor reaches the end and no key waits for the database.
PREFETCH_MARGIN = 30

# (column key, title, width or None to fit, the sort a click on its header picks). What a
# forecast turns on comes first: Deal, Amount, Prob and Close stay in view however narrow
# the terminal (the deal's name gives way) and while the rest scrolls sideways.
COLUMNS: list[tuple[str, str, int | None, str | None]] = [
    ("name", "Deal", 30, "name"),
    ("amount", "Amount", None, "amount"),
    ("probability", "Prob", None, "probability"),
    ("close_date", "Close", None, "close_date"),
    ("flags", "Flags", None, None),
    ("stage", "Stage", 13, "stage"),
    ("category", "Category", None, None),
    ("owner", "Owner", 14, "owner"),
    ("account", "Account", 20, "account"),
    ("weighted", "Weighted", None, None),
    ("pushes", "Push", None, None),
    ("updated", "Updated", None, "updated"),
]
SORT_BY_COLUMN = {key: sort for key, _, _, sort in COLUMNS if sort is not None}
KEPT_IN_VIEW = 4  # Deal, Amount, Prob, Close
NAME_WIDTH, MIN_NAME_WIDTH = 30, 12
# The widest a probability ("100%") or a close date ("2026-12-31") is.
PROBABILITY_WIDTH, CLOSE_WIDTH = 4, 10


def name_width(table_width: int, amount_width: int, padding: int = 1) -> int:
    """How wide the Deal column may be so that Amount, Prob and Close fit beside it: up to
    30 cells, down to 12 (then the table scrolls sideways instead)."""
    others = amount_width + PROBABILITY_WIDTH + CLOSE_WIDTH
    room = table_width - 1 - others - 2 * padding * KEPT_IN_VIEW  # 1: the scrollbar
    return max(MIN_NAME_WIDTH, min(NAME_WIDTH, room))


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

    class NearEdge(Message):
        """The cursor is within `PREFETCH_MARGIN` rows of the page's end (`direction` 1)
        or start (-1), and there are rows beyond: time to read them."""

        def __init__(self, direction: int, first_row: int) -> None:
            super().__init__()
            self.direction, self.first_row = direction, first_row

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            cursor_type="row",
            zebra_stripes=True,
            fixed_columns=KEPT_IN_VIEW,
            **kwargs,  # type: ignore[arg-type]
        )
        self.first_row = 0
        self.total = 0
        self.cards: list[DealCard] = []
        self.currency = "USD"
        self.today = date.today()
        self.paging = PagedCursor()
        # The page (its first row) and direction a `NearEdge` was last posted for: once each.
        self._near: tuple[int, int] | None = None
        self._name_width, self._amount_width = NAME_WIDTH, len("Amount")
        # The deal marked as just changed by someone else, while it is.
        self._mark = DealMark(self, self._restyle)

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        # The columns kept in view get their widths here, not from DataTable's measuring
        # of the rows: that comes a refresh later, and a table drawn before it cut every
        # amount and date to the width of its header.
        kept = {
            "name": self._name_width,
            "amount": self._amount_width,
            "probability": PROBABILITY_WIDTH,
            "close_date": CLOSE_WIDTH,
        }
        for key, title, width, _ in COLUMNS:
            self.add_column(title, key=key, width=kept.get(key, width))

    def _amount_text(self, card: DealCard) -> str:
        return format_money(card.amount, card.currency or self.currency)

    def _fitting_widths(self) -> tuple[int, int]:
        """The Deal and Amount columns' widths for `self.cards` in this table's width."""
        amounts = [len(self._amount_text(card)) for card in self.cards]
        amount = max([len("Amount"), *amounts])
        return name_width(self.size.width, amount, self.cell_padding), amount

    def _name_cell(self, card: DealCard) -> Text:
        name = display_text(card.name)
        name.truncate(self._name_width, overflow="ellipsis")
        return name

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
        self.cards, self.first_row, self.total = cards, offset, total
        self.currency, self.today = currency, today
        self._near = None
        self._fill(keep_deal=keep_deal, highlight=highlight)
        self.paging.arrived()

    def on_resize(self) -> None:
        if self.cards and self._fitting_widths() != (self._name_width, self._amount_width):
            selected = self.selected()
            self._fill(keep_deal=selected.id if selected else None)

    def _fill(self, *, keep_deal: int | None = None, highlight: int | None = None) -> None:
        """Writes the rows of `self.cards`, the cursor on `keep_deal`, `highlight` or the
        row it was on; the Deal column as wide as leaves Amount, Prob and Close in view."""
        cards = self.cards
        previous, scrolled = self.cursor_row, self.scroll_offset
        self._mark.forget()
        fitting = self._fitting_widths()
        if fitting != (self._name_width, self._amount_width):
            self._name_width, self._amount_width = fitting
            self.clear(columns=True)
            self._add_columns()
        else:
            self.clear()
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

    def _cells(self, card: DealCard) -> list[Text]:
        """The card's row, in the order of `COLUMNS`."""
        today = self.today
        close = (
            Text("none", style="bold red")
            if card.close_date is None
            else Text(card.close_date.isoformat(), style="red" if card.close_date < today else "")
        )
        return [
            self._name_cell(card),
            Text(self._amount_text(card), justify="right"),
            Text(f"{card.probability}%", justify="right"),
            close,
            display_text(card.flag_marks, FLAG_STYLE),
            display_text(card.stage_name),
            display_text(card.forecast_category.replace("_", " ")),
            display_text(card.owner_name),
            display_text(card.account),
            Text(format_money(card.weighted, card.currency or self.currency), justify="right"),
            Text(str(card.push_count or ""), justify="right"),
            Text(card.updated_at.date().isoformat()),
        ]

    def replace_card(self, card: DealCard) -> bool:
        """Shows `card` in its deal's row, where the table has one; the rows stay put."""
        index = next((i for i, c in enumerate(self.cards) if c.id == card.id), None)
        if index is None:
            return False
        self.cards[index] = card
        if self._fitting_widths() != (self._name_width, self._amount_width):
            self._fill(keep_deal=card.id)  # a wider amount: the columns are laid out again
            return True
        row = str(card.id)
        for (key, *_), cell in zip(COLUMNS, self._cells(card), strict=True):
            # Any update drops the table's rendered rows; a read that changed nothing in
            # the row (the session's own write coming back) leaves them drawn.
            if not same_text(self.get_cell(row, key), cell):
                self.update_cell(row, key, cell)
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
        name = self._name_cell(card)
        if style is not None:
            name.stylize(style)
        self.update_cell(str(deal_id), "name", name)
        return True

    def _near_edge(self) -> None:
        """Asks for the page beyond the one shown once the cursor nears its end."""
        if self.cursor_row >= len(self.cards) - 1 - PREFETCH_MARGIN:
            direction = 1 if self.first_row + len(self.cards) < self.total else 0
        elif self.cursor_row <= PREFETCH_MARGIN:
            direction = -1 if self.first_row > 0 else 0
        else:
            direction = 0
        if direction and self._near != (self.first_row, direction):
            self._near = (self.first_row, direction)
            self.post_message(self.NearEdge(direction, self.first_row))

    def action_cursor_down(self) -> None:
        if self.paging.waits(self.action_cursor_down):
            return
        if self.cursor_row >= len(self.cards) - 1 and self.first_row + len(self.cards) < self.total:
            self._edge(1)
            return
        super().action_cursor_down()
        self._near_edge()

    def action_cursor_up(self) -> None:
        if self.paging.waits(self.action_cursor_up):
            return
        if self.cursor_row == 0 and self.first_row > 0:
            self._edge(-1)
            return
        super().action_cursor_up()
        self._near_edge()

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
