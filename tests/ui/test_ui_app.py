"""App-wide behaviour: the command palette fits the screen, themes are remembered."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandList, CommandPalette
from textual.content import Content

from pipeline_tui.config import UserConfig
from pipeline_tui.ui.app import PipelineApp
from pipeline_tui.ui.screens.deal import DealScreen

from ..ui_support import TODAY, copy_db, demo_template, make_app, open_board, settle


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory)


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    return copy_db(template, tmp_path / "pipeline.db")


def titles(app: PipelineApp) -> set[str]:
    return {command.title for command in app.get_system_commands(app.screen)}


def palette_help(app: PipelineApp) -> dict[str, str]:
    """Each command's help as the palette shows it (it parses help as markup); ours come
    before Textual's own, which has a "Keys" too."""
    shown: dict[str, str] = {}
    for command in app.get_system_commands(app.screen):
        shown.setdefault(command.title, Content.from_markup(command.help).plain)
    return shown


async def test_palette_commands_fit_the_screen(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_board(pilot)
        board_commands = titles(app)
        assert "Switch to the table view" in board_commands
        assert "Pipeline: Renewals" in board_commands
        assert "Back to the board" not in board_commands
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        deal_commands = titles(app)
        assert "Back to the board" in deal_commands
        assert "Switch to the table view" not in deal_commands
        assert "Mark won" in deal_commands
        await pilot.press("escape")
        await settle(pilot)
        # Choosing a command from the palette runs it.
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Pipeline: Renewals")
        for _ in range(100):  # the palette searches in the background
            await pilot.pause(0.1)
            found = app.screen.query(CommandList)
            if found and any("Renewals" in str(o.prompt) for o in found.first().options):
                break
        await pilot.press("enter")
        await settle(pilot)
        assert dict(app.workspace.pipelines)[screen.state.pipeline_id] == "Renewals"
        assert screen.board.columns()[0].stage.name == "Upcoming"


async def test_palette_hints_name_the_keys_that_are_bound(db: Path) -> None:
    app = make_app(db)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_board(pilot)
        shown = palette_help(app)
        assert shown["Switch to the table view"] == "Same deals, other layout (t)"
        assert shown["Undo"] == "The last change (u / ^z)"
        assert shown["Filter category: commit"] == "Forecast category (C cycles)"
        assert shown["Keys"] == "Every key that works here (? / f1)"


async def test_palette_hints_follow_the_keymap(db: Path) -> None:
    app = make_app(db)
    # A remapped key, and one the palette's markup would take for a tag.
    app.config.keymap = {"main.toggle_view": "v", "deal.undo": "left_square_bracket,ctrl+z"}
    async with app.run_test(size=(120, 36)) as pilot:
        await open_board(pilot)
        shown = palette_help(app)
        assert shown["Switch to the table view"] == "Same deals, other layout (v)"
        assert shown["Undo"] == "The last change ([ / ^z)"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DealScreen)
        assert palette_help(app)["Undo"] == "The last change ([ / ^z)"


async def test_theme_choice_is_remembered(db: Path, tmp_path: Path) -> None:
    config_path = tmp_path / "config.toml"
    app = PipelineApp(
        f"sqlite:///{db}", user="vp", config=UserConfig(path=config_path), today=lambda: TODAY
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await open_board(pilot)
        app.theme = "nord"
        await settle(pilot)
    assert UserConfig.load(config_path).theme == "nord"
    again = PipelineApp(
        f"sqlite:///{db}", user="vp", config=UserConfig.load(config_path), today=lambda: TODAY
    )
    assert again.theme == "nord"


async def test_import_screen_dry_runs_then_imports(db: Path) -> None:
    from pipeline_tui.ui.screens.importing import ImportScreen

    from ..ui_support import count_changes, sql_engine

    fixture = Path(__file__).parents[1] / "fixtures" / "import" / "salesforce_report.csv"
    engine = sql_engine(db)

    def deals() -> int:
        from sqlalchemy import text

        with engine.connect() as conn:
            return int(conn.execute(text("SELECT COUNT(*) FROM deal")).scalar_one())

    before, changes = deals(), count_changes(db)
    app = make_app(db, user="admin")  # the file brings new people: an admin's import (roles)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_board(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Import a file")
        for _ in range(20):  # the palette searches in the background
            await pilot.pause(0.2)
            found = app.screen.query(CommandList)
            if found and found.first().option_count:
                break
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        await pilot.press(*"/no/such/file.csv", "enter")
        assert "There is no file" in str(screen.query_one("#prompt-error").render())
        await pilot.press("ctrl+u", *str(fixture), "enter")
        await settle(pilot)
        assert screen.report is not None and screen.report.format == "salesforce"
        assert deals() == before  # a dry run writes nothing
        await pilot.press("i")
        await settle(pilot)
        assert screen.imported
        await pilot.press("escape")
        await settle(pilot)
    imported = deals() - before
    engine.dispose()
    assert imported == screen.report.counts.created if screen.report else imported > 0
    assert imported > 0 and count_changes(db) >= changes
