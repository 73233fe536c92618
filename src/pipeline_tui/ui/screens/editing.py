"""Keystroke edits on the selected deal, shared by the board, the table and the deal screen.

Edits run one at a time in a thread worker: a key pressed while one is in flight waits its
turn, so fast repeats (`+ + +`) apply in order instead of colliding with themselves.

Every edit is written against the deal as the user saw it when they pressed the key (or
opened the prompt): the workspace moves that version on past this session's own writes
only, so an edit on a view someone else has changed since is refused and reported, never
written over their change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from ...display import clean, display_text
from ...errors import PipelineError, StorageError, user_message
from ...money import format_money
from ...parsing import ParseError, parse_amount, parse_date
from ...services.deals import DealCard
from ...services.errors import EditError, StaleDealError
from ...services.writes import EditResult, FieldChange
from ...storage.faults import ConnectionLost, why_not_saved
from ..messages import EditDone, EditFailed
from ..widgets.prompt import Prompt, refocus

if TYPE_CHECKING:
    from ..app import PipelineApp

EDIT_BINDINGS = [
    *[
        Binding(
            str(n),
            f"probability({n * 10})",
            f"{n * 10}%",
            show=False,
            id=f"deal.probability_{n * 10}",
        )
        for n in range(10)
    ],
    Binding("plus,equals_sign", "nudge(5)", "+5%", show=False, id="deal.probability_up"),
    Binding("minus,underscore", "nudge(-5)", "-5%", show=False, id="deal.probability_down"),
    Binding(
        "right_square_bracket", "stage(1)", "Next stage", id="deal.next_stage", key_display="]"
    ),
    Binding("left_square_bracket", "stage(-1)", "Prev stage", show=False, id="deal.previous_stage"),
    Binding("y", "accept_proposal", "Use stage %", show=False, id="deal.accept_probability"),
    Binding("c", "category", "Category", id="deal.category"),
    Binding("d", "close_date", "Close date", id="deal.close_date"),
    Binding("a", "amount", "Amount", id="deal.amount"),
    Binding("n", "note", "Note", id="deal.note"),
    Binding("w", "won", "Won", show=False, id="deal.won"),
    Binding("x", "lost", "Lost", show=False, id="deal.lost"),
    Binding("u,ctrl+z", "undo", "Undo", id="deal.undo"),
    Binding("ctrl+y,U", "redo", "Redo", show=False, id="deal.redo"),
]

FIELD_LABELS = {
    "probability": "probability",
    "stage": "stage",
    "forecast_category": "category",
    "close_date": "close date",
    "amount": "amount",
    "push_count": "pushes",
    "next_step": "next step",
    "lost_reason": "lost reason",
    "closed_date": "closed",
}


def describe(change: FieldChange, currency: str) -> str:
    def show(value: Any) -> str:
        if value is None:
            return "none"
        if isinstance(value, Decimal):
            return format_money(value, currency)
        if isinstance(value, date):
            return value.isoformat()
        if change.field == "probability":
            return f"{value}%"
        return str(value).replace("_", " ")

    label = FIELD_LABELS.get(change.field, change.field.replace("_", " "))
    return f"{label} {show(change.old)} → {show(change.new)}"


def request_label(
    operation: str, args: tuple[Any, ...], card: DealCard | None, currency: str
) -> str:
    """An edit as it was asked for, to name it when it could not be saved."""
    if operation in ("undo", "redo"):
        return f"{operation.capitalize()} of the last edit"
    value = args[0] if args else None
    if operation == "set_probability":
        what = f"Probability {value}%"
    elif operation == "nudge_probability" and isinstance(value, int):
        what = f"Probability {value:+d}%"
    elif operation == "move_stage" and isinstance(value, int):
        what = "Next stage" if value > 0 else "Previous stage"
    elif operation == "set_close_date" and isinstance(value, date):
        what = f"Close date {value.isoformat()}"
    elif operation == "set_amount" and isinstance(value, Decimal):
        what = f"Amount {format_money(value, currency)}"
    else:
        what = {
            "cycle_category": "Category change",
            "mark_won": "Won",
            "mark_lost": "Lost",
        }.get(operation, operation.replace("_", " ").capitalize())
    return f"{what} on {card.name if card else 'no deal'}"


class DealEditing(Screen[Any]):
    """Edit actions for any screen that can say which deal is selected."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Each queued edit with its label, so that none is ever dropped without a word.
        self._pending: deque[tuple[str, Callable[[], None]]] = deque()
        self._editing = False
        self._running_label = ""
        self._proposal: tuple[int, int] | None = None

    @property
    def pipeline_app(self) -> PipelineApp:
        from ..app import PipelineApp

        assert isinstance(self.app, PipelineApp)
        return self.app

    # What the screen provides -------------------------------------------------------
    def selected_deal(self) -> DealCard | None:
        raise NotImplementedError

    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    def show_status(self, text: str, *, error: bool = False) -> None:
        """The one-line message above the footer; every editing screen has `#status`."""
        status = self.query_one("#status", Static)
        # Status lines quote deal names, typed values and errors: data, never markup.
        status.update(display_text(text, "bold red" if error else ""))
        status.set_class(error, "error")

    def after_edit(self, result: EditResult | None) -> None:
        raise NotImplementedError

    # Running edits ------------------------------------------------------------------
    def _queue(
        self, operation: str, *args: Any, target: DealCard | None = None, **kwargs: Any
    ) -> None:
        """Queues an edit of the deal selected now (or `target`, picked when a prompt opened)."""
        chosen = target or self.selected_deal()

        def run() -> None:
            if chosen is None:
                self.show_status("No deal selected", error=True)
                self._next_edit()
                return
            self._run_edit(operation, chosen, args, kwargs)

        label = request_label(
            operation, args, chosen, self.pipeline_app.workspace.settings.currency
        )
        self._pending.append((label, run))
        if not self._editing:
            self._next_edit()

    def _next_edit(self) -> None:
        self._editing = bool(self._pending)
        if self._pending:
            self._running_label, run = self._pending.popleft()
            run()

    @work(thread=True, group="edit")
    def _run_edit(
        self, operation: str, card: DealCard, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        ws = self.pipeline_app.workspace
        try:
            if operation == "undo":
                result = ws.undo()
                summary = "Undone: "
            elif operation == "redo":
                result = ws.redo()
                summary = "Redone: "
            else:
                result = ws.edit(operation, card, *args, **kwargs)
                summary = ""
        except StaleDealError as exc:
            self.post_message(EditFailed(str(exc), reload=True))
            return
        except (EditError, LookupError) as exc:
            self.post_message(EditFailed(str(exc)))
            return
        except StorageError as exc:  # the environment failed: nothing was written
            self.post_message(EditFailed(user_message(exc, ws.secrets), fault=exc))
            return
        except PipelineError as exc:
            self.post_message(EditFailed(user_message(exc, ws.secrets)))
            return
        currency = ws.settings.currency
        details = "; ".join(describe(c, currency) for c in result.changes) or "no change"
        self.post_message(EditDone(result, f"{summary}{result.deal.name}: {details}"))

    def on_edit_done(self, message: EditDone) -> None:
        result = message.result
        self.show_status(message.summary)
        if result is not None and result.proposed_probability is not None:
            deal = result.deal
            if result.proposed_probability != deal.probability:
                self._proposal = (deal.id, result.proposed_probability)
                self.show_status(
                    f"{message.summary} · {deal.stage_name} usually means "
                    f"{result.proposed_probability}%, you have {deal.probability}%: "
                    f"y to use {result.proposed_probability}%"
                )
        self.after_edit(result)
        self._next_edit()

    def on_edit_failed(self, message: EditFailed) -> None:
        self.show_status(message.error, error=True)
        dropped = [label for label, _ in self._pending]
        self._pending.clear()
        self._editing = False
        if message.fault is not None:
            self._report_not_saved([message.label or self._running_label, *dropped], message)
        elif dropped:
            self._report_not_saved(dropped, message)
        if message.reload:
            self.after_edit(None)

    def _report_not_saved(self, labels: list[str], message: EditFailed) -> None:
        """Names every edit that was not saved: the failed one and those queued after it."""
        fault = message.fault
        reason = why_not_saved(fault) if fault is not None else "an earlier edit failed"
        lines = [f"{clean(label)} — not saved: {reason}" for label in labels]
        if fault is not None:  # otherwise the status keeps the failed edit's own message
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            self.show_status(f"{lines[0]}{more}", error=True)
        self.app.notify(
            "\n".join(lines),
            title=clean(message.error),
            severity="error",
            timeout=10,
            markup=False,
        )
        if isinstance(fault, ConnectionLost):
            self.pipeline_app.check_connection()

    # The actions --------------------------------------------------------------------
    def _clear_proposal(self) -> None:
        self._proposal = None

    def action_probability(self, value: int) -> None:
        self._clear_proposal()
        self._queue("set_probability", value)

    def action_nudge(self, delta: int) -> None:
        self._clear_proposal()
        self._queue("nudge_probability", delta)

    def action_stage(self, direction: int) -> None:
        self._clear_proposal()
        self._queue("move_stage", direction)

    def action_accept_proposal(self) -> None:
        card = self.selected_deal()
        if self._proposal is None or card is None or card.id != self._proposal[0]:
            self.show_status("Nothing to accept: y follows a stage move", error=True)
            return
        probability = self._proposal[1]
        self._clear_proposal()
        self._queue("set_probability", probability)

    def action_category(self) -> None:
        self._clear_proposal()
        self._queue("cycle_category")

    def action_undo(self) -> None:
        self._clear_proposal()
        if not self.pipeline_app.workspace.undo_stack.can_undo:
            self.show_status("Nothing to undo", error=True)
            return
        self._queue("undo")

    def action_redo(self) -> None:
        self._clear_proposal()
        if not self.pipeline_app.workspace.undo_stack.can_redo:
            self.show_status("Nothing to redo", error=True)
            return
        self._queue("redo")

    def action_won(self) -> None:
        self._clear_proposal()
        self._queue("mark_won")

    def _ask(self, label: str, submit: Callable[[str], str | None], **kwargs: Any) -> None:
        if self.selected_deal() is None:
            self.show_status("No deal selected", error=True)
            return
        self._clear_proposal()
        focused = self.focused
        self.prompt().ask(label, submit, on_close=lambda: refocus(focused), **kwargs)

    def action_lost(self) -> None:
        card = self.selected_deal()

        def submit(text: str) -> str | None:
            if not text.strip():
                return "Say why it was lost (Price, Competitor, No decision, …)"
            self._queue("mark_lost", text.strip(), target=card)
            return None

        self._ask("Lost because:", submit, placeholder="Price, Competitor, No decision, …")

    def action_close_date(self) -> None:
        card = self.selected_deal()
        ws = self.pipeline_app.workspace

        def submit(text: str) -> str | None:
            try:
                new_date = parse_date(
                    text,
                    today=ws.today(),
                    fiscal_year_start_month=ws.settings.fiscal_year_start_month,
                )
            except ParseError as exc:
                return str(exc)
            self._queue(
                "set_close_date",
                new_date,
                target=card,
                fiscal_year_start_month=ws.settings.fiscal_year_start_month,
            )
            return None

        current = card.close_date.isoformat() if card and card.close_date else ""
        self._ask("Close date:", submit, value=current, placeholder="2026-12-31, +2w, eoq, …")

    def action_amount(self) -> None:
        card = self.selected_deal()

        def submit(text: str) -> str | None:
            try:
                amount = parse_amount(text)
            except ParseError as exc:
                return str(exc)
            self._queue("set_amount", amount, target=card)
            return None

        current = f"{card.amount:f}" if card else ""
        self._ask("Amount:", submit, value=current, placeholder="12k, 1.5M, $12,000.50")

    def action_note(self) -> None:
        target = self.selected_deal()

        def submit(text: str) -> str | None:
            text = text.strip()
            kind = "note"
            if text.lower().startswith("next:"):
                kind, text = "next_step", text[5:].strip()
            if not text:
                return "Type the note (start with 'next:' to set the next step)"
            if target is not None:
                self._save_note(target, text, kind)
            return None

        self._ask("Note:", submit, placeholder="what happened · next: what happens next")

    @work(thread=True, group="edit")
    def _save_note(self, card: DealCard, text: str, kind: str) -> None:
        ws = self.pipeline_app.workspace
        try:
            result = ws.add_note(card, text, kind=kind)
        except StaleDealError as exc:
            self.post_message(EditFailed(str(exc), reload=True))
            return
        except EditError as exc:
            self.post_message(EditFailed(str(exc)))
            return
        except StorageError as exc:
            label = f"{'Next step' if kind == 'next_step' else 'Note'} on {card.name}"
            self.post_message(EditFailed(user_message(exc, ws.secrets), fault=exc, label=label))
            return
        what = "Next step set" if kind == "next_step" else "Note added"
        self.post_message(EditDone(result, f"{what} on {card.name}"))
