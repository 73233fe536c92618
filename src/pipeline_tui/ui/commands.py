"""Command palette entries for the screen it was opened on.

Each entry's help ends in the keys that do the same there, read from the screen's active
bindings (the keymap applied), so a remapped key is never shown by its old name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Protocol

from textual.app import SystemCommand
from textual.screen import Screen

from ..display import markup_literal
from ..services.workspace import Workspace
from .keys import KeyHints
from .screens.deal import DealScreen
from .screens.editing import DealEditor
from .screens.main import MainScreen
from .state import CATEGORY_FILTERS, DATE_FILTERS


class PaletteApp(Protocol):
    """What the palette needs of the app (the app imports this module, not the reverse)."""

    @property
    def workspace(self) -> Workspace: ...

    def action_help(self) -> None: ...


def commands_for(app: PaletteApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    hint = KeyHints(screen)
    if isinstance(screen, MainScreen):
        yield from _main_commands(app, screen, hint)
    elif isinstance(screen, DealScreen):
        yield _command(
            hint, "Back to the board", "Close this deal", "deal.back", screen.action_back
        )
    if isinstance(screen, MainScreen | DealScreen):
        yield from _edit_commands(screen.editor, hint)
    yield _command(hint, "Keys", "Every key that works here", "app.help", app.action_help)


# (title, help, binding id or "" when no key does the same, what it runs)
Entry = tuple[str, str, str, Callable[[], Any]]


def _command(
    hint: KeyHints, title: str, help_text: str, binding_id: str, run: Callable[[], Any]
) -> SystemCommand:
    return SystemCommand(title, hint(help_text, binding_id) if binding_id else help_text, run)


def _main_commands(app: PaletteApp, screen: MainScreen, hint: KeyHints) -> Iterator[SystemCommand]:
    ws = app.workspace
    view = "board" if screen.in_table else "table"
    yield _command(
        hint,
        f"Switch to the {view} view",
        "Same deals, other layout",
        "main.toggle_view",
        screen.action_toggle_view,
    )
    for step, way, direction in ((1, "Next", "on"), (-1, "Previous", "back")):
        yield _command(
            hint,
            f"{way} period",
            f"Move the forecast one period {direction}",
            f"main.{way.lower()}_period",
            partial(screen.action_period, step),
        )
    yield _command(
        hint,
        "Go to period…",
        "Type 2017Q2, FY2017, 2017-05, next quarter …",
        "main.go_to_period",
        screen.action_go_to_period,
    )
    yield SystemCommand("Owner: me", "Only my deals", partial(screen.set_owner, "me"))
    if ws.org.direct_reports(ws.me.id):
        yield SystemCommand("Owner: my team", "My whole team", partial(screen.set_owner, "team"))
    yield SystemCommand("Owner: everyone", "Every deal", partial(screen.set_owner, "everyone"))
    for person_id in sorted(ws.org.people, key=lambda p: ws.org.people[p].display_name):
        person = ws.org.people[person_id]
        team = ws.org.direct_reports(person_id)
        what = "their whole team" if team else "their deals"
        # The palette parses titles and help as markup: names go in escaped.
        yield SystemCommand(
            f"Owner: {markup_literal(person.display_name)}",
            f"{markup_literal(person.login)}: {what}",
            partial(screen.set_owner, person.login),
        )
    for pipeline_id, name in ws.pipelines:
        yield SystemCommand(
            f"Pipeline: {markup_literal(name)}",
            "Show this pipeline's stages",
            partial(screen.set_pipeline, pipeline_id),
        )
    for index, (label, _) in enumerate(CATEGORY_FILTERS):
        yield SystemCommand(
            f"Filter category: {label}",
            hint("Forecast category", "main.category_filter", after=" cycles"),
            partial(screen.show, category_index=index),
        )
    for index, label in enumerate(DATE_FILTERS):
        yield SystemCommand(
            f"Filter dates: {label}",
            hint("Close dates", "main.date_filter", after=" cycles"),
            partial(screen.show, date_index=index),
        )
    entries: list[Entry] = [
        (
            "New deal",
            "Name, account, amount, close date: in the stage the cursor is in",
            "main.new_deal",
            screen.action_new_deal,
        ),
        (
            "Filter: stale deals",
            f"No change for {screen.state.stale_days} days",
            "main.stale_filter",
            screen.action_stale_filter,
        ),
        (
            "Filter: flagged deals",
            "Only deals with an inspection flag (overdue, pushed, cut, stuck, …)",
            "main.flagged_filter",
            screen.action_flagged_filter,
        ),
        (
            "Legend of card marks",
            "Show or hide the line explaining every mark on a card",
            "main.legend",
            screen.action_legend,
        ),
        ("Search deals", "By deal or account name", "main.search", screen.action_search),
        ("Clear filters", "Back to the whole scope", "main.clear", screen.action_clear_filters),
        ("Sort", "Close date or amount", "main.sort", screen.action_sort),
        (
            "Forecast roll-up",
            "The team as a tree, calls and calibration",
            "main.rollup",
            screen.action_rollup,
        ),
        (
            "What changed",
            "The pipeline waterfall since the last review",
            "main.changes",
            screen.action_changes,
        ),
        (
            "People",
            "Everyone's role, manager and team (an admin changes them)",
            "main.people",
            screen.action_people,
        ),
        (
            "The process under review",
            "Stage defaults against what happened; targets; changes",
            "main.process",
            screen.action_process,
        ),
        (
            "Import a file",
            "Deals from Salesforce, HubSpot, Pipedrive or CSV",
            "",
            screen.action_import,
        ),
        (
            "Start review",
            "Walk the team's deals stage by stage",
            "main.review",
            partial(screen.find_review, "start"),
        ),
        (
            "Resume review",
            "Carry on where the last review stopped",
            "main.review",
            partial(screen.find_review, "resume"),
        ),
        (
            "End review",
            "Close the open review and see its summary",
            "",
            partial(screen.find_review, "end"),
        ),
    ]
    for entry in entries:
        yield _command(hint, *entry)
    if not ws.policy.read_only:
        yield _command(
            hint,
            "Submit my call",
            "Your commit / best case for this period (a manager: the team's)",
            "main.call",
            screen.action_call,
        )


def _edit_commands(editor: DealEditor, hint: KeyHints) -> Iterator[SystemCommand]:
    entries: list[Entry] = [
        (
            "Move to next stage",
            "The selected deal",
            "deal.next_stage",
            partial(editor.action_stage, 1),
        ),
        (
            "Move to previous stage",
            "The selected deal",
            "deal.previous_stage",
            partial(editor.action_stage, -1),
        ),
        ("Set close date", "+2w, eoq, 2026-12-31 …", "deal.close_date", editor.action_close_date),
        ("Set amount", "12k, 1.5M …", "deal.amount", editor.action_amount),
        (
            "Cycle forecast category",
            "pipeline → best case → commit",
            "deal.category",
            editor.action_category,
        ),
        ("Add a note", "Or 'next: …' for the next step", "deal.note", editor.action_note),
        ("Mark won", "The selected deal", "deal.won", editor.action_won),
        ("Mark lost", "With a reason", "deal.lost", editor.action_lost),
        (
            "Archive deal",
            "Withdraw it: off the board and the figures, kept in the history",
            "deal.archive",
            editor.action_archive,
        ),
        ("Undo", "The last change", "deal.undo", editor.action_undo),
        ("Redo", "The change just undone", "deal.redo", editor.action_redo),
    ]
    for entry in entries:
        yield _command(hint, *entry)
