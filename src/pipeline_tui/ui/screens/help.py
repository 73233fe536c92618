"""Every key that works where you are, with the keymap's overrides applied.

Each key is listed once, in the group where it acts, beside the binding id a `[keymap]`
entry in the config file names to change it. Keys that do the same thing (`↓` and `j`,
`←` and `h`) share a row: the list shows what a key does, not which widget holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ...display import display_text
from ...services.people import SettingsView
from ..keys import keys_by_binding as active_keys
from ..widgets.legend import marks_table

MOVE = "Move"
# Where a binding acts, by the start of its id.
GROUPS = [
    ("deal.", "Update the selected deal"),
    ("main.", "Scope, filters and views"),
    ("review.", "Review"),
    ("review_setup.", "Review"),
    ("summary.", "Review summary"),
    ("rollup.", "Roll-up"),
    ("changes.", "What changed"),
    ("people.", "People"),
    ("import.", "Import"),
    ("board.", MOVE),
    ("table.", MOVE),
    ("process.", "The process under review"),
    ("prompt.", "Prompts"),
    ("help.", "Anywhere"),
    ("app.", "Anywhere"),
]
# Actions that move the cursor, the focus or the screen, wherever they are bound.
MOVES = frozenset(
    {"cursor_up", "cursor_down", "cursor_left", "cursor_right", "first", "last", "page_up",
     "page_down", "page_left", "page_right", "scroll_home", "scroll_end", "column(-1)",
     "column(1)", "select", "focus_next", "focus_previous", "back"}
)  # fmt: skip
# Textual's own bindings carry terse words; these say what they do here.
WORDS = {
    "select": "Open the highlighted item",
    "focus_next": "Next pane",
    "focus_previous": "Previous pane",
    "column(-1)": "Stage column to the left",
    "column(1)": "Stage column to the right",
}


@dataclass(frozen=True)
class KeyRow:
    keys: str  # `↓ / j`
    what: str
    ids: tuple[str, ...]  # the binding ids a keymap names; none for Textual's own keys

    @property
    def ids_text(self) -> str:
        """The ids as shown: ten probability ids read as `deal.probability_0 … _90`."""
        if len(self.ids) > 2:
            first, last = self.ids[0], self.ids[-1]
            stem = first.rstrip("0123456789")
            if last.startswith(stem):
                return f"{first} … _{last[len(stem) :]}"
        return ", ".join(self.ids)


def _action(binding: Binding) -> str:
    """The action as it acts: `screen.column(-1)` on the board is the screen's `column(-1)`."""
    action = binding.action
    for namespace in ("screen.", "app."):
        action = action.removeprefix(namespace)
    return action


def _group(action: str, ident: str | None) -> str:
    if action in MOVES:
        return MOVE
    if ident is None:  # Textual's own (copy, quit) work on every screen
        return "Anywhere"
    return next((title for prefix, title in GROUPS if ident.startswith(prefix)), "Other")


def describe_keys(screen: Screen[Any]) -> list[tuple[str, list[KeyRow]]]:
    """The active bindings of a screen, one row per action, grouped by where they act."""
    merged: dict[str, tuple[list[Binding], list[str], list[str]]] = {}
    for binding, keys in active_keys(screen).values():
        action = _action(binding)
        if action.startswith("probability("):  # ten rows saying 0%, 10%, … read better as one
            action = "probability(*)"
        bindings, all_keys, ids = merged.setdefault(action, ([], [], []))
        bindings.append(binding)
        all_keys.extend(key for key in keys if key not in all_keys)
        if binding.id is not None:
            ids.append(binding.id)
    groups: dict[str, list[KeyRow]] = {}
    for action, (bindings, keys, ids) in merged.items():
        named = next((b for b in bindings if b.id is not None), bindings[0])
        if action == "probability(*)":
            shown, what = f"{keys[0]}–{keys[-1]}", "Probability 0%–90%"
        else:
            shown, what = " / ".join(keys), WORDS.get(action) or named.description or action
        title = _group(action, ids[0] if ids else None)
        groups.setdefault(title, []).append(KeyRow(shown, what, tuple(ids)))
    order = dict.fromkeys([MOVE] + [t for _, t in GROUPS] + ["Other"])
    return [(t, groups[t]) for t in order if t in groups]


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
            yield Static(marks_table(self._settings()), id="help-marks")

    def _settings(self) -> SettingsView:
        """The thresholds the flags' words name: the open workspace's settings."""
        workspace = getattr(self.under, "workspace", None)
        settings = getattr(workspace, "settings", None)
        return settings if isinstance(settings, SettingsView) else SettingsView()

    def _render_keys(self) -> Group:
        groups = describe_keys(self.under)
        rows = [row for _, group in groups for row in group]
        # One width per column for every group, so the groups line up under each other.
        keys_width = max([len(row.keys) for row in rows] + [4])
        ids_width = max([len(row.ids_text) for row in rows] + [10])
        parts: list[RenderableType] = [
            Text.assemble(("Keys", "bold underline"), "  ", ("binding ids on the right", "dim")),
            Text(
                "To change a key, name its binding id in the [keymap] of the config file: "
                '"deal.won" = "W"',
                style="dim",
            ),
        ]
        for title, group in groups:
            table = Table.grid(padding=(0, 2), expand=True)
            table.add_column(style="bold cyan", no_wrap=True, width=keys_width)
            table.add_column(ratio=1)
            table.add_column(style="dim", no_wrap=True, width=ids_width)
            # Key names and descriptions come from the keymap in the config file: text,
            # and a key like `[` must not open a markup tag.
            for row in group:
                table.add_row(display_text(row.keys), display_text(row.what), Text(row.ids_text))
            parts += [Text(), Text(title, style="bold"), table]
        return Group(*parts)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
