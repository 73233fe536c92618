"""Keystroke edits on the selected deal, shared by the board, the table and the deal screen.

A screen that edits deals owns a `DealEditor` and gives it an `EditHost`: which deal is
selected, where the status line is, what to do after an edit. The editor is a container
the screen puts its deal views in (`with self.editor: yield Board()`), so its bindings
are on the focus chain whenever a deal view has focus: the keys, the footer and the user's
keymap reach the editor itself, and the screen inherits nothing.

Edits run one at a time in a thread worker: a key pressed while one is in flight waits its
turn, so fast repeats (`+ + +`) apply in order instead of colliding with themselves. A
screen's own steps that change which deal is selected once they land (the review walk's
next, previous and skip) wait in the same queue as `hold`s: an edit typed after one applies
to the deal it brings, not to the one on screen when the key was pressed.

Every edit is written against the deal as the user saw it when they pressed the key (or
opened the prompt): the workspace moves that version on past this session's own writes
only, so an edit on a view someone else has changed since is refused and reported, never
written over their change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from functools import partial
from itertools import count
from typing import Any, ClassVar, Protocol, runtime_checkable

from textual import work
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Static

from ...display import clean, display_text
from ...errors import ConflictError, PipelineError, StorageError, user_message
from ...labels import change_text, date_text, field_label, field_value
from ...parsing import ParseError, parse_date, parse_money
from ...services.deals import DealCard
from ...services.edit_types import (
    AddNote,
    Archive,
    CycleCategory,
    Edit,
    MarkLost,
    MarkWon,
    MoveStage,
    NudgeProbability,
    SetAmount,
    SetCloseDate,
    SetProbability,
    label,
)
from ...services.workspace import EditResult, FieldChange, Workspace
from ...storage.faults import ConnectionLost, why_not_saved
from ..messages import CheckConnection, EditDone, EditFailed
from ..widgets.paging import PagedCursor
from ..widgets.prompt import Prompt, refocus
from ..widgets.steady import show_fixed

EDIT_BINDINGS: list[BindingType] = [
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
    Binding("A", "archive", "Archive", show=False, id="deal.archive"),
    Binding("u,ctrl+z", "undo", "Undo", id="deal.undo"),
    Binding("ctrl+y,U", "redo", "Redo", show=False, id="deal.redo"),
]


# The actions that change a deal (hidden for a viewer).
EDIT_ACTIONS = frozenset(
    {"probability", "nudge", "stage", "accept_proposal", "category", "won", "lost", "undo",
     "redo", "close_date", "amount", "note", "archive"}
)  # fmt: skip


def describe(change: FieldChange, currency: str, old_currency: str | None = None) -> str:
    """`Forecast category: Best case → Commit`, as the status line and toasts say it.

    `currency` is the deal's; `old_currency` what it was before, when the edit changed it:
    `Amount: $15,600 → €1,234.56`."""
    if change.field == "amount" and old_currency and old_currency != currency:
        before = field_value("amount", change.old, old_currency)
        return f"{field_label('amount')}: {before} → {field_value('amount', change.new, currency)}"
    return change_text(change.field, change.old, change.new, currency)


class History(Enum):
    """Undo and redo wait in the same queue as edits, so they apply in the order pressed."""

    UNDO = "Undo"
    REDO = "Redo"


Step = Edit | History


def request_label(step: Step, card: DealCard | None, currency: str) -> str:
    """A step as it was asked for, to name it when it could not be saved."""
    if isinstance(step, History):
        return f"{step.value} of the last edit"
    return f"{label(step, currency)} on {card.name if card else 'no deal'}"


def status_line(screen: Screen[Any], text: str, *, error: bool = False) -> None:
    """The one-line message above the footer; every editing screen has `#status`."""
    status = screen.query_one("#status", Static)
    # Status lines quote deal names, typed values and errors: data, never markup.
    show_fixed(status, display_text(text, "bold red" if error else ""))
    status.set_class(error, "error")


def screen_keys_first(
    screen: Screen[Any], found: dict[str, ActiveBinding]
) -> dict[str, ActiveBinding]:
    """The active bindings with the screen's own before its editor's.

    Textual lists them nearest-the-focus first, which puts the editor's keys (it holds the
    focused view) ahead of the screen's: the footer would show `c d a n u` and crop
    `t r o /` at 80 columns. Which key runs what is unchanged; only the listing order is.
    """

    def rank(item: tuple[str, ActiveBinding]) -> int:
        node = item[1].node
        return 2 if node is screen.app else 1 if isinstance(node, DealEditor) else 0

    return dict(sorted(found.items(), key=rank))


class EditHost(Protocol):
    """What a screen gives its `DealEditor`."""

    def selected_deal(self) -> DealCard | None: ...

    def show_status(self, text: str, *, error: bool = False) -> None: ...

    def after_edit(self, result: EditResult | None, *, follow: bool = False) -> None:
        """Called after every edit, and with None when the deal must be read again;
        `follow`: show the edited deal even if the cursor is elsewhere (undo, redo)."""

    def cursor_waiting(self) -> PagedCursor | None:
        """The cursor, if it is waiting for a page before it lands on the selected deal."""


@runtime_checkable
class PredictingHost(Protocol):
    """A host that shows an edit's result when its key is pressed, before the write."""

    def edit_typed(self, key: int, card: DealCard, edit: Edit) -> None:
        """`edit` was typed on `card` (as shown); `key` names it until it lands."""

    def edit_landed(self, key: int, result: EditResult | None) -> None:
        """The edit `key` was written (`result`) or not (None: refused, failed, dropped);
        called before `after_edit`."""


