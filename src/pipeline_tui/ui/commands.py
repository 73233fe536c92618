"""Command palette entries for the screen it was opened on.

Each entry's help ends in the keys that do the same there, read from the screen's active
bindings (the keymap applied), so a remapped key is never shown by its old name.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, Protocol

from textual.app import SystemCommand
from textual.screen import Screen

from ..display import markup_literal
from ..services.workspace import Workspace
from .keys import KeyHints
from .screens.deal import DealScreen
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
        yield SystemCommand(
            "Back to the board", hint("Close this deal", "deal.back"), screen.action_back
        )
    if isinstance(screen, MainScreen | DealScreen):
        yield from _edit_commands(screen, hint)
    yield SystemCommand("Keys", hint("Every key that works here", "app.help"), app.action_help)


def _main_commands(app: PaletteApp, screen: Any, hint: KeyHints) -> Iterator[SystemCommand]:
    ws = app.workspace
    view = "board" if screen.in_table else "table"
    yield SystemCommand(
        f"Switch to the {view} view",
        hint("Same deals, other layout", "main.toggle_view"),
        screen.action_toggle_view,
    )
    for step, way, direction in ((1, "Next", "on"), (-1, "Previous", "back")):
        yield SystemCommand(
            f"{way} period",
            hint(f"Move the forecast one period {direction}", f"main.{way.lower()}_period"),
            partial(screen.action_period, step),
        )
    yield SystemCommand(
        "Go to period…",
        hint("Type 2017Q2, FY2017, 2017-05, next quarter …", "main.go_to_period"),
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
            partial(_set, screen, category_index=index),
        )
    for index, label in enumerate(DATE_FILTERS):
        yield SystemCommand(
            f"Filter dates: {label}",
            hint("Close dates", "main.date_filter", after=" cycles"),
            partial(_set, screen, date_index=index),
        )
    yield SystemCommand(
        "Filter: stale deals",
        hint("No change for 30 days", "main.stale_filter"),
        screen.action_stale_filter,
    )
    yield SystemCommand(
        "Search deals", hint("By deal or account name", "main.search"), screen.action_search
    )
    yield SystemCommand(
        "Clear filters",
        hint("Back to the whole scope", "main.clear"),
        screen.action_clear_filters,
    )
    yield SystemCommand("Sort", hint("Close date or amount", "main.sort"), screen.action_sort)
    yield SystemCommand(
        "Forecast roll-up",
        hint("The team as a tree, calls and calibration", "main.rollup"),
        screen.action_rollup,
    )
    yield SystemCommand(
        "What changed",
        hint("The pipeline waterfall since the last review", "main.changes"),
        screen.action_changes,
    )
    yield SystemCommand(
        "Import a file", "Deals from Salesforce, HubSpot, Pipedrive or CSV", screen.action_import
    )
    yield SystemCommand(
        "Start review",
        hint("Walk the team's deals stage by stage", "main.review"),
        partial(screen.find_review, "start"),
    )
    yield SystemCommand(
        "Resume review",
        hint("Carry on where the last review stopped", "main.review"),
        partial(screen.find_review, "resume"),
    )
    yield SystemCommand(
        "End review",
        "Close the open review and see its summary",
        partial(screen.find_review, "end"),
    )


def _set(screen: Any, **changes: Any) -> None:
    from dataclasses import replace

    screen._set_state(replace(screen.state, **changes))


def _edit_commands(screen: Any, hint: KeyHints) -> Iterator[SystemCommand]:
    for step, way in ((1, "next"), (-1, "previous")):
        stage = partial(screen.action_stage, step)
        yield SystemCommand(
            f"Move to {way} stage", hint("The selected deal", f"deal.{way}_stage"), stage
        )
    yield SystemCommand(
        "Set close date",
        hint("+2w, eoq, 2026-12-31 …", "deal.close_date"),
        screen.action_close_date,
    )
    yield SystemCommand("Set amount", hint("12k, 1.5M …", "deal.amount"), screen.action_amount)
    yield SystemCommand(
        "Cycle forecast category",
        hint("pipeline → best case → commit", "deal.category"),
        screen.action_category,
    )
    yield SystemCommand(
        "Add a note", hint("Or 'next: …' for the next step", "deal.note"), screen.action_note
    )
    yield SystemCommand("Mark won", hint("The selected deal", "deal.won"), screen.action_won)
    yield SystemCommand("Mark lost", hint("With a reason", "deal.lost"), screen.action_lost)
    yield SystemCommand("Undo", hint("The last change", "deal.undo"), screen.action_undo)
    yield SystemCommand("Redo", hint("The change just undone", "deal.redo"), screen.action_redo)
