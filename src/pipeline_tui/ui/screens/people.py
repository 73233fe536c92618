"""People: everyone with role, manager, team and whether active. An admin changes role,
manager and active here; everyone else sees the list read-only (the session refuses their
changes anyway)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...display import clean, display_text
from ...errors import PipelineError, user_message
from ...services.workspace import PersonRow, Workspace
from ..messages import LoadFailed
from ..widgets.prompt import Prompt

ROLES = ("rep", "manager", "admin", "viewer")
CHANGES = frozenset({"role", "manager", "active"})


class PeopleLoaded(Message):
    def __init__(self, rows: list[PersonRow], done: str | None) -> None:
        super().__init__()
        self.rows, self.done = rows, done


class PeopleScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="people.back"),
        Binding("r", "role", "Role…", id="people.role"),
        Binding("m", "manager", "Manager…", id="people.manager"),
        Binding("x", "active", "Deactivate/activate", id="people.active"),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__(id="people")
        self.workspace = workspace
        self.rows: list[PersonRow] = []

    def compose(self) -> ComposeResult:
        yield Static(id="people-title")
        yield DataTable(id="people-table", cursor_type="row", zebra_stripes=True)
        yield Prompt(id="prompt")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title in ("Login", "Name", "Role", "Manager", "Team", "Active"):
            table.add_column(title, key=title)
        table.focus()
        self._load(None)

    @property
    def may_change(self) -> bool:
        return self.workspace.policy.is_admin and self.workspace.read_only is None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only an admin sees the keys that change people."""
        return self.may_change or action not in CHANGES

    @work(thread=True, exclusive=True, group="people")
    def _load(self, done: str | None) -> None:
        ws = self.workspace
        try:
            rows = ws.people()
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        self.post_message(PeopleLoaded(rows, done))

    def on_people_loaded(self, message: PeopleLoaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        row_at = table.cursor_row
        table.clear()
        for r in message.rows:
            table.add_row(
                display_text(r.login),
                display_text(r.name),
                Text(r.role),
                display_text(r.manager or ""),
                display_text(r.team or ""),
                Text("yes" if r.active else "no", style="" if r.active else "dim"),
                key=str(r.id),
            )
        if message.rows:
            table.move_cursor(row=min(row_at, len(message.rows) - 1))
        self._title(message.done, error=False)

    def on_load_failed(self, message: LoadFailed) -> None:
        self._title(message.error, error=True)

    def _title(self, note: str | None, *, error: bool) -> None:
        me = self.workspace.me
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(" People ", style="bold reverse")
        title.append(clean(f"  You are {me.display_name} ({me.role})"))
        if note:
            title.append("  ")
            title.append(clean(note), style="bold red" if error else "green")
        elif not self.may_change:
            title.append("  read-only: only an admin can change people", style="dim")
        self.query_one("#people-title", Static).update(title)

    def _selected(self) -> PersonRow | None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def _refused(self) -> bool:
        if self.may_change:
            return False
        self._title("Only an admin can change people", error=True)
        return True

    def action_role(self) -> None:
        person = self._selected()
        if person is None or self._refused():
            return

        def submit(text: str) -> str | None:
            role = text.strip().casefold()
            if role not in ROLES:
                return f"A role is one of {', '.join(ROLES)}"
            self._change("role", person.login, role)
            return None

        self._ask(f"Role of {clean(person.name)}:", submit, value=person.role, placeholder="rep")

    def action_manager(self) -> None:
        person = self._selected()
        if person is None or self._refused():
            return

        def submit(text: str) -> str | None:
            self._change("manager", person.login, text.strip() or "none")
            return None

        self._ask(
            f"Manager of {clean(person.name)}:",
            submit,
            value=person.manager or "",
            placeholder="a login, or none",
        )

    def _ask(self, label: str, submit: Callable[[str], str | None], **kwargs: str) -> None:
        table = self.query_one(DataTable)

        def refocus() -> None:  # back to the list, so the arrows move the cursor again
            table.focus()

        self.query_one(Prompt).ask(label, submit, on_close=refocus, **kwargs)

    def action_active(self) -> None:
        person = self._selected()
        if person is None or self._refused():
            return
        self._change("active", person.login, "no" if person.active else "yes")

    @work(thread=True, exclusive=True, group="people-change")
    def _change(self, what: str, login: str, value: str) -> None:
        ws = self.workspace
        try:
            if what == "role":
                row = ws.set_role(login, value)
            elif what == "manager":
                row = ws.set_manager(login, value)
            else:
                row = ws.set_active(login, value == "yes")
        except PipelineError as exc:
            self.post_message(LoadFailed(user_message(exc, ws.secrets)))
            return
        state = "active" if row.active else "deactivated"
        boss = row.manager or "no one"
        self._load(f"{row.name}: {row.role}, reports to {boss}, {state}")

    def action_back(self) -> None:
        prompt = self.query_one(Prompt)
        if prompt.is_open:
            prompt.close()
            return
        self.dismiss(None)
