"""The roll-up draws who reports to whom (issue 14, item 13): tree lines from the org
chart, not only an indent that a narrow column or a long name can hide."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from pipeline_tui.forecast.tree import guides
from pipeline_tui.ui.screens.rollup import RollupScreen

from ..ui_support import copy_db, demo_template, make_app, open_board, settle


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


def test_guides_branch_and_close() -> None:
    # An organisation of two managers: the first with two reps, the second with one.
    assert guides([0, 1, 2, 2, 1, 2]) == ["", "├─ ", "│  ├─ ", "│  └─ ", "└─ ", "   └─ "]
    # A manager's team under a manager's team, then a rep beside it.
    assert guides([0, 1, 2, 3, 2]) == ["", "└─ ", "   ├─ ", "   │  └─ ", "   └─ "]
    assert guides([]) == [] and guides([0]) == [""]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_rollup_draws_the_hierarchy(
    template: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    db = copy_db(template, tmp_path / "pipeline.db")
    app = make_app(db, user="vp")
    async with app.run_test(size=size) as pilot:
        await open_board(pilot)
        await pilot.press("R")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RollupScreen)
        tree = screen.query_one("#rollup-tree", DataTable)
        names = [tree.get_row_at(i)[0].plain for i in range(tree.row_count)]
        org = app.workspace.org
    reps = sorted(
        (org.people[r].display_name for r in org.direct_reports(org.by_login("sam.cohen").id)),
        key=str.casefold,
    )
    assert names[:4] == [
        "Ben Rossi's team",
        "└─ Ben Rossi",
        "   └─ Sam Cohen",
        "      ├─ Sam Cohen (own)",
    ]
    # Everyone who reports to Sam, under Sam; the last closes the branch.
    assert names[4:] == [f"      ├─ {n}" for n in reps[:-1]] + [f"      └─ {reps[-1]}"]