@dataclass(frozen=True)
class _Queued:
    label: str
    step: Step | None
    card: DealCard | None
    key: int = 0
    # A hold: the screen's own step, started when its turn comes; the queue waits for
    # `DealEditor.release`.
    start: Callable[[], object] | None = None
    # Typed behind a hold: the deal is the one selected when the hold has landed.
    after_hold: bool = False


class DealEditor(Container):
    """Runs the edits asked for on its screen's selected deal, one at a time.

    It holds the screen's deal views, so its keys act whenever one of them has focus."""

    DEFAULT_CSS = """
    DealEditor {
        height: 1fr;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = EDIT_BINDINGS

    def __init__(self, workspace: Workspace, host: EditHost) -> None:
        super().__init__(id="deal-editor")
        self.workspace, self.host = workspace, host
        # Each queued edit with its label, so that none is ever dropped without a word.
        self._pending: deque[_Queued] = deque()
        self._editing = False
        self._holds = 0  # holds queued or running: edits typed now wait for their deal
        self._running_label = ""
        self._running_key = 0
        self._keys = count(1)
        self._proposal: tuple[int, int] | None = None

    @property
    def busy(self) -> bool:
        """An edit is being written or waits its turn."""
        return self._editing or bool(self._pending)

    @property
    def queued(self) -> int:
        """Steps waiting behind the one running."""
        return len(self._pending)

    def _prompt(self) -> Prompt:
        return self.screen.query_one(Prompt)

    # Running edits ------------------------------------------------------------------
    def queue(self, step: Step, *, target: DealCard | None = None) -> None:
        """Queues a step on the deal selected now (or `target`, picked when a prompt opened)."""
        paging = self.host.cursor_waiting() if target is None and not self._holds else None
        if paging is not None:  # `j 7` across a page: 7 is for the deal j lands on
            self.hold("Moving to the next page", partial(paging.then, self.release))
        if target is None and self._holds:
            currency = self.workspace.settings.currency
            what = step.value if isinstance(step, History) else label(step, currency)
            named = f"{what} on the deal shown next"
            self._pending.append(_Queued(named, step, None, after_hold=True))
        else:
            chosen = target or self.host.selected_deal()
            named = request_label(
                step, chosen, chosen.currency if chosen else self.workspace.settings.currency
            )
            key = next(self._keys)
            self._pending.append(_Queued(named, step, chosen, key))
            host = self.host
            if isinstance(host, PredictingHost) and chosen and not isinstance(step, History):
                host.edit_typed(key, chosen, step)  # shown now, written in turn
        if not self._editing:
            self._next_edit()

    def hold(self, label: str, start: Callable[[], object]) -> None:
        """Queues `start` behind the edits typed before it; what is typed after waits until
        the screen calls `release` (once, whether the step worked or not)."""
        self._holds += 1
        self._pending.append(_Queued(label, None, None, start=start))
        if not self._editing:
            self._next_edit()

    def release(self) -> None:
        """The running hold has landed: the next queued step may go."""
        self._holds = max(0, self._holds - 1)
        self._next_edit()

    def _next_edit(self) -> None:
        self._editing = bool(self._pending)
        if not self._pending:
            return
        queued = self._pending.popleft()
        self._running_label, self._running_key = queued.label, queued.key
        if queued.start is not None:
            queued.start()
            return
        card = self.host.selected_deal() if queued.after_hold else queued.card
        # Undo and redo step through this person's own edits, whatever the cursor is on
        # (an empty column after `w` on its last deal, say): they need no selected deal.
        if queued.step is None or (card is None and not isinstance(queued.step, History)):
            self.host.show_status("No deal selected", error=True)
            self._landed(queued.key, None)
            self._next_edit()
            return
        self._run_edit(queued.step, card)

    @work(thread=True, group="edit")
    def _run_edit(self, step: Step, card: DealCard | None) -> None:
        ws = self.workspace
        try:
            if step is History.UNDO:
                result, summary = ws.undo(), "Undone: "
            elif step is History.REDO:
                result, summary = ws.redo(), "Redone: "
            elif card is not None:
                result, summary = ws.edit(card, step), ""
            else:  # `_next_edit` queues no edit without its deal
                return
        except ConflictError as exc:  # someone else changed the deal: show theirs
            self.post_message(EditFailed(user_message(exc, ws.secrets), reload=True))
            return
        except StorageError as exc:  # the environment failed: nothing was written
            self.post_message(EditFailed(user_message(exc, ws.secrets), fault=exc))
            return
        except PipelineError as exc:
            self.post_message(EditFailed(user_message(exc, ws.secrets)))
            return
        if isinstance(step, AddNote):
            what = "Next step set" if step.is_next_step else "Note added"
            self.post_message(EditDone(result, f"{what} on {result.deal.name}"))
            return
        if isinstance(step, Archive):
            done = f"Archived {result.deal.name} · u brings it back"
            self.post_message(EditDone(result, done))
            return
        currency = result.deal.currency
        was = next((str(c.old) for c in result.changes if c.field == "currency"), None)
        details = "; ".join(describe(c, currency, was) for c in result.changes) or "no change"
        # Undo and redo may change a deal other than the one under the cursor: the screen
        # takes the cursor to it, so the person sees what was put back.
        follow = isinstance(step, History)
        self.post_message(
            EditDone(result, f"{summary}{result.deal.name} · {details}", follow=follow)
        )

    def on_edit_done(self, message: EditDone) -> None:
        message.stop()
        result = message.result
        self.host.show_status(message.summary)
        if result is not None and result.proposed_probability is not None:
            deal = result.deal
            if result.proposed_probability != deal.probability:
                self._proposal = (deal.id, result.proposed_probability)
                self.host.show_status(
                    f"{message.summary} · {deal.stage_name} usually means "
                    f"{result.proposed_probability}%, you have {deal.probability}%: "
                    f"y to use {result.proposed_probability}%"
                )
        self._landed(self._running_key, result)
        self.host.after_edit(result, follow=message.follow)
        self._next_edit()

    def on_edit_failed(self, message: EditFailed) -> None:
        message.stop()
        self.host.show_status(message.error, error=True)
        dropped = [queued.label for queued in self._pending]
        keys = [self._running_key, *(queued.key for queued in self._pending)]
        self._pending.clear()
        self._editing, self._holds = False, 0
        for key in keys:  # shown as typed: now as they are, unwritten
            self._landed(key, None)
        if message.fault is not None:
            self._report_not_saved([self._running_label, *dropped], message)
        elif dropped:
            self._report_not_saved(dropped, message)
        if message.reload:
            self.host.after_edit(None)

    def _landed(self, key: int, result: EditResult | None) -> None:
        if key and isinstance(self.host, PredictingHost):
            self.host.edit_landed(key, result)

    def _report_not_saved(self, labels: list[str], message: EditFailed) -> None:
        """Names every edit that was not saved: the failed one and those queued after it."""
        fault = message.fault
        reason = why_not_saved(fault) if fault is not None else "an earlier edit failed"
        lines = [f"{clean(label)} — not saved: {reason}" for label in labels]
        if fault is not None:  # otherwise the status keeps the failed edit's own message
            more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
            self.host.show_status(f"{lines[0]}{more}", error=True)
        self.app.notify(
            "\n".join(lines),
            title=clean(message.error),
            severity="error",
            timeout=10,
            markup=False,
        )
        if isinstance(fault, ConnectionLost):
            self.app.post_message(CheckConnection())

    # What the keys ask for ----------------------------------------------------------
    def _read_only(self) -> bool:
        """Says "read-only: Priya Shah's deal" when this person may not change the selected
        deal: a hint before the key does anything (the session refuses it anyway)."""
        card = self.host.selected_deal()
        why = self.workspace.may_edit(card) if card is not None else None
        if why is not None:
            self.host.show_status(why, error=True)
        return why is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A viewer changes nothing: the edit keys leave the footer."""
        return not (action in EDIT_ACTIONS and self.workspace.policy.read_only)

    def edit(self, edit: Edit) -> None:
        """A key's edit of the selected deal; it ends any offer to use a stage's %."""
        self._proposal = None
        if self._read_only():
            return
        self.queue(edit)

    def accept_proposal(self) -> None:
        card = self.host.selected_deal()
        if self._proposal is None or card is None or card.id != self._proposal[0]:
            self.host.show_status("Nothing to accept: y follows a stage move", error=True)
            return
        probability = self._proposal[1]
        self.edit(SetProbability(probability))

    def history(self, step: History) -> None:
        self._proposal = None
        stack = self.workspace.undo_stack
        if not (stack.can_undo if step is History.UNDO else stack.can_redo):
            self.host.show_status(f"Nothing to {step.value.lower()}", error=True)
            return
        self.queue(step)

    def _ask(self, label: str, submit: Callable[[str], str | None], **kwargs: Any) -> None:
        if self.host.selected_deal() is None:
            self.host.show_status("No deal selected", error=True)
            return
        if self._read_only():
            return
        self._proposal = None
        focused = self.screen.focused
        self._prompt().ask(label, submit, on_close=lambda: refocus(focused), **kwargs)

    def ask_lost(self) -> None:
        card = self.host.selected_deal()

        def submit(text: str) -> str | None:
            if not text.strip():
                return "Say why it was lost (Price, Competitor, No decision, …)"
            self.queue(MarkLost(text.strip()), target=card)
            return None

        self._ask("Lost because:", submit, placeholder="Price, Competitor, No decision, …")

    def ask_close_date(self) -> None:
        card = self.host.selected_deal()
        ws = self.workspace
        fiscal_start = ws.settings.fiscal_year_start_month

        def submit(text: str) -> str | None:
            try:
                new_date = parse_date(text, today=ws.today(), fiscal_year_start_month=fiscal_start)
            except ParseError as exc:
                return str(exc)
            self.queue(SetCloseDate(new_date, fiscal_start), target=card)
            return None

        current = date_text(card.close_date) if card and card.close_date else ""
        self._ask("Close date:", submit, value=current, placeholder="2026-12-31, +2w, eoq, …")

    def ask_amount(self) -> None:
        card = self.host.selected_deal()

        def submit(text: str) -> str | None:
            try:
                money = parse_money(text)
            except ParseError as exc:
                return str(exc)
            # A currency typed with the amount (`EUR 1.234,56`) is the deal's from now on.
            typed = money.currency if card is None or money.currency != card.currency else None
            self.queue(SetAmount(money.amount, typed), target=card)
            return None

        current = f"{card.amount:f}" if card else ""
        self._ask(
            f"Amount ({card.currency}):" if card else "Amount:",
            submit,
            value=current,
            placeholder="12k, 1.5M, $12,000.50, EUR 1.234,56",
        )

    def ask_archive(self) -> None:
        card = self.host.selected_deal()

        def submit(text: str) -> str | None:
            answer = text.strip().lower()
            if answer in ("y", "yes"):
                self.queue(Archive(), target=card)
            elif answer in ("", "n", "no"):
                self.host.show_status("Not archived")
            else:
                return "y to archive it, n (or escape) to keep it"
            return None

        name = clean(card.name) if card else ""  # a label is shown as it is: data cleaned
        name = name if len(name) <= 40 else name[:39] + "…"
        self._ask(
            f"Archive {name}? (y/n)",
            submit,
            placeholder="y: off the board and the figures, kept in the history",
        )

    def ask_note(self) -> None:
        target = self.host.selected_deal()

        def submit(text: str) -> str | None:
            text = text.strip()
            kind = "note"
            if text.lower().startswith("next:"):
                kind, text = "next_step", text[5:].strip()
            if not text:
                return "Type the note (start with 'next:' to set the next step)"
            if target is not None:
                self.queue(AddNote(text, kind), target=target)
            return None

        self._ask("Note:", submit, placeholder="what happened · next: what happens next")

    # The keys (bindings, keymap and palette all land here) ---------------------------
    def action_probability(self, value: int) -> None:
        self.edit(SetProbability(value))

    def action_nudge(self, delta: int) -> None:
        self.edit(NudgeProbability(delta))

    def action_stage(self, direction: int) -> None:
        self.edit(MoveStage(direction))

    def action_accept_proposal(self) -> None:
        self.accept_proposal()

    def action_category(self) -> None:
        self.edit(CycleCategory())

    def action_won(self) -> None:
        self.edit(MarkWon())

    def action_lost(self) -> None:
        self.ask_lost()

    def action_undo(self) -> None:
        self.history(History.UNDO)

    def action_redo(self) -> None:
        self.history(History.REDO)

    def action_close_date(self) -> None:
        self.ask_close_date()

    def action_amount(self) -> None:
        self.ask_amount()

    def action_note(self) -> None:
        self.ask_note()

    def action_archive(self) -> None:
        self.ask_archive()
