"""`F`: state your forecast call for the board's period in one line.

The board owns a `CallTaker` (a hidden widget) and gives it a `CallHost`. The prompt opens
on the person's latest call for the period, or on the system's figures when they have
none yet, so one `enter` submits; a manager's call is their team's, with the sum of their
reps' calls and the system's figures on the status line to call against. What is typed is
read and checked before anything is written; the write runs in a worker and its outcome
(or the reason it was refused) is said on the status line.
"""

from __future__ import annotations

from typing import Protocol

from textual import work
from textual.message import Message
from textual.widget import Widget

from ...errors import InputError, PipelineError, user_message
from ...forecast.call_input import CALL_FORM, CallAmounts, parse_call
from ...forecast.call_store import CallView
from ...forecast.call_text import age_text, team_text
from ...money import format_money
from ...periods import Period
from ...services.session_calls import CallPrompt
from ...services.workspace import Workspace
from ..state import ViewState
from ..widgets.prompt import Prompt, refocus

CALL_KEY = "main.call"


class CallHost(Protocol):
    """What the board gives its `CallTaker`."""

    state: ViewState

    def prompt(self) -> Prompt: ...

    def show_status(self, text: str, *, error: bool = False) -> None: ...


class CallPromptReady(Message):
    def __init__(self, prompt: CallPrompt, period: Period) -> None:
        super().__init__()
        self.call_prompt, self.period = prompt, period


class CallSaved(Message):
    def __init__(self, call: CallView, period: Period) -> None:
        super().__init__()
        self.call, self.period = call, period


class CallFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


def figures_line(prompt: CallPrompt, currency: str) -> str:
    """The status line beside the prompt: what the system says, the team's calls, and
    how old the last call is."""
    status, system = prompt.status, prompt.system
    parts = [
        f"System (all pipelines): commit {format_money(system.commit, currency, compact=True)}, "
        f"best case {format_money(system.best_case, currency, compact=True)}"
    ]
    if status.scope == "team":
        parts.append(f"reps' calls {team_text(status, currency)}")
    if status.latest is not None:
        parts.append(f"your last call {age_text(status)}")
    return " · ".join(parts)


class CallTaker(Widget):
    def __init__(self, workspace: Workspace, host: CallHost) -> None:
        super().__init__(id="call-taker")
        self.display = False
        self.workspace, self.host = workspace, host

    def ask(self) -> None:
        """Opens the prompt once the person's figures are read."""
        if self.workspace.policy.read_only:
            self.host.show_status("A viewer makes no forecast calls", error=True)
            return
        self._read(self.host.state.period)

    @work(thread=True, exclusive=True, group="call")
    def _read(self, period: Period) -> None:
        ws = self.workspace
        try:
            prompt = ws.call_prompt(period)
        except PipelineError as exc:
            self.post_message(
                CallFailed(f"Couldn't read your call: {user_message(exc, ws.secrets)}")
            )
            return
        self.post_message(CallPromptReady(prompt, period))

    def on_call_prompt_ready(self, message: CallPromptReady) -> None:
        ws, period, prompt = self.workspace, message.period, message.call_prompt
        currency = ws.settings.currency
        focused = self.screen.focused
        whose = "Team call" if prompt.status.scope == "team" else "Your call"

        def submit(text: str) -> str | None:
            try:
                figures = parse_call(text, currency)
            except InputError as exc:
                return user_message(exc, ws.secrets)
            self._write(figures, period)
            return None

        self.host.prompt().ask(
            f"{whose} {period.label}:",
            submit,
            value=prompt.offered.text(currency),
            placeholder=CALL_FORM,
            on_close=lambda: refocus(focused),
        )
        self.host.show_status(figures_line(prompt, currency))

    @work(thread=True, group="call")
    def _write(self, figures: CallAmounts, period: Period) -> None:
        ws = self.workspace
        try:
            call = ws.submit_call(figures, period)
        except PipelineError as exc:
            self.post_message(
                CallFailed(f"Your call was not saved: {user_message(exc, ws.secrets)}")
            )
            return
        self.post_message(CallSaved(call, period))

    def on_call_saved(self, message: CallSaved) -> None:
        currency, call = self.workspace.settings.currency, message.call
        whose = "Team call" if call.scope == "team" else "Your call"
        self.host.show_status(
            f"{whose} for {message.period.label} saved: commit "
            f"{format_money(call.commit, currency)}, best case "
            f"{format_money(call.best_case, currency)}"
        )

    def on_call_failed(self, message: CallFailed) -> None:
        self.host.show_status(message.error, error=True)
