"""Renders the README's screenshots with the snapshot tests' own scenarios.

python screenshots/generate.py            # writes screenshots/<scenario>-<W>x<H>.svg
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from tests.scenarios import SCENARIOS, SIZES  # noqa: E402
from tests.ui_support import NOW, copy_db, make_app, seed_file  # noqa: E402
from textual._doc import take_svg_screenshot  # noqa: E402  (what pytest-textual-snapshot uses)


def main() -> int:
    out = Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as scratch:
        template = seed_file(Path(scratch) / "template.db")
        for name, scenario in SCENARIOS.items():
            for width, height in SIZES:
                db = copy_db(template, Path(scratch) / f"{name}-{width}.db")
                with time_machine.travel(NOW, tick=False):
                    svg = take_svg_screenshot(
                        app=make_app(db), terminal_size=(width, height), run_before=scenario
                    )
                path = out / f"{name}-{width}x{height}.svg"
                path.write_text(svg, encoding="utf-8")
                print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
