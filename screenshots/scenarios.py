"""Screens worth a picture: the snapshot tests and the README's screenshots both use these.

Each scenario drives the real app on a seeded database with a frozen clock to the screen it
names. `screenshots/generate.py` renders them to SVG for the README; the snapshot tests
compare the same renders with the ones accepted before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable

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
            if shown == previous:
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
        "review": review_walk,
        "summary": review_summary,
        "changes": changes,
        "rollup": rollup,
        "process": process,
    }.items()
}
SIZES = [(80, 24), (160, 48)]
