"""One deal in full: every field, how long it has sat, its notes and its whole history."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from ...display import clean
from ...errors import user_message
from ...services.deals import DealCard
from ...services.detail import DealDetail
from ...services.workspace import EditResult, Workspace
from ..live import mark_changed
from ..messages import DataChanged, DealLoaded, LoadFailed
from ..widgets.deal_view import deal_fields, history_text, notes_text
from ..widgets.paging import PagedCursor
from ..widgets.prompt import Prompt, prompt_status_footer
from .editing import DealEditor, screen_keys_first, status_line


class DealScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="deal.back"),
    ]

    def __init__(self, workspace: Workspace, card: DealCard) -> None:
        super().__init__(id="deal-screen")
        self.workspace = workspace
        self.editor = DealEditor(workspace, self)
        self.card = card
        self.detail: DealDetail | None = None
        self._stale = False

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return screen_keys_first(self, super().active_bindings)

    def compose(self) -> ComposeResult:
        yield Static(id="deal-title")
        with self.editor, Horizontal(id="deal-body"):
            with VerticalScroll(id="deal-fields", classes="pane"):
                yield Static(id="fields")
            with VerticalScroll(id="deal-activity", classes="pane"):
                yield Static(id="notes")
                yield Static(id="history")
        yield from prompt_status_footer()

    def on_mount(self) -> None:
        self.query_one("#deal-fields").focus()
        self._load(self.card.id)

    @work(thread=True, exclusive=True, group="deal")
    def _load(self, deal_id: int) -> None:
        try:
            detail = self.workspace.deal(deal_id)
        except Exception as exc:  # shown; the screen stays open
            self.post_message(
                LoadFailed(f"Couldn't load the deal: {user_message(exc, self.workspace.secrets)}")
            )
            return
        self.post_message(DealLoaded(detail))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.show_status(message.error, error=True)

    def on_data_changed(self, _message: DataChanged) -> None:
        if not self.is_current:
            self._stale = True
            return
        self._load(self.card.id)

    def on_screen_resume(self) -> None:
        if self._stale:
            self._stale = False
            self._load(self.card.id)

    def on_deal_loaded(self, message: DealLoaded) -> None:
        seen = self.card
        self.detail = d = message.detail
        self.card = d
        if self.workspace.changed_by_others(seen, d):
            mark_changed(self.query_one("#fields"))
        ws = self.workspace
        currency = ws.settings.currency
        today = ws.today()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {clean(d.name)} ", style="bold reverse")
        title.append(f"  {clean(d.account or 'no account')} · {clean(d.owner_name)}")
        self.query_one("#deal-title", Static).update(title)
        self.query_one("#fields", Static).update(deal_fields(d, currency, today))
        self.query_one("#notes", Static).update(notes_text(d))
        self.query_one("#history", Static).update(history_text(d, currency))

    # What the editor is given -------------------------------------------------------
    def selected_deal(self) -> DealCard | None:
        return self.card

    def show_status(self, text: str, *, error: bool = False) -> None:
        status_line(self, text, error=error)

    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def cursor_waiting(self) -> PagedCursor | None:
        return None  # one deal: no page to wait for

    def after_edit(self, result: EditResult | None, *, follow: bool = False) -> None:
        if result is not None:
            self.card = result.deal
        self._load(self.card.id)

    def action_back(self) -> None:
        if self.prompt().is_open:
            self.prompt().close()
            return
        self.dismiss(None)
