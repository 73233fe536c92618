"""The board draws only what changed: an idle board, or figures read again unchanged, draw
nothing, and a keystroke repaints its card without laying the screen out again.

Counted, not timed: screen layouts (`Screen._refresh_layout`) and the lines a deal list
renders. A layout re-measures every widget and repaints every column's scroll bar, which
made each keystroke at 1M deals wait behind whole-screen frames (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from pipeline_tui.ui.screens.editing import status_line
from pipeline_tui.ui.screens.main import MainScreen
from pipeline_tui.ui.widgets.board import CARD_LINES, DealList

from ..ui_support import copy_db, make_app, open_board, seed_file, settle

SIZE = (160, 40)
IDLE_FRAMES = 10


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_file(tmp_path_factory.mktemp("repaint") / "template.db")


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Path]:
    yield copy_db(template, tmp_path / "pipeline.db")


class Drawn:
    """Counts the main screen's layouts, every widget render and the deal lists' lines."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.layouts = self.renders = self.card_lines = 0
        layout, render_lines, render_line = (
            Screen._refresh_layout,
            Widget.render_lines,
            DealList.render_line,
        )

        def counted_layout(screen: Screen[object], *args: object, **kwargs: object) -> None:
            if isinstance(screen, MainScreen):
                self.layouts += 1
            layout(screen, *args, **kwargs)  # type: ignore[arg-type]

        def counted_renders(widget: Widget, *args: object) -> list[Strip]:
            self.renders += 1
            return render_lines(widget, *args)  # type: ignore[arg-type]

        def counted_lines(deal_list: DealList, y: int) -> Strip:
            self.card_lines += 1
            return render_line(deal_list, y)

        monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
        monkeypatch.setattr(Widget, "render_lines", counted_renders)
        monkeypatch.setattr(DealList, "render_line", counted_lines)


async def test_idle_board_and_unchanged_figures_draw_nothing(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        status_line(screen, "Ready")
        await settle(pilot)
        drawn = Drawn(monkeypatch)
        for _ in range(IDLE_FRAMES):
            await pilot.pause(0.02)
        assert (drawn.layouts, drawn.renders) == (0, 0), "an idle board drew"
        # What a read of figures and deals nobody changed shows (a live update of this
        # session's own write, a patch after an edit that changed nothing else).
        assert screen.figures is not None
        screen.show_figures(screen.figures)
        status_line(screen, "Ready")
        for column in screen.board.columns():
            column.show_totals(column.stage)
            for card in list(column.cards):
                assert column.replace_card(card)
        for _ in range(IDLE_FRAMES):
            await pilot.pause(0.02)
        assert (drawn.layouts, drawn.renders) == (0, 0), "showing the same again drew"
        # The table likewise: any cell updated makes it draw every row again.
        await pilot.press("t")
        await settle(pilot)
        assert screen.in_table and screen.table.cards
        drawn.layouts = drawn.renders = 0
        for card in list(screen.table.cards):
            assert screen.table.replace_card(card)
        for _ in range(IDLE_FRAMES):
            await pilot.pause(0.02)
        assert (drawn.layouts, drawn.renders) == (0, 0), "the table drew the same rows again"


async def test_probability_key_repaints_its_card_without_a_layout(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(db)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        column = screen.board.focused_column()
        assert column is not None
        card = column.selected()
        assert card is not None
        key = "3" if card.probability != 30 else "7"
        drawn = Drawn(monkeypatch)
        await pilot.press(key)
        await settle(pilot)
        now = column.selected()
        assert now is not None and now.id == card.id and now.probability == int(key) * 10
        index = column.deal_list.highlighted
        assert index is not None
        shown = column.deal_list.get_option_at_index(index).prompt
        assert f"  {now.probability}%  " in str(shown)
        assert drawn.layouts == 0, "a probability key laid the screen out again"
        # The card's own lines, drawn once or twice (shown at once, then as written); the
        # column showed at least twelve cards' worth before.
        assert 0 < drawn.card_lines <= 2 * CARD_LINES, drawn.card_lines
