"""Renders the README's screenshots with the snapshot tests' own scenarios.

    python -m screenshots.generate      # from the project root: screenshots/<name>-<W>x<H>.svg

Each picture is taken the way pytest-textual-snapshot takes the snapshot tests' (headless
run, scenario, settle, export), so a screenshot matches its accepted snapshot.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import time_machine
from textual.app import App
from textual.pilot import Pilot

from .demo import NOW, copy_db, make_app, seed_file
from .scenarios import SCENARIOS, SIZES, Scenario

HERE = Path(__file__).resolve().parent


def render(app: App[int], size: tuple[int, int], scenario: Scenario) -> str:
    """The app as an SVG after `scenario`, with its animations finished."""
    shot: list[str] = []

    async def take(pilot: Pilot[Any]) -> None:
        await scenario(pilot)
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        shot.append(app.export_screenshot(title=app.title, simplify=True))
        app.exit()

    app.run(headless=True, size=size, auto_pilot=take)
    if not shot:
        raise RuntimeError(f"{app.title} exited before its screenshot")
    return shot[0]


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        template = seed_file(Path(scratch) / "template.db")
        for name, scenario in SCENARIOS.items():
            for width, height in SIZES:
                db = copy_db(template, Path(scratch) / f"{name}-{width}.db")
                with time_machine.travel(NOW, tick=False):
                    svg = render(make_app(db), (width, height), scenario)
                path = HERE / f"{name}-{width}x{height}.svg"
                path.write_text(svg, encoding="utf-8")
                print(path.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
