"""The board: one column per open stage, each holding a window of deal cards.

A column never holds more than one page of cards. Moving past either end of the page asks
the screen for the neighbouring page, so a stage with a hundred thousand deals costs the
same to draw as one with ten.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, cast

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalScroll, Vertical
from textual.css.styles import RulesMap
from textual.geometry import Region
from textual.message import Message
from textual.widgets import Static
from textual.widgets.option_list import Option

from ...display import clean
from ...labels import deal_title
from ...money import format_money
from ...services.deals import DealCard, StageColumn
from ...services.workspace import ColumnPage
from ..live import DealMark
from .option_list import PagedOptionList
from .paging import PagedCursor
from .steady import same_text, show_fixed

PAGE_SIZE = 40
CARD_LINES = 3  # every card is exactly this tall (`card_text`)
MIN_COLUMN_WIDTH = 26
# A card someone else just changed, for a moment (`ui/live.py`).

CATEGORY_BADGES = {
    "commit": ("C", "bold green"),
    "best_case": ("B", "bold yellow"),
    "pipeline": ("P", "dim"),
    "omitted": ("O", "dim strike"),
    "closed": ("W", "bold blue"),
}
FLAG_STYLE = "bold magenta"  # inspection flags (`marks.FLAGS`)
PUSH_STYLE = "yellow"


def card_text(card: DealCard, currency: str, today: date, width: int) -> Text:
    """Three lines, each cut to the column: a card never wraps into its neighbour.

    The amount is in the deal's own currency; `currency` (the reporting one) is what a
    deal without one is in."""
    badge, badge_style = CATEGORY_BADGES.get(card.forecast_category, ("?", ""))
    # Flags go before the name, which is what gets cut when the column is narrow; the
    # account is on the next line: the title is the deal's own part of its name.
    flags = f"{card.flag_marks} " if card.flags else ""
    title = Text.assemble(
        (f"{badge} ", badge_style),
        (flags, FLAG_STYLE),
        (clean(deal_title(card.name, card.account)), "bold"),
    )
    who = Text.assemble(
        (clean(card.account) or "no account", "dim" if card.account else "dim italic"),
        (" · ", "dim"),
        (clean(card.owner_name), "dim"),
    )
    figures = Text.assemble(
        (format_money(card.amount, card.currency or currency, compact=True), "bold"),
        f"  {card.probability}%  ",
    )
    if card.close_date is None:
        figures.append("no close date", style="bold red")
    else:
        overdue = card.close_date < today
        shown = (
            f"{card.close_date:%d %b}"
            if card.close_date.year == today.year
            else f"{card.close_date:%b %Y}"
        )
        figures.append(shown, style="red" if overdue else "")
    if card.push_count:
        figures.append(f"  ↻{card.push_count}", style=PUSH_STYLE)
    for line in (title, who, figures):
        line.truncate(width, overflow="ellipsis")
    return Text("\n").join([title, who, figures])


class DealList(PagedOptionList):
    """The cards of one stage; vim keys beside the arrows."""

    # The column draws the frame, so the list has none; `:focus` is named again because
    # OptionList's own focus rule would otherwise bring its border back.
    DEFAULT_CSS = """
    DealList, DealList:focus {
        height: 1fr;
        scrollbar-size-vertical: 1;
        border: none;
        padding: 0;
        background: $surface;
    }
    DealList:focus {
        background: $surface-lighten-1;
    }
    DealList > .option-list--option {
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="board.down"),
        Binding("k", "cursor_up", "Up", show=False, id="board.up"),
        Binding("g", "first", "First", show=False, id="board.first"),
        Binding("G", "last", "Last", show=False, id="board.last"),
        # OptionList would scroll sideways on these; on the board they move between stages.
        Binding("left", "screen.column(-1)", "Prev stage col", show=False, id="board.left"),
        Binding("right", "screen.column(1)", "Next stage col", show=False, id="board.right"),
    ]

    class EdgeReached(Message):
        """The cursor tried to leave the loaded page: fetch the neighbour."""

        def __init__(self, column: StageColumnView, direction: int) -> None:
            super().__init__()
            self.column = column
            self.direction = direction

    def __init__(self, column: StageColumnView, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.column = column
        self.paging = PagedCursor()

    def show_prompt(self, index: int, prompt: Text) -> None:
        """Shows `prompt` as the card at `index`: nothing is drawn when the card already
        says that, and only its own lines otherwise.

        `replace_option_prompt_at_index` forgets every card's rendering and repaints the
        whole list, which was half of a keystroke's own work. A card keeps its height (it
        is always `CARD_LINES` tall), so the others' lines stay where they are and only
        this card's are drawn again. This reaches into OptionList's caches (textual is
        pinned); where the height would change, the list is redrawn the ordinary way."""
        option = self.get_option_at_index(index)
        if same_text(option.prompt, prompt):
            return
        content = self.scrollable_content_region
        first_line = self._index_to_line.get(index) if content else None
        height = self._heights.get(index)
        if first_line is None or height is None:
            self.replace_option_prompt_at_index(index, prompt)
            return
        padding = self.get_component_styles("option-list--option").padding
        width = content.width - self._get_left_gutter_width() - padding.width
        option._set_prompt(prompt)
        if self._get_visual(option).get_height(cast(RulesMap, self.styles), width) != height:
            self._clear_caches()  # its height changed: every card below it moves
            return
        cache = self._option_render_cache
        stale = [k for k in cache.keys() if k[0] is option]  # noqa: SIM118 (no __iter__)
        for key in stale:
            cache.discard(key)
        self.refresh(Region(0, first_line - int(self.scroll_y), content.width, height))

    def _edge(self, direction: int) -> None:
        self.paging.loading = True
        self.post_message(self.EdgeReached(self.column, direction))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) != int(new_value):
            self.column.draw_title()  # which cards are on screen moved

    def on_resize(self) -> None:
        self.column.draw_title()

    def action_first(self) -> None:
        if self.paging.waits(self.action_first):
            return
        if self.column.first_row > 0:
            self._edge(-2)
        else:
            self.action_first_option()

    def action_last(self) -> None:
        if self.paging.waits(self.action_last):
            return
        if self.column.first_row + len(self.column.cards) < self.column.stage.count:
            self._edge(2)
        else:
            self.action_last_option()

    def action_first_option(self) -> None:
        if self.option_count:
            self.highlighted = 0

    def action_last_option(self) -> None:
        if self.option_count:
            self.highlighted = self.option_count - 1

    def action_cursor_down(self) -> None:
        if self.paging.waits(self.action_cursor_down):
            return
        at_end = self.highlighted is not None and self.highlighted >= self.option_count - 1
        if at_end and self.column.first_row + len(self.column.cards) < self.column.stage.count:
            self._edge(1)
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.paging.waits(self.action_cursor_up):
            return
        if self.highlighted == 0 and self.column.first_row > 0:
            self._edge(-1)
            return
        super().action_cursor_up()


