"""A config file with mistakes (issue 14, item 14): each is said at start in one line, the
app still opens, and what was right in the file still applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline_tui.config import UserConfig
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.config_check import key_problem
from pipeline_tui.ui.screens.main import MainScreen

from ..ui_support import TODAY, copy_db, demo_template, open_board, settle

CONFIG = """\
theme = "nordd"

[keymap]
"deal.undoo" = "u"
"deal.redo" = "ctrl+shft+z"
"review.skip" = "q"
"main.owner" = "f7"
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory, 200)


def test_keys_that_are_and_are_not() -> None:
    for keys in ("q", "?", "ctrl+n", "f5", "question_mark", "right_square_bracket,ctrl+n"):
        assert key_problem(keys) is None, keys
    for keys in ("ctrl+shft+z", "", "f5,", "contrl+a", "notakey"):
        assert key_problem(keys) is not None, keys


async def test_config_mistakes_are_said_at_start(template: Path, tmp_path: Path) -> None:
    db = copy_db(template, tmp_path / "pipeline.db")
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    app = PipelineApp(
        f"sqlite:///{db}",
        user="vp",
        config=UserConfig.load(path),
        today=lambda: TODAY,
        save_config=False,
    )
    async with app.run_test(size=(160, 48)) as pilot:
        board = await open_board(pilot)
        said = [n.message for n in app._notifications]
        assert isinstance(board, MainScreen)
        # The good entry applies: f7 changes whose deals the board shows.
        before = board.state.owner_key
        await pilot.press("f7")
        await settle(pilot)
        assert board.state.owner_key != before
    problems = [line for line in said if str(path) in line]
    assert len(problems) == 5, said
    theme, unknown, unreadable, *clashes = problems
    assert "theme 'nordd'" in theme and "nord" in theme.split("nordd", 1)[1]
    assert "'deal.undoo'" in unknown and "deal.undo" in unknown.split("undoo", 1)[1]
    assert "deal.redo" in unreadable and "'ctrl+shft+z' is not a key" in unreadable
    assert all("review.skip = 'q' takes 'q' from" in line for line in clashes)
    assert {line.split(" from ")[1].split()[0] for line in clashes} == {"review.quit", "app.quit"}
