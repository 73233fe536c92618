"""Command palette entries for the screen it was opened on."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, Protocol

from textual.app import SystemCommand
from textual.screen import Screen

from ..display import markup_literal
from ..services.workspace import Workspace
from .screens.deal import DealScreen
from .screens.main import MainScreen
from .state import CATEGORY_FILTERS, DATE_FILTERS


class PaletteApp(Protocol):
    """What the palette needs of the app (the app imports this module, not the reverse)."""

    @property
    def workspace(self) -> Workspace: ...

    def action_help(self) -> None: ...


def commands_for(app: PaletteApp, screen: Screen[Any]) -> Iterator[SystemCommand]:
    if isinstance(screen, MainScreen):
        yield from _main_commands(app, screen)
    elif isinstance(screen, DealScreen):
        yield SystemCommand("Back to the board", "Close this deal (escape)", screen.action_back)
    if isinstance(screen, MainScreen | DealScreen):
        yield from _edit_commands(screen)
    yield SystemCommand("Keys", "Every key that works here (? or f1)", app.action_help)


def _main_commands(app: PaletteApp, screen: Any) -> Iterator[SystemCommand]:
    ws = app.workspace
    view = "board" if screen.in_table else "table"
    yield SystemCommand(
        f"Switch to the {view} view", "Same deals, other layout (t)", screen.action_toggle_view
    )
    yield SystemCommand(
        "Next period", "Move the forecast one period on (>)", partial(screen.action_period, 1)
    )
    yield SystemCommand(
        "Previous period",
        "Move the forecast one period back (<)",
        partial(screen.action_period, -1),
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
            "Forecast category (C cycles)",
            partial(_set, screen, category_index=index),
        )
    for index, label in enumerate(DATE_FILTERS):
        yield SystemCommand(
            f"Filter dates: {label}",
            "Close dates (D cycles)",
            partial(_set, screen, date_index=index),
        )
    yield SystemCommand(
        "Filter: stale deals", "No change for 30 days (S)", screen.action_stale_filter
    )
    yield SystemCommand("Search deals", "By deal or account name (/)", screen.action_search)
    yield SystemCommand(
        "Clear filters", "Back to the whole scope (escape)", screen.action_clear_filters
    )
    yield SystemCommand("Sort", "Close date or amount (s)", screen.action_sort)
    yield SystemCommand(
        "Forecast roll-up", "The team as a tree, calls and calibration (R)", screen.action_rollup
    )
    yield SystemCommand(
        "What changed", "The pipeline waterfall since the last review (W)", screen.action_changes
    )
    yield SystemCommand(
        "Import a file", "Deals from Salesforce, HubSpot, Pipedrive or CSV", screen.action_import
    )
    yield SystemCommand(
        "Start review",
        "Walk the team's deals stage by stage (r)",
        partial(screen.find_review, "start"),
    )
    yield SystemCommand(
        "Resume review",
        "Carry on where the last review stopped (r)",
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


def _edit_commands(screen: Any) -> Iterator[SystemCommand]:
    yield SystemCommand(
        "Move to next stage", "The selected deal (])", partial(screen.action_stage, 1)
    )
    yield SystemCommand(
        "Move to previous stage", "The selected deal ([)", partial(screen.action_stage, -1)
    )
    yield SystemCommand("Set close date", "+2w, eoq, 2026-12-31 … (d)", screen.action_close_date)
    yield SystemCommand("Set amount", "12k, 1.5M … (a)", screen.action_amount)
    yield SystemCommand(
        "Cycle forecast category", "pipeline → best case → commit (c)", screen.action_category
    )
    yield SystemCommand("Add a note", "Or 'next: …' for the next step (n)", screen.action_note)
    yield SystemCommand("Mark won", "The selected deal (w)", screen.action_won)
    yield SystemCommand("Mark lost", "With a reason (x)", screen.action_lost)
    yield SystemCommand("Undo", "The last change (u, ctrl+z)", screen.action_undo)
    yield SystemCommand("Redo", "The change just undone (ctrl+y, U)", screen.action_redo)
