"""What changed: the pipeline waterfall since the last review (or a date), and the deals
behind each bar."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, OptionList, Static
from textual.widgets.option_list import Option

from ...display import clean, display_text
from ...errors import PipelineError, user_message
from ...forecast import Scope
from ...forecast.metrics import unconverted_note
from ...forecast.snapshots import SnapshotScope
from ...forecast.waterfall_model import Bar, Waterfall, WaterfallRow
from ...money import format_money
from ...parsing import ParseError, parse_date
from ...periods import Period
from ...services.workspace import Workspace
from ..live import keep_place
from ..messages import DataChanged, LoadFailed
from ..widgets.option_list import PagedOptionList
from ..widgets.prompt import Prompt, refocus

BAR_WIDTH = 30
# Below this many columns the deals go under the chart rather than beside it, so their
# names, amounts and both close dates are seen whole.
STACKED_BELOW = 140
# A deal's name is shortened (with an ellipsis) to what the amounts and dates leave it,
# never below this; a date or an amount is never shortened.
DEAL_NAME_MIN = 12
DEAL_SCROLLBAR = 2


class WaterfallLoaded(Message):
    def __init__(self, result: Waterfall, since_label: str) -> None:
        super().__init__()
        self.result, self.since_label = result, since_label


def bar_lines(row: WaterfallRow, currency: str) -> list[tuple[str, Text]]:
    """(id, line) per bar: start, every movement that moved anything, end."""
    biggest = max([row.start, row.end, *(m.amount for m in row.movements)]) or Decimal(1)

    def line(label: str, amount: Decimal, sign: int, style: str) -> Text:
        length = max(1, int(amount / biggest * BAR_WIDTH)) if amount else 0
        text = Text(no_wrap=True)
        text.append(f"{label:<11}", style="bold" if sign == 0 else "")
        text.append(("+" if sign > 0 else "-" if sign < 0 else " "), style=style)
        text.append(f"{format_money(amount, currency, compact=True):>8} ")
        text.append("█" * length, style=style)
        return text

    lines = [("start", line("Start", row.start, 0, "blue"))]
    for m in row.movements:
        if m.deals:
            lines.append(
                (
                    m.bar.value,
                    line(m.bar.label, m.amount, m.bar.sign, "green" if m.bar.sign > 0 else "red"),
                )
            )
    lines.append(("end", line("End", row.end, 0, "blue")))
    return lines


class ChangesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="changes.back"),
        Binding("d", "since", "Since…", id="changes.since"),
        Binding(
            "less_than_sign,comma",
            "period(-1)",
            "Prev period",
            show=False,
            id="changes.previous_period",
        ),
        Binding(
            "greater_than_sign,full_stop",
            "period(1)",
            "Next period",
            show=False,
            id="changes.next_period",
        ),
    ]

    def __init__(
        self, workspace: Workspace, period: Period, scope: Scope, review_scope: SnapshotScope
    ) -> None:
        super().__init__(id="changes")
        self.workspace = workspace
        self.period, self.scope, self.review_scope = period, scope, review_scope
        self.since_text = "last-review"
        self.result: Waterfall | None = None
        self.row: WaterfallRow | None = None
        self._stale = False
        self._live = False  # the load under way is a live one: keep every cursor
        self._deals_shown: tuple[str | None, Bar | None] = (None, None)

    def compose(self) -> ComposeResult:
        yield Static(id="changes-title")
        with Horizontal(id="changes-body"):
            with Vertical(id="changes-left"):
                yield PagedOptionList(id="changes-bars")
                yield DataTable(id="changes-reps", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="changes-deals", cursor_type="row", zebra_stripes=True)
        yield Prompt(id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        reps = self.query_one("#changes-reps", DataTable)
        for title in ["Who", "Start", "New", "Won", "Lost", "Pushed", "End"]:
            reps.add_column(title, key=title)
        deals = self.query_one("#changes-deals", DataTable)
        for title in ["Deal", "Moved", "Before", "After", "Close before", "Close after"]:
            deals.add_column(title, key=title)
        self.query_one("#changes-bars").focus()
        self._fit(self.size.width)
        self._load()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)
        # The names are shortened to the pane's width: shortened again for the new one.
        self.call_after_refresh(self._show_deals, self._deals_shown[1])

    def _fit(self, width: int) -> None:
        self.query_one("#changes-body").set_class(width < STACKED_BELOW, "-stacked")

    @work(thread=True, exclusive=True, group="changes")
    def _load(self) -> None:
        ws = self.workspace
        try:
            since = ws.resolve_since(self.since_text, self.period, self.review_scope)
            result = ws.changes(since.start, self.period, self.scope)
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(WaterfallLoaded(result, since.label))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#changes-title", Static).update(display_text(message.error, "bold red"))

    def on_data_changed(self, _message: DataChanged) -> None:
        if not self.is_current:
            self._stale = True
            return
        self._reload_live()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self._reload_live()

    def _reload_live(self) -> None:
        self._live = True
        self._load()

    def on_waterfall_loaded(self, message: WaterfallLoaded) -> None:
        live, self._live = self._live, False
        shown = self.row.key if self.row is not None else None
        self.result = message.result
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {self.period.label} ", style="bold reverse")
        title.append(
            f"  What changed in {clean(message.result.team.label)} since {message.since_label}"
        )
        title.append(" · enter on a bar lists its deals, on a person shows theirs", style="dim")
        left_out = unconverted_note(message.result.unconverted)
        if left_out:
            title.append(f" · {left_out}", style="bold yellow")
        self.query_one("#changes-title", Static).update(title)
        reps = self.query_one("#changes-reps", DataTable)
        kept = keep_place(reps)
        reps.clear()
        currency = self._currency()
        for row in [message.result.team, *message.result.reps]:

            def cell(value: Decimal) -> Text:
                return Text(format_money(value, currency, compact=True), justify="right")

            reps.add_row(
                display_text(row.label, "bold" if row is message.result.team else ""),
                cell(row.start),
                cell(row.movement(Bar.NEW).amount),
                cell(row.movement(Bar.WON).amount),
                cell(row.movement(Bar.LOST).amount),
                cell(row.movement(Bar.PUSHED_OUT).amount),
                cell(row.end),
                key=row.key,
            )
        kept()
        rows = [message.result.team, *message.result.reps]
        again = next((r for r in rows if live and r.key == shown), None)
        if again is None:
            self._show_row(message.result.team)
            return
        # The same person's bars with the same one highlighted; its deals, shown again
        # when the highlight lands (`_show_deals`), keep their cursor.
        self.row = again
        bars = self.query_one("#changes-bars", OptionList)
        bar = bars.highlighted or 0
        bars.clear_options()
        bars.add_options([Option(text, id=key) for key, text in bar_lines(again, currency)])
        bars.highlighted = min(bar, bars.option_count - 1)

    def _currency(self) -> str:
        return self.workspace.settings.currency

    def _show_row(self, row: WaterfallRow) -> None:
        self.row = row
        bars = self.query_one("#changes-bars", OptionList)
        bars.clear_options()
        bars.add_options([Option(text, id=key) for key, text in bar_lines(row, self._currency())])
        bars.highlighted = 0
        self._show_deals(None)

    def _show_deals(self, bar: Bar | None) -> None:
        table = self.query_one("#changes-deals", DataTable)
        shown = (self.row.key if self.row is not None else None, bar)
        kept = keep_place(table) if shown == self._deals_shown else None
        self._deals_shown = shown
        table.clear()
        # A cleared table keeps its columns as wide as they ever were: measured afresh, a
        # long name shown before can't push the dates out of view.
        for column in table.columns.values():
            column.content_width = column.label.cell_len
        if self.row is None or bar is None:
            return
        currency = self._currency()

        def money(value: Decimal | None) -> Text:
            return Text("—" if value is None else format_money(value, currency))

        rows = [
            (
                display_text(deal.name),
                Text(format_money(deal.amount, currency), justify="right"),
                money(deal.before),
                money(deal.after),
                Text(str(deal.close_before or "—")),
                Text(str(deal.close_after or "—")),
            )
            for deal in self.row.movement(bar).deals
        ]
        # The name gets what the figures and dates leave: each column's widest cell or
        # header, the cells' padding and a scrollbar.
        figures = sum(
            max([len(str(column.label)), *(row[i].cell_len for row in rows)])
            for i, column in enumerate(list(table.columns.values())[1:], start=1)
        )
        padding = 2 * table.cell_padding * len(table.columns) + DEAL_SCROLLBAR
        room = max(DEAL_NAME_MIN, table.size.width - figures - padding)
        for row in rows:
            row[0].truncate(room, overflow="ellipsis")
            table.add_row(*row)
        if kept is not None:
            kept()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        self._show_deals(Bar(key) if key in Bar.__members__.values() else None)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        key = event.option.id or ""
        self._show_deals(Bar(key) if key in {b.value for b in Bar} else None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "changes-reps" or self.result is None:
            return
        key = str(event.row_key.value)
        rows = [self.result.team, *self.result.reps]
        self._show_row(next(r for r in rows if r.key == key))
        self.query_one("#changes-bars").focus()

    def action_period(self, step: int) -> None:
        self.period = self.period.shift(step)
        self._load()

    def action_since(self) -> None:
        ws = self.workspace
        # The table (or bars) in use keeps the keys once the date is given or let be.
        focused = self.focused

        def submit(text: str) -> str | None:
            value = text.strip() or "last-review"
            if value.casefold() != "last-review":
                try:
                    parse_date(
                        value,
                        today=ws.today(),
                        fiscal_year_start_month=ws.settings.fiscal_year_start_month,
                    )
                except ParseError as exc:
                    return str(exc)
            self.since_text = value
            self._load()
            return None

        self.query_one(Prompt).ask(
            "Since:",
            submit,
            value=self.since_text,
            placeholder="last-review, 2026-11-01, -2w",
            on_close=lambda: refocus(focused),
        )

    def action_back(self) -> None:
        if self.query_one(Prompt).is_open:
            self.query_one(Prompt).close()
            return
        self.dismiss(None)
