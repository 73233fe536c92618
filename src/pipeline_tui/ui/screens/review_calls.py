"""Forecast calls in the review walk: each rep's call beside their deals, and a new call
asked for when the walk leaves a rep's last deal.

The walk goes stage by stage, so a rep's deals are spread through it; the rep's part of
the meeting ends at their last deal in the walk's order. Leaving it (`space`) opens the
call prompt on their latest call (or the system's figures): `enter` keeps it, restated in
this meeting so it is no longer stale, typed figures replace it, `escape` leaves it as it
was. `F` asks for the call of the deal's owner at any time. Calls made here carry the
review's id, so its summary lists them.
"""

from __future__ import annotations

from typing import Any, Protocol

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widget import Widget

from ...display import clean, display_text
from ...errors import InputError, PipelineError, user_message
from ...forecast.call_input import CALL_FORM, CallAmounts, parse_call
from ...forecast.call_status import CallStatus
from ...forecast.call_text import age_text, change_text, team_text
from ...money import format_money
from ...reviews import ReviewState
from ...services.session_calls import CallPrompt
from ...services.workspace import Workspace
from ..widgets.prompt import Prompt, refocus


class ReviewCallsHost(Protocol):
    state: ReviewState

    def prompt(self) -> Prompt: ...

    def show_status(self, text: str, *, error: bool = False) -> None: ...

    def show_call(self, text: Text) -> None: ...

    def current_owner(self) -> int | None: ...


class OwnerCall(Message):
    def __init__(self, status: CallStatus, owners: tuple[int, ...]) -> None:
        super().__init__()
        self.status, self.owners = status, owners


class CallAsked(Message):
    def __init__(self, prompt: CallPrompt, person_id: int, closing: bool) -> None:
        super().__init__()
        self.call_prompt, self.person_id, self.closing = prompt, person_id, closing


class CallDone(Message):
    def __init__(self, text: str, *, error: bool = False) -> None:
        super().__init__()
        self.text, self.error = text, error


def call_text(status: CallStatus, currency: str) -> Text:
    """The side pane's block: `Priya Shah's call: commit $80k, best case $100k · 3d ago`."""
    text = Text()
    text.append(f"{clean(status.label)}'s call", style="bold")
    latest = status.latest
    if latest is None:
        text.append(": none yet for this period", style="dim")
        return text
    text.append(
        f": commit {format_money(latest.commit, currency, compact=True)}, best case "
        f"{format_money(latest.best_case, currency, compact=True)}"
    )
    if status.change is not None:
        text.append(f" ({change_text(status, currency)})")
    text.append(f" · {age_text(status)}", style="bold yellow" if status.stale else "dim")
    if status.scope == "team":
        text.append(f" · team's calls {team_text(status, currency)}", style="dim")
    if latest.note:
        text.append("\n")
        text.append_text(display_text(latest.note, "italic"))
    return text


class ReviewCalls(Widget):
    def __init__(self, workspace: Workspace, host: ReviewCallsHost) -> None:
        super().__init__(id="review-calls")
        self.display = False
        self.workspace, self.host = workspace, host
        self.owners: tuple[int, ...] = ()

    # The call beside the deal --------------------------------------------------------
    @work(thread=True, exclusive=True, group="review-call")
    def show(self, owner_id: int) -> None:
        ws, state = self.workspace, self.host.state
        try:
            status = ws.call_statuses(state.period, [owner_id])[owner_id]
            owners = ws.review_owners(state.id)
        except (PipelineError, KeyError):
            return  # only a hint beside the deal; the walk itself reports what is wrong
        self.post_message(OwnerCall(status, owners))

    def on_owner_call(self, message: OwnerCall) -> None:
        self.owners = message.owners
        if message.status.person_id != self.host.current_owner():
            return  # read for a deal the walk has left since
        self.host.show_call(call_text(message.status, self.workspace.settings.currency))

    def closing_owner(self, index: int) -> int | None:
        """The rep whose last deal in the walk is at `index`, if it is one."""
        if not 0 <= index < len(self.owners):
            return None
        owner = self.owners[index]
        return None if owner in self.owners[index + 1 :] else owner

    # Asking for a call ---------------------------------------------------------------
    def ask(self, owner_id: int, *, closing: bool = False) -> None:
        if self.workspace.policy.read_only:
            return
        self._read(owner_id, closing)

    @work(thread=True, exclusive=True, group="review-call-ask")
    def _read(self, owner_id: int, closing: bool) -> None:
        ws = self.workspace
        try:
            prompt = ws.call_prompt(self.host.state.period, owner_id)
        except PipelineError as exc:
            self.post_message(CallDone(user_message(exc, ws.secrets), error=True))
            return
        self.post_message(CallAsked(prompt, owner_id, closing))

    def on_call_asked(self, message: CallAsked) -> None:
        ws, prompt = self.workspace, message.call_prompt
        currency = ws.settings.currency
        focused: Any = self.screen.focused
        name = clean(prompt.status.label)
        offered = prompt.offered

        def submit(text: str) -> str | None:
            try:
                amounts = parse_call(text, currency)
            except InputError as exc:
                return user_message(exc, ws.secrets)
            kept = prompt.status.latest is not None and (amounts.commit, amounts.best_case) == (
                offered.commit,
                offered.best_case,
            )
            self._write(amounts, message.person_id, kept)
            return None

        done = "that was their last deal: " if message.closing else ""
        self.host.show_status(
            f"{name}: {done}enter keeps the call, or type new figures; escape leaves it"
        )
        self.host.prompt().ask(
            f"{name}'s call:",
            submit,
            value=offered.text(currency),
            placeholder=CALL_FORM,
            on_close=lambda: refocus(focused),
        )

    @work(thread=True, group="review-call-ask")
    def _write(self, amounts: CallAmounts, person_id: int, kept: bool) -> None:
        ws, state = self.workspace, self.host.state
        try:
            call = ws.submit_call(amounts, state.period, person_id=person_id, review_id=state.id)
            status = ws.call_statuses(state.period, [person_id])[person_id]
        except PipelineError as exc:
            self.post_message(
                CallDone(f"The call was not saved: {user_message(exc, ws.secrets)}", error=True)
            )
            return
        currency = ws.settings.currency
        what = "kept" if kept else "now"
        self.post_message(
            CallDone(
                f"{status.label}'s call {what}: commit {format_money(call.commit, currency)}, "
                f"best case {format_money(call.best_case, currency)}"
            )
        )
        self.post_message(OwnerCall(status, self.owners))

    def on_call_done(self, message: CallDone) -> None:
        self.host.show_status(message.text, error=message.error)
