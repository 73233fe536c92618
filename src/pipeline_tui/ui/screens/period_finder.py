"""Going to a period: the board opening where the data is, and the "go to period" prompt.

The board owns a `PeriodFinder` (a hidden widget) and gives it a `PeriodHost`. At start it
asks the domain, from a worker, whether the opening quarter is empty and where the data
is (before the board's first load, so the empty quarter never flashes up); on a database
that is all history the board goes there, otherwise it only says where.
"""

from __future__ import annotations

from typing import Any, Protocol

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget

from ...errors import PipelineError, user_message
from ...periods import Period, PeriodError, parse_period
from ...services.landing import Landing
from ...services.workspace import Workspace
from ..keys import keys_by_binding
from ..state import ViewState
from ..widgets.prompt import Prompt, refocus

GO_TO_PERIOD = "main.go_to_period"
EXAMPLES = "2017Q2, Q2 2017, FY2017, 2017-05, next quarter"


class LandingFound(Message):
    def __init__(self, landing: Landing | None, asked: Period) -> None:
        super().__init__()
        self.landing, self.asked = landing, asked


class PeriodHost(Protocol):
    """What the board gives its `PeriodFinder`."""

    state: ViewState

    def prompt(self) -> Prompt: ...

    def show_status(self, text: str, *, error: bool = False) -> None: ...

    def set_period(self, period: Period) -> None: ...

    def opened(self, period: Period | None) -> None:
        """Load the board for the first time, on `period` if there is one."""


def landing_line(landing: Landing, current: Period, go_key: str | None) -> str:
    """One line: why the board shows another period, or where the data is."""
    which = "the latest with open deals" if landing.open_deals else "the latest with deals"
    if landing.go:
        return f"No deals this {current.kind}; showing {landing.period.label}, {which}"
    how = f"{go_key} goes there" if go_key else "palette: Go to period"
    return f"No deals here this {current.kind}; {which} is {landing.period.label} ({how})"


class PeriodFinder(Widget):
    def __init__(self, workspace: Workspace, host: PeriodHost) -> None:
        super().__init__(id="period-finder")
        self.display = False
        self.workspace, self.host = workspace, host
        # Where the data is, when the board stayed put: the prompt offers it first.
        self.suggestion: Period | None = None

    @work(thread=True, group="landing")
    def find_landing(self) -> None:
        """Where the board should open; the host's `opened` is called either way."""
        ws, state = self.workspace, self.host.state
        try:
            landing = ws.landing(state.scope, state.period)
        except PipelineError:
            landing = None  # only a hint: the board's own load reports what is wrong
        self.post_message(LandingFound(landing, state.period))

    def on_landing_found(self, message: LandingFound) -> None:
        landing, host = message.landing, self.host
        # Someone who has moved on meanwhile has chosen a period already.
        if landing is None or host.state.period != message.asked:
            host.opened(None)
            return
        line = landing_line(landing, message.asked, self._go_key())
        if landing.go:
            host.opened(landing.period)
        else:
            self.suggestion = landing.period
            host.opened(None)
        host.show_status(line)

    def _go_key(self) -> str | None:
        screen: Screen[Any] = self.screen
        found = keys_by_binding(screen).get(GO_TO_PERIOD)
        return found[1][0] if found and found[1] else None

    def ask(self) -> None:
        focused = self.screen.focused
        ws = self.workspace

        def submit(text: str) -> str | None:
            try:
                period = parse_period(
                    text,
                    today=ws.today(),
                    fiscal_year_start_month=ws.settings.fiscal_year_start_month,
                )
            except PeriodError as exc:
                return user_message(exc, ws.secrets)
            self.suggestion = None
            self.host.set_period(period)
            self.host.show_status(f"Showing {period.label}")
            return None

        self.host.prompt().ask(
            "Go to period:",
            submit,
            value=self.suggestion.key if self.suggestion else "",
            placeholder=EXAMPLES,
            on_close=lambda: refocus(focused),
        )
