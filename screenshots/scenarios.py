"""Screens worth a picture: the snapshot tests and the README's screenshots both use these.

Each scenario drives the real app on a seeded database with a frozen clock to the screen it
names. `screenshots/generate.py` renders them to SVG for the README; the snapshot tests
compare the same renders with the ones accepted before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from pipeline_tui.forecast.call_input import parse_call
from pipeline_tui.services.workspace import Workspace

from .demo import open_board, settle

Scenario = Callable[[Pilot[int]], Awaitable[None]]


async def board(pilot: Pilot[int]) -> None:
    await open_board(pilot)


async def table(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("t")
    await settle(pilot)


async def deal(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("l", "enter")
    await settle(pilot)


async def help_screen(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("question_mark")
    await settle(pilot)


async def review_setup(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("r")
    await settle(pilot)


async def review_walk(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("r")
    await settle(pilot)
    await pilot.press("ctrl+s")  # the defaults: my team, this quarter, every stage
    await settle(pilot)
    await pilot.press("space", "7")
    await settle(pilot)


async def review_summary(pilot: Pilot[int]) -> None:
    await review_walk(pilot)
    await pilot.press("m", *"commit 40k signed off by the CFO", "enter")
    await settle(pilot)
    await pilot.press("f", *"Send the order form @vp due:2026-12-04", "enter")
    await settle(pilot)
    await pilot.press("space", "e")
    await settle(pilot)


async def changes(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("W")
    await settle(pilot)
    await pilot.press("down", "down", "down")
    await settle(pilot)


async def rollup(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("R")
    await settle(pilot)


# The reps' and Sam's calls, typed as each would at `F` (Tariq called twice: his moved).
CALLS = [
    ("casey.byrne", "120k / 180k"),
    ("mia.lopez", "480k / 560k"),
    ("omar.larsen", "400k / 520k"),
    ("tariq.patel", "250k / 400k"),
    ("tariq.patel", "230k / 380k; Helix slips to Q1"),
    ("sam.cohen", "1.8M / 2.4M"),
]


async def calls(pilot: Pilot[int]) -> None:
    """The roll-up once the team has called; the head of the organisation calls last,
    taking the system's figures with one enter."""
    screen = await open_board(pilot)
    ws = screen.workspace
    for login, typed in CALLS:
        with Workspace.open(ws.url, login, today=ws.today_fn) as theirs:
            theirs.submit_call(parse_call(typed), screen.state.period)
    await pilot.press("F")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("R")
    await settle(pilot)


async def flagged(pilot: Pilot[int]) -> None:
    """Only the deals with an inspection flag, and the legend of every mark on a card."""
    await open_board(pilot)
    await pilot.press("exclamation_mark", "L")
    await settle(pilot)


async def new_deal(pilot: Pilot[int]) -> None:
    """`N` on the second stage: the name given, the account being completed."""
    await open_board(pilot)
    await pilot.press("l", "N", *"Atlas expansion", "enter")
    await settle(pilot)
    # A blinking cursor would be caught on or off, whenever the picture is taken.
    pilot.app.screen.query_one("#prompt-input", Input).cursor_blink = False
    await pilot.press(*"atl")
    await settle(pilot)


async def process(pilot: Pilot[int]) -> None:
    await open_board(pilot)
    await pilot.press("E")
    await settle(pilot)
    # The manager proposes what the last year says for Proposal (its reason offered).
    await pilot.press("down", "down", "down", "a")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


def steady(scenario: Scenario) -> Scenario:
    """The scenario, then time for tables to lay out their columns and rows: a data table
    draws its rows a refresh after it is filled, and a snapshot must not catch it halfway.

    Waiting a fixed time is not enough on a loaded machine, so the screen is read until two
    readings a moment apart agree (or ten seconds pass, and the snapshot shows what is
    wrong)."""

    async def run(pilot: Pilot[int]) -> None:
        await scenario(pilot)
        previous = None
        for _ in range(40):
            await settle(pilot)
            await pilot.wait_for_scheduled_animations()
            for table in pilot.app.screen.query(DataTable):
                table.refresh(layout=True)
            await pilot.pause(0.25)
            shown = pilot.app.export_screenshot()
            # A DataTable measures its columns when it is idle (Textual's `_on_idle`); on a
            # loaded machine two readings can agree while a table still shows columns cut
            # to their headers' widths, so a table with measuring to do is not steady.
            measuring = any(
                table._require_update_dimensions or table._updated_cells
                for table in pilot.app.screen.query(DataTable)
            )
            if shown == previous and not measuring:
                return
            previous = shown

    return run


SCENARIOS: dict[str, Scenario] = {
    name: steady(scenario)
    for name, scenario in {
        "board": board,
        "table": table,
        "deal": deal,
        "help": help_screen,
        "review_setup": review_setup,
        "review": review_walk,
        "summary": review_summary,
        "changes": changes,
        "rollup": rollup,
        "calls": calls,
        "flagged": flagged,
        "new_deal": new_deal,
        "process": process,
    }.items()
}
SIZES = [(80, 24), (160, 48)]
