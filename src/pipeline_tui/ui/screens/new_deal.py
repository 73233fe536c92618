"""`N`: a new deal in four answers — name, account, amount, close date — in the prompt line.

No form: the one-line prompt asks each field in turn, enter (or tab, which also takes the
account it offers) moves on, escape at any point leaves without writing anything. Each
answer is checked as it is given, by the same rules the session checks the whole deal by
before it writes, so a bad value is refused where it was typed, with the reason beside it.

The rest is where the person is and who they are: the stage the cursor is in (the
selected row's in the table, else the pipeline's first open stage), themselves as the
owner, that stage's default probability and the org's currency (unless one was typed
with the amount). The write runs in a thread worker; the board then reloads with the
cursor on the new deal.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from textual import work
from textual.message import Message
from textual.widget import Widget

from ...display import clean
from ...errors import PipelineError, StorageError, user_message
from ...labels import date_text, money_text
from ...parsing import ParseError
from ...services.deal_draft import (
    AMOUNT_FORMS,
    DATE_FORMS,
    DealDraft,
    check_account,
    check_name,
    read_amount,
    read_close_date,
)
from ...services.deals import DealCard
from ...services.workspace import CreatedDeal, Workspace
from ..state import ViewState
from ..widgets.prompt import Prompt, refocus

NEW_DEAL = "main.new_deal"


class DealCreated(Message):
    def __init__(self, created: CreatedDeal) -> None:
        super().__init__()
        self.created = created


class CreateFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class DealLocated(Message):
    """Where a new deal stands in its column (or the table), for the board to page to."""

    def __init__(self, card: DealCard, position: int | None, generation: int) -> None:
        super().__init__()
        self.card, self.position, self.generation = card, position, generation


class NewDealHost(Protocol):
    """What the board gives its `NewDealFlow`."""

    state: ViewState

    def prompt(self) -> Prompt: ...

    def show_status(self, text: str, *, error: bool = False) -> None: ...

    def new_deal_stage(self) -> tuple[int, str] | None:
        """The stage a new deal goes into from where the cursor is: (id, name)."""

    def deal_added(self, card: DealCard) -> None:
        """Show the board again with the cursor on this new deal."""


class AccountNames(Message):
    def __init__(self, names: list[str]) -> None:
        super().__init__()
        self.names = names


class Accounts:
    """The account names the prompt completes from: the first, alphabetically ignoring
    case, that starts with what is typed. Read once per new deal, in a worker, while the
    name is being typed."""

    def __init__(self, names: list[str] | None = None) -> None:
        self.load(names or [])

    def load(self, names: list[str]) -> None:
        pairs = sorted((name.casefold(), name) for name in names)
        self._folded = [folded for folded, _ in pairs]
        self._names = [name for _, name in pairs]

    def complete(self, typed: str) -> str | None:
        prefix = " ".join(typed.split()).casefold()
        if not prefix:
            return None
        at = bisect_left(self._folded, prefix)
        if at < len(self._folded) and self._folded[at].startswith(prefix):
            return self._names[at]
        return None


@dataclass
class _Answers:
    stage_id: int
    stage_name: str
    name: str = ""
    account: str = ""
    amount: Decimal = Decimal(0)
    currency: str | None = None


class NewDealFlow(Widget):
    def __init__(self, workspace: Workspace, host: NewDealHost) -> None:
        super().__init__(id="new-deal")
        self.display = False
        self.workspace, self.host = workspace, host
        self.accounts = Accounts()

    @work(thread=True, group="new-deal-accounts", exclusive=True)
    def _read_accounts(self) -> None:
        try:
            names = self.workspace.account_names()
        except PipelineError:
            return  # only for completing: the deal is checked when it is written
        self.post_message(AccountNames(names))

    def on_account_names(self, message: AccountNames) -> None:
        message.stop()
        self.accounts.load(message.names)

    def ask(self) -> None:
        ws, host = self.workspace, self.host
        why = ws.may_add_deals()
        if why is not None:
            host.show_status(why, error=True)
            return
        stage = host.new_deal_stage()
        if stage is None:
            host.show_status("This pipeline has no open stage to add a deal to", error=True)
            return
        answers = _Answers(*stage)
        self._read_accounts()
        focused = self.screen.focused
        finished = False

        def closed() -> None:
            refocus(focused)
            if not finished:
                host.show_status("New deal cancelled: nothing was written")

        def ask(
            label: str,
            submit: Callable[[str], str | None],
            placeholder: str,
            complete: Callable[[str], str | None] | None = None,
        ) -> None:
            host.prompt().ask_in_turn(
                label, submit, placeholder=placeholder, on_close=closed, complete=complete
            )

        def name(text: str) -> str | None:
            try:
                answers.name = check_name(text)
            except PipelineError as exc:
                return str(exc)
            ask(
                "New deal 2/4 · Account:",
                account,
                placeholder="type to find it (tab takes it), or a new name",
                complete=self.accounts.complete,
            )
            return None

        def account(text: str) -> str | None:
            try:
                answers.account = check_account(text)
            except PipelineError as exc:
                return str(exc)
            currency = ws.settings.currency
            ask(f"New deal 3/4 · Amount ({currency}):", amount, placeholder=AMOUNT_FORMS)
            return None

        def amount(text: str) -> str | None:
            try:
                answers.amount, answers.currency = read_amount(text)
            except (ParseError, PipelineError) as exc:
                return str(exc)
            ask("New deal 4/4 · Close date:", close_date, placeholder=DATE_FORMS)
            return None

        def close_date(text: str) -> str | None:
            nonlocal finished
            try:
                when = read_close_date(
                    text,
                    today=ws.today(),
                    fiscal_year_start_month=ws.settings.fiscal_year_start_month,
                )
            except (ParseError, PipelineError) as exc:
                return str(exc)
            finished = True
            draft = DealDraft(
                answers.name,
                answers.account,
                answers.amount,
                when,
                answers.stage_id,
                answers.currency,
            )
            host.show_status(f"Adding {answers.name}…")
            self._create(draft)
            return None

        ask(
            f"New deal 1/4 in {clean(answers.stage_name)} · Name:",
            name,
            placeholder="what is being sold (escape: cancel)",
        )

    @work(thread=True, group="new-deal")
    def _create(self, draft: DealDraft) -> None:
        ws = self.workspace
        try:
            created = ws.add_deal(draft)
        except (PipelineError, StorageError) as exc:
            self.post_message(CreateFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(DealCreated(created))

    def on_deal_created(self, message: DealCreated) -> None:
        message.stop()
        created, host = message.created, self.host
        deal = created.deal
        # What matters most first: the status line is one line, cut at the screen's edge.
        parts = [f"Added {deal.name} to {deal.stage_name} at {deal.probability}%"]
        hidden = not_shown_because(host.state, deal.close_date, deal.owner_id)
        if hidden:
            parts.append(f"not on this board: {hidden}")
        if created.new_account:
            parts.append(f"new account {deal.account}")
        parts.append(money_text(deal.amount, deal.currency))
        if deal.close_date is not None:
            parts.append(f"closes {date_text(deal.close_date)}")
        host.show_status(" · ".join(p for p in parts if p))
        host.deal_added(deal)

    def on_create_failed(self, message: CreateFailed) -> None:
        message.stop()
        self.host.show_status(f"Deal not added: {message.error}", error=True)


def not_shown_because(state: ViewState, close_date: date | None, owner_id: int) -> str:
    """Why the board as it is set up would not show a new deal, or ""."""
    if not state.period.contains(close_date):
        return f"it closes outside {state.period.label}"
    owners = state.owner_ids
    if owners is not None and owner_id not in owners:
        return f"the board shows {state.owner_label}'s deals"
    if state.filter_labels():
        return "unless the filters let it through (escape clears them)"
    return ""
