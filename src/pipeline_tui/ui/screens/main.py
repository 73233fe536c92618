"""The main screen: the live forecast on top, the pipeline as a board or a table below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, OptionList, Static

from ...display import clean
from ...forecast.metrics import ForecastFigures, pipeline_caption, unconverted_text
from ...periods import Period, quarter_containing
from ...services.deals import DealCard
from ...services.workspace import EditResult, Workspace
from ..messages import (
    BoardLoaded,
    ColumnLoaded,
    DataChanged,
    LoadFailed,
    TableLoaded,
    TablePrefetched,
)
from ..state import CATEGORY_FILTERS, DATE_FILTERS, SORTS, ViewState
from ..widgets.board import Board, DealList
from ..widgets.deal_table import SORT_BY_COLUMN, DealTable
from ..widgets.forecast_bar import ForecastBar
from ..widgets.legend import MarksLegend, legend_text
from ..widgets.paging import PagedCursor
from ..widgets.prompt import Prompt, prompt_status_footer, refocus
from ..widgets.steady import show_fixed
from .call_prompt import CALL_KEY, CallTaker
from .deal import DealScreen
from .editing import DealEditor, screen_keys_first, status_line
from .incremental import BoardKeeper
from .new_deal import NEW_DEAL, DealLocated, NewDealFlow
from .pages import PageReader
from .period_finder import GO_TO_PERIOD, PeriodFinder
from .process import ProcessScreen
from .review_flow import ReviewLauncher

if TYPE_CHECKING:
    from ...services.edit_types import Edit

# The screens a key opens (roll-up, people, import, what changed) are imported by that
# key: the board's first frame waits for this module, and the importer alone is a good
# part of it.


class MainScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "toggle_view", "Table/board", id="main.toggle_view"),
        Binding("r", "review", "Review", id="main.review"),
        Binding("R", "rollup", "Roll-up", show=False, id="main.rollup"),
        Binding("W", "changes", "What changed", show=False, id="main.changes"),
        Binding("left,h", "column(-1)", "Prev stage col", show=False, id="main.column_left"),
        Binding("right,l", "column(1)", "Next stage col", show=False, id="main.column_right"),
        Binding(
            "less_than_sign,comma",
            "period(-1)",
            "Prev period",
            show=False,
            id="main.previous_period",
        ),
        Binding(
            "greater_than_sign,full_stop",
            "period(1)",
            "Next period",
            show=False,
            id="main.next_period",
        ),
        Binding("P", "go_to_period", "Go to period…", show=False, id=GO_TO_PERIOD),
        Binding("o", "owner", "Owner", id="main.owner"),
        Binding("p", "pipeline", "Pipeline", show=False, id="main.pipeline"),
        Binding("C", "category_filter", "Category filter", show=False, id="main.category_filter"),
        Binding("D", "date_filter", "Date filter", show=False, id="main.date_filter"),
        Binding("S", "stale_filter", "Stale filter", show=False, id="main.stale_filter"),
        Binding(
            "exclamation_mark",
            "flagged_filter",
            "Flagged deals only",
            show=False,
            key_display="!",
            id="main.flagged_filter",
        ),
        Binding("L", "legend", "Legend of card marks", show=False, id="main.legend"),
        Binding("s", "sort", "Sort", show=False, id="main.sort"),
        Binding("slash", "search", "Search", key_display="/", id="main.search"),
        Binding("escape", "clear_filters", "Clear filters", show=False, id="main.clear"),
        Binding("at", "people", "People", show=False, key_display="@", id="main.people"),
        Binding("F", "call", "Submit my call", show=False, id=CALL_KEY),
        Binding("N", "new_deal", "New deal", show=False, id=NEW_DEAL),
        Binding("E", "process", "Process", show=False, id="main.process"),
    ]

    def __init__(self, workspace: Workspace, clock: Callable[[], float]) -> None:
        super().__init__(id="main")
        self.workspace = workspace
        self.editor = DealEditor(workspace, self)
        self.reviews = ReviewLauncher(workspace, self, clock)
        self.periods = PeriodFinder(workspace, self)
        self.calls = CallTaker(workspace, self)
        self.new_deals = NewDealFlow(workspace, self)
        self.state: ViewState = ViewState.initial(workspace)
        self._fiscal_month = workspace.settings.fiscal_year_start_month
        self._generation = 0
        self.figures: ForecastFigures | None = None
        # Live updates: someone else's change arrived while another screen was on top.
        self._stale = False
        self.keeper = BoardKeeper(workspace, self)
        self.pager = PageReader(workspace, self)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return screen_keys_first(self, super().active_bindings)

    def compose(self) -> ComposeResult:
        with Vertical(id="top"):
            yield Static(id="context")
            yield ForecastBar(id="forecast")
        with self.editor, ContentSwitcher(initial="board", id="views"):
            yield Board(id="board")
            yield DealTable(id="table")
        yield MarksLegend(self.workspace.settings)
        yield from prompt_status_footer()
        yield self.reviews
        yield self.periods
        yield self.calls
        yield self.new_deals
        yield self.keeper
        yield self.pager

    def on_mount(self) -> None:
        self.periods.find_landing()  # calls `opened`, which loads the board

    def opened(self, period: Period | None) -> None:
        if period is not None:
            self.set_period(period)
        else:
            self.reload()
        # After where the board opens has been said: a review left open says so last.
        self.find_review("notice")

    # What the editor and the review launcher are given ------------------------------
    def stage_choices(self) -> list[tuple[int, str]]:
        return [(c.stage.stage_id, c.stage.name) for c in self.board.columns()]

    def show_status(self, text: str, *, error: bool = False) -> None:
        status_line(self, text, error=error)

    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def find_review(self, intent: str) -> None:
        """`notice`, `start`, `resume`, `resume_or_start` or `end` the open review."""
        self.reviews.find_review(intent)

    def action_review(self) -> None:
        self.find_review("resume_or_start")

    # What the new-deal prompt is given ----------------------------------------------
    def action_new_deal(self) -> None:
        self.new_deals.ask()

    def new_deal_stage(self) -> tuple[int, str] | None:
        """The stage the cursor is in: the focused column's, the selected row's in the
        table; else the pipeline's first open stage."""
        if self.in_table:
            card = self.table.selected()
            if card is not None and card.pipeline_id == self.state.pipeline_id:
                return card.stage_id, card.stage_name
        else:
            column = self.board.focused_column()
            if column is not None:
                return column.stage.stage_id, column.stage.name
        columns = self.board.columns()
        return (columns[0].stage.stage_id, columns[0].stage.name) if columns else None

    def deal_added(self, card: DealCard) -> None:
        self.pager.locate(card, self._generation)

    # Helpers (and what the board keeper is given) ------------------------------------
    @property
    def generation(self) -> int:
        """Counts the reads asked for: an answer to an older one is dropped."""
        return self._generation

    def next_generation(self) -> int:
        self._generation += 1
        return self._generation

    def column_offset(self, stage_id: int) -> int:
        return self.pager.offsets.get(stage_id, 0)

    def reorder_table(self, keep_deal: int | None) -> None:
        pager = self.pager
        pager.forget_ahead()
        flt = self.state.deal_filter(self.workspace.today())
        pager.load_table(flt, pager.table_offset, keep_deal, None, self._generation, figures=False)

    @property
    def board(self) -> Board:
        return self.query_one(Board)

    @property
    def table(self) -> DealTable:
        return self.query_one(DealTable)

    @property
    def in_table(self) -> bool:
        return self.query_one(ContentSwitcher).current == "table"

    def cursor_waiting(self) -> PagedCursor | None:
        paging: PagedCursor | None
        if self.in_table:
            paging = self.table.paging
        else:
            column = self.board.focused_column()
            paging = column.deal_list.paging if column else None
        return paging if paging is not None and paging.loading else None

    def selected_deal(self) -> DealCard | None:
        if self.in_table:
            return self.table.selected()
        column = self.board.focused_column()
        return column.selected() if column else None

    def _show_context(self) -> None:
        ws, st = self.workspace, self.state
        pipeline = dict(ws.pipelines).get(st.pipeline_id, "?")
        _, _, sort_label = SORTS[st.sort_index]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {st.period.label} ", style="bold reverse")
        text.append(f"  {clean(st.owner_label)}", style="bold")
        text.append(f" · {clean(pipeline_caption(pipeline))}")
        filters = st.filter_labels()
        if filters:
            text.append(" · " + clean(", ".join(filters)), style="yellow")
        text.append(f" · by {sort_label}", style="dim")
        # Never silently at 1:1: the header says what its sums leave out.
        left_out = unconverted_text(self.figures) if self.figures is not None else ""
        if left_out:
            text.append(f" · {left_out}", style="bold yellow")
        show_fixed(self.query_one("#context", Static), text)

    # Loading ------------------------------------------------------------------------
    def _follow_settings(self) -> None:
        """A setting changed in this session (the process screen) holds from the next
        reading on: the stale filter's days, the legend's words, the fiscal calendar."""
        ws = self.workspace
        settings = ws.settings
        if self.state.stale_days != settings.stale_days:
            self.state = replace(self.state, stale_days=settings.stale_days)
        if self._fiscal_month != settings.fiscal_year_start_month:
            # A period of the old calendar means nothing in the new: this quarter again.
            self._fiscal_month = settings.fiscal_year_start_month
            period = quarter_containing(ws.today(), self._fiscal_month)
            self.state = replace(self.state, period=period)
        self.query_one(MarksLegend).update(legend_text(settings))

    def reload(self, *, keep_deal: int | None = None, top: bool = False) -> None:
        """Fetch what is on screen again, keeping each cursor on its deal if it's still there;
        `top`: start each list at its first deal instead (a new sort order)."""
        self._generation += 1
        self.pager.forget_ahead()
        self._follow_settings()
        self._show_context()
        ws = self.workspace
        flt = self.state.deal_filter(ws.today())
        # A page asked for by the view not shown is dropped (older generation): nothing
        # may go on waiting for it.
        for hidden in (
            [c.deal_list for c in self.board.columns()] if self.in_table else [self.table]
        ):
            hidden.paging.cancel()
        if self.in_table:
            first = 0 if top else None
            self.pager.load_table(flt, self.pager.table_offset, keep_deal, first, self._generation)
        else:
            keep = (
                {}
                if top
                else {
                    c.stage.stage_id: card.id
                    for c in self.board.columns()
                    if (card := c.selected()) is not None
                }
            )
            if keep_deal is not None:
                keep = {k: v for k, v in keep.items()} | {-1: keep_deal}
            self.pager.load_board(flt, dict(self.pager.offsets), keep, self._generation, top)

    def show_figures(self, figures: ForecastFigures) -> None:
        self.figures = figures
        self._show_context()
        ws = self.workspace
        self.query_one(ForecastBar).show(
            figures,
            currency=ws.settings.currency,
            coverage_target=ws.settings.coverage_target,
            win_rate_target=ws.settings.win_rate_target,
        )

    # The page reader's answers, handed back to it (see `pages`) ----------------------
    async def on_board_loaded(self, message: BoardLoaded) -> None:
        await self.pager.show_board(message)

    def on_column_loaded(self, message: ColumnLoaded) -> None:
        self.pager.column_loaded(message)

    def on_table_loaded(self, message: TableLoaded) -> None:
        self.pager.table_loaded(message)

    def on_table_prefetched(self, message: TablePrefetched) -> None:
        self.pager.table_prefetched(message)

    def on_deal_located(self, message: DealLocated) -> None:
        self.pager.deal_located(message)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.pager.forget_ahead()
        self.table.paging.cancel()
        self.show_status(message.error, error=True)

    # Live updates -------------------------------------------------------------------
    def on_data_changed(self, _message: DataChanged) -> None:
        self.pager.drop_prefetch()  # read before the change
        if not self.is_current:  # read again when it shows, not behind another screen
            self._stale = True
            return
        self.keeper.refresh_live()

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self.keeper.refresh_live()

    # What the editor is told (`editing.PredictingHost`): the keeper shows and reads it.
    # A page read ahead before an edit would show the deal as it was: it is read again.
    def edit_typed(self, key: int, card: DealCard, edit: Edit) -> None:
        self.pager.drop_prefetch()
        self.keeper.edit_typed(key, card, edit)

    def edit_landed(self, key: int, result: EditResult | None) -> None:
        self.pager.drop_prefetch()
        self.keeper.edit_landed(key, result)

    def after_edit(self, result: EditResult | None, *, follow: bool = False) -> None:
        self.pager.drop_prefetch()
        self.keeper.after_edit(result, follow=follow)

    # Paging: the page reader turns the lists' pages ----------------------------------
    @on(DealList.EdgeReached)
    def _column_edge(self, message: DealList.EdgeReached) -> None:
        self.pager.column_edge(message)

    @on(DealTable.NearEdge)
    def _table_near_edge(self, message: DealTable.NearEdge) -> None:
        self.pager.table_near_edge(message)

    @on(DealTable.EdgeReached)
    def _table_edge(self, message: DealTable.EdgeReached) -> None:
        self.pager.table_edge(message)

    # Navigation and scope -----------------------------------------------------------
    def action_column(self, step: int) -> None:
        if self.in_table:
            return
        columns = self.board.columns()
        current = self.board.focused_column()
        index = columns.index(current) if current in columns else -step
        self.board.focus_column(index + step)

    @on(OptionList.OptionSelected)
    def _open_from_board(self, event: OptionList.OptionSelected) -> None:
        self.action_open_deal()

    @on(DataTable.RowSelected)
    def _open_from_table(self, event: DataTable.RowSelected) -> None:
        self.action_open_deal()

    @on(DataTable.HeaderSelected)
    def _sort_table(self, event: DataTable.HeaderSelected) -> None:
        sort = SORT_BY_COLUMN.get(str(event.column_key.value))
        if sort is None:
            self.show_status("That column can't be sorted", error=True)
            return
        descending = not self.state.table_descending if self.state.table_sort == sort else False
        self._set_state(replace(self.state, table_sort=sort, table_descending=descending), top=True)

    def action_open_deal(self) -> None:
        card = self.selected_deal()
        if card is None:
            return
        self.app.push_screen(DealScreen(self.workspace, card), callback=lambda _: self.reload())

    def _set_state(
        self, state: ViewState, *, keep_offsets: bool = False, top: bool = False
    ) -> None:
        self.state = state
        if not keep_offsets:
            self.pager.forget_offsets()
        self.reload(top=top)

    def action_rollup(self) -> None:
        from .rollup import RollupScreen

        def drill(login: str | None) -> None:
            if login is not None:
                self.set_owner(login)

        self.app.push_screen(
            RollupScreen(
                self.workspace,
                self.state.period,
                self.state.scope,
                pipeline_name=dict(self.workspace.pipelines).get(self.state.pipeline_id),
            ),
            callback=drill,
        )

    def action_people(self) -> None:
        from .people import PeopleScreen

        self.app.push_screen(PeopleScreen(self.workspace), callback=lambda _: self.reload())

    def action_process(self) -> None:
        self.app.push_screen(
            ProcessScreen(self.workspace, self.state.pipeline_id), callback=lambda _: self.reload()
        )

    def action_import(self) -> None:
        from .importing import ImportScreen

        def done(imported: bool | None) -> None:
            if imported:
                self.reload()

        self.app.push_screen(ImportScreen(self.workspace), callback=done)

    def action_changes(self) -> None:
        from .changes import ChangesScreen

        screen = ChangesScreen(
            self.workspace, self.state.period, self.state.scope, self.state.review_scope
        )
        self.app.push_screen(screen)

    def action_toggle_view(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "board" if self.in_table else "table"
        if self.in_table:
            # Deferred (`focus()`), not `set_focus`: focused before its first layout, the table
            # sometimes sizes its columns on the headers alone. Keys typed in the same burst
            # as `t` still reach the board.
            self.table.focus()
            # Its rows are those of the last time it showed, or none: moves wait for these.
            self.table.paging.loading = True
        else:
            self.board.focus_column(0)
        self.reload()

    def action_period(self, step: int) -> None:
        self._set_state(replace(self.state, period=self.state.period.shift(step)))

    def action_call(self) -> None:
        self.calls.ask()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A viewer makes no forecast call: `F` leaves the keys shown."""
        return not (action == "call" and self.workspace.policy.read_only)

    def action_go_to_period(self) -> None:
        self.periods.ask()

    def set_period(self, period: Period) -> None:
        self.show(period=period)

    def action_owner(self) -> None:
        self._set_state(self.state.next_owner(self.workspace))

    def show(self, **changes: Any) -> None:
        """Shows the board with these view settings changed (a filter, the sort, …)."""
        self._set_state(replace(self.state, **changes))

    def set_owner(self, key: str) -> None:
        self._set_state(self.state.with_owner(self.workspace, key))

    def action_pipeline(self) -> None:
        ids = [pid for pid, _ in self.workspace.pipelines]
        index = (ids.index(self.state.pipeline_id) + 1) % len(ids)
        self.set_pipeline(ids[index])

    def set_pipeline(self, pipeline_id: int) -> None:
        self._set_state(replace(self.state, pipeline_id=pipeline_id))

    def action_category_filter(self) -> None:
        index = (self.state.category_index + 1) % len(CATEGORY_FILTERS)
        self._set_state(replace(self.state, category_index=index))

    def action_date_filter(self) -> None:
        index = (self.state.date_index + 1) % len(DATE_FILTERS)
        self._set_state(replace(self.state, date_index=index))

    def action_stale_filter(self) -> None:
        self._set_state(replace(self.state, stale=not self.state.stale))

    def action_flagged_filter(self) -> None:
        self._set_state(replace(self.state, flagged=not self.state.flagged))

    def action_legend(self) -> None:
        legend = self.query_one(MarksLegend)
        legend.display = not legend.display

    def action_sort(self) -> None:
        index = (self.state.sort_index + 1) % len(SORTS)
        # A new order: each list starts at its first deal (the largest, by amount), not
        # wherever the deal the cursor was on has gone.
        self._set_state(replace(self.state, sort_index=index, table_sort=None), top=True)

    def action_search(self) -> None:
        focused = self.focused

        def submit(text: str) -> str | None:
            self._set_state(replace(self.state, search=text.strip() or None))
            return None

        self.prompt().ask(
            "Search:",
            submit,
            value=self.state.search or "",
            placeholder="deal or account name",
            on_close=lambda: refocus(focused),
        )

    def action_clear_filters(self) -> None:
        # A prompt that opened while a key in the same burst moved the focus away (`N`
        # then `t`) gets no escape of its own: this one closes it first.
        prompt = self.prompt()
        if prompt.is_open:
            prompt.action_cancel()
            return
        st = self.state
        if st.filtered:
            cleared = replace(
                st, search=None, category_index=0, date_index=0, stale=False, flagged=False
            )
            self._set_state(cleared)
            self.show_status("Filters cleared")