class StageColumnView(Vertical):
    """A stage: its totals on top, a page of its deals below."""

    DEFAULT_CSS = """
    StageColumnView {
        width: 26;
        height: 1fr;
        border-right: vkey $panel-lighten-2;
    }
    StageColumnView > .column-title {
        height: 2;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, stage: StageColumn, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.stage = stage
        self.first_row = 0
        self.cards: list[DealCard] = []
        self.currency = "USD"
        self.today = date.today()
        # The deal marked as just changed by someone else, while it is.
        self._mark = DealMark(self, self._restyle)

    def compose(self) -> ComposeResult:
        yield Static(classes="column-title")
        yield DealList(self)

    def _card_width(self) -> int:
        width = self.styles.width
        columns = int(width.value) if width is not None and width.is_cells else MIN_COLUMN_WIDTH
        return max(10, columns - 4)  # padding, border and scrollbar

    @property
    def deal_list(self) -> DealList:
        return self.query_one(DealList)

    def selected(self) -> DealCard | None:
        index = self.deal_list.highlighted
        if index is None or not 0 <= index < len(self.cards):
            return None
        return self.cards[index]

    def show(
        self,
        page: ColumnPage,
        currency: str,
        today: date,
        *,
        keep_deal: int | None = None,
        highlight: int | None = None,
        top: bool = False,
    ) -> None:
        """`top`: the first card, at the top of the column; otherwise the cursor stays on
        `keep_deal`, `highlight` or where it was, and the list where it was scrolled."""
        self.stage, self.first_row, self.cards, self.currency, self.today = (
            page.stage,
            page.offset,
            list(page.cards),  # its own: an edit replaces a card in it (`replace_card`)
            currency,
            today,
        )
        self._mark.forget()
        deal_list = self.deal_list
        previous = None if top else deal_list.highlighted
        scrolled = 0.0 if top else deal_list.scroll_y
        deal_list.clear_options()
        deal_list.add_options(
            [
                Option(card_text(card, currency, today, self._card_width()), id=str(card.id))
                for card in page.cards
            ]
        )
        if not page.cards:
            deal_list.highlighted = None
            deal_list.paging.arrived()
            self.draw_title()
            return
        index = highlight
        if keep_deal is not None:
            index = next((i for i, c in enumerate(page.cards) if c.id == keep_deal), index)
        if index is None:
            index = previous or 0
        # Reloading redraws every card: the list stays where it was scrolled, and moves
        # only if the kept deal would otherwise be out of sight.
        deal_list.scroll_to(y=scrolled, animate=False, immediate=True)
        deal_list.highlighted = max(0, min(index, len(page.cards) - 1))
        deal_list.scroll_to_highlight()
        deal_list.paging.arrived()
        self.draw_title()

    def on_screen(self) -> tuple[int, int] | None:
        """The first and last (1-based, of the stage's deals) card on screen, even in
        part; None with no cards."""
        if not self.cards:
            return None
        deal_list = self.deal_list
        height = deal_list.scrollable_content_region.height
        top = min(int(deal_list.scroll_y) // CARD_LINES, len(self.cards) - 1)
        if height <= 0:  # not laid out yet: the whole page, until it is
            bottom = len(self.cards)
        else:
            bottom = -(-(int(deal_list.scroll_y) + height) // CARD_LINES)  # ceiling
        bottom = max(top + 1, min(bottom, len(self.cards)))
        return self.first_row + top + 1, self.first_row + bottom

    def draw_title(self) -> None:
        """The stage's totals, and which of its cards are on screen when not all are."""
        stage = self.stage
        width = self._card_width() + 1  # the title has no scrollbar
        window = self.on_screen()
        counts = [f"  {stage.count:,}"]
        if window is not None and window != (1, stage.count):
            shown = f"{window[0]:,}–{window[1]:,}"
            counts = [f"  {shown} of {stage.count:,}", f" {shown}/{stage.count:,}"]
        # The counts always show: the stage's name is what gets cut.
        name = clean(stage.name)
        suffix = next((c for c in counts if len(name) + len(c) <= width), counts[-1])
        head = Text(name, style="bold")
        head.truncate(max(4, width - len(suffix)), overflow="ellipsis")
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append_text(head)
        title.append(f"{suffix}\n", style="dim")
        currency = self.currency
        title.append(format_money(stage.amount, currency, compact=True))
        title.append(" · ", style="dim")
        title.append(f"w {format_money(stage.weighted, currency, compact=True)}", style="dim")
        if stage.unconverted:
            # Column totals are in the reporting currency; say which deals they leave out.
            left_out = sum(n for _, n in stage.unconverted)
            codes = ",".join(code for code, _ in stage.unconverted)
            title.append(f" +{left_out} {clean(codes)}", style="yellow")
        show_fixed(self.query_one(".column-title", Static), title)

    def show_totals(self, stage: StageColumn) -> None:
        """The stage's totals as they are now; the cards stay as they are."""
        self.stage = stage
        self.draw_title()

    def replace_card(self, card: DealCard) -> bool:
        """Shows `card` in place of its deal's card, where this column holds it."""
        index = next((i for i, c in enumerate(self.cards) if c.id == card.id), None)
        if index is None:
            return False
        self.cards[index] = card
        text = card_text(card, self.currency, self.today, self._card_width())
        self.deal_list.show_prompt(index, text)
        return True

    @property
    def marked(self) -> int | None:
        return self._mark.deal_id

    def mark_changed(self, deal_id: int) -> None:
        """Shows the card in the changed style for a moment."""
        self._mark.show(deal_id)

    def _restyle(self, deal_id: int, style: str | None) -> bool:
        index = next((i for i, c in enumerate(self.cards) if c.id == deal_id), None)
        if index is None:
            return False
        text = card_text(self.cards[index], self.currency, self.today, self._card_width())
        if style is not None:
            text.stylize(style)
        self.deal_list.show_prompt(index, text)
        return True


class Board(HorizontalScroll):
    """The open stages of one pipeline, left to right.

    Only whole columns show: when the stages don't all fit, the board shows as many as do
    and moves that window with the cursor (a column cut to a sliver says nothing and can't
    be read), and its bottom edge says which stages are showing."""

    DEFAULT_CSS = """
    Board {
        height: 1fr;
        scrollbar-size-horizontal: 1;
    }
    Board.-paged {
        border-bottom: hkey $panel-lighten-2;
        border-subtitle-align: left;
        border-subtitle-color: $text-muted;
    }
    """

    can_focus = False
    # The screen's left/right move between stages; a scroll binding here would eat them.
    inherit_bindings = False

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._first = 0  # the first stage column showing
        self._fits = 1  # how many columns fit side by side

    def columns(self) -> list[StageColumnView]:
        # Only columns whole: not those being removed (a reload's `show` awaits their
        # removal), whose cards may already be gone while an edit landing meanwhile
        # redraws a card; nor those still being mounted, whose list is not there yet.
        return [c for c in self.query(StageColumnView) if c.is_mounted and not c._pruning]

    def column_for_stage(self, stage_id: int) -> StageColumnView | None:
        return next((c for c in self.columns() if c.stage.stage_id == stage_id), None)

    def focused_column(self) -> StageColumnView | None:
        focused = self.screen.focused
        if isinstance(focused, DealList):
            return focused.column
        return None

    async def show(
        self,
        pages: list[ColumnPage],
        currency: str,
        today: date,
        *,
        keep: dict[int, int] | None = None,
        top: bool = False,
    ) -> None:
        """Draws the columns, reusing the ones already there so focus survives; `top`:
        every column from its first card (`StageColumnView.show`)."""
        keep = keep or {}
        existing = {c.stage.stage_id: c for c in self.columns()}
        wanted = [p.stage.stage_id for p in pages]
        if list(existing) != wanted:
            for gone in existing.values():  # no page will come for these: nothing waits
                gone.deal_list.paging.cancel()
            await self.remove_children()
            views = [StageColumnView(p.stage) for p in pages]
            await self.mount_all(views)
            existing = {v.stage.stage_id: v for v in views}
            self._first = 0
        self._fit_columns()
        for page in pages:
            existing[page.stage.stage_id].show(
                page, currency, today, keep_deal=keep.get(page.stage.stage_id), top=top
            )

    def on_resize(self) -> None:
        self._fit_columns()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Tab, a click or a reload may focus a column: it is always one on screen.
        column = next((a for a in event.widget.ancestors if isinstance(a, StageColumnView)), None)
        if column is not None:
            self.reveal(column)

    def _fit_columns(self) -> None:
        """Share the width between the stages that fit, never squeezing a card below
        readable; the rest wait beside them, out of sight."""
        columns = self.columns()
        if not columns:
            return
        self._fits = max(1, min(len(columns), self.size.width // MIN_COLUMN_WIDTH))
        width = max(MIN_COLUMN_WIDTH, self.size.width // self._fits)
        for column in columns:
            column.styles.width = width
        focused = self.focused_column()
        self._show_window(columns.index(focused) if focused in columns else None)

    def reveal(self, column: StageColumnView) -> None:
        """Moves the window of columns just enough to show `column`."""
        columns = self.columns()
        if column in columns:
            self._show_window(columns.index(column))

    def _show_window(self, needed: int | None) -> None:
        columns = self.columns()
        first = max(0, min(self._first, len(columns) - self._fits))
        if needed is not None:
            first = min(first, needed)
            first = max(first, needed - self._fits + 1)
        self._first = first
        last = first + self._fits
        for index, column in enumerate(columns):
            column.display = first <= index < last
        paged = self._fits < len(columns)
        self.set_class(paged, "-paged")
        left = "◂ " if first else ""
        right = " ▸" if last < len(columns) else ""
        stages = f"stages {first + 1}–{min(last, len(columns))} of {len(columns)}"
        subtitle = f"{left}{stages}{right}" if paged else ""
        if self.border_subtitle != subtitle:  # setting it repaints the board, even if equal
            self.border_subtitle = subtitle
        self.scroll_to(x=0, animate=False, immediate=True)

    def focus_column(self, index: int) -> None:
        columns = self.columns()
        if not columns:
            return
        index = max(0, min(index, len(columns) - 1))
        # Now, not at the next idle moment as `focus()` does: an `l` already queued behind
        # this one must start from the column this one moved to.
        self.reveal(columns[index])
        self.screen.set_focus(columns[index].deal_list)
