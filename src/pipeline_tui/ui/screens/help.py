"""Every key that works where you are, with the keymap's overrides applied."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ...display import display_text
from ..keys import keys_by_binding as active_keys

GROUPS = [
    ("deal.", "Update the selected deal"),
    ("main.", "Scope, filters and views"),
    ("board.", "Move"),
    ("table.", "Move"),
    ("process.", "The process under review"),
    ("prompt.", "Prompts"),
    ("app.", "Anywhere"),
]
ALWAYS = [
    ("↑ ↓ / j k", "Move between deals"),
    ("← → / h l", "Move between stages (board)"),
    ("tab / shift+tab", "Next / previous pane"),
    ("enter", "Open the selected deal"),
    ("escape", "Back out, clear the filters"),
]


def describe_keys(screen: Screen[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The active bindings of a screen, grouped for reading."""
    keys_by_binding = active_keys(screen)
    groups: dict[str, list[tuple[str, str]]] = {}
    digits = [i for i in keys_by_binding if i.startswith("deal.probability_") and i[-1].isdigit()]
    if len(digits) == 10:  # ten rows saying 0%, 10%, … read better as one
        first, last = keys_by_binding[digits[0]][1], keys_by_binding[digits[-1]][1]
        groups.setdefault("Update the selected deal", []).append(
            (f"{first[0]}–{last[0]}", "Probability 0%–90%")
        )
        for ident in digits:
            del keys_by_binding[ident]
    for ident, (binding, keys) in keys_by_binding.items():
        title = next((t for prefix, t in GROUPS if ident.startswith(prefix)), "Other")
        groups.setdefault(title, []).append((" / ".join(keys), binding.description or ident))
    order = [t for _, t in GROUPS] + ["Other"]
    return [(t, groups[t]) for t in dict.fromkeys(order) if t in groups]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__(id="help")
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(self._render_keys(), id="help-keys")

    def _render_keys(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        table.add_row(
            Text("Keys", style="bold underline"),
            Text("Every binding can be changed in the [keymap] of the config file", style="dim"),
        )
        # Key names and descriptions come from the keymap in the config file: text, and
        # a key like `[` must not open a markup tag.
        table.add_row(Text(), Text())
        for key, what in ALWAYS:
            table.add_row(Text(key), Text(what))
        for title, rows in describe_keys(self.under):
            table.add_row(Text(), Text())
            table.add_row(Text(title, style="bold"), Text())
            for key, what in rows:
                table.add_row(display_text(key), display_text(what))
        return table

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
