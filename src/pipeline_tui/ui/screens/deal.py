"""One deal in full: every field, how long it has sat, its notes and its whole history."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static

from ...money import format_money
from ...services.deals import DealCard
from ...services.detail import DealDetail
from ...services.writes import EditResult
from ..messages import DealLoaded, LoadFailed
from ..widgets.prompt import Prompt
from .editing import EDIT_BINDINGS, DealEditing


class DealScreen(DealEditing):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back", id="deal.back"),
        *EDIT_BINDINGS,
    ]

    def __init__(self, card: DealCard) -> None:
        super().__init__(id="deal-screen")
        self.card = card
        self.detail: DealDetail | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="deal-title")
        with Horizontal(id="deal-body"):
            with VerticalScroll(id="deal-fields", classes="pane"):
                yield Static(id="fields")
            with VerticalScroll(id="deal-activity", classes="pane"):
                yield Static(id="notes")
                yield Static(id="history")
        yield Prompt(id="prompt")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Prompt).display = False
        self.query_one("#deal-fields").focus()
        self._load(self.card.id)

    @work(thread=True, exclusive=True, group="deal")
    def _load(self, deal_id: int) -> None:
        try:
            detail = self.pipeline_app.workspace.deal(deal_id)
        except Exception as exc:  # shown; the screen stays open
            self.post_message(LoadFailed(f"Couldn't load the deal: {exc}"))
            return
        self.post_message(DealLoaded(detail))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.show_status(message.error, error=True)

    def on_deal_loaded(self, message: DealLoaded) -> None:
        self.detail = d = message.detail
        self.card = d
        ws = self.pipeline_app.workspace
        currency = ws.settings.currency
        today = ws.today()
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f" {d.name} ", style="bold reverse")
        title.append(f"  {d.account or 'no account'} · {d.owner_name}")
        self.query_one("#deal-title", Static).update(title)
        self.query_one("#fields", Static).update(self._fields(d, currency, today))
        self.query_one("#notes", Static).update(self._notes(d))
        self.query_one("#history", Static).update(self._history(d))

    def _fields(self, d: DealDetail, currency: str, today: date) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", no_wrap=True)
        table.add_column()
        stage_path = Text()
        for i, stage in enumerate(s for s in d.stages if s.kind == "open"):
            if i:
                stage_path.append(" › ", style="dim")
            stage_path.append(stage.name, style="bold reverse" if stage.id == d.stage_id else "dim")
        close = (
            Text("none — set one with d", style="bold red")
            if d.close_date is None
            else Text(d.close_date.isoformat(), style="red" if d.close_date < today else "")
        )
        rows: list[tuple[str, Text | str]] = [
            ("Amount", Text(format_money(d.amount, currency), style="bold")),
            ("Probability", f"{d.probability}%  (weighted {format_money(d.weighted, currency)})"),
            ("Category", d.forecast_category.replace("_", " ")),
            ("Stage", stage_path),
            ("Pipeline", d.pipeline_name),
            ("Close date", close),
            ("Pushed", f"{d.push_count} time{'s' if d.push_count != 1 else ''}"),
            ("Next step", d.next_step or Text("none", style="dim")),
            ("Days in stage", str(d.days_in_stage)),
            ("Age", f"{d.age_days} days (created {d.created_at.date().isoformat()})"),
            ("Owner", f"{d.owner_name} ({d.owner_login})"),
            ("Account", d.account or Text("none", style="dim")),
            ("Updated", d.updated_at.strftime("%Y-%m-%d %H:%M UTC")),
        ]
        if d.closed_date:
            rows.append(("Closed", d.closed_date.isoformat()))
        if d.lost_reason:
            rows.append(("Lost because", d.lost_reason))
        for label, value in rows:
            table.add_row(label, value)
        return table

    def _notes(self, d: DealDetail) -> Text:
        text = Text()
        text.append("Notes\n", style="bold underline")
        if not d.notes:
            text.append("No notes yet: n adds one, 'next: …' sets the next step\n", style="dim")
        for note in d.notes:
            text.append(f"{note.created_at:%Y-%m-%d} ", style="dim")
            text.append(f"{note.author_name or 'someone'}", style="bold")
            if note.kind != "note":
                text.append(f" [{note.kind.replace('_', ' ')}]", style="yellow")
            text.append(f"\n  {note.text}\n")
        return text

    def _history(self, d: DealDetail) -> Text:
        text = Text()
        text.append("\nHistory\n", style="bold underline")
        if not d.history:
            text.append("No changes recorded\n", style="dim")
        for change in d.history:
            text.append(f"{change.when:%Y-%m-%d %H:%M} ", style="dim")
            text.append(change.who or "someone", style="bold")
            text.append(f" {change.field.replace('_', ' ')}: ")
            text.append(change.old_value or "—", style="red")
            text.append(" → ")
            text.append(change.new_value or "—", style="green")
            text.append(f"  ({change.source})\n", style="dim")
        return text

    # DealEditing --------------------------------------------------------------------
    def selected_deal(self) -> DealCard | None:
        return self.card

    def show_status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#status", Static).update(Text(text, style="bold red" if error else ""))

    def after_edit(self, result: EditResult | None) -> None:
        if result is not None:
            self.card = result.deal
        self._load(self.card.id)

    def action_back(self) -> None:
        if self.prompt().is_open:
            self.prompt().close()
            return
        self.dismiss(None)
