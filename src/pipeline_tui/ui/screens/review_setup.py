"""Choosing what a forecast review covers. The defaults are the board's period and my team,
so `r` then `enter` starts the usual weekly meeting; any other period can be typed, and
"No close date" walks the deals nobody has dated."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from ...display import display_text
from ...errors import user_message
from ...parsing import ParseError, parse_amount
from ...periods import Period, PeriodError, no_close_date, parse_period
from ...services.workspace import Workspace
from ..widgets.prompt import ShownLiterally

NO_DATE = no_close_date()


@dataclass(frozen=True)
class ReviewOptions:
    owner_id: int | None  # None: everyone
    subtree: bool
    period: Period
    stage_ids: tuple[int, ...] | None
    min_amount: Decimal | None
    changed_only: bool
    latest_stage_first: bool


def period_meaning(period: Period) -> str:
    """`Q2 FY2017: 2016-05-01 to 2016-07-31`: what a typed period covers."""
    if period.start is not None and period.end is not None:
        return f"{period.label}: {period.start.isoformat()} to {period.end.isoformat()}"
    if period.no_close_date:
        return "The open deals with no close date"
    return f"{period.label}: every close date"


def scope_choices(
    ws: Workspace, board: tuple[int | None, bool] | None = None
) -> list[tuple[Text, tuple[int | None, bool]]]:
    """Whose deals a review can cover; the names are data, so each choice is a `Text`.
    `board`: whose deals the board shows, offered first when it is none of the usual."""
    me, org = ws.me, ws.org
    choices: list[tuple[str, tuple[int | None, bool]]] = []
    if org.direct_reports(me.id):
        choices.append((f"My team ({me.display_name})", (me.id, True)))
    choices.append(("Everyone", (None, True)))
    choices.append((f"Only me ({me.display_name})", (me.id, False)))
    for manager in org.managers():
        if manager != me.id:
            choices.append((f"Team: {org.people[manager].display_name}", (manager, True)))
    for person in sorted(org.people.values(), key=lambda p: p.display_name.casefold()):
        if person.role == "rep":
            choices.append((f"Rep: {person.display_name}", (person.id, False)))
    if board is not None and board not in {value for _, value in choices}:
        owner_id, subtree = board
        if owner_id is not None and owner_id in org.people:
            name = org.people[owner_id].display_name
            label = f"Team: {name}" if subtree else f"Only {name}"
            choices.insert(0, (label, board))
    return [(display_text(label), value) for label, value in choices]


class ReviewSetupScreen(ModalScreen[ReviewOptions | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review_setup.cancel"),
        Binding("ctrl+s", "start", "Start", id="review_setup.start"),
    ]

    def __init__(
        self,
        ws: Workspace,
        period: Period,
        stages: list[tuple[int, str]],
        owner: tuple[int | None, bool] | None = None,
    ) -> None:
        """`owner`: whose deals the board shows, (person id or None, subtree); the
        review starts from it."""
        super().__init__(id="review-setup")
        self.ws, self.period, self.stages, self.owner = ws, period, stages, owner

    def compose(self) -> ComposeResult:
        periods = [self.period.shift(step) for step in (0, 1, -1)]
        # Taller than a 24-line terminal: it scrolls, and the field in focus is always shown.
        with VerticalScroll(id="setup-body"):
            yield Static("Start a forecast review", classes="setup-title")
            yield Button("Start review", id="start", variant="primary")
            yield Label("Whose deals")
            choices = scope_choices(self.ws, self.owner)
            values = [value for _, value in choices]
            start = self.owner if self.owner in values else values[0]
            yield Select(choices, value=start, allow_blank=False, id="scope")
            yield Label("Closing in")
            with Horizontal(classes="setup-row"):
                yield Select(
                    [(p.label, p.key) for p in periods] + [(NO_DATE.label, NO_DATE.key)],
                    value=periods[0].key,
                    allow_blank=False,
                    id="period",
                )
                # Any other period, typed as on the board's "go to period" prompt.
                yield Input(
                    placeholder="or type: 2017Q2, FY2017…",
                    id="period-typed",
                    highlighter=ShownLiterally(),
                )
            yield Static(id="period-meaning")
            yield Label("Stages")
            yield SelectionList[int](
                *[(display_text(name), sid, True) for sid, name in self.stages], id="stages"
            )
            with Horizontal(classes="setup-row"):
                yield Label("Minimum amount ")
                yield Input(
                    placeholder="none, or 50k", id="min-amount", highlighter=ShownLiterally()
                )
            yield Checkbox("Only deals changed since the last review", id="changed-only")
            yield Checkbox("Latest stage first", value=True, id="latest-first")
            yield Static(id="setup-error")

    def on_mount(self) -> None:
        self.query_one("#period-meaning", Static).display = False
        self.query_one("#start", Button).focus()

    def _typed_period(self) -> Period | None:
        """What was typed as the period, None if nothing; `PeriodError` if it is none."""
        typed = self.query_one("#period-typed", Input).value
        if not typed.strip():
            return None
        return parse_period(
            typed,
            today=self.ws.today(),
            fiscal_year_start_month=self.ws.settings.fiscal_year_start_month,
            allow_no_close_date=True,
        )

    def on_input_changed(self, event: Input.Changed) -> None:
        """Says what a typed period means as it is typed; half a period says nothing yet."""
        if event.input.id != "period-typed":
            return
        meaning = self.query_one("#period-meaning", Static)
        try:
            period = self._typed_period()
        except PeriodError:
            period = None
        meaning.remove_class("-error")
        meaning.display = period is not None
        if period is not None:
            meaning.update(Text(period_meaning(period)))

    def _chosen_period(self) -> Period:
        """The typed period if there is one, else the one picked; `PeriodError` if the
        typed one is no period."""
        typed = self._typed_period()
        if typed is not None:
            return typed
        key = self.query_one("#period", Select).value
        if key == NO_DATE.key:
            return no_close_date(self.period.fiscal_year_start_month)
        return next(p for p in (self.period.shift(s) for s in (0, 1, -1)) if p.key == key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_start()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_start(self) -> None:
        error = self.query_one("#setup-error", Static)
        text = self.query_one("#min-amount", Input).value.strip()
        try:
            min_amount = parse_amount(text) if text else None
        except ParseError as exc:
            error.update(display_text(exc))
            return
        stage_ids = tuple(self.query_one("#stages", SelectionList).selected)
        if not stage_ids:
            error.update(Text("Pick at least one stage."))
            return
        owner_id, subtree = self.query_one("#scope", Select).value  # type: ignore[misc]
        try:
            period = self._chosen_period()
        except PeriodError as exc:
            # Beside the field, where it can be seen on a small screen too.
            meaning = self.query_one("#period-meaning", Static)
            meaning.update(display_text(user_message(exc)))
            meaning.add_class("-error")
            meaning.display = True
            return
        everything = len(stage_ids) == len(self.stages)
        self.dismiss(
            ReviewOptions(
                owner_id=owner_id,
                subtree=subtree,
                period=period,
                stage_ids=None if everything else stage_ids,
                min_amount=min_amount,
                changed_only=self.query_one("#changed-only", Checkbox).value,
                latest_stage_first=self.query_one("#latest-first", Checkbox).value,
            )
        )
